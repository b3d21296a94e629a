"""Viewer links in the app: ?share=<token> through the gate, the password form, the calm refusal.

A viewer link opens one dataset read-only. The token stays in the URL (and the session) across
page switches; the password, once right, is kept in the session only. Whatever the gate refuses
(unknown, revoked, expired, forged) gets one calm page that says nothing about the dataset.
"""

from __future__ import annotations

from typing import NoReturn

import streamlit as st

from uxcx.store import Handle, Refusal, Request, open_dataset

from .cache import workspace

SHARE_PARAM = "share"
TOKEN_KEY = "_share_token"
_PASSWORD_KEY = "_share_password"
_APPLIED_KEY = "_share_applied"
FILTER_PREFIXES = ("f_", "x_")


def open_link(token: str) -> Handle | Refusal:
    """Open a viewer link through the gate with the password this session gave (if any)."""
    password = st.session_state.get(_PASSWORD_KEY)
    granted = open_dataset(workspace(), Request(share_token=token, password=password))
    if isinstance(granted, Refusal):
        # A stored password that no longer opens the link must not be retried on every rerun
        # (each try counts against the link's rate limit); the form asks again.
        st.session_state.pop(_PASSWORD_KEY, None)
        if granted.reason == "invalid_link":
            st.session_state.pop(TOKEN_KEY, None)
    return granted


def url_state() -> dict[str, list[str]]:
    """The f_*/x_* parameters of the current URL (filters and page controls)."""
    return {k: st.query_params.get_all(k) for k in st.query_params if k.startswith(FILTER_PREFIXES)}


def apply_link_params(token: str, handle: Handle) -> bool:
    """On a session's first open of a link, put its stored filters in the URL; True if it did.

    A URL that carries its own f_*/x_* values wins (the viewer passed on a changed view). The
    caller reruns, because bound widgets take their value from the URL a run starts with.
    """
    if st.session_state.get(_APPLIED_KEY) == token:
        return False
    st.session_state[_APPLIED_KEY] = token
    if handle.link is None or not handle.link.params or url_state():
        return False
    for key, value in handle.link.params.items():
        if key.startswith(FILTER_PREFIXES):
            st.query_params[key] = value
    return True


def render_locked(token: str, refusal: Refusal) -> NoReturn:
    """The page a refused link gets: the password form, or one calm sentence; stops the run."""
    if refusal.reason not in ("password_required", "wrong_password", "wait"):
        st.title("Shared view")
        st.info(refusal.message, icon=":material/link_off:")
        st.caption("Links can expire or be withdrawn by the person who shared them.")
        st.stop()
    st.title("Shared view")
    st.markdown("This view is protected. Enter the password you were given.")
    with st.form("share_password_form", clear_on_submit=True, enter_to_submit=True, width=520):
        password = st.text_input(
            "Password", type="password", key="share_password_input", autocomplete="off"
        )
        submitted = st.form_submit_button("Open the view", type="primary")
    message = refusal.message if refusal.reason != "password_required" else ""
    if submitted and password:
        granted = open_dataset(workspace(), Request(share_token=token, password=password))
        if isinstance(granted, Handle):
            st.session_state[_PASSWORD_KEY] = password
            st.rerun()
        message = granted.message
    elif submitted:
        message = "Enter the password first."
    if message:
        st.error(message, icon=":material/lock:")
    st.stop()
