"""The look every chart shares: Okabe–Ito palette, the uxcx Altair theme, axis titles, helpers.

Importing this module registers and enables the "uxcx" Altair theme. The helpers refuse frames
bigger than an aggregate (MAX_ROWS), because st.altair_chart ships the whole frame to the browser.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Literal, cast

import altair as alt
import pandas as pd
import pyarrow as pa

from ..kinds import kind_of
from ..metrics import METRIC_BY_ID, Metric

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

# Bands run from the worst UX score to the best: a diverging red → grey → blue ramp keeps the
# order readable and ends on a strong blue for good UX (ColorBrewer RdBu with a grey middle, so
# no band is drawn in near-white).
BAND_PALETTES: dict[int, tuple[str, ...]] = {
    1: (UX_COLOR,),
    2: ("#B2182B", "#2166AC"),
    3: ("#B2182B", "#8C8C8C", "#2166AC"),
    4: ("#B2182B", "#EF8A62", "#67A9CF", "#2166AC"),
    5: ("#B2182B", "#EF8A62", "#8C8C8C", "#67A9CF", "#2166AC"),
}


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


def _layer(*charts: alt.Chart | alt.LayerChart) -> alt.LayerChart:
    """alt.layer, typed as uxcx uses it.

    Altair annotates alt.layer as LayerChart | FacetChart because layers that all carry the same
    row/column/facet channel are hoisted into a FacetChart. No uxcx layer has a facet channel, so
    the result is always a LayerChart.
    """
    return cast(alt.LayerChart, alt.layer(*charts))


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
    # The registry's title says the unit or the scale when the unit is implicit.
    if m.axis_title:
        return m.axis_title
    return f"{m.label} ({m.unit})" if m.unit else m.label


def family_color(metric_id: str) -> str:
    """The colour of a metric's family (UX blue, CX orange)."""
    return FAMILY_COLORS[METRIC_BY_ID[metric_id].family]


def _fmt(metric: Metric) -> str:
    """d3 number format for a metric's tooltips."""
    sign = "+" if kind_of(metric).signed else ""
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
        return f"{x:+,.{d}f}" if kind_of(metric).signed else f"{x:,.{d}f}"

    if {"ci_low", "ci_high"} <= set(df.columns):
        df["ci"] = [f"{fmt(lo)} … {fmt(hi)}" for lo, hi in zip(df.ci_low, df.ci_high, strict=True)]
    if "n" in df.columns:
        df["n"] = df["n"].fillna(0).astype("int64")
        df["stability"] = ["too few for a stable estimate" if n < LOW_N else "" for n in df["n"]]
    return df


def _x_time(
    grain: str | None, title: str | None = None, domain: Sequence[dt.date] | None = None
) -> alt.X:
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


def _benchmark_rule(metric: Metric, orient: Literal["x", "y"] = "y") -> alt.Chart | None:
    """A dashed rule at the metric's benchmark (SUS 68, task success 78%)."""
    if metric.benchmark is None:
        return None
    bdf = pd.DataFrame({"benchmark": [metric.benchmark], "label": [metric.benchmark_label]})
    enc = {orient: alt.Y("benchmark:Q") if orient == "y" else alt.X("benchmark:Q")}
    # Altair's mark_* methods lose their return type (Self) to mypy: the chart's type is stated.
    rule: alt.Chart = (
        alt.Chart(bdf)
        .mark_rule(color=BENCHMARK_COLOR, strokeDash=[5, 4], strokeWidth=1.5)
        .encode(
            **enc,
            tooltip=[alt.Tooltip("label:N", title="benchmark")],
        )
    )
    return rule


# ---- retention charts: bands and percentage texts ------------------------------------------
def _small(df: pd.DataFrame) -> pd.DataFrame:
    """Refuse anything that looks like raw rows rather than an aggregate."""
    if len(df) > MAX_ROWS:
        raise ValueError(f"charts take aggregates (≤ {MAX_ROWS} rows), got {len(df)} rows")
    return df


def band_scale(bands: Sequence[str]) -> alt.Scale:
    """Colour scale for bands given worst first (the same colours on every band chart)."""
    names = list(dict.fromkeys(str(b) for b in bands))
    palette = BAND_PALETTES.get(len(names))
    if palette is None:  # many groups: an ordered perceptual ramp
        return alt.Scale(domain=names, scheme={"name": "viridis", "extent": [0.1, 0.85]})
    return alt.Scale(domain=names, range=list(palette))


def _pct(v: float | None, digits: int = 1) -> str:
    if v is None or not math.isfinite(v):
        return "–"
    return f"{100 * v:.{digits}f}%"


def _ci_text(lo: float, hi: float, digits: int = 1) -> str:
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "–"
    return f"{_pct(lo, digits)} … {_pct(hi, digits)}"


def _num_text(v: float) -> str:
    return f"{v:,.3g}" if abs(v) < 1000 else f"{v:,.0f}"
