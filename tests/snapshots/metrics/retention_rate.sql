WITH t AS (
  SELECT
    CASE WHEN b."left" IS NULL THEN NULL WHEN lower(trim(CAST(b."left" AS VARCHAR))) IN ('1', 'true', 't', 'yes', 'y', 'churned', 'success', 'succeeded', 'completed', 'complete', 'pass', 'passed', 'converted', 'bounced', 'cancelled', 'canceled') THEN 1 WHEN lower(trim(CAST(b."left" AS VARCHAR))) IN ('0', 'false', 'f', 'no', 'n', 'active', 'retained', 'stayed', 'failure', 'failed', 'fail', 'incomplete', 'not completed') THEN 0 ELSE -1 END AS churned
  FROM read_parquet('/ws/ds/tables/customers.parquet') AS b
),
r AS (
  SELECT 1 - churned AS v,
    (churned IN (0, 1)) AS ok
  FROM t
)
SELECT
  count(*) FILTER (WHERE ok) AS n,
  count(*) FILTER (WHERE NOT ok) AS out_of_scale,
  CAST(sum(v) FILTER (WHERE ok) AS DOUBLE) AS successes
FROM r
-- params: ()
