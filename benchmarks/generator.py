"""Seeded N-row benchmark data: every role the 14 metrics need, flattened into one 16-column file.

One row is one customer touchpoint (a survey answer, a session and a task attempt at once), with
the customer's plan, churn flag and lifetime value repeated on each of their rows. The
distributions follow ``uxcx.sample`` where that is cheap (a latent UX experience per customer
plus occasion noise drives SUS, task success, time on task, errors, NPS, CSAT, CES, ratings,
bounce, conversion and churn), all drawn with vectorised numpy and written by DuckDB, so 10M
rows take seconds.

Every header is one uxcx's role detection recognises, so ``uxcx metrics FILE`` needs no
``--map``. The data carry the awkward parts real exports have: a few percent of empty cells per
survey column, and a handful of out-of-scale values (NPS 11, CSAT 0, CES 8, SUS 105, time 0,
errors −1) that every implementation must count out, never clip.

    python -m benchmarks.generator OUT.csv --rows 1000000 [--parquet OUT.parquet] [--seed 1]
        [--rows-per-customer 1 --tenure]     # one row per customer, with tenure_months
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

SEED = 20260101
PLANS = ("Basic", "Pro", "Enterprise")
PLAN_P = (0.50, 0.35, 0.15)
PLAN_U_SHIFT = (-0.10, 0.05, 0.25)  # as uxcx.sample
PLAN_PRICE = (29.0, 99.0, 450.0)
ROWS_PER_CUSTOMER = 3
FIRST_DAY = np.datetime64("2024-01-01")
DAYS = 730

# Header → role (uxcx detects each of these from the header alone).
COLUMNS = {
    "customer_id": "customer_id",
    "date": "date",
    "plan": "segment",
    "sus_score": "sus_score",
    "task_success": "task_success",
    "time_on_task": "time_on_task",
    "error_count": "error_count",
    "product_nps_score": "product_nps_score",
    "app_rating": "app_rating",
    "bounced": "bounced",
    "converted": "converted",
    "nps_score": "nps_score",
    "csat_score": "csat_score",
    "ces_score": "ces_score",
    "churned": "churned",
    "clv": "clv",
}
SEGMENT = "plan"


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _scale(rng, mean: float, slope: float, sd: float, s: np.ndarray, lo: int, hi: int):
    """Integer rating on lo..hi from latent s (as uxcx.sample._scale)."""
    raw = mean + slope * s + rng.normal(0.0, sd, size=s.size)
    return np.clip(np.rint(raw), lo, hi).astype(np.int64)


def _holes(rng, values: np.ndarray, p_missing: float) -> np.ndarray:
    """The values with a share p_missing masked out (written as empty cells)."""
    return np.ma.masked_array(values, mask=rng.random(values.size) < p_missing)


def _defects(rng, values: np.ndarray, p: float, bad: float) -> np.ndarray:
    """Replace a share p of the values by an out-of-scale value."""
    out = values.copy()
    out[rng.random(values.size) < p] = bad
    return out


def make_table(
    rows: int, seed: int = SEED, *, rows_per_customer: int = ROWS_PER_CUSTOMER, tenure: bool = False
):
    """The dataset as an Arrow table (strings where the CSV has words: yes/no, plan names).

    ``rows_per_customer=1, tenure=True`` gives one row per customer with a ``tenure_months``
    column (the months CLV is billed for), the input the UX ↔ retention page's survival needs.
    """
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    n_cust = max(1, rows // rows_per_customer)
    plan_c = rng.choice(len(PLANS), size=n_cust, p=PLAN_P)
    u_c = rng.normal(0.0, 1.0, size=n_cust) + np.take(PLAN_U_SHIFT, plan_c)
    churned_c = rng.random(n_cust) < _logistic(-1.0 - 0.3 * u_c + 0.4 * (plan_c == 0))
    months_c = rng.integers(1, 37, size=n_cust)
    clv_c = np.round(np.take(PLAN_PRICE, plan_c) * rng.lognormal(0.0, 0.3, n_cust) * months_c, 2)

    # One row per customer: every customer once, in random order.
    cust = rng.permutation(rows) if rows_per_customer == 1 else rng.integers(0, n_cust, size=rows)
    s = u_c[cust] + rng.normal(0.0, 0.5, size=rows)  # this occasion's experience
    # SUS: multiples of 2.5 on 0–100, mean ≈ 70, SD ≈ 15.
    sus = np.clip(np.rint((70.0 + 12.0 * s + rng.normal(0, 8, rows)) / 2.5), 0, 40) * 2.5
    success = rng.random(rows) < _logistic(1.3 + s)
    seconds = np.exp(np.log(75.0) - 0.2 * s + rng.normal(0.0, 0.45, rows))
    seconds = np.maximum(np.round(seconds * np.where(success, 1.0, 1.4), 1), 3.0)
    errors = rng.poisson(0.5 * np.exp(-0.5 * s) * np.where(success, 1.0, 1.8))
    bounced = rng.random(rows) < _logistic(-0.6 - 0.35 * s)
    converted = ~bounced & (rng.random(rows) < _logistic(-1.1 + 0.4 * s))

    def words(flags: np.ndarray, yes: str, no: str, p_missing: float = 0.0) -> pa.Array:
        text = np.where(flags, yes, no).astype(object)
        text[rng.random(rows) < p_missing] = None
        return pa.array(text, type=pa.string())

    def ints(values: np.ndarray, p_missing: float) -> pa.Array:
        return pa.array(_holes(rng, values, p_missing), type=pa.int64())

    def floats(values: np.ndarray, p_missing: float) -> pa.Array:
        return pa.array(_holes(rng, values, p_missing), type=pa.float64())

    date = FIRST_DAY + rng.integers(0, DAYS, size=rows).astype("timedelta64[D]")
    plan = pa.DictionaryArray.from_arrays(
        pa.array(plan_c[cust], type=pa.int8()), pa.array(PLANS)
    ).cast(pa.string())
    table = {
        "customer_id": pa.array(cust, type=pa.int64()),  # formatted as C0000001 when written
        "date": pa.array(date, type=pa.date32()),
        "plan": plan,
        "sus_score": floats(_defects(rng, sus, 2e-4, 105.0), 0.05),
        "task_success": words(success, "yes", "no", 0.02),
        "time_on_task": floats(_defects(rng, seconds, 5e-4, 0.0), 0.02),
        "error_count": ints(_defects(rng, errors, 2e-4, -1), 0.02),
        "product_nps_score": ints(_scale(rng, 7.4, 1.6, 1.3, s, 0, 10), 0.10),
        "app_rating": ints(_scale(rng, 4.0, 0.7, 0.6, s, 1, 5), 0.10),
        "bounced": pa.array(bounced),
        "converted": pa.array(converted),
        "nps_score": ints(_defects(rng, _scale(rng, 7.6, 1.5, 1.3, s, 0, 10), 5e-4, 11), 0.05),
        "csat_score": ints(_defects(rng, _scale(rng, 3.9, 0.65, 0.6, s, 1, 5), 5e-4, 0), 0.05),
        "ces_score": ints(_defects(rng, _scale(rng, 5.2, 0.9, 0.9, s, 1, 7), 5e-4, 8), 0.05),
        "churned": words(churned_c[cust], "yes", "no"),
        "clv": pa.array(clv_c[cust]),
    }
    assert list(table) == list(COLUMNS)
    if tenure:
        table["tenure_months"] = pa.array(months_c[cust], type=pa.int64())
    return pa.table(table)


def write(
    rows: int,
    csv: Path,
    parquet: Path | None = None,
    seed: int = SEED,
    *,
    rows_per_customer: int = ROWS_PER_CUSTOMER,
    tenure: bool = False,
) -> None:
    """Write the N-row dataset as CSV, and the same rows as Parquet (typed as DuckDB reads the CSV:
    yes/no and true/false become BOOLEAN, dates DATE)."""
    import duckdb

    # DuckDB reads the local variable `data` by name.
    data = make_table(rows, seed, rows_per_customer=rows_per_customer, tenure=tenure)  # noqa: F841
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")
    select = (
        "SELECT 'C' || lpad(CAST(customer_id AS VARCHAR), 7, '0') AS customer_id, "
        "* EXCLUDE (customer_id) FROM data"
    )
    con.execute(f"COPY ({select}) TO '{csv}' (HEADER, DELIMITER ',')")
    if parquet is not None:
        con.execute(f"COPY (FROM read_csv('{csv}')) TO '{parquet}' (FORMAT parquet)")
    con.close()


def main(argv: list[str] | None = None) -> int:
    """Command line: write one dataset."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.generator", description=__doc__)
    p.add_argument("csv", type=Path)
    p.add_argument("--rows", type=float, default=1e6)
    p.add_argument("--parquet", type=Path)
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--rows-per-customer", type=int, default=ROWS_PER_CUSTOMER)
    p.add_argument("--tenure", action="store_true", help="add tenure_months (retention page)")
    args = p.parse_args(argv)
    write(int(args.rows), args.csv, args.parquet, args.seed,
          rows_per_customer=args.rows_per_customer, tenure=args.tenure)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
