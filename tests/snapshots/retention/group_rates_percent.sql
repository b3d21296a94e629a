-- level=group mode=group_rates params=[]
WITH rows_ AS MATERIALIZED (
  SELECT CAST(b."product" AS VARCHAR) AS grp,
    CAST(b."sus" AS DOUBLE) AS sus_score,
    CAST(b."churn %" AS DOUBLE) / 100 AS rate
  FROM read_parquet('/ws/products.parquet') AS b
),
ux_scored AS (
  SELECT grp, sus_score AS v,
    (sus_score BETWEEN 0 AND 100) AS ok
  FROM rows_
),
ux AS (
  SELECT grp, avg(v) FILTER (WHERE ok) AS x,
    count(*) FILTER (WHERE ok) AS responses,
    count(*) FILTER (WHERE NOT ok) AS out_of_scale
  FROM ux_scored
  WHERE grp IS NOT NULL
  GROUP BY grp
),
rates AS (
  SELECT grp, avg(rate) AS rate
  FROM rows_
  GROUP BY grp
),
pc AS (
  SELECT r.grp AS unit, ux.x, r.rate AS churned, r.rate AS y,
    CAST(NULL AS BIGINT) AS customers
  FROM rates AS r JOIN ux ON r.grp = ux.grp
  WHERE ux.x IS NOT NULL AND r.rate IS NOT NULL
),
cust AS (
  SELECT 0 AS band, unit AS band_label, x, churned, y, CAST(NULL AS DOUBLE) AS tenure
  FROM pc
  WHERE false
)
SELECT * FROM pc
ORDER BY unit
