WITH t AS (
  SELECT
    CAST(b.`Item 1` AS DOUBLE) AS sus_q1,
    CAST(b.`Item 2` AS DOUBLE) AS sus_q2,
    CAST(b.`Item 3` AS DOUBLE) AS sus_q3,
    CAST(b.`Item 4` AS DOUBLE) AS sus_q4,
    CAST(b.`Item 5` AS DOUBLE) AS sus_q5,
    CAST(b.`Item 6` AS DOUBLE) AS sus_q6,
    CAST(b.`Item 7` AS DOUBLE) AS sus_q7,
    CAST(b.`Item 8` AS DOUBLE) AS sus_q8,
    CAST(b.`Item 9` AS DOUBLE) AS sus_q9,
    CAST(b.`Item 10` AS DOUBLE) AS sus_q10,
    CAST(b.`LTR app` AS DOUBLE) AS product_nps_score,
    TRY_CAST(b.`stars` AS DOUBLE) AS app_rating,
    CAST(d0.`plan` AS STRING) AS grp
  FROM read_parquet('/ws/ds/tables/ux_survey.parquet') AS b
  LEFT JOIN read_parquet('/ws/ds/tables/customers.parquet') AS d0 ON CAST(b.`cid` AS STRING) = CAST(d0.`cid` AS STRING)
  WHERE CAST(b.`date` AS DATE) >= ?
    AND CAST(b.`date` AS DATE) <= ?
    AND CAST(d0.`plan` AS STRING) IN (?)
),
r AS (
  SELECT
    ((sus_q1 - 1) + (5 - sus_q2) + (sus_q3 - 1) + (5 - sus_q4) + (sus_q5 - 1) + (5 - sus_q6) + (sus_q7 - 1) + (5 - sus_q8) + (sus_q9 - 1) + (5 - sus_q10)) * 2.5 AS v_sus,
    (sus_q1 BETWEEN 1 AND 5 AND sus_q1 = floor(sus_q1) AND sus_q2 BETWEEN 1 AND 5 AND sus_q2 = floor(sus_q2) AND sus_q3 BETWEEN 1 AND 5 AND sus_q3 = floor(sus_q3) AND sus_q4 BETWEEN 1 AND 5 AND sus_q4 = floor(sus_q4) AND sus_q5 BETWEEN 1 AND 5 AND sus_q5 = floor(sus_q5) AND sus_q6 BETWEEN 1 AND 5 AND sus_q6 = floor(sus_q6) AND sus_q7 BETWEEN 1 AND 5 AND sus_q7 = floor(sus_q7) AND sus_q8 BETWEEN 1 AND 5 AND sus_q8 = floor(sus_q8) AND sus_q9 BETWEEN 1 AND 5 AND sus_q9 = floor(sus_q9) AND sus_q10 BETWEEN 1 AND 5 AND sus_q10 = floor(sus_q10)) AS ok_sus,
    product_nps_score AS v_product_nps,
    (product_nps_score BETWEEN 0 AND 10 AND product_nps_score = floor(product_nps_score)) AS ok_product_nps,
    app_rating AS v_app_rating,
    (app_rating BETWEEN 1 AND 5) AS ok_app_rating,
    grp
  FROM t
)
SELECT
  grp,
  grouping(grp) AS g_grp,
  count_if(ok_sus) AS sus__n,
  count_if(NOT ok_sus) AS sus__out_of_scale,
  avg(v_sus) FILTER (WHERE ok_sus) AS sus__mean,
  stddev_samp(v_sus) FILTER (WHERE ok_sus) AS sus__sd,
  count_if(ok_product_nps) AS product_nps__n,
  count_if(NOT ok_product_nps) AS product_nps__out_of_scale,
  count_if(ok_product_nps AND v_product_nps >= 9) AS product_nps__promoters,
  count_if(ok_product_nps AND v_product_nps <= 6) AS product_nps__detractors,
  count_if(ok_app_rating) AS app_rating__n,
  count_if(NOT ok_app_rating) AS app_rating__out_of_scale,
  avg(v_app_rating) FILTER (WHERE ok_app_rating) AS app_rating__mean,
  stddev_samp(v_app_rating) FILTER (WHERE ok_app_rating) AS app_rating__sd
FROM r
GROUP BY GROUPING SETS ((grp), ())
ORDER BY g_grp NULLS LAST, grp NULLS LAST
-- params: (datetime.date(2025, 1, 1), datetime.date(2025, 6, 30), 'Pro')

