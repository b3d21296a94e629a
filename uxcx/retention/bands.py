"""Outcome by band of the UX score and Kaplan–Meier survival per band, from one count query."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import stats
from ..engines import Engine
from .narrative import quartile_band_labels
from .queries import RetentionQuery
from .results import Band, BandSurvival, Survival

AT_RISK_TIMES = (0, 6, 12, 18, 24)
SURVIVAL_AT = (12, 24)


def band_time(engine: Engine, q: RetentionQuery) -> pd.DataFrame:
    """Counts per (band, tenure): one query feeds both the rate table and the survival curves."""
    sql = q.select(
        "SELECT band, band_label, tenure AS time, count(*) AS n, sum(churned) AS events,\n"
        "  sum(y) AS y_events, min(x) AS x_min, max(x) AS x_max, sum(x) AS x_sum\n"
        "FROM cust\nGROUP BY band, band_label, tenure\nORDER BY band, band_label, time"
    )
    # pyarrow is untyped: the frame's type is stated here.
    bt: pd.DataFrame = engine.query(sql, q.params).to_pandas()
    return bt


def bands(q: RetentionQuery, bt: pd.DataFrame) -> list[Band]:
    """Rate of y = 1 per band with adjusted-Wald intervals, worst band first."""
    df = (
        bt.groupby(["band", "band_label"], sort=False)
        .agg(
            n=("n", "sum"),
            events=("y_events", "sum"),
            x_min=("x_min", "min"),
            x_max=("x_max", "max"),
            x_sum=("x_sum", "sum"),
        )  # fmt: skip
        .reset_index()
    )
    df["x_mean"] = df["x_sum"] / df["n"]
    df = df.sort_values(["band", "x_mean", "band_label"], ignore_index=True)
    if q.band_kind == "quartile":
        labels = quartile_band_labels(list(zip(df["x_min"], df["x_max"], strict=True)))
    else:
        labels = [str(v) for v in df["band_label"]]
    # Zipped columns yield the Python scalars itertuples would, but pandas-stubs types an
    # itertuples field as any scalar (a date, NaT…), which float() and int() do not take.
    cols = (df[c] for c in ("n", "events", "x_min", "x_max", "x_mean", "band_label"))
    rows = zip(labels, *cols, strict=True)
    out = []
    for label, n_rows, n_events, x_min, x_max, x_mean, raw in rows:
        n, events = int(n_rows), int(round(n_events))
        est = stats.adjusted_wald(events, n)
        out.append(
            Band(
                label,
                n,
                events,
                est.value,
                est.ci_low,
                est.ci_high,
                float(x_min),
                float(x_max),
                float(x_mean),
                str(raw),
            )  # fmt: skip
        )
    return out


def survival(bt: pd.DataFrame, bands: list[Band]) -> Survival | None:
    """Kaplan–Meier per band and overall, log-rank across bands (customers with a tenure)."""
    df = bt[bt["time"].notna() & (bt["time"] >= 0)].copy()
    df["censored"] = df["n"] - df["events"]
    if df.empty:
        return None
    shown = {b.key: b.band for b in bands}
    per_band: list[BandSurvival] = []
    curves = []
    groups: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for (_band, raw), g in df.groupby(["band", "band_label"], sort=False):
        name = shown.get(str(raw), str(raw))
        km = stats.kaplan_meier(g["time"], g["events"], g["censored"])
        per_band.append(_summarise(name, g, km))
        curves.append(km.assign(band=name))
        groups[name] = (g["time"].to_numpy(), g["events"].to_numpy(), g["censored"].to_numpy())
    km_all = stats.kaplan_meier(df["time"], df["events"], df["censored"])
    overall = _summarise("All", df, km_all)
    curves.append(km_all.assign(band="All"))
    return Survival(
        overall=overall,
        bands=per_band,
        curves=pd.concat(curves, ignore_index=True)[["band", *stats.KM_COLUMNS]],
        logrank=stats.logrank(groups),
    )


def _summarise(name: str, g: pd.DataFrame, km: pd.DataFrame) -> BandSurvival:
    t = g["time"].to_numpy(dtype=float)
    removed = (g["events"] + g["censored"]).to_numpy(dtype=float)
    # Beyond the longest observed tenure the curve is unknown, not flat: say so with None.
    last = float(t.max()) if len(t) else -math.inf
    return BandSurvival(
        band=name,
        n=int(removed.sum()),
        events=int(g["events"].sum()),
        median=stats.km_median(km),
        at={t_: stats.km_at(km, t_) if t_ <= last else None for t_ in SURVIVAL_AT},
        at_risk={t_: int(removed[t >= t_].sum()) for t_ in AT_RISK_TIMES},
    )
