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
    CAST(d0.`plan` AS STRING) AS grp,
    CAST(date_trunc('month', CAST(b.`date` AS DATE)) AS DATE) AS period
  FROM parquet.`file:///ws/ds/tables/ux_survey.parquet` AS b
  LEFT JOIN parquet.`file:///ws/ds/tables/customers.parquet` AS d0 ON CAST(b.`cid` AS STRING) = CAST(d0.`cid` AS STRING)
  WHERE CAST(b.`date` AS DATE) >= ?
    AND CAST(b.`date` AS DATE) <= ?
    AND CAST(d0.`plan` AS STRING) IN (?)
),
r AS (
  SELECT ((sus_q1 - 1) + (5 - sus_q2) + (sus_q3 - 1) + (5 - sus_q4) + (sus_q5 - 1) + (5 - sus_q6) + (sus_q7 - 1) + (5 - sus_q8) + (sus_q9 - 1) + (5 - sus_q10)) * 2.5 AS v,
    (sus_q1 BETWEEN 1 AND 5 AND sus_q1 = floor(sus_q1) AND sus_q2 BETWEEN 1 AND 5 AND sus_q2 = floor(sus_q2) AND sus_q3 BETWEEN 1 AND 5 AND sus_q3 = floor(sus_q3) AND sus_q4 BETWEEN 1 AND 5 AND sus_q4 = floor(sus_q4) AND sus_q5 BETWEEN 1 AND 5 AND sus_q5 = floor(sus_q5) AND sus_q6 BETWEEN 1 AND 5 AND sus_q6 = floor(sus_q6) AND sus_q7 BETWEEN 1 AND 5 AND sus_q7 = floor(sus_q7) AND sus_q8 BETWEEN 1 AND 5 AND sus_q8 = floor(sus_q8) AND sus_q9 BETWEEN 1 AND 5 AND sus_q9 = floor(sus_q9) AND sus_q10 BETWEEN 1 AND 5 AND sus_q10 = floor(sus_q10)) AS ok, grp, period
  FROM t
)
SELECT
  grp, period, count(*) FILTER (WHERE ok) AS n,
  count(*) FILTER (WHERE NOT ok) AS out_of_scale,
  avg(v) FILTER (WHERE ok) AS mean,
  stddev_samp(v) FILTER (WHERE ok) AS sd
FROM r
GROUP BY grp, period
ORDER BY grp NULLS LAST, period NULLS LAST
-- params: (datetime.date(2025, 1, 1), datetime.date(2025, 6, 30), 'Pro')
