"""My datasets: the uploads of the signed-in owner (only when sign-in is configured)."""

import streamlit as st

from ui import auth
from ui.mine import render_my_datasets
from ui.state import ensure_app_frame, is_viewer

ensure_app_frame()

st.title("My datasets")
user = None if is_viewer() else auth.current_user()
if user is None:
    # Without sign-in there are no accounts, so there is nothing to list (links are the keys).
    st.info("Sign in to see the datasets you uploaded.")
    st.stop()
render_my_datasets(user)
