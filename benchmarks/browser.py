"""The app figures: `streamlit run app.py` on a 1M-row dataset, driven by Debian's chromium.

    python -m benchmarks.browser [--rows 1000000] [--views 5] [--workspace DIR]

Not part of ``make test`` (it takes minutes and asserts nothing). It builds a workspace holding
one dataset of N rows with one row per customer (so N customers, with tenure_months for the
survival analysis), starts the app on 127.0.0.1 and measures, with fresh browser contexts
(a new Streamlit session each, sharing the server's caches as users do):

- Overview, fresh page → all 14 tiles drawn and the script idle: the first view (nothing
  cached) and the median of ``--views`` further fresh views (goal ≤ 1.5 s);
- a filter change (plan multiselect in the sidebar) → the tiles show the filtered numbers and
  the script is idle: five filter states never computed before (goal ≤ 0.5 s);
- server CPU per Overview view with cached results: the server process's utime + stime from
  /proc/<pid>/stat before and after ``--views`` fresh views (goal ≤ 0.25 s);
- the same two in new tabs of one browser context (its HTTP cache holds the app's JavaScript,
  as for a returning user; a new context downloads ~10 MB of bundles per view, which costs the
  server about a third of its CPU per view);
- a rerun with unchanged inputs: the Overview script's wall and CPU time per rerun of one
  session, through Streamlit's AppTest in this process on the same workspace (goal ≤ 50 ms;
  AppTest recompiles the scripts on every run, which the server does once, so this is an upper
  bound);
- UX ↔ retention at N customers, fresh page → the analysis drawn and idle: first view and a
  cached view (goal ≤ 3 s); then "Compute key drivers" → both driver charts drawn and idle;
- the floor: a trivial Streamlit page (benchmarks/floor_app.py: one st.title, one st.metric)
  served the same way, new context and new tab → drawn and idle, so the Overview's time can be
  split into Streamlit's own and the app's.

Results go to benchmarks/results/browser.json with the machine and load average.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from . import generator, runner, values
from .server import start_server, stop_server

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "browser.json"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TILES = 14
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
# Idle, the page title drawn, at least `n` metric tiles, every one of them visible.
DRAWN_JS = """
(n) => {
  if (!document.querySelector("IDLE")) return false;
  if (!document.querySelector("[data-testid='stMain'] h1")) return false;
  if (document.querySelector("[data-testid='stSpinner']")) return false;
  const m = [...document.querySelectorAll("[data-testid='stMetric']")];
  return m.length >= n && m.every(e => e.getClientRects().length > 0);
}
""".replace("IDLE", IDLE)
TEXTS_JS = "() => [...document.querySelectorAll(\"[data-testid='stMetricValue']\")].map(e => e.innerText).join('|')"


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def server_cpu_s(pid: int) -> float:
    """utime + stime of a process, in seconds (/proc/<pid>/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fresh_view(browser, url: str, tiles: int, timeout_ms: float, ctx=None) -> float:
    """Seconds from navigation to the page drawn and idle in a new page (a new session).

    Without `ctx`, in a new browser context: a first visit, the app's JavaScript bundles
    downloaded again (about a third of the server's CPU per view). With `ctx`, a new tab of a
    browser that has visited before (bundles in its cache, as for a returning user).
    """
    own = ctx is None
    ctx = ctx or browser.new_context(viewport={"width": 1440, "height": 1000})
    page = ctx.new_page()
    t = time.perf_counter()
    page.goto(url)
    page.wait_for_function(DRAWN_JS, arg=tiles, timeout=timeout_ms, polling=50)
    seconds = time.perf_counter() - t
    page.close()
    if own:
        ctx.close()
    return seconds


def _pick(page, option: str) -> None:
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stMultiSelect").filter(has_text=generator.SEGMENT).click()
    page.get_by_role("option", name=option, exact=True).click()


def filter_change(browser, url: str, options: list[str], timeout_ms: float) -> float:
    """Seconds from picking the last option until the filtered tiles are drawn and idle."""
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = ctx.new_page()
    page.goto(url)
    page.wait_for_function(DRAWN_JS, arg=TILES, timeout=timeout_ms, polling=50)
    for option in options[:-1]:
        before = page.evaluate(TEXTS_JS)
        _pick(page, option)
        page.keyboard.press("Escape")
        _wait_changed(page, before, timeout_ms)
    before = page.evaluate(TEXTS_JS)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stMultiSelect").filter(has_text=generator.SEGMENT).click()
    option = page.get_by_role("option", name=options[-1], exact=True)
    option.wait_for()
    t = time.perf_counter()
    option.click()
    _wait_changed(page, before, timeout_ms)
    seconds = time.perf_counter() - t
    ctx.close()
    return seconds


def _wait_changed(page, before: str, timeout_ms: float) -> None:
    page.wait_for_function(
        f"(before) => ({DRAWN_JS})({TILES}) && ({TEXTS_JS})() !== before",
        arg=before,
        timeout=timeout_ms,
        polling=50,
    )


def rerun_times(workspace: Path, ds_id: str, runs: int = 8) -> tuple[float, float]:
    """Median wall and CPU seconds of an Overview rerun with unchanged inputs (AppTest)."""
    from streamlit.testing.v1 import AppTest

    os.environ["UXCX_WORKSPACE"] = str(workspace)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=3600)
    at.query_params["dataset"] = ds_id
    at.switch_page("pages/overview.py").run()
    at.run()  # warm: this process's caches filled
    walls, cpus = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        at.run()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    if len(at.metric) < TILES or at.exception:
        raise RuntimeError(f"Overview rerun drew {len(at.metric)} tiles: {at.exception}")
    return statistics.median(walls), statistics.median(cpus)


