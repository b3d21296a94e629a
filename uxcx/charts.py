"""Small aggregates → Altair charts: one theme, one UX colour and one CX colour everywhere.

Every function takes an aggregate (a few hundred rows at most: one per period, group, bin or
cohort cell) and refuses anything bigger, because st.altair_chart ships the whole frame to the
browser. Colours are Okabe–Ito (safe for the common colour-vision deficiencies).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import altair as alt
import pandas as pd
import pyarrow as pa

from .metrics import METRIC_BY_ID, Metric
from .stats import SUS_GRADES

# ---- palette -----------------------------------------------------------------------------
# Okabe & Ito (2008). UX is always blue and CX always orange, on every page.
OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",
)
UX_COLOR = "#0072B2"
CX_COLOR = "#E69F00"
FAMILY_COLORS = {"UX": UX_COLOR, "CX": CX_COLOR}
# Darker shades for text and lines drawn on top of the family colour (contrast on white).
FAMILY_DARK = {"UX": "#005A8C", "CX": "#A86F00"}
PROMOTER_COLOR = "#009E73"
PASSIVE_COLOR = "#BDBDBD"
DETRACTOR_COLOR = "#D55E00"
LOW_N_COLOR = "#9E9E9E"
BENCHMARK_COLOR = "#444444"
# Groups inside one family (e.g. products) need distinct hues; skip the two family colours.
GROUP_COLORS = ("#0072B2", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#E69F00", "#000000")

FONT = "'Source Sans Pro', 'Source Sans 3', 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
# Aggregates only: a chart frame bigger than this is almost certainly raw rows.
MAX_ROWS = 5000
LOW_N = 20


@alt.theme.register("uxcx", enable=True)
def uxcx_theme() -> alt.theme.ThemeConfig:
    """The uxcx Altair theme: readable fonts, light grid, Okabe–Ito categories."""
    return {
        "config": {
            "font": FONT,
            "background": "white",
            "padding": {"left": 4, "right": 8, "top": 10, "bottom": 4},
            "view": {"stroke": None, "continuousHeight": 260, "continuousWidth": 520},
            "axis": {
                "labelFontSize": 12,
                "titleFontSize": 12,
                "titleFontWeight": 600,
                "titleColor": "#31333F",
                "labelColor": "#4A4C57",
                "gridColor": "#ECECEC",
                "domainColor": "#B0B0B0",
                "tickColor": "#B0B0B0",
                "titlePadding": 8,
            },
            "axisX": {"grid": False},
            "legend": {
                "labelFontSize": 12,
                "titleFontSize": 12,
                "titleFontWeight": 600,
                "orient": "top",
                "symbolStrokeWidth": 2,
            },
            "header": {"labelFontSize": 12, "titleFontSize": 12, "labelFontWeight": 600},
            "title": {
                "fontSize": 14,
                "fontWeight": 600,
                "anchor": "start",
                "color": "#31333F",
                "subtitleColor": "#6B6D76",
                "subtitleFontSize": 12,
            },
            "range": {"category": list(OKABE_ITO)},
            "text": {"fontSize": 11, "color": "#31333F"},
            "line": {"strokeWidth": 2.5},
            "point": {"size": 45, "filled": True},
            "bar": {"cornerRadiusEnd": 2},
        }
    }


# ---- helpers -----------------------------------------------------------------------------
# Axis titles say the unit (or the scale when the unit is implicit).
_AXIS_TITLES = {
    "sus": "SUS score (0–100)",
    "task_success_rate": "Task success (%)",
    "time_on_task": "Time on task (s, geometric mean)",
    "error_rate": "Attempts with errors (%)",
    "product_nps": "Product NPS (−100 … +100)",
    "app_rating": "App rating (1–5 stars)",
    "bounce_rate": "Bounce rate (%)",
    "conversion_rate": "Conversion (%)",
    "nps": "NPS (−100 … +100)",
    "csat": "CSAT (% answering 4–5)",
    "ces": "CES (mean, 1–7)",
    "churn_rate": "Churn (% of customers)",
    "retention_rate": "Retention (% of customers)",
    "clv": "CLV (mean, file currency)",
}
_GRAIN_TITLES = {
    "day": "Day",
    "week": "Week",
    "month": "Month",
    "quarter": "Quarter",
    "year": "Year",
}
_GRAIN_FORMAT = {"day": "%d %b %Y", "week": "%d %b %Y", "month": "%b %Y", "quarter": "Q%q %Y"}
# Ticks on period starts, so a label never sits between two quarters.
_GRAIN_TICKS = {
    "quarter": {"interval": "month", "step": 3},
    "year": {"interval": "year", "step": 1},
}


def axis_title(metric_id: str) -> str:
    """The y-axis title of a metric, with its unit."""
    m = METRIC_BY_ID[metric_id]
    if metric_id in _AXIS_TITLES:
        return _AXIS_TITLES[metric_id]
    return f"{m.label} ({m.unit})" if m.unit else m.label


def family_color(metric_id: str) -> str:
    """The colour of a metric's family (UX blue, CX orange)."""
    return FAMILY_COLORS[METRIC_BY_ID[metric_id].family]


