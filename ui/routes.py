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
    Route("mine", "pages/my_datasets.py", "My datasets", ":material/folder_shared:"),
)
PAGE_FILES = {r.url_path: r.file for r in ROUTES}
UPLOAD_PAGE = PAGE_FILES["upload"]
OVERVIEW_PAGE = PAGE_FILES["overview"]
DATA_PAGE = PAGE_FILES["data"]
MINE_PAGE = PAGE_FILES["mine"]
TITLES = {r.url_path: r.title for r in ROUTES}


def navigation_pages(*, viewer: bool = False, mine: bool = False) -> list[st.Page]:
    """The routes as st.Page objects for st.navigation: what this visitor may open.

    A viewer's menu has no Data sources (they cannot upload); the page stays registered but
    hidden, because the default page answers the bare address (app.py sends a viewer on to the
    link's page). "My datasets" exists only for a signed-in owner.
    """
    pages = []
    for r in ROUTES:
        if r.url_path == "mine" and (viewer or not mine):
            continue
        hidden = viewer and r.url_path == "upload"
        pages.append(
            st.Page(
                r.file,
                title=r.title,
                icon=r.icon,
                url_path=r.url_path,
                default=r.default,
                visibility="hidden" if hidden else "visible",
            )
        )
    return pages
