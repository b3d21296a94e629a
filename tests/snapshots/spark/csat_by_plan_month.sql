WITH t AS (
  SELECT
    TRY_CAST(b.`sat` AS DOUBLE) AS csat_score,
    CAST(d0.`plan` AS STRING) AS grp,
    CAST(date_trunc('month', CAST(b.`date` AS DATE)) AS DATE) AS period
  FROM parquet.`file:///ws/ds/tables/cx_survey.parquet` AS b
  LEFT JOIN parquet.`file:///ws/ds/tables/customers.parquet` AS d0 ON CAST(b.`cid` AS STRING) = CAST(d0.`cid` AS STRING)
  WHERE CAST(b.`date` AS DATE) >= ?
    AND CAST(b.`date` AS DATE) <= ?
    AND CAST(d0.`plan` AS STRING) IN (?)
),
r AS (
  SELECT CASE WHEN csat_score >= 4 THEN 1 ELSE 0 END AS v,
    (csat_score BETWEEN 1 AND 5 AND csat_score = floor(csat_score)) AS ok, grp, period
  FROM t
)
SELECT
  grp, period, count(*) FILTER (WHERE ok) AS n,
  count(*) FILTER (WHERE NOT ok) AS out_of_scale,
  CAST(sum(v) FILTER (WHERE ok) AS DOUBLE) AS successes
FROM r
GROUP BY grp, period
ORDER BY grp NULLS LAST, period NULLS LAST
-- params: (datetime.date(2025, 1, 1), datetime.date(2025, 6, 30), 'Pro')
