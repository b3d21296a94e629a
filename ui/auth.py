"""Optional sign-in for owners (st.login), on only when .streamlit/secrets.toml has an [auth] section.

Without it there are no accounts and no list of datasets anywhere: the dataset link is the
owner's key. With it, a signed-in owner's uploads record who made them and "My datasets" lists
them. The two functions below are the only places that ask Streamlit about sign-in, so tests
replace them to fake a configured or signed-in state.
"""

from __future__ import annotations

import importlib.util

import streamlit as st


def configured() -> bool:
    """Sign-in is set up: an [auth] section in the secrets and Authlib (st.login needs it)."""
    try:
        if not st.secrets.load_if_toml_exists() or "auth" not in st.secrets:
            return False
    except Exception:  # a broken secrets file disables sign-in rather than the app
        return False
    return importlib.util.find_spec("authlib") is not None


def current_user() -> str | None:
    """The signed-in owner's e-mail (or subject), or None; always None without sign-in."""
    if not configured() or not st.user.is_logged_in:
        return None
    who = st.user.get("email") or st.user.get("sub")
    return str(who) if who else None


def render_account() -> None:
    """Sign in / sign out in the sidebar (only when sign-in is configured)."""
    if not configured():
        return
    user = current_user()
    if user is None:
        st.caption("Sign in to keep a list of your datasets.")
        if st.button("Sign in", key="sign_in", icon=":material/login:"):
            st.login()
    else:
        st.caption(f"Signed in as {user}")
        if st.button("Sign out", key="sign_out", icon=":material/logout:"):
            st.logout()
