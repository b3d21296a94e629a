"""Small aggregates → Altair charts: one theme, one UX colour and one CX colour everywhere.

Every function takes an aggregate (a few hundred rows at most: one per period, group, bin or
cohort cell) and refuses anything bigger, because st.altair_chart ships the whole frame to the
browser. Colours are Okabe–Ito (safe for the common colour-vision deficiencies). Importing the
package registers the "uxcx" theme.

The metric and distribution charts are re-exported here (`charts.metric_trend`). The retention
charts are not, because they need uxcx.retention: import uxcx.charts.retention for those.
"""

from __future__ import annotations

from .distributions import (
    NPS_BUCKETS,
    cohort_heatmap,
    histogram,
    nps_composition,
    score_distribution,
    sus_distribution,
)
from .metrics import (
    metric_by_group,
    metric_trend,
    metrics_trend_multi,
    paired_panels,
    paired_trend,
)
from .theme import (
    BAND_PALETTES,
    BENCHMARK_COLOR,
    CX_COLOR,
    DETRACTOR_COLOR,
    FAMILY_COLORS,
    FAMILY_DARK,
    FONT,
    GROUP_COLORS,
    LOW_N,
    LOW_N_COLOR,
    MAX_ROWS,
    OKABE_ITO,
    PASSIVE_COLOR,
    PROMOTER_COLOR,
    UX_COLOR,
    axis_title,
    band_scale,
    family_color,
    uxcx_theme,
)

__all__ = [
    "BAND_PALETTES",
    "BENCHMARK_COLOR",
    "CX_COLOR",
    "DETRACTOR_COLOR",
    "FAMILY_COLORS",
    "FAMILY_DARK",
    "FONT",
    "GROUP_COLORS",
    "LOW_N",
    "LOW_N_COLOR",
    "MAX_ROWS",
    "NPS_BUCKETS",
    "OKABE_ITO",
    "PASSIVE_COLOR",
    "PROMOTER_COLOR",
    "UX_COLOR",
    "axis_title",
    "band_scale",
    "cohort_heatmap",
    "family_color",
    "histogram",
    "metric_by_group",
    "metric_trend",
    "metrics_trend_multi",
    "nps_composition",
    "paired_panels",
    "paired_trend",
    "score_distribution",
    "sus_distribution",
    "uxcx_theme",
]
