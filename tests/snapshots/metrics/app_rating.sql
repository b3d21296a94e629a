WITH t AS (
  SELECT
    TRY_CAST(b."stars" AS DOUBLE) AS app_rating
  FROM read_parquet('/ws/ds/tables/ux_survey.parquet') AS b
),
r AS (
  SELECT app_rating AS v,
    (app_rating BETWEEN 1 AND 5) AS ok
  FROM t
)
SELECT
  count(*) FILTER (WHERE ok) AS n,
  count(*) FILTER (WHERE NOT ok) AS out_of_scale,
  avg(v) FILTER (WHERE ok) AS mean,
  stddev_samp(v) FILTER (WHERE ok) AS sd
FROM r
-- params: ()
