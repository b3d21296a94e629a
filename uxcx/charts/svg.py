"""A tile's sparkline as a small SVG image and an HTML block: no chart runtime in the browser.

The Overview draws 14 sparklines; as 14 Vega-Lite views they cost the browser's main thread
0.3–0.8 s per visit (each view parses its spec, builds a dataflow and draws a canvas). A sparkline
needs none of that: a line, a dot per month and a tooltip per month. `sparkline_svg` draws the
line and dots as a standalone SVG; `sparkline_html` shows it as one <img> (the browser draws it
off the page's component tree) under one transparent band per month that carries the month's
tooltip, from the same monthly aggregate. Every text in them is ours (the metric's label, months
and formatted numbers), escaped all the same.
"""

from __future__ import annotations

import base64
import math
import numbers
from dataclasses import dataclass
from html import escape

import pandas as pd
import pyarrow as pa

from ..labels import fmt_ci, fmt_value
from ..metrics import METRIC_BY_ID
from .theme import FAMILY_COLORS, LOW_N, LOW_N_COLOR, _frame

# Drawing units: the image stretches to the tile's width (aspect ratio not kept), so only the
# proportions matter; strokes and dots stay round and the same size (non-scaling stroke).
_W, _PAD = 1000.0, 6.0


def _finite(x: object) -> bool:
    # numbers.Real: pandas hands back numpy scalars, which are not Python ints.
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(x)


@dataclass(frozen=True)
class _Spark:
    svg: str
    label: str  # what the line shows, for screen readers
    tips: list[tuple[float, float, str]]  # per month: left and width (0–1), tooltip


def _spark(df: pd.DataFrame | pa.Table, metric_id: str, height: int) -> _Spark | None:
    metric = METRIC_BY_ID[metric_id]
    d = _frame(df, ["period", "value"])
    rows = [r for r in d.to_dict("records") if _finite(r["value"]) and r["period"] is not None]
    rows.sort(key=lambda r: pd.Timestamp(r["period"]))
    if len(rows) < 2:
        return None
    values = [float(r["value"]) for r in rows]
    lo, hi = min(values), max(values)
    h = float(height)

    def y(v: float) -> float:  # a flat line sits in the middle
        return h / 2 if hi == lo else _PAD + (hi - v) / (hi - lo) * (h - 2 * _PAD)

    step = (_W - 2 * _PAD) / (len(rows) - 1)
    xs = [_PAD + i * step for i in range(len(rows))]
    ys = [y(v) for v in values]
    color = FAMILY_COLORS[metric.family]
    months = [pd.Timestamp(r["period"]).strftime("%b %Y") for r in rows]
    dots: dict[bool, list[str]] = {False: [], True: []}
    tips = []
    for x, yy, r, month in zip(xs, ys, rows, months, strict=True):
        tip = f"{month}: {metric.label} {fmt_value(metric_id, r['value'])}"
        if _finite(r.get("ci_low")) and _finite(r.get("ci_high")):
            tip += f", 95% CI {fmt_ci(metric_id, r['ci_low'], r['ci_high'])}"
        n = int(r["n"]) if _finite(r.get("n")) else None
        low = n is not None and n < LOW_N
        if n is not None:
            tip += f", n = {n:,}" + (" (too few for a stable estimate)" if low else "")
        # A zero-length segment with round caps is a dot (a circle would stretch with the image).
        dots[low].append(f"M{x:.1f} {yy:.1f}h0")
        left = max(0.0, x - step / 2) / _W
        tips.append((left, min(1.0, (x + step / 2) / _W) - left, tip))
    line = " ".join(f"{x:.1f},{yy:.1f}" for x, yy in zip(xs, ys, strict=True))
    marks = "".join(
        f'<path d="{"".join(p)}" stroke="{LOW_N_COLOR if low else color}" stroke-width="5" '
        f'stroke-linecap="round" vector-effect="non-scaling-stroke"/>'
        for low, p in dots.items()
        if p
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W:.0f} {h:.0f}" '
        f'preserveAspectRatio="none" width="{_W:.0f}" height="{height}" overflow="visible">'
        f'<polyline points="{line}" fill="none" stroke="{color}" stroke-width="2" '
        f'stroke-linejoin="round" vector-effect="non-scaling-stroke"/>{marks}</svg>'
    )
    label = (
        f"{metric.label} by month, {months[0]} to {months[-1]}: "
        f"{fmt_value(metric_id, values[0])} to {fmt_value(metric_id, values[-1])}"
    )
    return _Spark(svg, label, tips)


def sparkline_svg(df: pd.DataFrame | pa.Table, metric_id: str, *, height: int = 44) -> str:
    """The metric by month as a standalone SVG: a line and a dot per month (grey when n < 20).

    df: period, value and optionally n (one row per month, as charts.sparkline takes). '' when
    fewer than two months have a value.
    """
    s = _spark(df, metric_id, height)
    return s.svg if s else ""


def sparkline_html(df: pd.DataFrame | pa.Table, metric_id: str, *, height: int = 44) -> str:
    """The sparkline as an HTML block: the SVG as an image (alt text says what it shows) and,
    over it, one transparent band per month whose tooltip gives month, value, 95% CI and n.

    df: period, value, ci_low, ci_high, n (one row per month). '' when under two months.
    """
    s = _spark(df, metric_id, height)
    if s is None:
        return ""
    uri = "data:image/svg+xml;base64," + base64.b64encode(s.svg.encode()).decode()
    bands = "".join(
        f'<div title="{escape(tip)}" style="position:absolute;top:0;bottom:0;'
        f'left:{left * 100:.2f}%;width:{width * 100:.2f}%"></div>'
        for left, width, tip in s.tips
    )
    return (
        f'<div style="position:relative;height:{height}px">'
        f'<img src="{uri}" alt="{escape(s.label)}" '
        f'style="display:block;width:100%;height:{height}px">{bands}</div>'
    )
