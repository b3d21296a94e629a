"""Every cached query of the app, and the process-wide workspace: the only Streamlit cache module.

st.cache_data is shared by every session, so every cached function takes the dataset id and
version in its key. A page calls these only after the gate granted the visitor the dataset (an
owner by its unguessable id, a viewer by a link's token and password), so a cache hit can only
serve someone already allowed to see it; viewers share the owner's entries without ever seeing
the id. On a miss the function opens its dataset through the access gate (uxcx.store.open_dataset),
so a cached answer never bypasses the gate's rules.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence

import pyarrow as pa
import streamlit as st

from uxcx import charts, describe, distributions
from uxcx import retention as R
from uxcx.charts.spec import Spec, vega_spec
from uxcx.charts.svg import sparkline_html
from uxcx.compute import MetricResult, compute, compute_many
from uxcx.describe import ColumnQuality
from uxcx.periods import Periods, periods
from uxcx.results import group_order, metric_frame
from uxcx.retention import KeyDrivers, RetentionAnalysis
from uxcx.sql import Filters, Missing
from uxcx.store import Dataset, Handle, Refusal, Request, Workspace, open_dataset
from uxcx.tiles import TileData, tile_data

PREVIEW_ROWS = 100
# Bootstrap replicates for the key-driver intervals: enough for stable 95% percentile limits
# at two decimals, and about a second on the sample data.
N_BOOT = 200


# ---- workspace and the gate --------------------------------------------------------------
@st.cache_resource
def _workspace(root: str) -> Workspace:
    ws = Workspace(root)
    # Once per server process: a server killed mid-upload left a half-built dataset behind.
    ws.remove_leftovers()
    return ws


def workspace() -> Workspace:
    """The process-wide workspace (holds no user data in memory; datasets are read by id)."""
    # Keyed by the configured root so tests (and a reconfigured server) never see a stale one.
    return _workspace(os.environ.get("UXCX_WORKSPACE", "workspace"))


def _open(ds_id: str) -> Handle:
    """Open a dataset through the gate; a refusal inside a cached query is an error, not a page."""
    granted = open_dataset(workspace(), Request(ds_id))
    if isinstance(granted, Refusal):
        # The page opened this id a moment ago: it was deleted in between.
        raise LookupError(granted.message)
    return granted


# ---- metrics and distributions -----------------------------------------------------------
@st.cache_data(max_entries=2000, show_spinner=False)
def _metrics(
    ds_id: str,
    version: str,
    metric_ids: tuple[str, ...] | None,
    by: str | None,
    grain: str | None,
    fkey: tuple,
) -> tuple[list[MetricResult], list[Missing]]:
    h = _open(ds_id)
    return compute(
        h.engine, h.tables(), metric_ids, by=by, grain=grain, filters=Filters.from_key(fkey)
    )


def metrics(
    ds: Dataset,
    metric_ids: Sequence[str] | None = None,
    *,
    by: str | None = None,
    grain: str | None = None,
    filters: Filters | None = None,
) -> tuple[list[MetricResult], list[Missing]]:
    """Metric results for a dataset, cached by dataset id + version + query."""
    ids = tuple(metric_ids) if metric_ids is not None else None
    fkey = filters.key() if filters is not None else ()
    return _metrics(ds.id, ds.version, ids, by, grain, fkey)


# ---- finished tiles and charts -----------------------------------------------------------
# A cached view must cost little server time: the tiles' results *and* their sparklines (HTML
# blocks with an SVG image) and chart specs (Vega-Lite dicts, data as Arrow) are kept per
# dataset id + version + query, so a rerun neither recomputes nor rebuilds Altair charts.
@st.cache_data(max_entries=500, show_spinner=False)
def _tiles(
    ds_id: str, version: str, metric_ids: tuple[str, ...], fkey: tuple
) -> tuple[Periods, dict[str, TileData], dict[str, str]]:
    h = _open(ds_id)
    filters = Filters.from_key(fkey) or Filters()
    per = periods(filters, _date_bounds(ds_id, version))
    # The whole set of tiles is cached here, so its requests go to the engine as one batch
    # (current value and trend share a scan) rather than through per-request caches.
    tables = h.tables()
    data = tile_data(
        h.dataset, metric_ids, per, lambda asked: compute_many(h.engine, tables, asked)
    )
    # SVG images, not 14 Vega views: those cost the browser's main thread 0.3–0.8 s per visit.
    sparks = {
        mid: svg
        for mid, d in data.items()
        if d.trend and (svg := sparkline_html(metric_frame(d.trend), mid))
    }
    return per, data, sparks


def tiles(
    ds: Dataset, metric_ids: Sequence[str], filters: Filters
) -> tuple[Periods, dict[str, TileData], dict[str, str]]:
    """Periods, each tile's data and its sparkline HTML (cached by id + version + filters)."""
    return _tiles(ds.id, ds.version, tuple(metric_ids), filters.key())


