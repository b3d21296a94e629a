-- level=customer mode=customer params=['2025-01-01', '2025-06-30', 'Pro', 'Pro']
WITH ux_rows AS (
  SELECT CAST(b."customer_id" AS VARCHAR) AS customer_id,
    CAST(b."I would say q1" AS DOUBLE) AS sus_q1,
    CAST(b."I would say q2" AS DOUBLE) AS sus_q2,
    CAST(b."I would say q3" AS DOUBLE) AS sus_q3,
    CAST(b."I would say q4" AS DOUBLE) AS sus_q4,
    CAST(b."I would say q5" AS DOUBLE) AS sus_q5,
    CAST(b."I would say q6" AS DOUBLE) AS sus_q6,
    CAST(b."I would say q7" AS DOUBLE) AS sus_q7,
    CAST(b."I would say q8" AS DOUBLE) AS sus_q8,
    CAST(b."I would say q9" AS DOUBLE) AS sus_q9,
    CAST(b."I would say q10" AS DOUBLE) AS sus_q10
  FROM read_parquet('/ws/ux_survey.parquet') AS b
  WHERE CAST(b."date" AS DATE) >= ?
    AND CAST(b."date" AS DATE) <= ?
),
ux_scored AS (
  SELECT customer_id, ((sus_q1 - 1) + (5 - sus_q2) + (sus_q3 - 1) + (5 - sus_q4) + (sus_q5 - 1) + (5 - sus_q6) + (sus_q7 - 1) + (5 - sus_q8) + (sus_q9 - 1) + (5 - sus_q10)) * 2.5 AS v,
    (sus_q1 BETWEEN 1 AND 5 AND sus_q1 = floor(sus_q1) AND sus_q2 BETWEEN 1 AND 5 AND sus_q2 = floor(sus_q2) AND sus_q3 BETWEEN 1 AND 5 AND sus_q3 = floor(sus_q3) AND sus_q4 BETWEEN 1 AND 5 AND sus_q4 = floor(sus_q4) AND sus_q5 BETWEEN 1 AND 5 AND sus_q5 = floor(sus_q5) AND sus_q6 BETWEEN 1 AND 5 AND sus_q6 = floor(sus_q6) AND sus_q7 BETWEEN 1 AND 5 AND sus_q7 = floor(sus_q7) AND sus_q8 BETWEEN 1 AND 5 AND sus_q8 = floor(sus_q8) AND sus_q9 BETWEEN 1 AND 5 AND sus_q9 = floor(sus_q9) AND sus_q10 BETWEEN 1 AND 5 AND sus_q10 = floor(sus_q10)) AS ok
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
  WHERE CAST(c."plan" AS VARCHAR) IN (?)
    AND c."customer_id" IS NOT NULL
  UNION ALL
  SELECT CAST(c."customer_id" AS VARCHAR) AS customer_id,
    max(CASE WHEN c."churned" IS NULL THEN NULL WHEN lower(trim(CAST(c."churned" AS VARCHAR))) IN ('1', 'true', 't', 'yes', 'y', 'churned', 'success', 'succeeded', 'completed', 'complete', 'pass', 'passed', 'converted', 'bounced', 'cancelled', 'canceled') THEN 1 WHEN lower(trim(CAST(c."churned" AS VARCHAR))) IN ('0', 'false', 'f', 'no', 'n', 'active', 'retained', 'stayed', 'failure', 'failed', 'fail', 'incomplete', 'not completed') THEN 0 ELSE -1 END) AS churned,
    CASE WHEN min(CASE WHEN c."churned" IS NULL THEN NULL WHEN lower(trim(CAST(c."churned" AS VARCHAR))) IN ('1', 'true', 't', 'yes', 'y', 'churned', 'success', 'succeeded', 'completed', 'complete', 'pass', 'passed', 'converted', 'bounced', 'cancelled', 'canceled') THEN 1 WHEN lower(trim(CAST(c."churned" AS VARCHAR))) IN ('0', 'false', 'f', 'no', 'n', 'active', 'retained', 'stayed', 'failure', 'failed', 'fail', 'incomplete', 'not completed') THEN 0 ELSE -1 END) < max(CASE WHEN c."churned" IS NULL THEN NULL WHEN lower(trim(CAST(c."churned" AS VARCHAR))) IN ('1', 'true', 't', 'yes', 'y', 'churned', 'success', 'succeeded', 'completed', 'complete', 'pass', 'passed', 'converted', 'bounced', 'cancelled', 'canceled') THEN 1 WHEN lower(trim(CAST(c."churned" AS VARCHAR))) IN ('0', 'false', 'f', 'no', 'n', 'active', 'retained', 'stayed', 'failure', 'failed', 'fail', 'incomplete', 'not completed') THEN 0 ELSE -1 END) THEN 2 WHEN min(CASE WHEN c."churned" IS NULL THEN NULL WHEN lower(trim(CAST(c."churned" AS VARCHAR))) IN ('1', 'true', 't', 'yes', 'y', 'churned', 'success', 'succeeded', 'completed', 'complete', 'pass', 'passed', 'converted', 'bounced', 'cancelled', 'canceled') THEN 1 WHEN lower(trim(CAST(c."churned" AS VARCHAR))) IN ('0', 'false', 'f', 'no', 'n', 'active', 'retained', 'stayed', 'failure', 'failed', 'fail', 'incomplete', 'not completed') THEN 0 ELSE -1 END) IS NULL THEN 0 ELSE 1 END AS churn_values,
    max(CAST(c."tenure_months" AS DOUBLE)) AS tenure,
    avg(CAST(c."clv" AS DOUBLE)) AS clv
  FROM read_parquet('/ws/customers.parquet') AS c
  WHERE CAST(c."plan" AS VARCHAR) IN (?)
    AND c."customer_id" IS NULL
  GROUP BY 1
),
linked AS (
  SELECT ux.customer_id AS unit, ux.x, o.churned, o.tenure AS tenure, o.clv AS clv
  FROM ux JOIN outcome AS o ON ux.customer_id = o.customer_id
  WHERE ux.x IS NOT NULL AND o.churned IN (0, 1)
),
banded AS (
  SELECT *, CASE WHEN x >= 78.9 THEN 5 WHEN x >= 72.6 THEN 4 WHEN x >= 62.7 THEN 3 WHEN x >= 51.7 THEN 2 ELSE 1 END AS band
  FROM linked
),
pc AS (
  SELECT unit, x, churned, churned AS y, tenure, clv, band,
    CASE band WHEN 1 THEN 'F (<51.7)' WHEN 2 THEN 'D (51.7–62.7)' WHEN 3 THEN 'C (62.7–72.6)' WHEN 4 THEN 'B (72.6–78.9)' WHEN 5 THEN 'A (≥78.9)' END AS band_label
  FROM banded
),
cust AS (
  SELECT * FROM pc
)
SELECT * FROM pc
ORDER BY unit
