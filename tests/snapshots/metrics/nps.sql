WITH t AS (
  SELECT
    CAST(b."ltr" AS DOUBLE) AS nps_score
  FROM read_parquet('/ws/ds/tables/cx_survey.parquet') AS b
),
r AS (
  SELECT nps_score AS v,
    (nps_score BETWEEN 0 AND 10 AND nps_score = floor(nps_score)) AS ok
  FROM t
)
SELECT
  count(*) FILTER (WHERE ok) AS n,
  count(*) FILTER (WHERE NOT ok) AS out_of_scale,
  count(*) FILTER (WHERE ok AND v >= 9) AS promoters,
  count(*) FILTER (WHERE ok AND v <= 6) AS detractors
FROM r
-- params: ()
