"""Real-browser fixtures: a `streamlit run` server on 127.0.0.1 and Debian's chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(workspace: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    """Start `streamlit run app.py` on a free loopback port; return the process and base URL."""
    port = _free_port()
    env = {**os.environ, "UXCX_WORKSPACE": str(workspace)}
    log = open(workspace / "server.log", "w")  # noqa: SIM115 - the process owns it
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py",
         "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none", *extra],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, base
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"streamlit did not start: {(workspace / 'server.log').read_text()}")


def stop_server(proc: subprocess.Popen) -> None:
    """Terminate a server started by start_server."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


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
