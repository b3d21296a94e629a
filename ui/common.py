"""Small pieces every page uses: markdown escaping, links, captions, charts, the dataset or a stop."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import streamlit as st
from streamlit.errors import StreamlitAPIException

from uxcx.charts.spec import Spec, vega_spec
from uxcx.labels import describe_filters
from uxcx.sql import Filters, Missing
from uxcx.store import Dataset, Handle

from .routes import DATA_PAGE, UPLOAD_PAGE
from .state import current_handle, is_viewer

NO_DATA = "No data loaded yet. Upload your exports or start from the sample data."

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


def handle_or_stop(message: str = NO_DATA) -> Handle:
    """The current dataset's handle; without one, say how to load data and stop the page."""
    h = current_handle()
    if h is None:
        st.info(message)
        page_link(UPLOAD_PAGE, "Go to Data sources", icon="📥")
        st.stop()
    return h  # type: ignore[return-value]  # st.stop() never returns


def dataset_or_stop(message: str = NO_DATA) -> Dataset:
    """The current dataset; without one, say how to load data and stop the page."""
    return handle_or_stop(message).dataset


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


def draw(chart: alt.TopLevelMixin | Spec) -> None:
    """Draw an Altair chart or a finished spec (uxcx.charts.spec) with our own theme."""
    # st.altair_chart would re-validate the chart against the Vega-Lite schema on every run;
    # the spec is built once (and, from ui.cache, once per dataset version and query).
    spec = chart if isinstance(chart, dict) else vega_spec(chart)
    st.vega_lite_chart(spec, width="stretch", theme=None)


def show_chart(chart: alt.TopLevelMixin | Spec, caption: str) -> None:
    """Render an Altair chart (or a finished spec) with our own theme and its caption."""
    draw(chart)
    st.caption(caption)


def needs_column(what: str, missing: Missing | None = None) -> None:
    """A section without its data: say which column it needs and link to the Data page."""
    reason = md(missing.reason) if missing else "needs a column the data does not have yet"
    if is_viewer():
        # Only the owner can map columns; a viewer just learns why the section is empty.
        st.info(f"**{what}** {reason}.", icon="🧩")
        return
    st.info(f"**{what}** {reason}. Map a column to that role on the Data page.", icon="🧩")
    page_link(DATA_PAGE, "Map columns on the Data page", icon="🗂️")
