"""Overview: every UX metric next to every CX metric, one paired trend and a segment comparison."""

import streamlit as st

from uxcx import app_state, charts
from uxcx.describe import segment_columns
from uxcx.metrics import CX_METRICS, METRIC_BY_ID, UX_METRICS
from views.sidebar import active_filters
from views.tiles import (
    chart_caption,
    dataset_or_stop,
    filters_line,
    md,
    needs_column,
    period_caption,
    render_tiles,
    results_df,
    show_chart,
)

app_state.ensure_app_frame()

GRAINS = {"week": "Week", "month": "Month", "quarter": "Quarter"}

st.title("Overview — UX vs CX side by side")
ds = dataset_or_stop()
filters = active_filters(ds)
st.caption(
    f"{filters_line(filters)} · every value with its 95% confidence interval and n. "
    "UX in blue, CX in orange on every chart."
)

# ---- tiles -------------------------------------------------------------------------------
ux_col, cx_col = st.columns(2, gap="large")
with ux_col:
    st.subheader(":blue[UX] · usability and product experience", divider="blue")
    per = render_tiles(ds, UX_METRICS, filters)
with cx_col:
    st.subheader(":orange[CX] · customer relationship", divider="orange")
    render_tiles(ds, CX_METRICS, filters)
if caption := period_caption(per):
    st.caption(caption)


def _label(metric_id: str) -> str:
    return METRIC_BY_ID[metric_id].label


def _method(results: list, metric_id: str) -> str:
    return next((r.method for r in results if r.metric == metric_id), "")


# ---- paired trend ------------------------------------------------------------------------
st.header("UX and CX over time", divider="gray")
c1, c2, c3 = st.columns([2, 2, 1])
ux_metric = c1.selectbox(
    "UX metric", UX_METRICS, index=0, format_func=_label, key="x_ux", bind="query-params"
)
cx_metric = c2.selectbox(
    "CX metric", CX_METRICS, index=0, format_func=_label, key="x_cx", bind="query-params"
)
grain = c3.selectbox(
    "Time grain",
    list(GRAINS),
    index=1,
    format_func=GRAINS.get,
    key="x_grain",
    bind="query-params",
)
pair, pair_missing = app_state.metrics(ds, [ux_metric, cx_metric], grain=grain, filters=filters)
ux_df, cx_df = results_df(pair, ux_metric), results_df(pair, cx_metric)
if pair_missing:
    for m in pair_missing:
        needs_column(f"{_label(m.metric_id)} over time", m)
if not ux_df.empty and not cx_df.empty:
    # Two stretchable panels, one under the other, sharing the time axis (a concatenated chart
    # cannot stretch to the page width).
    panels = charts.paired_panels(ux_df, cx_df, ux_metric, cx_metric, grain=grain)
    for panel, mid in zip(panels, (ux_metric, cx_metric), strict=True):
        m = METRIC_BY_ID[mid]
        color = "blue" if m.family == "UX" else "orange"
        # Titles outside the chart: a Vega title in a stacked chart can be clipped.
        st.markdown(f"**:{color}[{m.family}] · {m.label}**")
        st.altair_chart(panel.properties(title=""), width="stretch", theme=None)
    st.caption(
        chart_caption(
            None,
            " · ".join(
                f"{_label(m)}: n = {int(df.n.sum()):,}, {_method(pair, m)}"
                for m, df in ((ux_metric, ux_df), (cx_metric, cx_df))
            ),
            extra="shaded band = 95% CI; hollow grey points have n < 20. "
            "Moving together over time is not proof that one drives the other",
        )
    )
elif not pair_missing:
    st.info("No rows for these metrics in the current filters.")

# ---- segment comparison ------------------------------------------------------------------
st.header("UX and CX by segment", divider="gray")
segments = segment_columns(ds)
if not segments:
    needs_column("Segment comparison")
else:
    seg = st.selectbox("Compare by", segments, index=0, key="x_segment", bind="query-params")
    by_seg, seg_missing = app_state.metrics(ds, [ux_metric, cx_metric], by=seg, filters=filters)
    u, c = results_df(by_seg, ux_metric), results_df(by_seg, cx_metric)
    # One group order for both panels, so a segment sits on the same row left and right.
    order = list(dict.fromkeys([*map(str, u.get("group", [])), *map(str, c.get("group", []))]))
    left, right = st.columns(2, gap="large")
    for col, df, mid in ((left, u, ux_metric), (right, c, cx_metric)):
        with col:
            m = METRIC_BY_ID[mid]
            color = "blue" if m.family == "UX" else "orange"
            st.markdown(f"**:{color}[{m.family}] · {m.label} by {md(seg)}**")
            miss = next((x for x in seg_missing if x.metric_id == mid), None)
            if not df.empty:
                show_chart(
                    charts.metric_by_group(df, mid, group_title=seg, sort=order),
                    chart_caption(
                        int(df.n.sum()),
                        f"{_method(by_seg, mid)}; grey = n < 20",
                        unapplied=tuple(
                            dict.fromkeys(
                                f for r in by_seg if r.metric == mid for f in r.unapplied_filters
                            )
                        ),
                    ),
                )
            elif miss is not None:
                st.info(f"{md(miss.reason)}.", icon="🧩")
            else:
                st.info(f"No {m.label} rows in the current filters.")
    st.caption(
        "Overlapping intervals mean the segments may not really differ; a segment difference "
        "in both UX and CX is a lead to investigate, not proof that one causes the other."
    )