def _fmt(metric: Metric) -> str:
    """d3 number format for a metric's tooltips."""
    sign = "+" if metric.kind == "nps" else ""
    return f"{sign},.{metric.decimals}f"


def _frame(data: pd.DataFrame | pa.Table, required: Sequence[str] = ()) -> pd.DataFrame:
    """A small pandas copy of an aggregate; raises on raw-row-sized input or missing columns."""
    df = data.to_pandas() if isinstance(data, pa.Table) else pd.DataFrame(data).copy()
    if len(df) > MAX_ROWS:
        raise ValueError(
            f"charts take aggregates (≤ {MAX_ROWS} rows), got {len(df)} rows: aggregate first"
        )
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ValueError(f"chart data needs column(s) {', '.join(missing)}")
    # DECIMAL results arrive as Python Decimals (object dtype), which Vega-Lite cannot scale.
    for c in df.columns:
        if df[c].dtype == object and c not in ("group", "period", "cohort", "metric", "family"):
            converted = pd.to_numeric(df[c], errors="coerce")
            if converted.notna().sum() == df[c].notna().sum():
                df[c] = converted.astype("float64")
    return df


def _as_time(df: pd.DataFrame, col: str = "period") -> pd.DataFrame:
    """Periods as datetime64 (date objects do not serialise reliably to Vega-Lite)."""
    if col in df.columns:
        df[col] = pd.to_datetime(df[col])
    return df


def _with_ci_text(df: pd.DataFrame, metric: Metric) -> pd.DataFrame:
    """Add a preformatted '95% CI' text column and a low-n flag for tooltips and greying."""
    d = metric.decimals

    def fmt(x: float) -> str:
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return "–"
        return f"{x:+,.{d}f}" if metric.kind == "nps" else f"{x:,.{d}f}"

    if {"ci_low", "ci_high"} <= set(df.columns):
        df["ci"] = [f"{fmt(lo)} … {fmt(hi)}" for lo, hi in zip(df.ci_low, df.ci_high, strict=True)]
    if "n" in df.columns:
        df["n"] = df["n"].fillna(0).astype("int64")
        df["stability"] = ["too few for a stable estimate" if n < LOW_N else "" for n in df["n"]]
    return df


def _x_time(grain: str | None, title: str | None = None, domain: list | None = None) -> alt.X:
    # Pixel padding keeps the first and last points whole (marks are clipped to the plot).
    scale = alt.Scale(domain=domain, padding=10) if domain else alt.Scale(padding=10)
    return alt.X(
        "period:T",
        title=title or _GRAIN_TITLES.get(grain or "month", "Period"),
        axis=alt.Axis(
            format=_GRAIN_FORMAT.get(grain or "month", "%Y"),
            labelAngle=0,
            tickCount=_GRAIN_TICKS.get(grain or "month", alt.Undefined),
        ),
        scale=scale,
    )


