WITH t AS (
  SELECT
    CAST(b."effort" AS DOUBLE) AS ces_score
  FROM read_parquet('/ws/ds/tables/cx_survey.parquet') AS b
),
r AS (
  SELECT ces_score AS v,
    (ces_score BETWEEN 1 AND 7 AND ces_score = floor(ces_score)) AS ok
  FROM t
)
SELECT
  count(*) FILTER (WHERE ok) AS n,
  count(*) FILTER (WHERE NOT ok) AS out_of_scale,
  avg(v) FILTER (WHERE ok) AS mean,
  stddev_samp(v) FILTER (WHERE ok) AS sd
FROM r
-- params: ()
