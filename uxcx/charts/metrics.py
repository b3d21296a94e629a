"""Metric charts: trends over time with CI bands, paired UX/CX panels, per group.

Every function takes an aggregate (one row per period or group, with value, ci_low, ci_high, n)
and draws low-n rows grey or hollow, so a noisy month does not look like a finding.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import altair as alt
import pandas as pd
import pyarrow as pa

from ..metrics import METRIC_BY_ID
from .theme import (
    _GRAIN_FORMAT,
    _GRAIN_TITLES,
    FAMILY_COLORS,
    FAMILY_DARK,
    GROUP_COLORS,
    LOW_N,
    LOW_N_COLOR,
    _as_time,
    _benchmark_rule,
    _fmt,
    _frame,
    _layer,
    _tooltips,
    _with_ci_text,
    _x_time,
    _y_scale,
    axis_title,
)


# ---- trends ------------------------------------------------------------------------------
def metric_trend(
    df: pd.DataFrame | pa.Table,
    metric_id: str,
    *,
    grain: str | None = "month",
    title: str | None = None,
    x_domain: Sequence[dt.date] | None = None,
    show_benchmark: bool = True,
    y_extent: int | None = None,
) -> alt.LayerChart:
    """A metric over time: line and points with a shaded 95% CI band (one per group if given).

    df: period, value, ci_low, ci_high, n and optionally group (then coloured by group).
    """
    metric = METRIC_BY_ID[metric_id]
    d = _with_ci_text(_as_time(_frame(df, ["period", "value", "ci_low", "ci_high", "n"])), metric)
    grouped = "group" in d.columns and d["group"].notna().any()
    family = FAMILY_COLORS[metric.family]
    y_title = axis_title(metric_id)
    x = _x_time(grain, domain=x_domain)
    extra = [alt.Tooltip("period:T", title=_GRAIN_TITLES.get(grain or "month", "Period"),
                         format=_GRAIN_FORMAT.get(grain or "month", "%Y"))]  # fmt: skip
    if grouped:
        d["group"] = d["group"].astype(str)
        extra.insert(0, alt.Tooltip("group:N", title="group"))
        groups = list(dict.fromkeys(d["group"]))
        color: alt.Color | Mapping[str, object] = alt.Color(
            "group:N",
            title=None,
            scale=alt.Scale(domain=groups, range=list(GROUP_COLORS[: len(groups)])),
        )
    else:
        color = alt.value(family)
    base = alt.Chart(d).encode(x=x)
    y_axis = alt.Axis(minExtent=y_extent, maxExtent=y_extent) if y_extent else alt.Axis()
    band = base.mark_area(
        opacity=0.18 if not grouped else 0.12, interpolate="linear", clip=True
    ).encode(
        y=alt.Y(
            "ci_low:Q",
            title=y_title,
            scale=_y_scale(metric, d, ["ci_low", "ci_high"]),
            axis=y_axis,
        ),
        y2="ci_high:Q",
        color=color,
        tooltip=_tooltips(metric, extra),
    )
    line = base.mark_line(interpolate="linear", clip=True).encode(
        y="value:Q", color=color, tooltip=_tooltips(metric, extra)
    )
    # Low-n periods are drawn hollow and grey so a noisy month does not look like a finding.
    points = base.mark_point(size=50, clip=True).encode(
        y="value:Q",
        color=alt.condition(f"datum.n < {LOW_N}", alt.value(LOW_N_COLOR), color)
        if not grouped
        else color,
        fill=alt.condition(f"datum.n < {LOW_N}", alt.value("white"), color)
        if not grouped
        else color,
        tooltip=_tooltips(metric, extra),
    )
    layers: list[alt.Chart] = [band, line, points]
    rule = _benchmark_rule(metric) if show_benchmark else None
    if rule is not None:
        layers.insert(0, rule)
    chart = _layer(*layers)
    if title:
        chart = chart.properties(title=title)
    return chart


def metrics_trend_multi(
    df: pd.DataFrame | pa.Table, *, grain: str | None = "month", width: int | str = "container"
) -> alt.VConcatChart:
    """Several metrics over time, one panel each (own y scale, shared time axis), family colours.

    df: metric, period, value, ci_low, ci_high, n.
    """
    d = _as_time(_frame(df, ["metric", "period", "value", "ci_low", "ci_high", "n"]))
    if d.empty:
        return alt.vconcat(alt.Chart(pd.DataFrame({"x": []})).mark_point())
    lo, hi = d["period"].min(), d["period"].max()
    panels = []
    for mid in dict.fromkeys(d["metric"]):
        sub = d[d["metric"] == mid].drop(columns=["metric"])
        m = METRIC_BY_ID[mid]
        panels.append(
            metric_trend(sub, mid, grain=grain, x_domain=[lo, hi]).properties(
                title=f"{m.label} · {m.family}", height=160, width=width
            )
        )
    # resolve_scale loses its return type (Self) to mypy: the chart's type is stated.
    chart: alt.VConcatChart = alt.vconcat(*panels, spacing=18).resolve_scale(color="independent")
    return chart


def paired_panels(
    ux_df: pd.DataFrame | pa.Table,
    cx_df: pd.DataFrame | pa.Table,
    ux_metric: str = "sus",
    cx_metric: str = "nps",
    *,
    grain: str | None = "month",
    height: int = 170,
) -> list[alt.LayerChart]:
    """The two panels of paired_trend (UX, then CX), with identical x domains and y-axis widths.

    Rendered one under the other they line up exactly, and each can stretch to its container
    (a concatenated chart cannot).
    """
    u = _as_time(_frame(ux_df, ["period", "value", "ci_low", "ci_high", "n"]))
    c = _as_time(_frame(cx_df, ["period", "value", "ci_low", "ci_high", "n"]))
    periods = pd.concat([u["period"], c["period"]])
    domain = [periods.min(), periods.max()] if not periods.empty else None
    panels = []
    for d, mid in ((u, ux_metric), (c, cx_metric)):
        m = METRIC_BY_ID[mid]
        # The same y-axis label width in both panels makes the two plot areas line up.
        panels.append(
            metric_trend(d, mid, grain=grain, x_domain=domain, y_extent=44).properties(
                title=alt.Title(f"{m.family} · {m.label}", color=FAMILY_DARK[m.family]),
                height=height,
            )
        )
    return panels


def paired_trend(
    ux_df: pd.DataFrame | pa.Table,
    cx_df: pd.DataFrame | pa.Table,
    ux_metric: str = "sus",
    cx_metric: str = "nps",
    *,
    grain: str | None = "month",
    height: int = 170,
    width: int | str = 640,
) -> alt.VConcatChart:
    """A UX metric (blue, top) and a CX metric (orange, bottom) on one shared time axis."""
    panels = paired_panels(ux_df, cx_df, ux_metric, cx_metric, grain=grain, height=height)
    return alt.vconcat(*(p.properties(width=width) for p in panels), spacing=14)


# ---- groups ------------------------------------------------------------------------------
def metric_by_group(
    df: pd.DataFrame | pa.Table,
    metric_id: str,
    *,
    group_title: str | None = None,
    sort: str | Sequence[str] = "value",
    show_benchmark: bool = True,
) -> alt.LayerChart:
    """A metric per group: a point with 95% CI error bar per group (low n greyed).

    df: group, value, ci_low, ci_high, n. sort: "value" (best first), "group" (as given) or an
    explicit list of group names.
    """
    metric = METRIC_BY_ID[metric_id]
    d = _with_ci_text(_frame(df, ["group", "value", "ci_low", "ci_high", "n"]), metric)
    d["group"] = d["group"].fillna("(missing)").astype(str)
    color = FAMILY_COLORS[metric.family]
    if isinstance(sort, str) and sort == "value":
        asc = not metric.higher_is_better
        order = list(d.sort_values("value", ascending=asc)["group"])
    elif isinstance(sort, str):
        order = list(d["group"])
    else:
        order = [str(g) for g in sort]
    y = alt.Y("group:N", title=group_title, sort=order, axis=alt.Axis(labelLimit=220))
    scale = _y_scale(metric, d, ["ci_low", "ci_high"])
    tips = _tooltips(metric, [alt.Tooltip("group:N", title=group_title or "group")])
    low = f"datum.n < {LOW_N}"
    base = alt.Chart(d).encode(y=y)
    bars = base.mark_rule(strokeWidth=2.5, clip=True).encode(
        x=alt.X(
            "ci_low:Q",
            title=axis_title(metric_id),
            scale=scale,
            axis=alt.Axis(tickCount=5, labelOverlap="greedy", labelSeparation=6),
        ),
        x2="ci_high:Q",
        color=alt.condition(low, alt.value(LOW_N_COLOR), alt.value(color)),
        tooltip=tips,
    )
    caps_lo = base.mark_tick(thickness=2, size=12).encode(
        x="ci_low:Q", color=alt.condition(low, alt.value(LOW_N_COLOR), alt.value(color))
    )
    caps_hi = base.mark_tick(thickness=2, size=12).encode(
        x="ci_high:Q", color=alt.condition(low, alt.value(LOW_N_COLOR), alt.value(color))
    )
    points = base.mark_point(size=90, filled=True).encode(
        x="value:Q",
        color=alt.condition(low, alt.value(LOW_N_COLOR), alt.value(color)),
        tooltip=tips,
    )
    labels = base.mark_text(align="left", dx=8, dy=-9, fontSize=11).encode(
        x="value:Q",
        text=alt.Text("value:Q", format=_fmt(metric)),
        color=alt.condition(low, alt.value(LOW_N_COLOR), alt.value(FAMILY_DARK[metric.family])),
    )
    layers: list[alt.Chart] = [bars, caps_lo, caps_hi, points, labels]
    rule = _benchmark_rule(metric, orient="x") if show_benchmark else None
    if rule is not None:
        layers.insert(0, rule)
    step = 34 if len(d) <= 12 else 24
    return _layer(*layers).properties(height=alt.Step(step))
