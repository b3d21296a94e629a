"""What a user clicks, in headless Chromium against `streamlit run`: upload, pages, filters, links."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from urllib.parse import parse_qs, urlparse

import pytest

from tests.e2e.conftest import ROOT, shot, upload, wait_idle
from uxcx.metrics import METRIC_BY_ID

pytestmark = pytest.mark.browser

SAMPLE = sorted((ROOT / "sample_data").glob("*.csv"))
PAGES = [("overview", "Overview"), ("ux", "UX"), ("cx", "CX"), ("retention", "UX ↔ retention"),
         ("explore", "Explore"), ("data", "Data")]  # fmt: skip


def no_exceptions(page) -> None:
    """Streamlit renders uncaught errors as stException blocks: there must be none."""
    assert page.locator("[data-testid='stException']").count() == 0, page.url


def tiles(page, count: int = 14) -> list[str]:
    """The Overview's metric values, once all tiles have rendered."""
    page.wait_for_function(
        f"document.querySelectorAll('[data-testid=stMetricValue]').length >= {count}",
        timeout=60_000,
    )
    return page.get_by_test_id("stMetricValue").all_inner_texts()


def dataset_id(url: str) -> str:
    return parse_qs(urlparse(url).query)["dataset"][0]


@pytest.fixture(scope="module")
def uploaded(server, browser):
    """Upload the sample files through the real file input once; return the dataset's URL."""
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = ctx.new_page()
    upload(page, server, SAMPLE)
    no_exceptions(page)
    shot(page, "01-data-sources")
    url = page.url
    ctx.close()
    return url


def test_nav_to_overview_shows_the_numbers_the_cli_prints(uploaded, browser):
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.goto(uploaded)
    wait_idle(page)
    assert re.fullmatch(r"[A-Za-z0-9_-]{20,}", dataset_id(page.url))
    # Switch pages the way a user does: through the sidebar navigation.
    page.get_by_test_id("stSidebarNav").get_by_text("Overview", exact=True).click()
    page.wait_for_url(re.compile(r"/overview\?"))
    wait_idle(page, timeout=120_000)
    assert dataset_id(page.url) == dataset_id(uploaded), "the dataset stays in the URL"
    values = tiles(page)
    labels = page.get_by_test_id("stMetricLabel").all_inner_texts()
    shown = dict(zip([lb.strip() for lb in labels], values, strict=True))
    cli = subprocess.run(
        [sys.executable, "-m", "uxcx", "metrics", *map(str, SAMPLE), "--format", "json"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    for m in json.loads(cli.stdout)["metrics"]:
        metric = METRIC_BY_ID[m["metric"]]
        number = float(
            re.search(r"[-+]?[\d,]+(\.\d+)?", shown[metric.label]).group().replace(",", "")
        )
        assert number == pytest.approx(round(m["value"], metric.decimals), abs=1e-9), metric.id
    page.close()


@pytest.mark.parametrize(("path", "title"), PAGES)
def test_every_page_renders_on_uploaded_data(uploaded, browser, path, title):
    page = browser.new_page()
    ds = dataset_id(uploaded)
    page.goto(uploaded.split("?")[0].rsplit("/", 1)[0] + f"/{path}?dataset={ds}")
    wait_idle(page, timeout=120_000)
    content = page.locator("[data-testid='stVegaLiteChart'], [data-testid='stDataFrame']")
    content.first.wait_for(timeout=60_000)
    wait_idle(page, timeout=120_000)
    no_exceptions(page)
    shot(page, f"{PAGES.index((path, title)) + 2:02d}-{path}")
    page.close()


def test_filter_updates_url_and_numbers_and_link_reopens_view(uploaded, browser):
    base = uploaded.split("?")[0].rsplit("/", 1)[0]
    ds = dataset_id(uploaded)
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = ctx.new_page()
    page.goto(f"{base}/overview?dataset={ds}")
    wait_idle(page, timeout=120_000)
    before = tiles(page)
    assert before, "the Overview shows metric tiles"
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stMultiSelect").filter(has_text="plan").click()
    page.get_by_role("option", name="Enterprise").click()
    page.keyboard.press("Escape")
    wait_idle(page, timeout=120_000)
    page.wait_for_function("() => window.location.search.includes('f_plan=Enterprise')")
    after = tiles(page)
    for _ in range(60):  # the rerun replaces tiles one by one: wait for the new numbers
        if after != before:
            break
        page.wait_for_timeout(500)
        after = tiles(page)
    wait_idle(page, timeout=120_000)
    after = tiles(page)
    assert after != before, "filtering to Enterprise changes the numbers"
    shared = page.url
    ctx.close()

    other = browser.new_context(viewport={"width": 1440, "height": 1000})
    p2 = other.new_page()
    p2.goto(shared)
    wait_idle(p2, timeout=120_000)
    assert tiles(p2) == after
    assert "f_plan=Enterprise" in p2.url
    other.close()


def test_shared_link_as_first_visit_of_a_fresh_server(browser, tmp_path):
    """A link is often the first request a restarted server sees: it must open the full view."""
    from tests.e2e.conftest import start_server, stop_server
    from uxcx.store import Workspace

    Workspace(tmp_path).sample_dataset()
    proc, base = start_server(tmp_path)
    try:
        page = browser.new_page()
        page.goto(f"{base}/overview?dataset=sample&f_plan=Pro")
        # The first run hands over to app.py with a rerun: wait for the frame, not the first idle.
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_text("Date range").wait_for(timeout=60_000)
        wait_idle(page, timeout=120_000)
        no_exceptions(page)
        plan = sidebar.get_by_test_id("stMultiSelect").first
        assert plan.inner_text().split()[:2] == ["plan", "Pro"], plan.inner_text()
        assert "Filters: plan: Pro" in page.inner_text("body")
        page.close()
    finally:
        stop_server(proc)
