"""Write the small CRM exports the retention score tests read (run to regenerate; seeded).

`python tests/data/retention/make_fixtures.py` rewrites:

- telco_crm.csv: a Telco-like CRM export, one row per customer: "Customer ID", "Contract",
  "Tenure Months", "Churn Label" (Yes/No), "Satisfaction Score" (1–5), "NPS" (0–10, some blank),
  "CES" (1–7, some blank), "CLTV". Churn depends mostly on the satisfaction answer.
- telco_app_survey.csv: a product survey of the same customers, 0–3 answers each: "Customer ID",
  "Date", "SUS Score" (0–100), related to churn more weakly than satisfaction.
- crm_dates.csv: a CRM export with only dates: "Customer ID", "Signup Date", "Churn Date" (blank
  while active), "Satisfaction Score"; no tenure column and no churn flag.

Synthetic data generated here; nothing is copied from a third-party data set.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SEED = 20240611


def _logistic(v: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-v))


def telco(rng: np.random.Generator, n: int = 900) -> tuple[pd.DataFrame, pd.DataFrame]:
    ids = np.array(
        [f"{1000 + i:04d}-{chr(65 + i % 26)}{chr(65 + (i // 26) % 26)}TEL" for i in range(n)]
    )
    latent = rng.normal(0, 1, n)
    sat = np.clip(np.round(3.1 + 1.15 * latent + rng.normal(0, 0.55, n)), 1, 5).astype(int)
    nps = np.clip(np.round(7 + 1.6 * latent + rng.normal(0, 1.6, n)), 0, 10)
    ces = np.clip(np.round(4.6 + 1.0 * latent + rng.normal(0, 1.2, n)), 1, 7)
    contract = rng.choice(["Month-to-month", "One year", "Two year"], n, p=[0.55, 0.25, 0.2])
    p = _logistic(-1.1 - 1.7 * (sat - 3) + 0.6 * (contract == "Month-to-month"))
    churned = rng.random(n) < p
    follow = rng.integers(1, 73, n)
    tenure = np.where(churned, np.floor(follow * rng.random(n) ** 1.5), follow).astype(int)
    crm = pd.DataFrame(
        {
            "Customer ID": ids,
            "Contract": contract,
            "Tenure Months": tenure,
            "Churn Label": np.where(churned, "Yes", "No"),
            "Satisfaction Score": sat,
            "NPS": pd.array(np.where(rng.random(n) < 0.12, np.nan, nps), dtype="Int64"),
            "CES": pd.array(np.where(rng.random(n) < 0.18, np.nan, ces), dtype="Int64"),
            "CLTV": (2000 + 900 * latent + 30 * tenure + rng.normal(0, 600, n))
            .round(0)
            .astype(int),
        }
    )
    k = rng.choice([0, 1, 2, 3], n, p=[0.3, 0.4, 0.2, 0.1])
    who = np.repeat(np.arange(n), k)
    m = len(who)
    sus = np.clip(np.round((68 + 9 * latent[who] + rng.normal(0, 13, m)) / 2.5) * 2.5, 0, 100)
    dates = [dt.date(2025, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 300, m)]
    survey = pd.DataFrame({"Customer ID": ids[who], "Date": dates, "SUS Score": sus})
    return crm, survey


def crm_dates(rng: np.random.Generator, n: int = 600) -> pd.DataFrame:
    start = dt.date(2023, 1, 1)
    last = dt.date(2025, 9, 30)  # nothing is recorded after this day
    span = (last - start).days
    sat = np.clip(np.round(3.1 + rng.normal(0, 1.2, n)), 1, 5).astype(int)
    signup = rng.integers(0, span - 30, n)
    # Days until churn: exponential with a mean that grows with satisfaction.
    life = rng.exponential(200 + 260 * (sat - 1), n).round().astype(int) + 1
    left = signup + life
    active = left > span
    rows = []
    for i in range(n):
        s = start + dt.timedelta(days=int(signup[i]))
        c = "" if active[i] else (start + dt.timedelta(days=int(left[i]))).isoformat()
        rows.append((f"CRM{i:05d}", s.isoformat(), c, int(sat[i])))
    return pd.DataFrame(rows, columns=["Customer ID", "Signup Date", "Churn Date",
                                       "Satisfaction Score"])  # fmt: skip


def main() -> None:
    rng = np.random.default_rng(SEED)
    crm, survey = telco(rng)
    crm.to_csv(HERE / "telco_crm.csv", index=False)
    survey.to_csv(HERE / "telco_app_survey.csv", index=False)
    crm_dates(rng).to_csv(HERE / "crm_dates.csv", index=False)


if __name__ == "__main__":
    main()