WITH t AS (
  SELECT
    CAST(b.`ok` AS INTEGER) AS task_success,
    CAST(b.`secs` AS DOUBLE) AS time_on_task,
    CAST(b.`errors` AS DOUBLE) AS error_count,
    CAST(d0.`plan` AS STRING) AS grp
  FROM read_parquet('/ws/ds/tables/tasks.parquet') AS b
  LEFT JOIN read_parquet('/ws/ds/tables/customers.parquet') AS d0 ON CAST(b.`cid` AS STRING) = CAST(d0.`cid` AS STRING)
  WHERE CAST(b.`date` AS DATE) >= ?
    AND CAST(b.`date` AS DATE) <= ?
    AND CAST(d0.`plan` AS STRING) IN (?)
),
r AS (
  SELECT
    task_success AS v_task_success_rate,
    (task_success IN (0, 1)) AS ok_task_success_rate,
    time_on_task AS v_time_on_task,
    (time_on_task > 0) AS ok_time_on_task,
    (task_success = 1) AS w_time_on_task,
    CASE WHEN error_count > 0 THEN 1 ELSE 0 END AS v_error_rate,
    (error_count >= 0) AS ok_error_rate,
    grp
  FROM t
)
SELECT
  grp,
  grouping(grp) AS g_grp,
  count_if(ok_task_success_rate) AS task_success_rate__n,
  count_if(NOT ok_task_success_rate) AS task_success_rate__out_of_scale,
  CAST(sum(v_task_success_rate) FILTER (WHERE ok_task_success_rate) AS DOUBLE) AS task_success_rate__successes,
  count_if(w_time_on_task AND (ok_time_on_task)) AS time_on_task__n,
  count_if(w_time_on_task AND (NOT ok_time_on_task)) AS time_on_task__out_of_scale,
  avg(ln(CASE WHEN ok_time_on_task THEN v_time_on_task END)) FILTER (WHERE w_time_on_task) AS time_on_task__mean_log,
  stddev_samp(ln(CASE WHEN ok_time_on_task THEN v_time_on_task END)) FILTER (WHERE w_time_on_task) AS time_on_task__sd_log,
  count_if(w_time_on_task) AS time_on_task__rows,
  count_if(ok_error_rate) AS error_rate__n,
  count_if(NOT ok_error_rate) AS error_rate__out_of_scale,
  CAST(sum(v_error_rate) FILTER (WHERE ok_error_rate) AS DOUBLE) AS error_rate__successes
FROM r
GROUP BY GROUPING SETS ((grp), ())
ORDER BY g_grp NULLS LAST, grp NULLS LAST
-- params: (datetime.date(2025, 1, 1), datetime.date(2025, 6, 30), 'Pro')

WITH t AS (
  SELECT
    CASE WHEN b.`bounced` IS NULL THEN NULL WHEN lower(trim(CAST(b.`bounced` AS STRING))) IN ('1', 'true', 't', 'yes', 'y', 'churned', 'success', 'succeeded', 'completed', 'complete', 'pass', 'passed', 'converted', 'bounced', 'cancelled', 'canceled') THEN 1 WHEN lower(trim(CAST(b.`bounced` AS STRING))) IN ('0', 'false', 'f', 'no', 'n', 'active', 'retained', 'stayed', 'failure', 'failed', 'fail', 'incomplete', 'not completed') THEN 0 ELSE -1 END AS bounced,
    CAST(b.`conv` AS DOUBLE) AS converted,
    CAST(d0.`plan` AS STRING) AS grp
  FROM read_parquet('/ws/ds/tables/sessions.parquet') AS b
  LEFT JOIN read_parquet('/ws/ds/tables/customers.parquet') AS d0 ON CAST(b.`cid` AS STRING) = CAST(d0.`cid` AS STRING)
  WHERE CAST(b.`date` AS DATE) >= ?
    AND CAST(b.`date` AS DATE) <= ?
    AND CAST(d0.`plan` AS STRING) IN (?)
),
r AS (
  SELECT
    bounced AS v_bounce_rate,
    (bounced IN (0, 1)) AS ok_bounce_rate,
    converted AS v_conversion_rate,
    (converted IN (0, 1)) AS ok_conversion_rate,
    grp
  FROM t
)
SELECT
  grp,
  grouping(grp) AS g_grp,
  count_if(ok_bounce_rate) AS bounce_rate__n,
  count_if(NOT ok_bounce_rate) AS bounce_rate__out_of_scale,
  CAST(sum(v_bounce_rate) FILTER (WHERE ok_bounce_rate) AS DOUBLE) AS bounce_rate__successes,
  count_if(ok_conversion_rate) AS conversion_rate__n,
  count_if(NOT ok_conversion_rate) AS conversion_rate__out_of_scale,
  CAST(sum(v_conversion_rate) FILTER (WHERE ok_conversion_rate) AS DOUBLE) AS conversion_rate__successes
FROM r
GROUP BY GROUPING SETS ((grp), ())
ORDER BY g_grp NULLS LAST, grp NULLS LAST
-- params: (datetime.date(2025, 1, 1), datetime.date(2025, 6, 30), 'Pro')

