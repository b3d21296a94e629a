WITH t AS (
  SELECT
    CASE WHEN b.`left` IS NULL THEN NULL WHEN lower(trim(CAST(b.`left` AS STRING))) IN ('1', 'true', 't', 'yes', 'y', 'churned', 'success', 'succeeded', 'completed', 'complete', 'pass', 'passed', 'converted', 'bounced', 'cancelled', 'canceled') THEN 1 WHEN lower(trim(CAST(b.`left` AS STRING))) IN ('0', 'false', 'f', 'no', 'n', 'active', 'retained', 'stayed', 'failure', 'failed', 'fail', 'incomplete', 'not completed') THEN 0 ELSE -1 END AS churned,
    CAST(b.`plan` AS STRING) AS grp,
    CAST(date_trunc('month', CAST(b.`since` AS DATE)) AS DATE) AS period
  FROM parquet.`file:///ws/ds/tables/customers.parquet` AS b
  WHERE CAST(b.`since` AS DATE) >= ?
    AND CAST(b.`since` AS DATE) <= ?
    AND CAST(b.`plan` AS STRING) IN (?)
),
r AS (
  SELECT churned AS v,
    (churned IN (0, 1)) AS ok, grp, period
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
