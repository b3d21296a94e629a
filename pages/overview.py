"""Overview: every UX metric next to every CX metric, one paired trend and a segment comparison."""

import streamlit as st

from ui import cache
from ui.common import (
    chart_caption,
    dataset_or_stop,
    draw,
    filters_line,
    md,
    needs_column,
    show_chart,
)
from ui.sidebar import active_filters
from ui.state import ensure_app_frame
from ui.tiles import render_tiles
from uxcx.describe import segment_columns
from uxcx.metrics import CX_METRICS, METRIC_BY_ID, UX_METRICS
from uxcx.periods import period_caption
from uxcx.results import method_of, metric_label, total_n, unapplied_of

ensure_app_frame()

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


# ---- paired trend ------------------------------------------------------------------------
st.header("UX and CX over time", divider="gray")
c1, c2, c3 = st.columns([2, 2, 1])
ux_metric = c1.selectbox(
    "UX metric", UX_METRICS, index=0, format_func=metric_label, key="x_ux", bind="query-params"
)
cx_metric = c2.selectbox(
    "CX metric", CX_METRICS, index=0, format_func=metric_label, key="x_cx", bind="query-params"
)
grain = c3.selectbox(
    "Time grain",
    list(GRAINS),
    index=1,
    format_func=GRAINS.get,
    key="x_grain",
    bind="query-params",
)
pair, pair_missing, panels = cache.paired_trend(ds, ux_metric, cx_metric, grain, filters)
if pair_missing:
    for m in pair_missing:
        needs_column(f"{metric_label(m.metric_id)} over time", m)
if panels:
    # Two stretchable panels, one under the other, sharing the time axis (a concatenated chart
    # cannot stretch to the page width).
    for panel, mid in zip(panels, (ux_metric, cx_metric), strict=True):
        m = METRIC_BY_ID[mid]
        color = "blue" if m.family == "UX" else "orange"
        # Titles outside the chart: a Vega title in a stacked chart can be clipped.
        st.markdown(f"**:{color}[{m.family}] · {m.label}**")
        draw(panel)
    st.caption(
        chart_caption(
            None,
            " · ".join(
                f"{metric_label(m)}: n = {total_n(pair, m):,}, {method_of(pair, m)}"
                for m in (ux_metric, cx_metric)
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
    # One group order for both panels (in the cached specs), so a segment sits on the same row.
    by_seg, seg_missing, seg_specs = cache.by_group(ds, [ux_metric, cx_metric], seg, filters)
    left, right = st.columns(2, gap="large")
    for col, mid in ((left, ux_metric), (right, cx_metric)):
        with col:
            m = METRIC_BY_ID[mid]
            color = "blue" if m.family == "UX" else "orange"
            st.markdown(f"**:{color}[{m.family}] · {m.label} by {md(seg)}**")
            miss = next((x for x in seg_missing if x.metric_id == mid), None)
            if mid in seg_specs:
                show_chart(
                    seg_specs[mid],
                    chart_caption(
                        total_n(by_seg, mid),
                        f"{method_of(by_seg, mid)}; grey = n < 20",
                        unapplied=unapplied_of(by_seg, mid),
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
