
WITH c AS (
  SELECT CAST(date_trunc('month', CAST(b."since" AS DATE)) AS DATE) AS cohort,
    CAST(b."since" AS DATE) AS signup,
    CAST(b."left" AS DATE) AS left_at,
    CAST(b."churn" AS DOUBLE) AS churned,
    NULL AS tenure
  FROM read_parquet('/ws/customers.parquet') AS b
  WHERE CAST(b."since" AS DATE) IS NOT NULL AND CAST(b."since" AS DATE) <= ? AND NOT coalesce((CAST(b."churn" AS DOUBLE)) = 1 AND CAST(b."left" AS DATE) IS NULL, false)
    AND CAST(b."since" AS DATE) >= ?
    AND CAST(b."since" AS DATE) <= ?
    AND CAST(b."plan" AS VARCHAR) IN (?)
),
sizes AS (SELECT cohort, count(*) AS customers FROM c GROUP BY 1),
cells AS (
  SELECT c.*, k.range AS k, CAST(c.signup + to_months(CAST(k.range AS INTEGER)) AS DATE) AS point
  FROM c, range(1, ? + 1) k
)
SELECT cells.cohort, k AS months_since, any_value(sizes.customers) AS customers,
  count(*) FILTER (WHERE point <= ?) AS eligible,
  count(*) FILTER (WHERE point <= ? AND (left_at IS NULL OR left_at > point)) AS active
FROM cells JOIN sizes USING (cohort)
GROUP BY 1, 2
HAVING count(*) FILTER (WHERE point <= ?) > 0
ORDER BY 1, 2

-- params: (datetime.date(2024, 1, 1), datetime.date(2025, 1, 1), datetime.date(2025, 6, 30), 'Pro', 6, datetime.date(2024, 1, 1), datetime.date(2024, 1, 1), datetime.date(2024, 1, 1))