CHARTS_JS = "() => document.querySelectorAll(\"[data-testid='stVegaLiteChart']\").length"


def drivers_view(browser, url: str, timeout_ms: float) -> float:
    """Seconds from clicking "Compute key drivers" until the driver charts are drawn and idle."""
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = ctx.new_page()
    page.goto(url)
    page.wait_for_function(DRAWN_JS, arg=4, timeout=timeout_ms, polling=50)
    button = page.get_by_role("button", name="Compute key drivers")
    button.scroll_into_view_if_needed()
    t = time.perf_counter()
    button.click()
    # The drivers' caption is drawn only with the results; then idle, no spinner, 6 charts.
    page.wait_for_function(
        f"() => ({DRAWN_JS})(4) && ({CHARTS_JS})() >= 6"
        " && document.body.innerText.includes('Each bar: the share')",
        timeout=timeout_ms,
        polling=50,
    )
    seconds = time.perf_counter() - t
    ctx.close()
    return seconds


def floor_views(browser, root: Path, views: int, timeout_ms: float) -> tuple[list, list]:
    """A trivial Streamlit page: new-context and new-tab times to drawn and idle."""
    proc, base = start_server(root, script=str(ROOT / "benchmarks" / "floor_app.py"))
    try:
        fresh_view(browser, base, 1, timeout_ms)  # the server's first session
        contexts = [fresh_view(browser, base, 1, timeout_ms) for _ in range(views)]
        tabs = browser.new_context(viewport={"width": 1440, "height": 1000})
        fresh_view(browser, base, 1, timeout_ms, tabs)
        warm = [fresh_view(browser, base, 1, timeout_ms, tabs) for _ in range(views)]
        tabs.close()
    finally:
        stop_server(proc)
    return contexts, warm


