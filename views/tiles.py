"""Metric tiles and the shared helpers of the dashboard pages (Overview, UX, CX).

A tile shows one metric for the current period: value with unit, 95% CI, n, the change against
the previous period of equal length (with a significance test), the benchmark where one exists
and a monthly sparkline. A metric whose columns are missing is not an error: its tile says which
column it needs and links to the Data page.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import altair as alt
import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from uxcx import app_state, charts, distributions
from uxcx.compute import Change, MetricResult, compare
from uxcx.metrics import METRIC_BY_ID
from uxcx.sql import Filters, Missing
from uxcx.store import Dataset
from views.metric_table import fmt_value
from views.sidebar import data_bounds, describe_filters

DATA_PAGE = "pages/data.py"
UPLOAD_PAGE = "pages/upload.py"


# ---- dataset, links, captions ------------------------------------------------------------
# Markdown and Streamlit directive characters ('-' and '.' only matter at a line start).
_MD_SPECIAL = set("\\`*_{}[]()#+!|<>:~$")


def md(text: object) -> str:
    """Escape user text (column names, segment values) for st.markdown and captions."""
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in str(text))


def page_link(page: str, label: str, icon: str | None = None) -> None:
    """st.page_link that degrades to a caption when the page is not registered (tests, WIP)."""
    try:
        st.page_link(page, label=label, icon=icon)
    except StreamlitAPIException:
        st.caption(f"{label} (open it from the menu on the left)")


def dataset_or_stop() -> Dataset:
    """The current dataset; without one, say how to load data and stop the page."""
    ds = app_state.current_dataset()
    if ds is None:
        st.info("No data loaded yet. Upload your exports or start from the sample data.")
        page_link(UPLOAD_PAGE, "Go to Data sources", icon="📥")
        st.stop()
    return ds  # type: ignore[return-value]  # st.stop() never returns


def filters_line(filters: Filters) -> str:
    """'Filters: …' or 'All data (no filters)': shown on every dashboard page."""
    text = md(describe_filters(filters))
    return f"Filters: {text}" if text else "All data · no filters (set them in the sidebar)"


def chart_caption(
    n: int | None, method: str, *, unapplied: Sequence[str] = (), extra: str = ""
) -> str:
    """The caption under a chart: n, method and anything the filters could not reach."""
    parts = []
    if n is not None:
        parts.append(f"n = {n:,}")
    if method:
        parts.append(method)
    if extra:
        parts.append(extra)
    if unapplied:
        parts.append(f"filter not applicable here: {md(', '.join(unapplied))}")
    return " · ".join(parts)


def show_chart(chart: alt.TopLevelMixin, caption: str) -> None:
    """Render an Altair chart with our own theme and its caption."""
    st.altair_chart(chart, width="stretch", theme=None)
    st.caption(caption)


def needs_column(what: str, missing: Missing | None = None) -> None:
    """A section without its data: say which column it needs and link to the Data page."""
    reason = md(missing.reason) if missing else "needs a column the data does not have yet"
    st.info(f"**{what}** {reason}. Map a column to that role on the Data page.", icon="🧩")
    page_link(DATA_PAGE, "Map columns on the Data page", icon="🗂️")


# ---- cached queries beyond metric aggregates ---------------------------------------------
@st.cache_data(max_entries=2000, show_spinner=False)
def _distribution(
    ds_id: str, version: str, kind: str, args: tuple, kwargs: tuple, fkey: tuple
) -> distributions.Distribution | Missing:
    ws = app_state.workspace()
    tables = ws.open(ds_id).table_infos(ws.engine)
    filters = app_state.filters_from_key(fkey)
    func = {
        "sus": distributions.sus_histogram,
        "scale": distributions.scale_counts,
        "values": distributions.value_histogram,
        "cohorts": distributions.cohort_retention,
    }[kind]
    return func(ws.engine, tables, *args, filters=filters, **dict(kwargs))


def distribution(
    ds: Dataset, kind: str, *args, filters: Filters | None = None, **kwargs
) -> distributions.Distribution | Missing:
    """A cached distribution: 'sus', 'scale' (metric id), 'values' (metric id) or 'cohorts'."""
    fkey = app_state.filters_key(filters)
    return _distribution(ds.id, ds.version, kind, args, tuple(sorted(kwargs.items())), fkey)


def role_column(ds: Dataset, role: str) -> str | None:
    """The column a role is mapped to in any table of the dataset (e.g. the task column)."""
    for t in ds.tables:
        col = t.roles.get(role)
        if isinstance(col, str):
            return col
    return None


def results_df(results: Sequence[MetricResult], metric_id: str | None = None) -> pd.DataFrame:
    """Results (optionally of one metric) as the frame charts take."""
    df = distributions.results_frame(results)
    if metric_id is not None and not df.empty:
        df = df[df["metric"] == metric_id].reset_index(drop=True)
    return df


DEFAULT_WINDOW = 90


# ---- periods -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Periods:
    """The current period (the filters) and the previous one of equal length, if any data."""

    current: Filters
    previous: Filters | None
    label: str  # "previous 92 days (2025-07-01 – 2025-09-30)"
    note: str = ""  # why there is no comparison, or that it is partial
    # What the change compares: the filtered period itself, or (with no date filter) the most
    # recent DEFAULT_WINDOW days, so the default view still answers "is it moving?".
    compare_current: Filters | None = None


def periods(filters: Filters, bounds: tuple[dt.date, dt.date] | None) -> Periods:
    """Previous period = the same number of days right before the current one."""
    if bounds is None:
        return Periods(filters, None, "", "the data has no dates, so no period comparison")
    lo, hi = bounds
    start = filters.date_from or lo
    end = filters.date_to or hi
    days = (end - start).days + 1
    if filters.date_from is None and filters.date_to is None and days >= 3 * DEFAULT_WINDOW:
        recent_from = hi - dt.timedelta(days=DEFAULT_WINDOW - 1)
        prev_to = recent_from - dt.timedelta(days=1)
        prev_from = prev_to - dt.timedelta(days=DEFAULT_WINDOW - 1)
        label = (
            f"last {DEFAULT_WINDOW} days of data ({recent_from:%Y-%m-%d} – {hi:%Y-%m-%d}) vs the "
            f"{DEFAULT_WINDOW} days before ({prev_from:%Y-%m-%d} – {prev_to:%Y-%m-%d})"
        )
        return Periods(
            filters,
            Filters(prev_from, prev_to, filters.segments),
            label,
            "tiles show the whole range; pick a date range in the sidebar to compare it instead",
            compare_current=Filters(recent_from, hi, filters.segments),
        )
    prev_to = start - dt.timedelta(days=1)
    prev_from = prev_to - dt.timedelta(days=days - 1)
    if prev_to < lo:
        note = (
            "no earlier data to compare with: pick a shorter date range in the sidebar "
            "to compare with the period before it"
        )
        return Periods(filters, None, "", note)
    prev = Filters(prev_from, prev_to, filters.segments)
    label = f"previous {days:,} days ({prev_from:%Y-%m-%d} – {prev_to:%Y-%m-%d})"
    note = "the previous period starts before the data does" if prev_from < lo else ""
    return Periods(filters, prev, label, note)


# ---- tiles -------------------------------------------------------------------------------
@dataclass
class TileData:
    """Everything one tile shows."""

    metric_id: str
    current: MetricResult | None = None
    previous: MetricResult | None = None
    change: Change | None = None
    trend: list[MetricResult] = field(default_factory=list)
    missing: Missing | None = None
    by_signup: bool = False  # the period filters customers by signup date, not an event date


def tile_data(ds: Dataset, metric_ids: Sequence[str], filters: Filters) -> tuple[dict, Periods]:
    """Current, previous and monthly results for many metrics in three cached queries."""
    per = periods(filters, data_bounds(ds))
    cur, missing = app_state.metrics(ds, metric_ids, filters=per.current)
    prev = app_state.metrics(ds, metric_ids, filters=per.previous)[0] if per.previous else []
    recent = (
        {r.metric: r for r in app_state.metrics(ds, metric_ids, filters=per.compare_current)[0]}
        if per.compare_current
        else {}
    )
    trend, _ = app_state.metrics(ds, metric_ids, grain="month", filters=per.current)
    out: dict[str, TileData] = {m: TileData(m) for m in metric_ids}
    for m in missing:
        out[m.metric_id].missing = m
    for r in cur:
        out[r.metric].current = r
    for r in prev:
        out[r.metric].previous = r
    for r in trend:
        out[r.metric].trend.append(r)
    event_dated = {t.name for t in ds.tables if isinstance(t.roles.get("date"), str)}
    for d in out.values():
        if d.current is None:
            continue
        d.by_signup = d.current.table not in event_dated
        # A table the date range cannot reach would be compared with itself.
        dated = "date range" not in d.current.unapplied_filters
        now = recent.get(d.metric_id, d.current) if per.compare_current else d.current
        if dated and d.previous and now.n and d.previous.n:
            d.change = compare(METRIC_BY_ID[d.metric_id], now, d.previous)
    return out, per


def _value_text(metric_id: str, x: float) -> str:
    m = METRIC_BY_ID[metric_id]
    text = fmt_value(metric_id, x)
    if m.unit in ("/5", "/7") and text != "–":
        text += f" {m.unit}"
    if metric_id == "clv" and text != "–":
        text = f"{text}"
    return text


def _diff_text(metric_id: str, diff: float) -> str:
    m = METRIC_BY_ID[metric_id]
    unit = {"%": " pts", "s": " s", "": " pts" if m.kind == "nps" else ""}.get(m.unit, "")
    return f"{diff:+,.{m.decimals}f}{unit}"


def _help(metric_id: str) -> str:
    m = METRIC_BY_ID[metric_id]
    text = f"{m.description}\n\n**Formula:** {m.formula}"
    if m.benchmark_label:
        text += f"\n\n**Benchmark:** {m.benchmark_label}"
    return text


def render_tile(d: TileData, per: Periods) -> None:
    """One bordered metric tile."""
    m = METRIC_BY_ID[d.metric_id]
    # Stretch to the row's height so tiles side by side line up.
    with st.container(border=True, height="stretch"):
        if d.missing is not None or d.current is None or not d.current.n:
            # A long dash where the value would be keeps missing tiles in the same rhythm.
            st.metric(m.label, None, help=_help(d.metric_id))
            if d.missing is not None:
                st.caption(f"Not computed: {md(d.missing.reason)}.")
                page_link(DATA_PAGE, "Map a column", icon="🗂️")
            else:
                st.caption("No rows in the current period or filters.")
            return
        r = d.current
        value = _value_text(d.metric_id, r.value)
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
            delta = f"{arrow} {_diff_text(d.metric_id, d.change.diff)} {span}"
            better = up == m.higher_is_better
            # Colour only a significant change; a non-significant one stays grey.
            if d.change.significant:
                delta_color = "green" if better else "red"
                change_line = f"Change **significant** (p {_p(d.change.p)})"
            else:
                delta_color = "gray"
                change_line = f"Change not significant (p {_p(d.change.p)})"
        st.metric(
            m.label,
            shown,
            delta,
            delta_color=delta_color,
            delta_arrow="off",
            help=_help(d.metric_id),
        )
        ci = f"{fmt_value(d.metric_id, r.ci_low)} … {fmt_value(d.metric_id, r.ci_high)}"
        lines = [f"95% CI {ci} · n = {r.n:,}"]
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
        if len(d.trend) >= 2:
            df = results_df(d.trend)
            st.altair_chart(charts.sparkline(df, d.metric_id), width="stretch", theme=None)


def _p(p: float | None) -> str:
    if p is None or math.isnan(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"= {p:.3f}" if p < 0.1 else f"= {p:.2f}"


def render_tiles(
    ds: Dataset, metric_ids: Sequence[str], filters: Filters, *, per_row: int = 2
) -> Periods:
    """A grid of tiles (per_row across); returns the periods used, for a caption."""
    data, per = tile_data(ds, metric_ids, filters)
    for i in range(0, len(metric_ids), per_row):
        cols = st.columns(per_row, gap="small")
        for col, mid in zip(cols, metric_ids[i : i + per_row], strict=False):
            with col:
                render_tile(data[mid], per)
    return per


def period_caption(per: Periods) -> str:
    """What the tiles' change compares."""
    if per.previous is None:
        return f"Change: {per.note}." if per.note else ""
    if per.compare_current is not None:
        text = f"Change: {per.label}; two-sided test at 5%."
        return text + (f" The {per.note}." if per.note else "")
    text = f"Change vs the {per.label}; two-sided test at 5%."
    if per.note:
        text += f" Note: {per.note}."
    return text
