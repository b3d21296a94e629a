WITH t AS (
  SELECT
    CAST(b."LTR app" AS DOUBLE) AS product_nps_score
  FROM read_parquet('/ws/ds/tables/ux_survey.parquet') AS b
),
r AS (
  SELECT product_nps_score AS v,
    (product_nps_score BETWEEN 0 AND 10 AND product_nps_score = floor(product_nps_score)) AS ok
  FROM t
)
SELECT
  count(*) FILTER (WHERE ok) AS n,
  count(*) FILTER (WHERE NOT ok) AS out_of_scale,
  count(*) FILTER (WHERE ok AND v >= 9) AS promoters,
  count(*) FILTER (WHERE ok AND v <= 6) AS detractors
FROM r
-- params: ()
