WITH t AS (
  SELECT
    CAST(b."value" AS DOUBLE) AS clv
  FROM read_parquet('/ws/ds/tables/customers.parquet') AS b
),
r AS (
  SELECT clv AS v,
    (clv IS NOT NULL) AS ok
  FROM t
)
SELECT
  count(*) FILTER (WHERE ok) AS n,
  count(*) FILTER (WHERE NOT ok) AS out_of_scale,
  avg(v) FILTER (WHERE ok) AS mean,
  stddev_samp(v) FILTER (WHERE ok) AS sd
FROM r
-- params: ()
