WITH t AS (
  SELECT
    CAST(b."ok" AS INTEGER) AS task_success
  FROM read_parquet('/ws/ds/tables/tasks.parquet') AS b
),
r AS (
  SELECT task_success AS v,
    (task_success IN (0, 1)) AS ok
  FROM t
)
SELECT
  count(*) FILTER (WHERE ok) AS n,
  count(*) FILTER (WHERE NOT ok) AS out_of_scale,
  CAST(sum(v) FILTER (WHERE ok) AS DOUBLE) AS successes
FROM r
-- params: ()
