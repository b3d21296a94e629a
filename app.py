"""uxcx: the Streamlit entry point (frame + router). Run with `make run`."""

import streamlit as st

from uxcx.engines import QueryError
from views.sidebar import render_sidebar

st.set_page_config(
    page_title="uxcx · UX and CX side by side", page_icon=":material/insights:", layout="wide"
)

pages = [
    st.Page(
        "pages/upload.py",
        title="Data sources",
        icon=":material/upload_file:",
        url_path="upload",
        default=True,
    ),
    st.Page(
        "pages/overview.py", title="Overview", icon=":material/dashboard:", url_path="overview"
    ),
    st.Page("pages/ux.py", title="UX", icon=":material/touch_app:", url_path="ux"),
    st.Page("pages/cx.py", title="CX", icon=":material/forum:", url_path="cx"),
    st.Page(
        "pages/retention.py",
        title="UX ↔ retention",
        icon=":material/monitoring:",
        url_path="retention",
    ),
    st.Page("pages/explore.py", title="Explore", icon=":material/query_stats:", url_path="explore"),
    st.Page("pages/data.py", title="Data", icon=":material/table_view:", url_path="data"),
]
page = st.navigation(pages)
try:
    render_sidebar(page.url_path)
    page.run()
except QueryError as e:
    # Only user-fixable database limits land here (memory cap, odd column types); never a traceback.
    st.error(f"{e} If this keeps happening, narrow the date range or the segments in the sidebar.")
