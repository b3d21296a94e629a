"""Survival charts: Kaplan–Meier curves per UX band with 95% bands, and the survival table."""

from __future__ import annotations

import math
from collections.abc import Sequence

import altair as alt
import pandas as pd

from ..retention import Survival
from .theme import _ci_text, _layer, _pct, _small, band_scale


def km_frame(survival: Survival, *, include_overall: bool = False) -> pd.DataFrame:
    """The Kaplan–Meier steps for the chart, with preformatted CI text."""
    d = survival.curves.copy()
    if not include_overall:
        d = d[d["band"] != "All"]
    d = d.dropna(subset=["survival"]).reset_index(drop=True)
    d["ci"] = [_ci_text(a, b) for a, b in zip(d.ci_low, d.ci_high, strict=True)]
    return _small(d)


def km_y_floor(survival: Survival) -> float:
    """Where the survival axis starts: zoomed to the curves, at a round tenth, never above 0.9."""
    d = km_frame(survival)
    low = float(d["ci_low"].min()) if len(d) else 0.0
    return max(0.0, min(0.9, math.floor(low * 10 - 1e-9) / 10))


def km_chart(
    survival: Survival,
    *,
    band_order: Sequence[str] | None = None,
    time_title: str = "Months as a customer (tenure)",
    band_title: str = "UX band",
) -> alt.LayerChart:
    """Kaplan–Meier curves per band as steps, with Greenwood log(−log) 95% bands."""
    d = km_frame(survival)
    order = list(band_order) if band_order else list(dict.fromkeys(d["band"]))
    order = [b for b in order if b in set(d["band"])]
    y_lo = km_y_floor(survival)
    colour = alt.Color(
        "band:N", title=band_title, scale=band_scale(order), sort=order, legend=alt.Legend()
    )
    x = alt.X("time:Q", title=time_title, scale=alt.Scale(nice=False, zero=True))
    tips = [
        alt.Tooltip("band:N", title=band_title),
        alt.Tooltip("time:Q", title="month", format=",.0f"),
        alt.Tooltip("survival:Q", title="still a customer", format=".1%"),
        alt.Tooltip("ci:N", title="95% CI"),
        alt.Tooltip("at_risk:Q", title="at risk", format=","),
        alt.Tooltip("events:Q", title="churned that month", format=","),
        alt.Tooltip("censored:Q", title="censored (still active)", format=","),
    ]
    base = alt.Chart(d).encode(x=x, color=colour)
    axis = alt.Axis(title="Still a customer (%)", format="%", tickCount=6)
    scale = alt.Scale(domain=[y_lo, 1.0], nice=False)

    def y(field: str) -> alt.Y:
        return alt.Y(f"{field}:Q", axis=axis, scale=scale)

    band = base.mark_area(interpolate="step-after", opacity=0.12, clip=True).encode(
        y=y("ci_low"), y2="ci_high:Q", tooltip=tips
    )
    line = base.mark_line(interpolate="step-after", strokeWidth=2.2, clip=True).encode(
        y=y("survival"), tooltip=tips
    )
    # Invisible points give every step a hover target for the tooltip.
    hover = base.mark_point(size=50, opacity=0, clip=True).encode(y=y("survival"), tooltip=tips)
    return _layer(line, band, hover).properties(height=300)


def survival_table(survival: Survival, *, band_order: Sequence[str] | None = None) -> pd.DataFrame:
    """Per band: customers, churned, median lifetime, survival at 12 months, numbers at risk."""
    by_name = {b.band: b for b in survival.bands}
    names = [b for b in (band_order or by_name) if b in by_name]
    names += [b for b in by_name if b not in names]
    rows_src = [by_name[n] for n in names] + [survival.overall]
    ov = survival.overall
    times = [t for t, k in ov.at_risk.items() if k > 0]
    at_times = [t for t, v in ov.at.items() if v is not None]
    rows = []
    for b in rows_src:
        row: dict[str, object] = {
            "Band": "All customers" if b is ov else b.band,
            "Customers": b.n,
            "Churned": b.events,
            "Median lifetime": "not reached" if b.median is None else f"{b.median:g} months",
        }
        for t in at_times:
            v = b.at.get(t)
            row[f"Still a customer at {t} mo"] = "–" if v is None else _pct(v)
        for t in times:
            row[f"At risk at {t} mo"] = b.at_risk.get(t, 0)
        rows.append(row)
    return pd.DataFrame(rows)