WITH t AS (
  SELECT
    CAST(b.`ltr` AS DOUBLE) AS nps_score,
    TRY_CAST(b.`sat` AS DOUBLE) AS csat_score,
    CAST(b.`effort` AS DOUBLE) AS ces_score,
    CAST(d0.`plan` AS STRING) AS grp
  FROM read_parquet('/ws/ds/tables/cx_survey.parquet') AS b
  LEFT JOIN read_parquet('/ws/ds/tables/customers.parquet') AS d0 ON CAST(b.`cid` AS STRING) = CAST(d0.`cid` AS STRING)
  WHERE CAST(b.`date` AS DATE) >= ?
    AND CAST(b.`date` AS DATE) <= ?
    AND CAST(d0.`plan` AS STRING) IN (?)
),
r AS (
  SELECT
    nps_score AS v_nps,
    (nps_score BETWEEN 0 AND 10 AND nps_score = floor(nps_score)) AS ok_nps,
    CASE WHEN csat_score >= 4 THEN 1 ELSE 0 END AS v_csat,
    (csat_score BETWEEN 1 AND 5 AND csat_score = floor(csat_score)) AS ok_csat,
    ces_score AS v_ces,
    (ces_score BETWEEN 1 AND 7 AND ces_score = floor(ces_score)) AS ok_ces,
    grp
  FROM t
)
SELECT
  grp,
  grouping(grp) AS g_grp,
  count_if(ok_nps) AS nps__n,
  count_if(NOT ok_nps) AS nps__out_of_scale,
  count_if(ok_nps AND v_nps >= 9) AS nps__promoters,
  count_if(ok_nps AND v_nps <= 6) AS nps__detractors,
  count_if(ok_csat) AS csat__n,
  count_if(NOT ok_csat) AS csat__out_of_scale,
  CAST(sum(v_csat) FILTER (WHERE ok_csat) AS DOUBLE) AS csat__successes,
  count_if(ok_ces) AS ces__n,
  count_if(NOT ok_ces) AS ces__out_of_scale,
  avg(v_ces) FILTER (WHERE ok_ces) AS ces__mean,
  stddev_samp(v_ces) FILTER (WHERE ok_ces) AS ces__sd
FROM r
GROUP BY GROUPING SETS ((grp), ())
ORDER BY g_grp NULLS LAST, grp NULLS LAST
-- params: (datetime.date(2025, 1, 1), datetime.date(2025, 6, 30), 'Pro')

WITH t AS (
  SELECT
    CASE WHEN b.`left` IS NULL THEN NULL WHEN lower(trim(CAST(b.`left` AS STRING))) IN ('1', 'true', 't', 'yes', 'y', 'churned', 'success', 'succeeded', 'completed', 'complete', 'pass', 'passed', 'converted', 'bounced', 'cancelled', 'canceled') THEN 1 WHEN lower(trim(CAST(b.`left` AS STRING))) IN ('0', 'false', 'f', 'no', 'n', 'active', 'retained', 'stayed', 'failure', 'failed', 'fail', 'incomplete', 'not completed') THEN 0 ELSE -1 END AS churned,
    CAST(b.`value` AS DOUBLE) AS clv,
    CAST(b.`plan` AS STRING) AS grp
  FROM read_parquet('/ws/ds/tables/customers.parquet') AS b
  WHERE CAST(b.`since` AS DATE) >= ?
    AND CAST(b.`since` AS DATE) <= ?
    AND CAST(b.`plan` AS STRING) IN (?)
),
r AS (
  SELECT
    churned AS v_churn_rate,
    (churned IN (0, 1)) AS ok_churn_rate,
    1 - churned AS v_retention_rate,
    (churned IN (0, 1)) AS ok_retention_rate,
    clv AS v_clv,
    (clv IS NOT NULL) AS ok_clv,
    grp
  FROM t
)
SELECT
  grp,
  grouping(grp) AS g_grp,
  count_if(ok_churn_rate) AS churn_rate__n,
  count_if(NOT ok_churn_rate) AS churn_rate__out_of_scale,
  CAST(sum(v_churn_rate) FILTER (WHERE ok_churn_rate) AS DOUBLE) AS churn_rate__successes,
  count_if(ok_retention_rate) AS retention_rate__n,
  count_if(NOT ok_retention_rate) AS retention_rate__out_of_scale,
  CAST(sum(v_retention_rate) FILTER (WHERE ok_retention_rate) AS DOUBLE) AS retention_rate__successes,
  count_if(ok_clv) AS clv__n,
  count_if(NOT ok_clv) AS clv__out_of_scale,
  avg(v_clv) FILTER (WHERE ok_clv) AS clv__mean,
  stddev_samp(v_clv) FILTER (WHERE ok_clv) AS clv__sd
FROM r
GROUP BY GROUPING SETS ((grp), ())
ORDER BY g_grp NULLS LAST, grp NULLS LAST
-- params: (datetime.date(2025, 1, 1), datetime.date(2025, 6, 30), 'Pro')
