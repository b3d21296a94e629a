"""Hosted sharing in a real browser: the Share panel, viewer links, password, refusals, a restart,
and two uploads at once. Every visit runs in a fresh browser context (no shared cookies/state).

The module runs its own server on its own workspace, because one test restarts it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import parse_qs, quote, urlparse

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.conftest import ROOT, shot, start_server, stop_server, wait_idle
from uxcx.store import Shares, Workspace

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

SAMPLE = sorted((ROOT / "sample_data").glob("*.csv"))
VIEWPORT = {"width": 1440, "height": 1000}
PASSWORD = "tulip crane 42"
SLOW = 120_000  # ms: a cold page on 2 shared cores


class Server:
    """The module's server; restart() keeps the workspace and changes the port."""

    def __init__(self, workspace):
        self.workspace = workspace
        self.proc, self.base = start_server(workspace)

    def restart(self) -> None:
        stop_server(self.proc)
        self.proc, self.base = start_server(self.workspace)

    def url(self, path_and_query: str) -> str:
        return f"{self.base}{path_and_query}"


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("e2e-share"))
    yield s
    stop_server(s.proc)


@pytest.fixture
def ctx(browser):
    """A fresh browser context per visit; closed afterwards."""
    opened = []

    def new():
        c = browser.new_context(viewport=VIEWPORT)
        opened.append(c)
        return c.new_page()

    yield new
    for c in opened:
        c.close()


