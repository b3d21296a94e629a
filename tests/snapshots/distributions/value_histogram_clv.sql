WITH t AS (
  SELECT
    CAST(b."value" AS DOUBLE) AS clv
  FROM read_parquet('/ws/customers.parquet') AS b
),
r AS (
  SELECT clv AS v,
    (clv IS NOT NULL) AS ok
  FROM t
),
x AS (SELECT v FROM r WHERE ok AND isfinite(v)),
s AS (SELECT min(v) AS lo, quantile_cont(v, 0.99) AS hi, count(*) AS n FROM x),
raw AS (SELECT lo, hi, n, greatest((hi - lo) / 10, 1e-9) AS step FROM s),
w AS (SELECT lo, hi, n, pow(10, floor(log10(step))) AS mag, step FROM raw),
width AS (SELECT lo, hi, n, CASE WHEN step <= mag THEN mag WHEN step <= 2 * mag THEN 2 * mag WHEN step <= 5 * mag THEN 5 * mag ELSE 10 * mag END AS width FROM w),
b AS (SELECT floor(x.v / width.width) * width.width AS bin_start, width.width AS bw, floor(width.hi / width.width) * width.width AS last_start FROM x, width)
SELECT least(bin_start, last_start) AS bin_start, least(bin_start, last_start) + any_value(bw) AS bin_end, count(*) AS count, bool_or(bin_start > last_start) AS open_ended
FROM b GROUP BY 1 ORDER BY 1
-- params: ()

WITH t AS (
  SELECT
    CAST(b."value" AS DOUBLE) AS clv
  FROM read_parquet('/ws/customers.parquet') AS b
),
r AS (
  SELECT clv AS v,
    (clv IS NOT NULL) AS ok
  FROM t
)
SELECT count(*) FILTER (WHERE NOT ok) AS bad FROM r
-- params: ()