def _y_scale(metric: Metric, df: pd.DataFrame, cols: Sequence[str]) -> alt.Scale:
    """Zoom to the data (with some air) but never beyond the metric's possible range.

    Rows with n < LOW_N do not stretch the axis (their huge intervals would flatten every other
    point); marks are clipped to the plot instead.
    """
    values = df["value"] if "value" in df.columns else pd.Series(dtype=float)
    if "n" in df.columns and (df["n"] >= LOW_N).any():
        df = df[df["n"] >= LOW_N]
    # Every point stays visible; only the intervals of low-n rows may run off the plot.
    parts = [pd.to_numeric(df[c], errors="coerce") for c in cols if c in df.columns]
    vals = pd.concat([*parts, pd.to_numeric(values, errors="coerce")])
    vals = vals[vals.notna() & vals.map(math.isfinite)]
    if vals.empty:
        return alt.Scale(zero=False)
    lo, hi = float(vals.min()), float(vals.max())
    pad = max((hi - lo) * 0.15, 1e-9 + abs(hi) * 0.02)
    lo, hi = lo - pad, hi + pad
    if metric.benchmark is not None:
        lo, hi = min(lo, metric.benchmark - pad), max(hi, metric.benchmark + pad)
    if metric.axis_range:
        lo, hi = max(lo, metric.axis_range[0]), min(hi, metric.axis_range[1])
    elif vals.min() >= 0:
        lo = max(lo, 0.0)
    return alt.Scale(domain=[lo, hi], zero=False, nice=True)


def _tooltips(metric: Metric, extra: Sequence[alt.Tooltip] = ()) -> list[alt.Tooltip]:
    f = _fmt(metric)
    return [
        *extra,
        alt.Tooltip("value:Q", title=metric.label, format=f),
        alt.Tooltip("ci:N", title="95% CI"),
        alt.Tooltip("n:Q", title="n", format=","),
        alt.Tooltip("stability:N", title="note"),
    ]


def _benchmark_rule(metric: Metric, orient: str = "y") -> alt.Chart | None:
    """A dashed rule at the metric's benchmark (SUS 68, task success 78%)."""
    if metric.benchmark is None:
        return None
    bdf = pd.DataFrame({"benchmark": [metric.benchmark], "label": [metric.benchmark_label]})
    enc = {orient: alt.Y("benchmark:Q") if orient == "y" else alt.X("benchmark:Q")}
    rule = (
        alt.Chart(bdf)
        .mark_rule(color=BENCHMARK_COLOR, strokeDash=[5, 4], strokeWidth=1.5)
        .encode(
            **enc,
            tooltip=[alt.Tooltip("label:N", title="benchmark")],
        )
    )
    return rule


# ---- trends ------------------------------------------------------------------------------
def sparkline(df: pd.DataFrame | pa.Table, metric_id: str, *, height: int = 44) -> alt.Chart:
    """A tiny line of the metric by period (no axes) for a tile; low-n points are hollow."""
    metric = METRIC_BY_ID[metric_id]
    d = _with_ci_text(_as_time(_frame(df, ["period", "value"])), metric)
    color = FAMILY_COLORS[metric.family]
    base = alt.Chart(d).encode(
        x=alt.X("period:T", axis=None),
        y=alt.Y("value:Q", axis=None, scale=alt.Scale(zero=False)),
        tooltip=[alt.Tooltip("period:T", title="Month", format="%b %Y")]
        + (
            _tooltips(metric)
            if "ci" in d.columns
            else [alt.Tooltip("value:Q", format=_fmt(metric))]
        ),
    )
    line = base.mark_line(color=color, strokeWidth=2)
    pts = base.mark_point(color=color, size=18, filled=True, opacity=0.9)
    return alt.layer(line, pts).properties(height=height)


