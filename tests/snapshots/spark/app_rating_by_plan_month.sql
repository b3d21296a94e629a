WITH t AS (
  SELECT
    TRY_CAST(b.`stars` AS DOUBLE) AS app_rating,
    CAST(d0.`plan` AS STRING) AS grp,
    CAST(date_trunc('month', CAST(b.`date` AS DATE)) AS DATE) AS period
  FROM parquet.`file:///ws/ds/tables/ux_survey.parquet` AS b
  LEFT JOIN parquet.`file:///ws/ds/tables/customers.parquet` AS d0 ON CAST(b.`cid` AS STRING) = CAST(d0.`cid` AS STRING)
  WHERE CAST(b.`date` AS DATE) >= ?
    AND CAST(b.`date` AS DATE) <= ?
    AND CAST(d0.`plan` AS STRING) IN (?)
),
r AS (
  SELECT app_rating AS v,
    (app_rating BETWEEN 1 AND 5) AS ok, grp, period
  FROM t
)
SELECT
  grp, period, count(*) FILTER (WHERE ok) AS n,
  count(*) FILTER (WHERE NOT ok) AS out_of_scale,
  avg(v) FILTER (WHERE ok) AS mean,
  stddev_samp(v) FILTER (WHERE ok) AS sd
FROM r
GROUP BY grp, period
ORDER BY grp NULLS LAST, period NULLS LAST
-- params: (datetime.date(2025, 1, 1), datetime.date(2025, 6, 30), 'Pro')
