"""uxcx: the Streamlit entry point (frame + router). Run with `make run`."""

import streamlit as st

from views.sidebar import render_sidebar

st.set_page_config(page_title="uxcx · UX and CX side by side", page_icon="📊", layout="wide")

pages = [
    st.Page("pages/upload.py", title="Data sources", icon="📥", url_path="upload", default=True),
    st.Page("pages/overview.py", title="Overview", icon="🧭", url_path="overview"),
    st.Page("pages/ux.py", title="UX", icon="🖱️", url_path="ux"),
    st.Page("pages/cx.py", title="CX", icon="💬", url_path="cx"),
    st.Page("pages/retention.py", title="UX ↔ retention", icon="🔗", url_path="retention"),
    st.Page("pages/explore.py", title="Explore", icon="🔎", url_path="explore"),
    st.Page("pages/data.py", title="Data", icon="🗂️", url_path="data"),
]
page = st.navigation(pages)
render_sidebar(page.url_path)
page.run()
