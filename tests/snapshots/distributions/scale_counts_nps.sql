WITH t AS (
  SELECT
    CAST(b."ltr" AS DOUBLE) AS nps_score
  FROM read_parquet('/ws/cx.parquet') AS b
  LEFT JOIN read_parquet('/ws/customers.parquet') AS d0 ON CAST(b."cid" AS VARCHAR) = CAST(d0."cid" AS VARCHAR)
  WHERE CAST(b."date" AS DATE) >= ?
    AND CAST(b."date" AS DATE) <= ?
    AND CAST(d0."plan" AS VARCHAR) IN (?)
),
r AS (
  SELECT nps_score AS v,
    (nps_score BETWEEN 0 AND 10 AND nps_score = floor(nps_score)) AS ok
  FROM t
),
c AS (SELECT nps_score AS value, count(*) AS count FROM t WHERE nps_score BETWEEN 0 AND 10 AND nps_score = floor(nps_score) GROUP BY 1)
SELECT CAST(s.range AS DOUBLE) AS value, coalesce(c.count, 0) AS count
FROM range(0, 11) s LEFT JOIN c ON c.value = s.range ORDER BY 1
-- params: (datetime.date(2025, 1, 1), datetime.date(2025, 6, 30), 'Pro')

WITH t AS (
  SELECT
    CAST(b."ltr" AS DOUBLE) AS nps_score
  FROM read_parquet('/ws/cx.parquet') AS b
  LEFT JOIN read_parquet('/ws/customers.parquet') AS d0 ON CAST(b."cid" AS VARCHAR) = CAST(d0."cid" AS VARCHAR)
  WHERE CAST(b."date" AS DATE) >= ?
    AND CAST(b."date" AS DATE) <= ?
    AND CAST(d0."plan" AS VARCHAR) IN (?)
),
r AS (
  SELECT nps_score AS v,
    (nps_score BETWEEN 0 AND 10 AND nps_score = floor(nps_score)) AS ok
  FROM t
)
SELECT count(*) FILTER (WHERE nps_score IS NOT NULL AND NOT (nps_score BETWEEN 0 AND 10 AND nps_score = floor(nps_score))) AS bad FROM t
-- params: (datetime.date(2025, 1, 1), datetime.date(2025, 6, 30), 'Pro')
