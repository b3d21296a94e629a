-- level=customer mode=customer params=[]
WITH ux_rows AS (
  SELECT CAST(b."customer_id" AS VARCHAR) AS customer_id,
    CAST(b."App store rating" AS DOUBLE) AS app_rating
  FROM read_parquet('/ws/ux_survey.parquet') AS b
),
ux_scored AS (
  SELECT customer_id, app_rating AS v,
    (app_rating BETWEEN 1 AND 5) AS ok
  FROM ux_rows
),
ux AS (
  SELECT customer_id, avg(v) FILTER (WHERE ok) AS x,
    count(*) FILTER (WHERE ok) AS responses,
    count(*) FILTER (WHERE NOT ok) AS out_of_scale
  FROM ux_scored
  WHERE customer_id IS NOT NULL
  GROUP BY customer_id
),
outcome AS (
  SELECT CAST(c."customer_id" AS VARCHAR) AS customer_id,
    CASE WHEN c."churned" IS NULL THEN NULL WHEN lower(trim(CAST(c."churned" AS VARCHAR))) IN ('1', 'true', 't', 'yes', 'y', 'churned', 'success', 'succeeded', 'completed', 'complete', 'pass', 'passed', 'converted', 'bounced', 'cancelled', 'canceled') THEN 1 WHEN lower(trim(CAST(c."churned" AS VARCHAR))) IN ('0', 'false', 'f', 'no', 'n', 'active', 'retained', 'stayed', 'failure', 'failed', 'fail', 'incomplete', 'not completed') THEN 0 ELSE -1 END AS churned,
    CASE WHEN CASE WHEN c."churned" IS NULL THEN NULL WHEN lower(trim(CAST(c."churned" AS VARCHAR))) IN ('1', 'true', 't', 'yes', 'y', 'churned', 'success', 'succeeded', 'completed', 'complete', 'pass', 'passed', 'converted', 'bounced', 'cancelled', 'canceled') THEN 1 WHEN lower(trim(CAST(c."churned" AS VARCHAR))) IN ('0', 'false', 'f', 'no', 'n', 'active', 'retained', 'stayed', 'failure', 'failed', 'fail', 'incomplete', 'not completed') THEN 0 ELSE -1 END IS NULL THEN 0 ELSE 1 END AS churn_values,
    CAST(c."tenure_months" AS DOUBLE) AS tenure,
    CAST(c."clv" AS DOUBLE) AS clv
  FROM read_parquet('/ws/customers.parquet') AS c
  WHERE c."customer_id" IS NOT NULL
  UNION ALL
  SELECT CAST(c."customer_id" AS VARCHAR) AS customer_id,
    max(CASE WHEN c."churned" IS NULL THEN NULL WHEN lower(trim(CAST(c."churned" AS VARCHAR))) IN ('1', 'true', 't', 'yes', 'y', 'churned', 'success', 'succeeded', 'completed', 'complete', 'pass', 'passed', 'converted', 'bounced', 'cancelled', 'canceled') THEN 1 WHEN lower(trim(CAST(c."churned" AS VARCHAR))) IN ('0', 'false', 'f', 'no', 'n', 'active', 'retained', 'stayed', 'failure', 'failed', 'fail', 'incomplete', 'not completed') THEN 0 ELSE -1 END) AS churned,
    CASE WHEN min(CASE WHEN c."churned" IS NULL THEN NULL WHEN lower(trim(CAST(c."churned" AS VARCHAR))) IN ('1', 'true', 't', 'yes', 'y', 'churned', 'success', 'succeeded', 'completed', 'complete', 'pass', 'passed', 'converted', 'bounced', 'cancelled', 'canceled') THEN 1 WHEN lower(trim(CAST(c."churned" AS VARCHAR))) IN ('0', 'false', 'f', 'no', 'n', 'active', 'retained', 'stayed', 'failure', 'failed', 'fail', 'incomplete', 'not completed') THEN 0 ELSE -1 END) < max(CASE WHEN c."churned" IS NULL THEN NULL WHEN lower(trim(CAST(c."churned" AS VARCHAR))) IN ('1', 'true', 't', 'yes', 'y', 'churned', 'success', 'succeeded', 'completed', 'complete', 'pass', 'passed', 'converted', 'bounced', 'cancelled', 'canceled') THEN 1 WHEN lower(trim(CAST(c."churned" AS VARCHAR))) IN ('0', 'false', 'f', 'no', 'n', 'active', 'retained', 'stayed', 'failure', 'failed', 'fail', 'incomplete', 'not completed') THEN 0 ELSE -1 END) THEN 2 WHEN min(CASE WHEN c."churned" IS NULL THEN NULL WHEN lower(trim(CAST(c."churned" AS VARCHAR))) IN ('1', 'true', 't', 'yes', 'y', 'churned', 'success', 'succeeded', 'completed', 'complete', 'pass', 'passed', 'converted', 'bounced', 'cancelled', 'canceled') THEN 1 WHEN lower(trim(CAST(c."churned" AS VARCHAR))) IN ('0', 'false', 'f', 'no', 'n', 'active', 'retained', 'stayed', 'failure', 'failed', 'fail', 'incomplete', 'not completed') THEN 0 ELSE -1 END) IS NULL THEN 0 ELSE 1 END AS churn_values,
    max(CAST(c."tenure_months" AS DOUBLE)) AS tenure,
    avg(CAST(c."clv" AS DOUBLE)) AS clv
  FROM read_parquet('/ws/customers.parquet') AS c
  WHERE c."customer_id" IS NULL
  GROUP BY 1
),
linked AS (
  SELECT ux.customer_id AS unit, ux.x, o.churned, o.tenure AS tenure, o.clv AS clv
  FROM ux JOIN outcome AS o ON ux.customer_id = o.customer_id
  WHERE ux.x IS NOT NULL AND o.churned IN (0, 1)
),
cuts AS (
  SELECT quantile_cont(x, [0.25, 0.5, 0.75]) AS q FROM linked
),
banded AS (
  SELECT linked.*, CASE WHEN x <= q[1] THEN 1 WHEN x <= q[2] THEN 2 WHEN x <= q[3] THEN 3 ELSE 4 END AS band
  FROM linked, cuts
),
pc AS (
  SELECT unit, x, churned, 1 - churned AS y, tenure, clv, band,
    'Q' || band AS band_label
  FROM banded
),
cust AS (
  SELECT * FROM pc
)
SELECT * FROM pc
ORDER BY unit
