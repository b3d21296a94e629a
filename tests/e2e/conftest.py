"""Real-browser fixtures: a `streamlit run` server on 127.0.0.1 and Debian's chromium."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from benchmarks.server import start_server, stop_server

__all__ = ["start_server", "stop_server"]  # re-exported for the tests that start their own

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
DOCS_SHOTS = ROOT / "docs" / "screenshots"


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(config, items):
    """Skip browser tests without chromium, except in CI where they must run."""
    if _chromium():
        return
    if os.environ.get("UXCX_REQUIRE_BROWSER"):
        raise pytest.UsageError("chromium is required for browser tests (apt-get install chromium)")
    skip = pytest.mark.skip(reason="Debian's chromium is not installed")
    for item in items:
        if "e2e" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's chromium (Playwright's own browser download is not available here)."""
    return {
        **browser_type_launch_args,
        "executable_path": _chromium(),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A desktop-sized viewport so screenshots show the dashboard as PMs see it."""
    return {**browser_context_args, "viewport": {"width": 1440, "height": 1000}}


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The app with an empty workspace; yields its base URL; stopped afterwards."""
    proc, base = start_server(tmp_path_factory.mktemp("e2e-workspace"))
    yield base
    stop_server(proc)


def wait_idle(page, timeout: float = 60_000) -> None:
    """Wait until the script has run and rendered: every page has a title, and the app is idle.

    Right after a navigation the app reports "notRunning" before the script has even started,
    so idleness alone is not enough: a title must be on the page too.
    """
    page.wait_for_selector("[data-testid='stMain'] h1", timeout=timeout)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']",
                           timeout=timeout)  # fmt: skip
    page.wait_for_timeout(300)


def upload(page, url: str, files) -> None:
    """Open `url` (Data sources), load `files` through the real file input, wait for the table."""
    page.goto(url)
    wait_idle(page)
    page.get_by_test_id("stFileUploader").locator("input[type=file]").set_input_files(
        [str(p) for p in files]
    )
    wait_idle(page)
    page.get_by_role("button", name="Load files").click()
    page.get_by_text("Every metric this data supports").wait_for(timeout=120_000)
    wait_idle(page)


def shot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artifact (and for the README when asked)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    # Streamlit scrolls inside its main container, so a "full page" screenshot would stop at the
    # viewport: grow the viewport to the content's height first.
    size = page.viewport_size or {"width": 1440, "height": 1000}
    height = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return m ? m.scrollHeight : document.body.scrollHeight; }"
    )
    page.set_viewport_size(
        {"width": size["width"], "height": max(size["height"], min(height + 40, 9000))}
    )
    page.wait_for_timeout(800)
    # A run can start right after the one wait_idle saw end (the app reruns once after a
    # dataset loads): shoot the page as it settles, not its greyed-out intermediate state.
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']",
                           timeout=60_000)  # fmt: skip
    page.wait_for_timeout(300)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    if os.environ.get("UXCX_UPDATE_SCREENSHOTS"):
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_SHOTS / f"{name}.png")
    return path
