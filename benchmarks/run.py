"""Speed benchmarks: uxcx against DuckDB itself and pandas on the same data (`make bench`).

Figures are ratios, so they mean something on any machine: ingest vs a bare DuckDB read_csv,
metrics vs the same aggregate in pandas, retention analysis wall time per million customers.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from uxcx.compute import compute
from uxcx.ingest import ingest_file
from uxcx.retention import analyse
from uxcx.store import Workspace


def timed(fn, repeat: int = 3) -> float:
    """Best wall time of `repeat` runs, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def make_survey(path: Path, rows: int, seed: int = 1) -> pd.DataFrame:
    """A survey export: customer, date, plan, NPS 0–10, CSAT 1–5."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "customer_id": rng.integers(0, rows // 3 + 1, rows).astype(str),
            "date": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 730, rows), unit="D"),
            "plan": rng.choice(["Basic", "Pro", "Enterprise"], rows),
            "How likely are you to recommend Acme?": rng.integers(0, 11, rows),
            "Satisfaction Score": rng.integers(1, 6, rows),
        }
    )
    df.to_csv(path, index=False)
    return df


def main() -> None:
    """Run every benchmark and print a table."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=500_000)
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="uxcx-bench-"))
    csv = tmp / "survey.csv"
    df = make_survey(csv, args.rows)
    size_mb = csv.stat().st_size / 1e6

    t_ingest = timed(lambda: ingest_file(csv, tmp / "out.parquet"), repeat=1)
    con = duckdb.connect()
    t_duck = timed(
        lambda: con.execute(
            f"COPY (SELECT * FROM read_csv('{csv}')) TO '{tmp / 'raw.parquet'}' (FORMAT parquet)"
        ),
        repeat=1,
    )
    print(f"ingest {args.rows:,} rows ({size_mb:.0f} MB CSV): uxcx {t_ingest:.1f} s, "
          f"bare DuckDB {t_duck:.1f} s (×{t_ingest / t_duck:.1f}; uxcx adds a capped worker, "
          "type inference, reject tracking)")  # fmt: skip

    ws = Workspace(tmp / "ws")
    ds = ws.create_dataset([("survey.csv", csv)])
    tables = ds.table_infos(ws.engine)
    t_uxcx = timed(lambda: compute(ws.engine, tables, ["nps", "csat"], by="plan", grain="month"))
    nps_col = "How likely are you to recommend Acme?"

    def pandas_version() -> None:
        g = df.assign(month=df["date"].dt.to_period("M")).groupby(["plan", "month"])
        s = g[nps_col]
        _ = (s.apply(lambda x: (x >= 9).mean() - (x <= 6).mean()), s.size())
        _ = g["Satisfaction Score"].apply(lambda x: (x >= 4).mean())

    t_pd = timed(pandas_version)
    print(f"NPS + CSAT by plan × month on {args.rows:,} rows: uxcx (DuckDB, with CIs) "
          f"{t_uxcx * 1000:.0f} ms, pandas (no CIs) {t_pd * 1000:.0f} ms "
          f"(×{t_pd / t_uxcx:.1f} faster)")  # fmt: skip

    sample = Workspace(tmp / "sample").sample_dataset()
    eng = Workspace(tmp / "sample").engine
    stables = sample.table_infos(eng)
    n = analyse(eng, stables, "sus", "tenure", drivers=False).n
    t_ret = timed(lambda: analyse(eng, stables, "sus", "tenure", drivers=False), repeat=2)
    print(f"UX ↔ retention on the sample ({n:,} customers): {t_ret * 1000:.0f} ms")


if __name__ == "__main__":
    main()
