WITH t AS (
  SELECT
    CAST(b.`secs` AS DOUBLE) AS time_on_task,
    CAST(b.`ok` AS INTEGER) AS task_success,
    CAST(d0.`plan` AS STRING) AS grp,
    CAST(date_trunc('month', CAST(b.`date` AS DATE)) AS DATE) AS period
  FROM parquet.`file:///ws/ds/tables/tasks.parquet` AS b
  LEFT JOIN parquet.`file:///ws/ds/tables/customers.parquet` AS d0 ON CAST(b.`cid` AS STRING) = CAST(d0.`cid` AS STRING)
  WHERE CAST(b.`date` AS DATE) >= ?
    AND CAST(b.`date` AS DATE) <= ?
    AND CAST(d0.`plan` AS STRING) IN (?)
),
r AS (
  SELECT time_on_task AS v,
    (time_on_task > 0) AS ok, grp, period
  FROM t
  WHERE task_success = 1
)
SELECT
  grp, period, count(*) FILTER (WHERE ok) AS n,
  count(*) FILTER (WHERE NOT ok) AS out_of_scale,
  avg(ln(CASE WHEN ok THEN v END)) AS mean_log,
  stddev_samp(ln(CASE WHEN ok THEN v END)) AS sd_log
FROM r
GROUP BY grp, period
ORDER BY grp NULLS LAST, period NULLS LAST
-- params: (datetime.date(2025, 1, 1), datetime.date(2025, 6, 30), 'Pro')
