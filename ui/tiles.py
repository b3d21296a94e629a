"""Metric tiles: value with 95% CI and n, change against the previous period, benchmark, sparkline.

Every dashboard page shows its metrics as tiles. A tile gives the value, its interval and n, the
change against the previous period of equal length (with a significance test), the benchmark
where one exists and a monthly sparkline (an SVG image with a tooltip per month). A metric whose
columns are missing is not an error: its tile says which column it needs and links to the Data
page. What a tile shows is worked out in uxcx.tiles and uxcx.periods; this module only draws it.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from uxcx.labels import diff_text, fmt_ci, fmt_p, value_text
from uxcx.metrics import METRIC_BY_ID
from uxcx.periods import DEFAULT_WINDOW, Periods
from uxcx.sql import Filters
from uxcx.store import Dataset
from uxcx.tiles import TileData

from . import cache
from .common import md, page_link
from .routes import DATA_PAGE
from .state import is_viewer


def _help(metric_id: str) -> str:
    m = METRIC_BY_ID[metric_id]
    text = f"{m.description}\n\n**Formula:** {m.formula}"
    if m.benchmark_label:
        text += f"\n\n**Benchmark:** {m.benchmark_label}"
    return text


def render_tile(
    d: TileData, per: Periods, spark: str | None = None, currency: str | None = None
) -> None:
    """One bordered metric tile (spark: its sparkline HTML, uxcx.charts.svg, if it has one)."""
    m = METRIC_BY_ID[d.metric_id]
    # Stretch to the row's height so tiles side by side line up.
    with st.container(border=True, height="stretch"):
        if d.missing is not None or d.current is None or not d.current.n:
            # A long dash where the value would be keeps missing tiles in the same rhythm.
            st.metric(m.label, None, help=_help(d.metric_id))
            if d.missing is not None:
                st.caption(f"Not computed: {md(d.missing.reason)}.")
                if not is_viewer():
                    page_link(DATA_PAGE, "Map a column", icon="🗂️")
            else:
                st.caption("No rows in the current period or filters.")
            return
        r = d.current
        value = value_text(d.metric_id, r.value, currency if d.metric_id == "clv" else None)
        # Greyed value: a small sample is shown, never hidden, but must not look like a finding.
        shown = f":gray[{value}]" if r.low_n else value
        delta = None
        delta_color = "off"
        change_line = ""
        if d.change is not None and d.change.diff is not None:
            up = d.change.diff > 0
            arrow = "▲" if up else "▼" if d.change.diff < 0 else "●"
            # Short enough for the tile's badge; the caption under the tiles gives the dates.
            span = f"in {DEFAULT_WINDOW} d" if per.compare_current else "vs previous"
            delta = f"{arrow} {diff_text(d.metric_id, d.change.diff)} {span}"
            better = up == m.higher_is_better
            # Colour only a significant change; a non-significant one stays grey.
            if d.change.significant:
                delta_color = "green" if better else "red"
                change_line = f"Change **significant** ({fmt_p(d.change.p)})"
            else:
                delta_color = "gray"
                change_line = f"Change not significant ({fmt_p(d.change.p)})"
        st.metric(
            m.label,
            shown,
            delta,
            delta_color=delta_color,
            delta_arrow="off",
            help=_help(d.metric_id),
        )
        lines = [f"95% CI {fmt_ci(d.metric_id, r.ci_low, r.ci_high)} · n = {r.n:,}"]
        if change_line:
            lines.append(change_line)
        if r.low_n:
            lines.append(f"n = {r.n}: too few for a stable estimate")
        if d.metric_id == "sus" and r.grade:
            lines.append(f"Grade {r.grade} · benchmark 68 = average (C)")
        elif m.benchmark is not None:
            lines.append(f"Benchmark {m.benchmark_label}")
        # Without any previous period the page says so once; per tile only when this metric
        # alone has no data before the current period.
        if d.change is None and per.previous is not None:
            lines.append("No data in the previous period to compare with")
        if r.out_of_scale:
            lines.append(f"{r.out_of_scale:,} out-of-scale value(s) left out")
        if r.unapplied_filters:
            lines.append(f"filter not applicable: {md(', '.join(r.unapplied_filters))}")
        if d.by_signup and (per.current.date_from or per.current.date_to):
            lines.append("Date range applies to signup dates (customers who joined then)")
        st.caption("  \n".join(lines))
        if spark:
            # Our own HTML (uxcx.charts.svg: metric labels, months and numbers, escaped). st.html
            # costs the browser far less than markdown; its sanitiser drops inline SVG elements,
            # hence the SVG as an image.
            st.html(spark)


def render_tiles(
    ds: Dataset, metric_ids: Sequence[str], filters: Filters, *, per_row: int = 2
) -> Periods:
    """A grid of tiles (per_row across); returns the periods used, for a caption."""
    # Results and sparklines come cached together: a rerun only lays the tiles out.
    per, data, sparks = cache.tiles(ds, metric_ids, filters)
    for i in range(0, len(metric_ids), per_row):
        cols = st.columns(per_row, gap="small")
        for col, mid in zip(cols, metric_ids[i : i + per_row], strict=False):
            with col:
                render_tile(data[mid], per, sparks.get(mid), ds.currency("clv"))
    return per
