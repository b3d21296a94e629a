"""uxcx: the Streamlit entry point (frame + router). Run with `make run`."""

import streamlit as st

from ui.routes import navigation_pages
from ui.sidebar import render_sidebar
from uxcx.engines import QueryError

st.set_page_config(
    page_title="uxcx · UX and CX side by side", page_icon=":material/insights:", layout="wide"
)

page = st.navigation(navigation_pages())
try:
    render_sidebar(page.url_path)
    page.run()
except QueryError as e:
    # Only user-fixable database limits land here (memory cap, odd column types); never a traceback.
    st.error(f"{e} If this keeps happening, narrow the date range or the segments in the sidebar.")
