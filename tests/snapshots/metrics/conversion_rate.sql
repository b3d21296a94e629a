WITH t AS (
  SELECT
    CAST(b."conv" AS DOUBLE) AS converted
  FROM read_parquet('/ws/ds/tables/sessions.parquet') AS b
),
r AS (
  SELECT converted AS v,
    (converted IN (0, 1)) AS ok
  FROM t
)
SELECT
  count(*) FILTER (WHERE ok) AS n,
  count(*) FILTER (WHERE NOT ok) AS out_of_scale,
  CAST(sum(v) FILTER (WHERE ok) AS DOUBLE) AS successes
FROM r
-- params: ()
