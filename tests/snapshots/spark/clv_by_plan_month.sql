WITH t AS (
  SELECT
    CAST(b.`value` AS DOUBLE) AS clv,
    CAST(b.`plan` AS STRING) AS grp,
    CAST(date_trunc('month', CAST(b.`since` AS DATE)) AS DATE) AS period
  FROM parquet.`file:///ws/ds/tables/customers.parquet` AS b
  WHERE CAST(b.`since` AS DATE) >= ?
    AND CAST(b.`since` AS DATE) <= ?
    AND CAST(b.`plan` AS STRING) IN (?)
),
r AS (
  SELECT clv AS v,
    (clv IS NOT NULL) AS ok, grp, period
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