def metric_trend(
    df: pd.DataFrame | pa.Table,
    metric_id: str,
    *,
    grain: str | None = "month",
    title: str | None = None,
    x_domain: list | None = None,
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
        color = alt.Color(
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
    chart = alt.layer(*layers)
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
    return alt.vconcat(*panels, spacing=18).resolve_scale(color="independent")


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
    return alt.layer(*layers).properties(height=alt.Step(step))


# ---- distributions -----------------------------------------------------------------------
def _grade_bands() -> pd.DataFrame:
    """Sauro–Lewis grade ranges (lower, upper, grade) for shading a SUS axis."""
    bounds = sorted(SUS_GRADES)  # ascending by lower bound
    rows = []
    for i, (lo, grade) in enumerate(bounds):
        hi = bounds[i + 1][0] if i + 1 < len(bounds) else 100.0
        rows.append({"lo": lo, "hi": hi, "grade": grade, "letter": grade[0]})
    return pd.DataFrame(rows)


# One light tint per grade letter; alternating lightness keeps adjacent bands distinguishable.
_GRADE_TINTS = {"F": "#F6E3DA", "D": "#FBEFD9", "C": "#EEEEEE", "B": "#E3F0F7", "A": "#DCEFE6"}


def sus_distribution(
    hist_df: pd.DataFrame | pa.Table, *, mean: float | None = None
) -> alt.LayerChart:
    """Histogram of per-respondent SUS with Sauro–Lewis grade bands shaded and a rule at 68.

    hist_df: bin_start, bin_end, count (share optional).
    """
    d = _frame(hist_df, ["bin_start", "bin_end", "count"])
    total = float(d["count"].sum()) or 1.0
    d["share"] = d["count"] / total
    d["range"] = [f"{a:g}–{b:g}" for a, b in zip(d.bin_start, d.bin_end, strict=True)]
    bands = _grade_bands()
    x = alt.X("lo:Q", title="SUS score per respondent (0–100)", scale=alt.Scale(domain=[0, 100]))
    shade = (
        alt.Chart(bands)
        .mark_rect(opacity=0.9)
        .encode(
            x=x,
            x2="hi:Q",
            color=alt.Color(
                "letter:N",
                scale=alt.Scale(domain=list(_GRADE_TINTS), range=list(_GRADE_TINTS.values())),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("grade:N", title="Sauro–Lewis grade"),
                alt.Tooltip("lo:Q", title="from", format=".1f"),
                alt.Tooltip("hi:Q", title="to", format=".1f"),
            ],
        )
    )
    # Label only the letter bands wide enough to hold text (A+/A/A−… are a few points wide).
    letters = bands.groupby("letter", as_index=False).agg(lo=("lo", "min"), hi=("hi", "max"))
    letters["mid"] = (letters["lo"] + letters["hi"]) / 2
    letter_text = (
        alt.Chart(letters)
        .mark_text(baseline="top", dy=4, fontSize=12, fontWeight=600, color="#6B6D76")
        .encode(x="mid:Q", y=alt.value(0), text="letter:N")
    )
    bars = (
        alt.Chart(d)
        .mark_bar(color=UX_COLOR, opacity=0.9, binSpacing=1, cornerRadiusEnd=0)
        .encode(
            x=alt.X("bin_start:Q", bin="binned", scale=alt.Scale(domain=[0, 100])),
            x2="bin_end:Q",
            # Headroom above the tallest bar keeps the grade letters and labels off the bars.
            y=alt.Y(
                "count:Q",
                title="Respondents",
                scale=alt.Scale(domain=[0, max(float(d["count"].max()) * 1.3, 1.0)], nice=False),
            ),
            tooltip=[
                alt.Tooltip("range:N", title="SUS"),
                alt.Tooltip("count:Q", title="respondents", format=","),
                alt.Tooltip("share:Q", title="share", format=".1%"),
            ],
        )
    )
    rule_df = pd.DataFrame({"x": [68.0], "label": ["68 = average"]})
    rule = alt.Chart(rule_df).mark_rule(color=BENCHMARK_COLOR, strokeDash=[5, 4], strokeWidth=2)
    rule = rule.encode(x="x:Q", tooltip=[alt.Tooltip("label:N", title="benchmark")])
    # The benchmark label goes on the side away from the mean so the two never overlap.
    mean_left = mean is not None and math.isfinite(mean) and mean < 68.0
    rule_text = (
        alt.Chart(rule_df)
        .mark_text(
            align="left" if mean_left else "right",
            dx=4 if mean_left else -4,
            dy=30,
            fontSize=11,
            fontWeight=600,
            color=BENCHMARK_COLOR,
        )
        .encode(x="x:Q", y=alt.value(0), text="label:N")
    )
    layers: list[alt.Chart] = [shade, letter_text, bars, rule, rule_text]
    if mean is not None and math.isfinite(mean):
        mdf = pd.DataFrame({"x": [mean], "label": [f"mean {mean:.1f}"]})
        layers.append(
            alt.Chart(mdf)
            .mark_rule(color=FAMILY_DARK["UX"], strokeWidth=2)
            .encode(x="x:Q", tooltip=[alt.Tooltip("label:N", title="mean")])
        )
        layers.append(
            alt.Chart(mdf)
            .mark_text(
                align="right" if mean_left else "left",
                dx=-4 if mean_left else 4,
                dy=30,
                fontSize=11,
                fontWeight=600,
                color=FAMILY_DARK["UX"],
            )
            .encode(x="x:Q", y=alt.value(0), text="label:N")
        )
    return alt.layer(*layers)


NPS_BUCKETS = ("Promoters", "Passives", "Detractors")
_NPS_COLORS = (PROMOTER_COLOR, PASSIVE_COLOR, DETRACTOR_COLOR)


def nps_composition(
    df: pd.DataFrame | pa.Table, *, grain: str | None = "month", by: str = "period"
) -> alt.Chart:
    """Stacked shares of promoters, passives and detractors per period (or per group).

    df: period (or group), promoters, detractors, n (passives = n − promoters − detractors).
    """
    d = _frame(df, [by, "promoters", "detractors", "n"])
    if by == "period":
        d = _as_time(d)
    d["passives"] = d["n"] - d["promoters"] - d["detractors"]
    d["nps"] = (d["promoters"] - d["detractors"]) / d["n"].where(d["n"] > 0) * 100
    long = d.melt(
        id_vars=[by, "n", "nps"],
        value_vars=["promoters", "passives", "detractors"],
        var_name="bucket",
        value_name="count",
    )
    long["bucket"] = long["bucket"].str.capitalize()
    long["share"] = long["count"] / long["n"].where(long["n"] > 0)
    long["order"] = long["bucket"].map({b: i for i, b in enumerate(NPS_BUCKETS)})
    if by == "period":
        xenc = alt.X(
            "period:T",
            title=_GRAIN_TITLES.get(grain or "month", "Period"),
            timeUnit="yearmonth" if grain == "month" else alt.Undefined,
            axis=alt.Axis(format=_GRAIN_FORMAT.get(grain or "month", "%Y"), labelAngle=0),
        )
        first = alt.Tooltip("period:T", title="Month", format=_GRAIN_FORMAT.get(grain or "month"))
    else:
        xenc = alt.X(f"{by}:N", title=None, axis=alt.Axis(labelAngle=0))
        first = alt.Tooltip(f"{by}:N", title="group")
    return (
        alt.Chart(long)
        .mark_bar(cornerRadiusEnd=0)
        .encode(
            x=xenc,
            y=alt.Y(
                "share:Q",
                title="Share of respondents (%)",
                stack="normalize",
                axis=alt.Axis(format="%"),
            ),
            color=alt.Color(
                "bucket:N",
                title=None,
                scale=alt.Scale(domain=list(NPS_BUCKETS), range=list(_NPS_COLORS)),
                sort=list(NPS_BUCKETS),
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                first,
                alt.Tooltip("bucket:N", title="group"),
                alt.Tooltip("count:Q", title="respondents", format=","),
                alt.Tooltip("share:Q", title="share", format=".1%"),
                alt.Tooltip("nps:Q", title="NPS", format="+.0f"),
                alt.Tooltip("n:Q", title="n", format=","),
            ],
        )
    )


def _scale_bucket(metric_id: str | None, v: float) -> str:
    """Which part of a scale a value counts as (NPS buckets, CSAT top-2-box, SUS not used)."""
    if metric_id in ("nps", "product_nps"):
        return "Promoters" if v >= 9 else "Detractors" if v <= 6 else "Passives"
    if metric_id == "csat":
        return "Counted as satisfied (4–5)" if v >= 4 else "Not satisfied (1–3)"
    return "Answers"


def score_distribution(
    df: pd.DataFrame | pa.Table,
    metric_id: str | None = None,
    *,
    x_title: str = "Answer",
    family: str | None = None,
) -> alt.Chart:
    """Counts per scale value (e.g. CSAT 1–5, NPS 0–10, CES 1–7); NPS/CSAT parts coloured.

    df: value, count.
    """
    d = _frame(df, ["value", "count"])
    fam = family or (METRIC_BY_ID[metric_id].family if metric_id else "CX")
    total = float(d["count"].sum()) or 1.0
    d["share"] = d["count"] / total
    d["bucket"] = [_scale_bucket(metric_id, float(v)) for v in d["value"]]
    d["label"] = [f"{v:g}" for v in d["value"]]
    buckets = list(dict.fromkeys(d["bucket"]))
    if metric_id in ("nps", "product_nps"):
        domain, rng = list(NPS_BUCKETS), list(_NPS_COLORS)
    elif metric_id == "csat":
        domain = ["Counted as satisfied (4–5)", "Not satisfied (1–3)"]
        rng = [FAMILY_COLORS[fam], "#C9C9C9"]
    else:
        domain, rng = buckets, [FAMILY_COLORS[fam]]
    order = [f"{v:g}" for v in sorted(d["value"])]
    return (
        alt.Chart(d)
        .mark_bar()
        .encode(
            x=alt.X("label:N", title=x_title, sort=order, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("count:Q", title="Respondents"),
            color=alt.Color(
                "bucket:N",
                title=None,
                scale=alt.Scale(domain=domain, range=rng),
                legend=None if len(domain) == 1 else alt.Legend(),
            ),
            tooltip=[
                alt.Tooltip("label:N", title=x_title),
                alt.Tooltip("count:Q", title="respondents", format=","),
                alt.Tooltip("share:Q", title="share", format=".1%"),
                alt.Tooltip("bucket:N", title="counts as"),
            ],
        )
    )


def histogram(
    df: pd.DataFrame | pa.Table,
    *,
    x_title: str = "Value",
    y_title: str = "Count",
    family: str = "CX",
    x_format: str = ",.0f",
) -> alt.Chart:
    """Bars of pre-binned counts. df: bin_start, bin_end, count."""
    d = _frame(df, ["bin_start", "bin_end", "count"])
    total = float(d["count"].sum()) or 1.0
    d["share"] = d["count"] / total
    return (
        alt.Chart(d)
        .mark_bar(color=FAMILY_COLORS.get(family, UX_COLOR), binSpacing=1, cornerRadiusEnd=0)
        .encode(
            x=alt.X("bin_start:Q", bin="binned", title=x_title, axis=alt.Axis(format=x_format)),
            x2="bin_end:Q",
            y=alt.Y(
                "count:Q",
                title=y_title,
                scale=alt.Scale(domain=[0, max(float(d["count"].max()) * 1.08, 1.0)]),
            ),
            tooltip=[
                alt.Tooltip("bin_start:Q", title="from", format=x_format),
                alt.Tooltip("bin_end:Q", title="to (excl.)", format=x_format),
                alt.Tooltip("count:Q", title=y_title.lower(), format=","),
                alt.Tooltip("share:Q", title="share", format=".1%"),
            ],
        )
    )


def cohort_heatmap(df: pd.DataFrame | pa.Table, *, value_title: str = "Still active") -> alt.Chart:
    """Signup cohort × months since signup, shaded by the share still active (with labels).

    df: cohort (month), months_since, share, active, customers.
    """
    d = _frame(df, ["cohort", "months_since", "share", "customers"])
    d = _as_time(d, "cohort")
    d["cohort_label"] = d["cohort"].dt.strftime("%Y-%m")
    cohorts = sorted(d["cohort_label"].unique())
    lo = math.floor(float(d["share"].min()) * 10) / 10 if not d.empty else 0.0
    base = alt.Chart(d).encode(
        x=alt.X(
            "months_since:O",
            title="Months since signup",
            axis=alt.Axis(labelAngle=0, labelOverlap=True),
        ),
        y=alt.Y("cohort_label:O", title="Signup month", sort=cohorts),
    )
    tips = [
        alt.Tooltip("cohort_label:N", title="signup month"),
        alt.Tooltip("months_since:O", title="months since signup"),
        alt.Tooltip("share:Q", title=value_title.lower(), format=".1%"),
        alt.Tooltip("customers:Q", title="customers in cohort", format=","),
    ]
    if "active" in d.columns:
        tips.insert(3, alt.Tooltip("active:Q", title="still active", format=","))
    rects = base.mark_rect(stroke="white", strokeWidth=0.5).encode(
        color=alt.Color(
            "share:Q",
            title=f"{value_title} (%)",
            # Start the colour ramp near the lowest share so differences between cohorts show.
            scale=alt.Scale(scheme="oranges", domain=[lo, 1.0], reverse=False),
            legend=alt.Legend(format="%", orient="right", gradientLength=160),
        ),
        tooltip=tips,
    )
    return rects.properties(height=alt.Step(16) if len(cohorts) > 12 else alt.Step(22))


def family_legend() -> alt.Chart:
    """A two-swatch legend (UX blue, CX orange) for pages that mix both families."""
    d = pd.DataFrame({"family": ["UX", "CX"]})
    return (
        alt.Chart(d)
        .mark_square(size=120)
        .encode(
            y=alt.Y("family:N", axis=alt.Axis(title=None, domain=False, ticks=False)),
            color=alt.Color(
                "family:N",
                scale=alt.Scale(domain=["UX", "CX"], range=[UX_COLOR, CX_COLOR]),
                legend=None,
            ),
        )
    )


def group_comparison(
    ux_df: pd.DataFrame | pa.Table,
    cx_df: pd.DataFrame | pa.Table,
    ux_metric: str,
    cx_metric: str,
    *,
    group_title: str | None = None,
) -> alt.HConcatChart:
    """A UX and a CX metric per segment value, side by side with CIs (same group order)."""
    u = _frame(ux_df, ["group", "value", "ci_low", "ci_high", "n"])
    c = _frame(cx_df, ["group", "value", "ci_low", "ci_high", "n"])
    groups = list(dict.fromkeys([*map(str, u["group"]), *map(str, c["group"])]))
    panels = []
    for d, mid in ((u, ux_metric), (c, cx_metric)):
        m = METRIC_BY_ID[mid]
        d = d.copy()
        d["group"] = d["group"].astype(str)
        panels.append(
            metric_by_group(d, mid, group_title=group_title, sort=groups).properties(
                title=alt.Title(f"{m.family} · {m.label}", color=FAMILY_DARK[m.family])
            )
        )
    return alt.hconcat(*panels, spacing=30)
