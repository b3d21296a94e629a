WITH t AS (
  SELECT
    CAST(b."secs" AS DOUBLE) AS time_on_task,
    CAST(b."ok" AS INTEGER) AS task_success
  FROM read_parquet('/ws/ds/tables/tasks.parquet') AS b
),
r AS (
  SELECT time_on_task AS v,
    (time_on_task > 0) AS ok
  FROM t
  WHERE task_success = 1
)
SELECT
  count(*) FILTER (WHERE ok) AS n,
  count(*) FILTER (WHERE NOT ok) AS out_of_scale,
  avg(ln(CASE WHEN ok THEN v END)) AS mean_log,
  stddev_samp(ln(CASE WHEN ok THEN v END)) AS sd_log
FROM r
-- params: ()
