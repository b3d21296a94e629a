"""The app's pages: file, title, icon and URL path of each, in menu order."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st


@dataclass(frozen=True)
class Route:
    """One page of the app."""

    url_path: str
    file: str
    title: str
    icon: str
    default: bool = False


ROUTES: tuple[Route, ...] = (
    Route("upload", "pages/upload.py", "Data sources", ":material/upload_file:", default=True),
    Route("overview", "pages/overview.py", "Overview", ":material/dashboard:"),
    Route("ux", "pages/ux.py", "UX", ":material/touch_app:"),
    Route("cx", "pages/cx.py", "CX", ":material/forum:"),
    Route("retention", "pages/retention.py", "UX ↔ retention", ":material/monitoring:"),
    Route("explore", "pages/explore.py", "Explore", ":material/query_stats:"),
    Route("data", "pages/data.py", "Data", ":material/table_view:"),
)
PAGE_FILES = {r.url_path: r.file for r in ROUTES}
UPLOAD_PAGE = PAGE_FILES["upload"]
OVERVIEW_PAGE = PAGE_FILES["overview"]
DATA_PAGE = PAGE_FILES["data"]


def navigation_pages() -> list[st.Page]:
    """The routes as st.Page objects for st.navigation."""
    return [
        st.Page(r.file, title=r.title, icon=r.icon, url_path=r.url_path, default=r.default)
        for r in ROUTES
    ]