@st.cache_data(max_entries=500, show_spinner=False)
def _paired(
    ds_id: str, version: str, ux: str, cx: str, grain: str, fkey: tuple
) -> tuple[list[MetricResult], list[Missing], list[Spec]]:
    ds = _open(ds_id).dataset
    results, missing = metrics(ds, [ux, cx], grain=grain, filters=Filters.from_key(fkey))
    u, c = metric_frame(results, ux), metric_frame(results, cx)
    if u.empty or c.empty:
        return results, missing, []
    panels = charts.paired_panels(u, c, ux, cx, grain=grain)
    # Titles are drawn outside the chart (a Vega title in a stacked chart can be clipped).
    return results, missing, [vega_spec(p.properties(title="")) for p in panels]


def paired_trend(
    ds: Dataset, ux: str, cx: str, grain: str, filters: Filters
) -> tuple[list[MetricResult], list[Missing], list[Spec]]:
    """Results of two metrics by grain and the specs of their two panels ([] if one is empty)."""
    return _paired(ds.id, ds.version, ux, cx, grain, filters.key())


@st.cache_data(max_entries=500, show_spinner=False)
def _by_group(
    ds_id: str, version: str, metric_ids: tuple[str, ...], by: str, fkey: tuple
) -> tuple[list[MetricResult], list[Missing], dict[str, Spec]]:
    ds = _open(ds_id).dataset
    results, missing = metrics(ds, metric_ids, by=by, filters=Filters.from_key(fkey))
    frames = {m: metric_frame(results, m) for m in metric_ids}
    # One group order for every panel, so a segment sits on the same row side by side.
    order = group_order(*frames.values())
    specs = {
        m: vega_spec(charts.metric_by_group(df, m, group_title=by, sort=order))
        for m, df in frames.items()
        if not df.empty
    }
    return results, missing, specs


def by_group(
    ds: Dataset, metric_ids: Sequence[str], by: str, filters: Filters
) -> tuple[list[MetricResult], list[Missing], dict[str, Spec]]:
    """Results of metrics by a segment and one chart spec per metric with rows (shared order)."""
    return _by_group(ds.id, ds.version, tuple(metric_ids), by, filters.key())


_DISTRIBUTIONS = {
    "sus": distributions.sus_histogram,
    "scale": distributions.scale_counts,
    "values": distributions.value_histogram,
    "cohorts": distributions.cohort_retention,
}


@st.cache_data(max_entries=2000, show_spinner=False)
def _distribution(
    ds_id: str, version: str, kind: str, args: tuple, kwargs: tuple, fkey: tuple
) -> distributions.Distribution | Missing:
    h = _open(ds_id)
    func = _DISTRIBUTIONS[kind]
    return func(h.engine, h.tables(), *args, filters=Filters.from_key(fkey), **dict(kwargs))


def distribution(
    ds: Dataset, kind: str, *args, filters: Filters | None = None, **kwargs
) -> distributions.Distribution | Missing:
    """A cached distribution: 'sus', 'scale' (metric id), 'values' (metric id) or 'cohorts'."""
    fkey = filters.key() if filters is not None else ()
    return _distribution(ds.id, ds.version, kind, args, tuple(sorted(kwargs.items())), fkey)


# ---- dataset descriptions ----------------------------------------------------------------
@st.cache_data(max_entries=500, show_spinner=False)
def _segment_values(ds_id: str, version: str) -> dict[str, list[str]]:
    h = _open(ds_id)
    return describe.segment_values(h.engine, h.dataset)


def segment_values(ds: Dataset) -> dict[str, list[str]]:
    """Distinct values of each segment column, most frequent first (cached by id + version)."""
    return _segment_values(ds.id, ds.version)


