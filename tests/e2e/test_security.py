"""Hostile visitors in a real browser: script in headers stays text, foreign origins are refused."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
import websockets

from tests.e2e.conftest import shot, start_server, stop_server, wait_idle
from tests.e2e.test_browser import PAGES, dataset_id, no_exceptions

pytestmark = pytest.mark.browser

XSS_HEADER = "<img src=x onerror=alert(1)>"
XSS_CSV = (
    f'customer_id,"{XSS_HEADER}",plan,How likely are you to recommend us?\n'
    + "".join(f"c{i},{i % 5 + 1},<script>alert('p{i % 2}')</script>,{i % 11}\n" for i in range(60))
).encode()


@pytest.fixture(scope="module")
def restricted_server(tmp_path_factory):
    """A server that allows one public origin, as a hosted instance is configured."""
    proc, base = start_server(
        tmp_path_factory.mktemp("origins"),
        "--server.corsAllowedOrigins", "https://uxcx.example.com",
        "--server.enableXsrfProtection", "true",
    )  # fmt: skip
    yield base
    stop_server(proc)


async def _ws_status(base: str, origin: str) -> str:
    url = base.replace("http://", "ws://") + "/_stcore/stream"
    try:
        async with websockets.connect(url, origin=origin, subprotocols=["streamlit"]):
            return "open"
    except websockets.InvalidStatus as e:
        return str(e.response.status_code)


def _status(base: str, origin: str) -> str:
    # Playwright's sync API keeps an event loop running in this thread: use a fresh thread.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _ws_status(base, origin)).result(timeout=60)


def test_cross_origin_websocket_is_refused(restricted_server):
    # A page on another site must not be able to drive a signed-in visitor's session.
    assert _status(restricted_server, "https://evil.example") == "403"
    assert _status(restricted_server, "https://uxcx.example.com") == "open"


def test_script_in_headers_and_values_is_text_on_every_page(server, browser, tmp_path):
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = ctx.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(server)
    wait_idle(page)
    bad = tmp_path / "hostile.csv"
    bad.write_bytes(XSS_CSV)
    page.get_by_test_id("stFileUploader").locator("input[type=file]").set_input_files(str(bad))
    wait_idle(page)
    page.get_by_role("button", name="Load files").click()
    page.get_by_text("Every metric this data supports").wait_for(timeout=120_000)
    wait_idle(page)
    ds = dataset_id(page.url)
    base = page.url.split("?")[0].rsplit("/", 1)[0]
    for path, _title in PAGES:
        page.goto(f"{base}/{path}?dataset={ds}")
        wait_idle(page, timeout=120_000)
        no_exceptions(page)
        # No element was created from the header: it is shown (if at all) as literal text.
        assert page.locator("img[src='x']").count() == 0, path
        assert page.locator("[data-testid='stMain'] script").count() == 0, path
    page.goto(f"{base}/data?dataset={ds}")
    wait_idle(page, timeout=120_000)
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=60_000)
    shot(page, "security-hostile-headers")
    assert dialogs == [], f"a script ran: {dialogs}"
    ctx.close()
