"""A bounded load test on loopback: one real server, many browser sessions at once.

Each round opens the Overview of the sample data in UXCX_LOAD_CONTEXTS fresh browser contexts at
once (one chromium, one context per visitor, default 20) and times each until every tile is
drawn; after the rounds (UXCX_LOAD_ROUNDS, default 2; the README's figures use 3) five sessions
upload a file at once. There must be no error anywhere, and the server's memory must not keep
growing from round to round. The figures go to test-artifacts/load.json.

    UXCX_LOAD_ROUNDS=3 python -m pytest tests/load -m load -p no:xdist -s
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e.conftest import _chromium, start_server, stop_server
from uxcx.store import SAMPLE_ID, Workspace

pytestmark = [pytest.mark.browser, pytest.mark.load]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACT = ROOT / "test-artifacts" / "load.json"
TILES = 14  # metric tiles on the sample's Overview
UPLOADS = 5
TIMEOUT_MS = 600_000  # 20 browsers share the same cores as the server: minutes, not seconds
ERROR_WORDS = ("Traceback", "could not compute", "took longer than", "unexpected problem")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _check_page(page) -> None:
    assert await page.locator("[data-testid='stException']").count() == 0, page.url
    text = await page.locator("[data-testid='stMain']").inner_text()
    assert not any(w in text for w in ERROR_WORDS), text[:500]


async def _view(browser, url: str) -> float:
    ctx = await browser.new_context(viewport={"width": 1440, "height": 1000})
    try:
        page = await ctx.new_page()
        t0 = time.monotonic()
        await page.goto(url, timeout=TIMEOUT_MS)
        await page.wait_for_function(
            f"document.querySelectorAll('[data-testid=stMetricValue]').length >= {TILES}",
            timeout=TIMEOUT_MS,
        )
        await page.wait_for_selector(
            "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=TIMEOUT_MS
        )
        took = time.monotonic() - t0
        await _check_page(page)
        values = await page.get_by_test_id("stMetricValue").all_inner_texts()
        assert len(values) >= TILES and all(v.strip() for v in values), values
        return took
    finally:
        await ctx.close()


async def _upload(browser, base: str, src: Path) -> float:
    ctx = await browser.new_context(viewport={"width": 1440, "height": 1000})
    try:
        page = await ctx.new_page()
        await page.goto(base, timeout=TIMEOUT_MS)
        await page.wait_for_selector("[data-testid='stMain'] h1", timeout=TIMEOUT_MS)
        t0 = time.monotonic()
        uploader = page.get_by_test_id("stFileUploader").locator("input[type=file]")
        await uploader.set_input_files(str(src))
        button = page.get_by_role("button", name="Load files")
        await page.wait_for_function(
            "() => [...document.querySelectorAll('button')].some("
            "b => b.innerText.includes('Load files') && !b.disabled)",
            timeout=TIMEOUT_MS,
        )
        await button.click()
        await page.get_by_text("Every metric this data supports").wait_for(timeout=TIMEOUT_MS)
        took = time.monotonic() - t0
        await _check_page(page)
        assert "dataset=" in page.url
        return took
    finally:
        await ctx.close()


async def _run(base: str, pid: int, contexts: int, rounds: int, upload: Path) -> dict:
    from playwright.async_api import async_playwright

    url = f"{base}/overview?dataset={SAMPLE_ID}"
    out: dict = {"rounds": [], "uploads": {}}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=_chromium(), args=ARGS)
        await _view(browser, url)  # warm-up: the server's first view compiles and caches
        out["rss_mb_after_warmup"] = round(_rss_mb(pid))
        for r in range(rounds):
            load0 = os.getloadavg()[0]
            times = await asyncio.gather(*(_view(browser, url) for _ in range(contexts)))
            out["rounds"].append(
                {
                    "round": r + 1,
                    "sessions": contexts,
                    "p50_s": round(statistics.median(times), 1),
                    "p95_s": round(_pct(times, 0.95), 1),
                    "max_s": round(max(times), 1),
                    "rss_mb": round(_rss_mb(pid)),
                    "load_avg_1m_before": round(load0, 2),
                }
            )
            print(out["rounds"][-1], flush=True)
        times = await asyncio.gather(*(_upload(browser, base, upload) for _ in range(UPLOADS)))
        out["uploads"] = {
            "sessions": UPLOADS,
            "file": upload.name,
            "p50_s": round(statistics.median(times), 1),
            "max_s": round(max(times), 1),
            "rss_mb": round(_rss_mb(pid)),
        }
        await browser.close()
    return out


def test_many_sessions_at_once(tmp_path):
    contexts = int(os.environ.get("UXCX_LOAD_CONTEXTS", "20"))
    rounds = int(os.environ.get("UXCX_LOAD_ROUNDS", "2"))
    work = tmp_path / "ws"
    Workspace(work).sample_dataset()
    upload = ROOT / "sample_data" / "cx_survey.csv"
    if not upload.exists():
        upload = sorted((ROOT / "sample_data").glob("*.csv"))[0]
    proc, base = start_server(work)
    try:
        t0 = time.monotonic()
        with ThreadPoolExecutor(1) as pool:  # a fresh thread: no other event loop in the way
            figures = pool.submit(
                asyncio.run, _run(base, proc.pid, contexts, rounds, upload)
            ).result()
        assert proc.poll() is None, "the server died"
    finally:
        stop_server(proc)
    figures.update(
        machine=f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        load_avg_after=[round(x, 2) for x in os.getloadavg()],
        wall_s=round(time.monotonic() - t0),
        datasets_after=len(Workspace(work).datasets()),
    )
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps(figures, indent=1))
    print(json.dumps(figures, indent=1))
    assert figures["datasets_after"] == 1 + UPLOADS  # the sample and every upload
    rss = [r["rss_mb"] for r in figures["rounds"]]
    # Memory settles after the first round (caches fill once); it must not keep growing.
    bound = rss[0] + max(100, 0.3 * rss[0])
    assert all(x <= bound for x in rss), rss
    assert figures["uploads"]["rss_mb"] <= bound + 200, figures["uploads"]