@st.cache_data(max_entries=500, show_spinner=False)
def _date_bounds(ds_id: str, version: str) -> tuple[dt.date, dt.date] | None:
    h = _open(ds_id)
    return describe.date_bounds(h.engine, h.dataset)


def date_bounds(ds: Dataset) -> tuple[dt.date, dt.date] | None:
    """Earliest and latest date in the dataset (cached by id + version)."""
    return _date_bounds(ds.id, ds.version)


@st.cache_data(max_entries=200, show_spinner=False)
def _quality(ds_id: str, version: str) -> tuple[list[ColumnQuality], list[str]]:
    h = _open(ds_id)
    report = describe.quality_report(h.engine, h.dataset)
    return report, describe.scale_warnings(report, h.engine, h.dataset)


def quality(ds: Dataset) -> tuple[list[ColumnQuality], list[str]]:
    """The quality report and its scale warnings (roles change the version, so the key)."""
    return _quality(ds.id, ds.version)


@st.cache_data(max_entries=200, show_spinner=False)
def _preview(ds_id: str, created: str, table: str) -> pa.Table:
    h = _open(ds_id)
    return describe.preview(h.engine, h.dataset, table, PREVIEW_ROWS)


def preview(ds: Dataset, table: str) -> pa.Table:
    """The first PREVIEW_ROWS rows of one table as uxcx read them."""
    # The Parquet never changes after ingest, so the creation time is enough of a version.
    return _preview(ds.id, ds.created, table)


# ---- retention analysis ------------------------------------------------------------------
@st.cache_data(max_entries=200, show_spinner=False)
def _retention_options(ds_id: str, version: str) -> tuple[list[str], dict[str, str], list[str]]:
    tables = _open(ds_id).tables()
    measures = R.available_measures(tables, include_columns=True)
    labels = {}
    for m in measures:
        try:
            labels[m] = R.narrative.choice_label(R.resolve_measure(tables, m))
        except R.RetentionError:
            labels[m] = m
    return measures, labels, R.available_outcomes(tables)


def retention_options(ds: Dataset) -> tuple[list[str], dict[str, str], list[str]]:
    """Scores (UX first, then CX, labelled with their family) and outcomes this dataset supports."""
    return _retention_options(ds.id, ds.version)


@st.cache_data(max_entries=200, show_spinner=False)
def _retention_comparison(
    ds_id: str, version: str, outcome: str, fkey: tuple
) -> R.ScoreComparison | None:
    h = _open(ds_id)
    return R.compare_scores(h.engine, h.tables(), outcome, Filters.from_key(fkey))


def retention_comparison(ds: Dataset, outcome: str, filters: Filters) -> R.ScoreComparison | None:
    """Every per-customer score's r with the outcome on the same customers (None: under two)."""
    return _retention_comparison(ds.id, ds.version, outcome, filters.key())


@st.cache_data(max_entries=500, show_spinner=False)
def _retention_analysis(
    ds_id: str, version: str, ux: str, outcome: str, fkey: tuple
) -> tuple[RetentionAnalysis | None, R.RetentionError | None]:
    h = _open(ds_id)
    try:
        return R.analyse(
            h.engine, h.tables(), ux, outcome, Filters.from_key(fkey), drivers=False
        ), None
    except R.RetentionError as e:
        return None, e


def retention_analysis(
    ds: Dataset, ux: str, outcome: str, filters: Filters
) -> tuple[RetentionAnalysis | None, R.RetentionError | None]:
    """The analysis, or the user-fixable reason it cannot run (cached too, so it is cheap)."""
    return _retention_analysis(ds.id, ds.version, ux, outcome, filters.key())


@st.cache_data(max_entries=200, show_spinner=False)
def _retention_drivers(ds_id: str, version: str, fkey: tuple) -> list[KeyDrivers]:
    h = _open(ds_id)
    try:
        return R.key_drivers(h.engine, h.tables(), Filters.from_key(fkey), n_boot=N_BOOT, seed=0)
    except R.RetentionError:
        return []


def retention_drivers(ds: Dataset, filters: Filters) -> list[KeyDrivers]:
    """Key drivers do not depend on the selected measure: cached per dataset and filters only."""
    return _retention_drivers(ds.id, ds.version, filters.key())
