"""In Chromium: upload a shop's reviews, orders and customers; the Data page shows how they link
with match rates, and Explore shows CSAT by order status (a column two files away)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ROOT, shot, upload, wait_idle
from tests.e2e.test_browser import dataset_id, no_exceptions

pytestmark = pytest.mark.browser

FILES = [
    ROOT / "tests" / "data" / "ecommerce" / f
    for f in ("reviews.csv", "orders.csv", "customers.csv")
]


def test_shop_upload_shows_the_join_graph_and_csat_by_order_status(server, browser):
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = ctx.new_page()
    upload(page, server, FILES)
    no_exceptions(page)
    ds = dataset_id(page.url)
    base = page.url.split("?")[0].rsplit("/", 1)[0]

    page.goto(f"{base}/data?dataset={ds}")
    page.get_by_text("How the files link").wait_for(timeout=60_000)
    wait_idle(page, timeout=120_000)
    graph = page.get_by_test_id("stGraphVizChart")
    graph.locator("svg").wait_for(timeout=60_000)
    svg = graph.inner_text()
    assert "reviews" in svg and "orders" in svg and "customers" in svg
    # The match-rate table is a canvas grid (no DOM text): the graph carries the same rates.
    assert "order_id · 96% matched" in svg and "customer_id · 96% matched" in svg
    no_exceptions(page)
    graph.scroll_into_view_if_needed()
    shot(page, "joins-01-data-links")

    page.goto(f"{base}/explore?dataset={ds}&x_metrics=csat&x_by=status")
    wait_idle(page, timeout=120_000)
    page.locator("[data-testid='stVegaLiteChart']").first.wait_for(timeout=60_000)
    table = page.locator("[data-testid='stDataFrame']").first
    table.wait_for(timeout=60_000)
    wait_idle(page, timeout=120_000)
    no_exceptions(page)
    body = page.inner_text("body")
    assert "cannot be linked" not in body and "not computed" not in body
    # The breakdown is the orders' status, reached from the reviews through the link.
    assert "x_by=status" in page.url and "status" in body
    assert page.locator("[data-testid='stVegaLiteChart']").count() == 1
    shot(page, "joins-02-explore-csat-by-status")
    ctx.close()
