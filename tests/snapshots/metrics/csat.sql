WITH t AS (
  SELECT
    TRY_CAST(b."sat" AS DOUBLE) AS csat_score
  FROM read_parquet('/ws/ds/tables/cx_survey.parquet') AS b
),
r AS (
  SELECT CASE WHEN csat_score >= 4 THEN 1 ELSE 0 END AS v,
    (csat_score BETWEEN 1 AND 5 AND csat_score = floor(csat_score)) AS ok
  FROM t
)
SELECT
  count(*) FILTER (WHERE ok) AS n,
  count(*) FILTER (WHERE NOT ok) AS out_of_scale,
  CAST(sum(v) FILTER (WHERE ok) AS DOUBLE) AS successes
FROM r
-- params: ()