def no_exceptions(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0, page.url


def tiles(page, count: int = 14) -> list[str]:
    page.wait_for_function(
        f"document.querySelectorAll('[data-testid=stMetricValue]').length >= {count}",
        timeout=SLOW,
    )
    return page.get_by_test_id("stMetricValue").all_inner_texts()


def settled_tiles(page, before: list[str] | None = None) -> list[str]:
    """Tiles once a rerun has replaced them (they change one by one) and the app is idle."""
    now = tiles(page)
    for _ in range(60):
        if before is None or now != before:
            break
        page.wait_for_timeout(500)
        now = tiles(page)
    wait_idle(page, timeout=SLOW)
    return tiles(page)


def upload(page, base: str, files) -> None:
    """Pick files in the real file input and press Load files (finish_upload waits for it)."""
    page.goto(base)
    wait_idle(page, timeout=SLOW)
    page.get_by_test_id("stFileUploader").locator("input[type=file]").set_input_files(
        [str(p) for p in files]
    )
    wait_idle(page, timeout=SLOW)
    page.get_by_role("button", name="Load files").click()


def settle(page) -> None:
    """Idle, and still idle a moment later (the app reruns once right after a dataset loads)."""
    wait_idle(page, timeout=SLOW)
    page.wait_for_timeout(1500)
    wait_idle(page, timeout=SLOW)


def finish_upload(page) -> str:
    """Wait for the loaded dataset and its once-only owner-link notice; return the page URL."""
    page.get_by_text("Every metric this data supports").wait_for(timeout=240_000)
    settle(page)
    no_exceptions(page)
    page.get_by_text("Keep this link: it is your key to this dataset").wait_for(timeout=10_000)
    owner = page.get_by_test_id("stCode").first.inner_text().strip()
    assert "?dataset=" in owner and dataset_of(page.url) in owner
    return page.url


def dataset_of(url: str) -> str:
    return parse_qs(urlparse(url).query)["dataset"][0]


@pytest.fixture(scope="module")
def owner(srv, browser) -> dict:
    """The sample files uploaded as a real dataset in its own context: its id and owner URL."""
    c = browser.new_context(viewport=VIEWPORT)
    page = c.new_page()
    upload(page, srv.base, SAMPLE)
    url = finish_upload(page)
    c.close()
    return {"id": dataset_of(url)}


def assert_refused(page) -> None:
    page.get_by_text("This link is not valid any more").wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    no_exceptions(page)
    html = page.content()
    assert (
        page.get_by_test_id("stSidebar").count() == 0
        or not page.get_by_test_id("stSidebar").inner_text().strip()
    ), "a refused link shows no menu, no filters, no dataset name"
    assert page.get_by_test_id("stMetricValue").count() == 0
    assert "Traceback" not in html and "sample_data" not in html


# ---- the flow a PM follows -----------------------------------------------------------------
def test_share_panel_link_opens_the_same_view_read_only(srv, owner, ctx):
    page = ctx()
    page.goto(srv.url(f"/overview?dataset={owner['id']}"))
    wait_idle(page, timeout=SLOW)
    before = tiles(page)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stMultiSelect").filter(has_text="plan").click()
    page.get_by_role("option", name="Enterprise").click()
    page.keyboard.press("Escape")
    page.wait_for_function("() => window.location.search.includes('f_plan=Enterprise')")
    shown = settled_tiles(page, before)
    assert shown != before, "the filter changes the numbers"

    sidebar.get_by_text("Share a read-only link").click()
    create = sidebar.get_by_role("button", name="Create link")
    create.wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    create.click()
    notice = sidebar.get_by_text("it is shown only this once")
    try:
        notice.wait_for(timeout=30_000)
    except PlaywrightTimeout:
        # On a loaded machine a click landing while the filter's rerun settles can be lost by
        # the browser (seen once in a full run); a user clicks again, so does the test.
        wait_idle(page, timeout=SLOW)
        if not notice.is_visible():
            create.click()
        notice.wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    link = sidebar.get_by_test_id("stCode").locator("code").inner_text().strip()
    sidebar.get_by_text("Last opened not yet").first.wait_for(timeout=10_000)
    shot(page, "08-share-panel")
    assert link.startswith(f"{srv.base}/overview?share=") and "f_plan=Enterprise" in link
    assert owner["id"] not in link

    viewer = ctx()
    viewer.goto(link)
    wait_idle(viewer, timeout=SLOW)
    assert settled_tiles(viewer) == shown, "same numbers for the viewer"
    assert viewer.locator("h1").first.inner_text().startswith("Overview")
    query = parse_qs(urlparse(viewer.url).query)
    assert query["f_plan"] == ["Enterprise"] and "share" in query and "dataset" not in query
    vside = viewer.get_by_test_id("stSidebar")
    assert vside.get_by_test_id("stMultiSelect").filter(has_text="plan").inner_text().split()[
        :2
    ] == ["plan", "Enterprise"]
    nav = vside.get_by_test_id("stSidebarNav").inner_text()
    assert "Overview" in nav and "Data sources" not in nav
    assert "Share a read-only link" not in vside.inner_text()
    no_exceptions(viewer)
    assert owner["id"] not in viewer.content()
    shot(viewer, "09-viewer-overview")

    # Pages switch through the menu; the token stays, the dataset id never appears.
    vside.get_by_test_id("stSidebarNav").get_by_text("Data", exact=True).click()
    viewer.wait_for_url(re.compile(r"/data\?"))
    wait_idle(viewer, timeout=SLOW)
    viewer.get_by_text("as the person who shared this view set it").wait_for(timeout=SLOW)
    html = viewer.content()
    assert owner["id"] not in html and "Save roles" not in html
    assert "share=" in viewer.url and "dataset=" not in viewer.url
    no_exceptions(viewer)


def test_password_link_refuses_a_wrong_password_and_opens_with_the_right_one(srv, owner, ctx):
    token, _ = Shares(srv.workspace).create(owner["id"], page="cx", password=PASSWORD)
    page = ctx()
    page.goto(srv.url(f"/cx?share={token}"))
    wait_idle(page, timeout=SLOW)
    field = page.get_by_label("Password", exact=True)
    assert field.get_attribute("type") == "password"
    field.fill("not it")
    field.press("Enter")
    page.get_by_text("Wrong password.").wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    shot(page, "10-password-form")
    assert (
        page.get_by_test_id("stSidebar").count() == 0
        or not page.get_by_test_id("stSidebar").inner_text().strip()
    )
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password", exact=True).press("Enter")
    page.locator("h1", has_text="CX").wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    no_exceptions(page)
    assert PASSWORD not in page.url and owner["id"] not in page.content()
    # Kept for the session: another page opens without asking again.
    page.get_by_test_id("stSidebarNav").get_by_text("Overview", exact=True).click()
    page.wait_for_url(re.compile(r"/overview\?"))
    assert tiles(page)
    assert page.get_by_label("Password", exact=True).count() == 0


@pytest.mark.parametrize("kind", ["expired", "revoked", "forged"])
def test_expired_revoked_and_forged_links_are_refused(srv, owner, ctx, kind):
    shares = Shares(srv.workspace)
    if kind == "forged":
        token = "../../etc/passwd"
    else:
        token, link = shares.create(owner["id"])
        if kind == "revoked":
            shares.revoke(token)
        else:
            # A record whose expiry has passed (create() refuses a past time, as it should).
            path = srv.workspace / "links" / f"{link.key}.json"
            record = json.loads(path.read_text())
            past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
            record["expires"] = past.isoformat(timespec="seconds")
            path.write_text(json.dumps(record))
    page = ctx()
    page.goto(srv.url(f"/overview?share={quote(token, safe='')}&f_plan=Pro"))
    assert_refused(page)
    assert owner["id"] not in page.content()
    if kind == "revoked":
        shot(page, "11-link-refused")


def test_a_link_survives_a_server_restart(srv, owner, ctx):
    token, _ = Shares(srv.workspace).create(owner["id"], page="ux", params={"f_plan": ["Pro"]})
    srv.restart()
    page = ctx()
    # The first request of a fresh server, straight to a page: it must open inside the frame.
    page.goto(srv.url(f"/ux?share={token}"))
    page.get_by_test_id("stSidebar").get_by_text("Date range").wait_for(timeout=SLOW)
    wait_idle(page, timeout=SLOW)
    no_exceptions(page)
    assert page.locator("h1").first.inner_text().startswith("UX")
    assert "f_plan=Pro" in page.url
    plan = page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").filter(has_text="plan")
    assert plan.inner_text().split()[:2] == ["plan", "Pro"]


def test_two_uploads_at_the_same_time_each_open_their_own_data(srv, ctx):
    a, b = ctx(), ctx()
    files_a = [p for p in SAMPLE if p.name in ("customers.csv", "cx_survey.csv")]
    files_b = [p for p in SAMPLE if p.name == "ux_survey.csv"]
    # Both press Load files before either finishes: the server ingests the two at once.
    upload(a, srv.base, files_a)
    upload(b, srv.base, files_b)
    url_a, url_b = finish_upload(a), finish_upload(b)
    assert dataset_of(url_a) != dataset_of(url_b)
    assert a.get_by_text("Loaded: customers.csv, cx_survey.csv").count() == 1
    assert b.get_by_text("Loaded: ux_survey.csv").count() == 1
    ws = Workspace(srv.workspace)
    assert [t.file for t in ws.open(dataset_of(url_a)).tables] == [p.name for p in files_a]
    assert [t.file for t in ws.open(dataset_of(url_b)).tables] == ["ux_survey.csv"]
    # Each owner link reopens its own data in a new context.
    for url, names in ((url_a, "customers.csv, cx_survey.csv"), (url_b, "ux_survey.csv")):
        page = ctx()
        page.goto(srv.url(f"/data?dataset={dataset_of(url)}"))
        wait_idle(page, timeout=SLOW)
        assert names in page.get_by_test_id("stSidebar").inner_text()
        no_exceptions(page)
