-- level=customer mode=customer
WITH ux_rows AS (
  SELECT CAST(b."Customer ID" AS VARCHAR) AS customer_id,
    CAST(b."Satisfaction Score" AS DOUBLE) AS csat_score
  FROM read_parquet('/ws/crm.parquet') AS b
),
ux_scored AS (
  SELECT customer_id, csat_score AS v,
    (csat_score BETWEEN 1 AND 5 AND csat_score = floor(csat_score)) AS ok
  FROM ux_rows
),
ux AS (
  SELECT customer_id, CAST(CASE WHEN ok THEN v END AS DOUBLE) AS x,
    CAST(CASE WHEN ok THEN 1 ELSE 0 END AS BIGINT) AS responses,
    CAST(CASE WHEN NOT ok THEN 1 ELSE 0 END AS BIGINT) AS out_of_scale
  FROM ux_scored
  WHERE customer_id IS NOT NULL
),
outcome AS (
  SELECT CAST(c."Customer ID" AS VARCHAR) AS customer_id,
    CASE WHEN c."Churn Date" IS NULL THEN 0 ELSE 1 END AS churned,
    CASE WHEN CASE WHEN c."Churn Date" IS NULL THEN 0 ELSE 1 END IS NULL THEN 0 ELSE 1 END AS churn_values,
    CASE WHEN (CASE WHEN c."Churn Date" IS NULL THEN 0 ELSE 1 END) = 1 THEN date_diff('day', CAST(c."Signup Date" AS DATE), CAST(c."Churn Date" AS DATE)) ELSE date_diff('day', CAST(c."Signup Date" AS DATE), DATE '2025-09-28') END / 30.4375 AS tenure
  FROM read_parquet('/ws/crm.parquet') AS c
  WHERE c."Customer ID" IS NOT NULL
  UNION ALL
  SELECT CAST(c."Customer ID" AS VARCHAR) AS customer_id,
    max(CASE WHEN c."Churn Date" IS NULL THEN 0 ELSE 1 END) AS churned,
    CASE WHEN min(CASE WHEN c."Churn Date" IS NULL THEN 0 ELSE 1 END) < max(CASE WHEN c."Churn Date" IS NULL THEN 0 ELSE 1 END) THEN 2 WHEN min(CASE WHEN c."Churn Date" IS NULL THEN 0 ELSE 1 END) IS NULL THEN 0 ELSE 1 END AS churn_values,
    max(CASE WHEN (CASE WHEN c."Churn Date" IS NULL THEN 0 ELSE 1 END) = 1 THEN date_diff('day', CAST(c."Signup Date" AS DATE), CAST(c."Churn Date" AS DATE)) ELSE date_diff('day', CAST(c."Signup Date" AS DATE), DATE '2025-09-28') END / 30.4375) AS tenure
  FROM read_parquet('/ws/crm.parquet') AS c
  WHERE c."Customer ID" IS NULL
  GROUP BY 1
),
linked AS (
  SELECT ux.customer_id AS unit, ux.x, o.churned, o.tenure AS tenure, CAST(NULL AS DOUBLE) AS clv
  FROM ux JOIN outcome AS o ON ux.customer_id = o.customer_id
  WHERE ux.x IS NOT NULL AND o.churned IN (0, 1)
),
banded AS (
  SELECT *, CASE WHEN floor(x + 0.5) <= 1 THEN 1 WHEN floor(x + 0.5) <= 2 THEN 2 WHEN floor(x + 0.5) <= 3 THEN 3 WHEN floor(x + 0.5) <= 4 THEN 4 ELSE 5 END AS band
  FROM linked
),
pc AS (
  SELECT unit, x, churned, churned AS y, tenure, clv, band,
    CASE band WHEN 1 THEN '1' WHEN 2 THEN '2' WHEN 3 THEN '3' WHEN 4 THEN '4' WHEN 5 THEN '5' END AS band_label
  FROM banded
),
cust AS (
  SELECT * FROM pc
)
SELECT * FROM pc
ORDER BY unit
