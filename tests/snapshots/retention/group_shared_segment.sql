-- level=group mode=group params=[]
WITH ux_rows AS (
  SELECT CAST(b."team" AS VARCHAR) AS grp,
    CAST(b."sus" AS DOUBLE) AS sus_score
  FROM read_parquet('/ws/team_ux.parquet') AS b
),
ux_scored AS (
  SELECT grp, sus_score AS v,
    (sus_score BETWEEN 0 AND 100) AS ok
  FROM ux_rows
),
ux AS (
  SELECT grp, avg(v) FILTER (WHERE ok) AS x,
    count(*) FILTER (WHERE ok) AS responses,
    count(*) FILTER (WHERE NOT ok) AS out_of_scale
  FROM ux_scored
  WHERE grp IS NOT NULL
  GROUP BY grp
),
outcome AS (
  SELECT CAST(c."id" AS VARCHAR) AS customer_id,
    CAST(c."team" AS VARCHAR) AS grp,
    max(CAST(c."left" AS INTEGER)) AS churned,
    CASE WHEN min(CAST(c."left" AS INTEGER)) < max(CAST(c."left" AS INTEGER)) THEN 2 WHEN min(CAST(c."left" AS INTEGER)) IS NULL THEN 0 ELSE 1 END AS churn_values
  FROM read_parquet('/ws/team_customers.parquet') AS c
  GROUP BY 1, 2
),
cust AS (
  SELECT 0 AS band, o.grp AS band_label, ux.x, o.churned, o.churned AS y,
    CAST(NULL AS DOUBLE) AS tenure, CAST(NULL AS DOUBLE) AS clv
  FROM outcome AS o JOIN ux ON o.grp = ux.grp
  WHERE ux.x IS NOT NULL AND o.churned IN (0, 1)
),
pc AS (
  SELECT band_label AS unit, any_value(x) AS x, avg(churned) AS churned, avg(y) AS y,
    count(*) AS customers
  FROM cust
  GROUP BY band_label
)
SELECT * FROM pc
ORDER BY unit
