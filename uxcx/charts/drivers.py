"""Key-driver chart: each UX measure's Shapley share of the target's variance, bootstrap CIs."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ..retention import KeyDrivers
from .theme import UX_COLOR, _ci_text, _layer, _pct, _small


def drivers_frame(kd: KeyDrivers) -> pd.DataFrame:
    """One row per UX measure: Shapley share of R², its bootstrap CI and r with the target."""
    rows = [
        {
            "measure": d.label,
            "share": d.share,
            "ci_low": d.ci_low,
            "ci_high": d.ci_high,
            "r": d.r,
            "ci": _ci_text(d.ci_low, d.ci_high),
            "label": _pct(d.share),
            "n": kd.n,
        }
        for d in kd.drivers
    ]
    return _small(pd.DataFrame(rows))


def drivers_chart(kd: KeyDrivers, *, title: str | None = None) -> alt.LayerChart:
    """Share of the target's variance each UX measure accounts for, with bootstrap 95% CIs."""
    d = drivers_frame(kd)
    order = list(d.sort_values("share", ascending=False)["measure"])
    target = "NPS" if kd.target == "nps" else "retention"
    y = alt.Y("measure:N", title=None, sort=order, axis=alt.Axis(labelLimit=200))
    top = float(np.nanmax(d[["share", "ci_high"]].to_numpy())) if len(d) else 0.01
    axis = alt.Axis(title=f"Share of variance in {target} (Shapley R², %)", format="%", tickCount=4)
    scale = alt.Scale(domain=[0, top * 1.3 if top > 0 else 0.01], nice=False)

    def x(field: str) -> alt.X:
        return alt.X(f"{field}:Q", axis=axis, scale=scale)

    tips = [
        alt.Tooltip("measure:N", title="UX measure"),
        alt.Tooltip("share:Q", title="share of variance", format=".1%"),
        alt.Tooltip("ci:N", title="95% CI (bootstrap)"),
        alt.Tooltip("r:Q", title=f"r with {target}", format="+.2f"),
        alt.Tooltip("n:Q", title="customers", format=","),
    ]
    base = alt.Chart(d).encode(y=y)

    def tick(field: str) -> alt.Chart:
        mark: alt.Chart = base.mark_tick(color="#31333F", thickness=1.5, size=10, orient="vertical")
        return mark.encode(x=x(field))

    layers: list[alt.Chart] = [
        base.mark_bar(color=UX_COLOR, opacity=0.85, height={"band": 0.6}).encode(
            x=x("share"), tooltip=tips
        ),
        base.mark_rule(color="#31333F", strokeWidth=1.5).encode(
            x=x("ci_low"), x2="ci_high:Q", tooltip=tips
        ),
        tick("ci_low"),
        tick("ci_high"),
        base.mark_text(align="left", dx=6, fontSize=12, fontWeight=600).encode(
            x=x("ci_high"), text="label:N"
        ),
    ]
    chart = _layer(*layers).properties(height=alt.Step(40))
    if title:
        chart = chart.properties(title=title)
    return chart
