WITH t AS (
  SELECT
    CAST(b."errors" AS DOUBLE) AS error_count
  FROM read_parquet('/ws/ds/tables/tasks.parquet') AS b
),
r AS (
  SELECT CASE WHEN error_count > 0 THEN 1 ELSE 0 END AS v,
    (error_count >= 0) AS ok
  FROM t
)
SELECT
  count(*) FILTER (WHERE ok) AS n,
  count(*) FILTER (WHERE NOT ok) AS out_of_scale,
  CAST(sum(v) FILTER (WHERE ok) AS DOUBLE) AS successes
FROM r
-- params: ()