def build_workspace(root: Path, rows: int) -> str:
    """A workspace with one N-row, N-customer dataset; returns its id."""
    csv = root / "customers-1m.csv"
    _log(f"generating {rows:,} rows (one per customer, with tenure) …")
    generator.write(rows, csv, rows_per_customer=1, tenure=True)
    _log("creating the dataset (ingest worker, role detection) …")
    t = time.perf_counter()
    ws, ds = values.uxcx_dataset(csv, root)
    _log(f"  {time.perf_counter() - t:.1f} s; roles {ds.tables[0].roles}")
    csv.unlink()
    return ds.id


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    from playwright.sync_api import sync_playwright

    p = argparse.ArgumentParser(prog="python -m benchmarks.browser", description=__doc__)
    p.add_argument("--rows", type=lambda s: int(float(s)), default=1_000_000)
    p.add_argument("--views", type=int, default=5)
    p.add_argument("--workspace", type=Path, help="reuse/keep this workspace (its dataset id file)")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds per page")
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    timeout_ms = args.timeout * 1000
    root = args.workspace or Path(tempfile.mkdtemp(prefix="uxcx-browser-"))
    root.mkdir(parents=True, exist_ok=True)
    id_file = root / "benchmark-dataset-id"
    info = runner.machine_info()
    out: dict = {"rows": args.rows, "customers": args.rows, "views": args.views}
    try:
        with runner.LoadMonitor() as load:
            if id_file.exists():
                ds_id = id_file.read_text().strip()
            else:
                ds_id = build_workspace(root, args.rows)
                id_file.write_text(ds_id)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
                )
                _log("floor: a trivial Streamlit page …")
                floor_ctx, floor_tab = floor_views(browser, root, args.views, timeout_ms)
                out["floor_new_context_s"] = floor_ctx
                out["floor_new_context_median_s"] = statistics.median(floor_ctx)
                out["floor_new_tab_s"] = floor_tab
                out["floor_new_tab_median_s"] = statistics.median(floor_tab)
                _log(f"  new context {', '.join(f'{v:.2f}' for v in floor_ctx)} s; "
                     f"new tab {', '.join(f'{v:.2f}' for v in floor_tab)} s")  # fmt: skip
                browser.close()
            proc, base = start_server(root)
            try:
                with sync_playwright() as pw:
                    browser = pw.chromium.launch(
                        executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
                    )
                    overview = f"{base}/overview?dataset={ds_id}"
                    _log("Overview, first view (nothing cached) …")
                    out["overview_first_s"] = fresh_view(browser, overview, TILES, timeout_ms)
                    _log(f"  {out['overview_first_s']:.2f} s")
                    cpu0 = server_cpu_s(proc.pid)
                    views = [
                        fresh_view(browser, overview, TILES, timeout_ms) for _ in range(args.views)
                    ]
                    cpu1 = server_cpu_s(proc.pid)
                    out["overview_cached_s"] = views
                    out["overview_median_s"] = statistics.median(views)
                    out["server_cpu_per_view_s"] = (cpu1 - cpu0) / args.views
                    _log(f"  cached views {', '.join(f'{v:.2f}' for v in views)} s; server CPU "
                         f"{out['server_cpu_per_view_s']:.3f} s per view")  # fmt: skip
                    # The same in new tabs of one browser (its HTTP cache warm: no bundles).
                    tabs = browser.new_context(viewport={"width": 1440, "height": 1000})
                    fresh_view(browser, overview, TILES, timeout_ms, tabs)
                    cpu0 = server_cpu_s(proc.pid)
                    warm = [
                        fresh_view(browser, overview, TILES, timeout_ms, tabs)
                        for _ in range(args.views)
                    ]
                    cpu1 = server_cpu_s(proc.pid)
                    tabs.close()
                    out["overview_warm_browser_s"] = warm
                    out["overview_warm_browser_median_s"] = statistics.median(warm)
                    out["server_cpu_per_view_warm_browser_s"] = (cpu1 - cpu0) / args.views
                    _log(f"  new tabs {', '.join(f'{v:.2f}' for v in warm)} s; server CPU "
                         f"{out['server_cpu_per_view_warm_browser_s']:.3f} s per view")  # fmt: skip
                    states = [["Enterprise"], ["Pro"], ["Basic"], ["Enterprise", "Pro"],
                              ["Pro", "Basic"]]  # fmt: skip
                    changes = []
                    for options in states[: max(1, args.views)]:
                        changes.append(filter_change(browser, overview, options, timeout_ms))
                        _log(f"  filter {'+'.join(options)}: {changes[-1]:.2f} s")
                    out["filter_change_s"] = changes
                    out["filter_change_median_s"] = statistics.median(changes)
                    retention = f"{base}/retention?dataset={ds_id}"
                    _log("UX ↔ retention, first view …")
                    out["retention_first_s"] = fresh_view(browser, retention, 4, timeout_ms)
                    out["retention_cached_s"] = fresh_view(browser, retention, 4, timeout_ms)
                    _log(f"  {out['retention_first_s']:.2f} s, cached "
                         f"{out['retention_cached_s']:.2f} s")  # fmt: skip
                    out["retention_drivers_s"] = drivers_view(browser, retention, timeout_ms)
                    _log(f"  key drivers on request: {out['retention_drivers_s']:.2f} s")
                    browser.close()
            finally:
                stop_server(proc)
            _log("Overview rerun with unchanged inputs (AppTest) …")
            out["rerun_wall_s"], out["rerun_cpu_s"] = rerun_times(root, ds_id)
            _log(
                f"  {out['rerun_wall_s'] * 1000:.0f} ms wall, {out['rerun_cpu_s'] * 1000:.0f} ms CPU"
            )
    finally:
        if args.workspace is None:
            shutil.rmtree(root, ignore_errors=True)
    info["load_average"] = load.summary()
    goals = [
        ("Overview fresh page → 14 tiles (median, cached)", out.get("overview_median_s"), 1.5),
        ("Overview first view (nothing cached)", out.get("overview_first_s"), None),
        ("filter change → redrawn (median, new filter)", out.get("filter_change_median_s"), 0.5),
        ("server CPU per cached Overview view", out.get("server_cpu_per_view_s"), 0.25),
        (
            "Overview new tab, browser cache warm (median)",
            out.get("overview_warm_browser_median_s"),
            1.5,
        ),
        (
            "server CPU per view, browser cache warm",
            out.get("server_cpu_per_view_warm_browser_s"),
            0.25,
        ),
        (
            "floor: trivial Streamlit page, new context (median)",
            out.get("floor_new_context_median_s"),
            None,
        ),
        (
            "floor: trivial Streamlit page, new tab (median)",
            out.get("floor_new_tab_median_s"),
            None,
        ),
        ("Overview rerun, unchanged inputs (AppTest, wall)", out.get("rerun_wall_s"), 0.05),
        (f"UX ↔ retention, {args.rows:,} customers, first", out.get("retention_first_s"), 3.0),
        ("UX ↔ retention, cached", out.get("retention_cached_s"), None),
        ("UX ↔ retention, key drivers on request", out.get("retention_drivers_s"), None),
    ]
    print(f"{'app figure':<52} {'seconds':>8}  {'goal':<8} result")
    for name, value, goal in goals:
        verdict = "n/a" if goal is None or value is None else "pass" if value <= goal else "FAIL"
        g = f"≤ {goal} s" if goal is not None else "–"
        v = f"{value:.2f}" if value is not None else "–"
        print(f"{name:<52} {v:>8}  {g:<8} {verdict}")
    la = info["load_average"]
    print(f"load average {la['start'][0]:.1f} at start, {la['mean_1m']:.1f} mean, "
          f"{la['end'][0]:.1f} at end; {info['cpus']} × {info['cpu_model']}")  # fmt: skip
    out["goals"] = [{"figure": n, "seconds": v, "goal_s": g} for n, v, g in goals]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": info, **out}, indent=1, default=str) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
