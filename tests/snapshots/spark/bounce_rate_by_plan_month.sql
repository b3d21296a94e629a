WITH t AS (
  SELECT
    CASE WHEN b.`bounced` IS NULL THEN NULL WHEN lower(trim(CAST(b.`bounced` AS STRING))) IN ('1', 'true', 't', 'yes', 'y', 'churned', 'success', 'succeeded', 'completed', 'complete', 'pass', 'passed', 'converted', 'bounced', 'cancelled', 'canceled') THEN 1 WHEN lower(trim(CAST(b.`bounced` AS STRING))) IN ('0', 'false', 'f', 'no', 'n', 'active', 'retained', 'stayed', 'failure', 'failed', 'fail', 'incomplete', 'not completed') THEN 0 ELSE -1 END AS bounced,
    CAST(d0.`plan` AS STRING) AS grp,
    CAST(date_trunc('month', CAST(b.`date` AS DATE)) AS DATE) AS period
  FROM parquet.`file:///ws/ds/tables/sessions.parquet` AS b
  LEFT JOIN parquet.`file:///ws/ds/tables/customers.parquet` AS d0 ON CAST(b.`cid` AS STRING) = CAST(d0.`cid` AS STRING)
  WHERE CAST(b.`date` AS DATE) >= ?
    AND CAST(b.`date` AS DATE) <= ?
    AND CAST(d0.`plan` AS STRING) IN (?)
),
r AS (
  SELECT bounced AS v,
    (bounced IN (0, 1)) AS ok, grp, period
  FROM t
)
SELECT
  grp, period, count(*) FILTER (WHERE ok) AS n,
  count(*) FILTER (WHERE NOT ok) AS out_of_scale,
  CAST(sum(v) FILTER (WHERE ok) AS DOUBLE) AS successes
FROM r
GROUP BY grp, period
ORDER BY grp NULLS LAST, period NULLS LAST
-- params: (datetime.date(2025, 1, 1), datetime.date(2025, 6, 30), 'Pro')
