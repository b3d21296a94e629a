"""uxcx: the Streamlit entry point (frame + router). Run with `make run`."""

import streamlit as st

from ui import auth
from ui.routes import OVERVIEW_PAGE, PAGE_FILES, navigation_pages
from ui.sidebar import render_sidebar
from ui.state import SHARE_PARAM, share_token, viewer_access
from ui.viewer import render_locked, url_state
from uxcx.engines import QueryError
from uxcx.store import Refusal

st.set_page_config(
    page_title="uxcx · UX and CX side by side", page_icon=":material/insights:", layout="wide"
)

# A viewer link is checked before the menu is built: a refused link gets a page without one.
granted, rerun = viewer_access()
page = st.navigation(
    navigation_pages(viewer=granted is not None, mine=auth.current_user() is not None),
    position="hidden" if isinstance(granted, Refusal) else "sidebar",
)
if isinstance(granted, Refusal):
    render_locked(share_token() or "", granted)
if granted is not None and granted.link is not None and page.url_path == "":
    # The bare address with a viewer link: open the link's own page (Data sources is the owner's).
    query = {SHARE_PARAM: share_token() or "", **(url_state() or granted.link.params)}
    st.switch_page(PAGE_FILES.get(granted.link.page, OVERVIEW_PAGE), query_params=query)
if rerun:
    st.rerun()
try:
    render_sidebar(page.url_path)
    page.run()
except QueryError as e:
    # Only user-fixable database limits land here (memory cap, odd column types); never a traceback.
    st.error(f"{e} If this keeps happening, narrow the date range or the segments in the sidebar.")
