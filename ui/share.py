"""The owner's Share panel: make a read-only link (page, filters, password, expiry) and manage links.

A new link's address is shown once: only its hash is stored, so it cannot be shown again. The
list below says when each link was made, when it expires, when it was last opened, whether it
has a password and whether it still works, with a Revoke button for each working one.
"""

from __future__ import annotations

import datetime as dt
import os

import streamlit as st

from uxcx.store import SAMPLE_ID, Dataset, Link, LinkError, Shares
from uxcx.store.shares import VIEW_PAGES, link_url, parse_expiry

from .cache import workspace
from .common import md
from .routes import ROUTES, TITLES
from .viewer import FILTER_PREFIXES, url_state

DEFAULT_BASE_URL = "http://localhost:8501"
MAX_LISTED = 25  # newest first; older links still work and `uxcx share list` shows them all


def base_url() -> str:
    """The app's address as the owner's browser sees it (the links must work from there)."""
    url = st.context.url
    if url:
        url = url.rstrip("/")
        for r in ROUTES:
            if url.endswith(f"/{r.url_path}"):
                return url.removesuffix(f"/{r.url_path}")
        return url
    return os.environ.get("UXCX_BASE_URL") or DEFAULT_BASE_URL


def owner_url(ds: Dataset) -> str:
    """The owner link of a dataset (its id is the key)."""
    return f"{base_url()}/?dataset={ds.id}"


def link_status(link: Link) -> str:
    """active, expired or revoked."""
    if link.revoked:
        return "revoked"
    return "expired" if link.expired() else "active"


def _when(iso: str | None, empty: str = "never") -> str:
    if not iso:
        return empty
    t = dt.datetime.fromisoformat(iso).astimezone(dt.UTC)
    return t.strftime("%Y-%m-%d %H:%M UTC")


def _params_for(page: str, current_page: str) -> dict[str, list[str]]:
    """The current view's URL state a link to `page` can use.

    Sidebar filters (f_*) apply on every page; page controls (x_*) only on their own page
    (two pages may use the same key for different things).
    """
    state = url_state()
    if page == current_page:
        return state
    return {k: v for k, v in state.items() if k.startswith(FILTER_PREFIXES[0])}


def render_share_panel(ds: Dataset, current_page: str) -> None:
    """The sidebar's Share expander for the dataset's owner."""
    with st.expander("Share a read-only link", icon=":material/share:"):
        if ds.id == SAMPLE_ID:
            # Everyone can open the sample, so its links would be everyone's to list and revoke.
            st.caption("The sample data is open to everyone: copy the address bar to share it.")
            return
        render_create_form(ds, current_page)
        render_links(ds)


def render_create_form(ds: Dataset, current_page: str) -> None:
    """Page, filters, password and expiry → a new link, shown once."""
    pages = list(VIEW_PAGES)
    start = pages.index(current_page) if current_page in pages else 0
    with st.form("share_form", clear_on_submit=True, border=False):
        page = st.selectbox(
            "Page",
            pages,
            index=start,
            format_func=lambda p: TITLES.get(p, p),
            # Keyed by the current page, so the default follows the page the owner is on.
            key=f"share_page_{current_page or 'upload'}",
        )
        include = st.checkbox("Include the current filters", value=True, key="share_filters")
        password = st.text_input(
            "Password (optional)", type="password", key="share_password", autocomplete="off"
        )
        expires = st.date_input(
            "Expires (optional)",
            value=None,
            min_value=dt.date.today(),
            key="share_expires",
            format="YYYY-MM-DD",
            help="The link stops working at the end of this day (UTC). Empty: it never expires.",
        )
        label = st.text_input(
            "Note for yourself (optional)", key="share_label", placeholder="e.g. for the board"
        )
        created = st.form_submit_button("Create link", type="primary", icon=":material/link:")
    if not created:
        return
    params = _params_for(page, current_page) if include else {}
    try:
        token, link = Shares(workspace().root).create(
            ds.id,
            page=page,
            params=params,
            password=password or None,
            expires=parse_expiry(expires.isoformat()) if expires else None,
            label=label.strip()[:80],
        )
    except LinkError as e:
        st.error(str(e))
        return
    st.success(
        "Link created. Copy it now: it is shown only this once (uxcx keeps no copy).",
        icon=":material/check_circle:",
    )
    st.code(link_url(base_url(), token, link.page, link.params), language=None, wrap_lines=True)


def render_links(ds: Dataset) -> None:
    """The dataset's links with their status and a Revoke button for each working one."""
    shares = Shares(workspace().root)
    links = shares.for_dataset(ds.id)
    if not links:
        st.caption("No links yet. Links open a read-only view: no role editing, no uploads.")
        return
    st.markdown(f"**Links** · {sum(link_status(x) == 'active' for x in links)} active")
    for link in links[:MAX_LISTED]:
        status = link_status(link)
        with st.container(border=True, key=f"share_link_{link.key[:12]}"):
            title = TITLES.get(link.page, link.page)
            flags = " · :material/lock: password" if link.has_password else ""
            color = {"active": "green", "expired": "orange", "revoked": "gray"}[status]
            st.markdown(f"**{title}** · :{color}[{status}]{flags}")
            lines = [
                f"Created {_when(link.created)}",
                f"Expires {_when(link.expires)}",
                f"Last opened {_when(link.last_opened, 'not yet')}",
            ]
            if link.label:
                lines.insert(0, md(link.label.replace("\n", " ")))
            if link.params:
                lines.append("With " + md(", ".join(sorted(k[2:] for k in link.params))))
            st.caption("  \n".join(lines))
            if status == "active" and st.button(
                "Revoke", key=f"revoke_{link.key[:12]}", icon=":material/link_off:"
            ):
                shares.revoke(link.key)
                st.toast("Link revoked: it no longer opens.")
                st.rerun()
    if len(links) > MAX_LISTED:
        st.caption(f"{len(links) - MAX_LISTED} older link(s) not shown.")
