"""Where uxcx's time goes: a phase and per-SQL-statement breakdown of a figure that misses its goal.

    python -m benchmarks.breakdown metrics FILE [--by plan]   # the CLI's phases, in-process
    python -m benchmarks.breakdown ingest FILE                # the ingest worker's statements
    python -m benchmarks.breakdown page overview --workspace DIR [--runs 2] [--last-filter plan=Pro]

``metrics`` runs what ``uxcx metrics FILE --by plan --format json`` runs (imports, dataset
creation: the ingest worker, which also profiles the columns (``ingest`` shows that part), role
detection; the metric queries: one batched scan per
table, or 2 × 14 in older code; estimates; JSON), timing each phase and each SQL statement.
``ingest`` runs the worker's ``convert()`` in this process (no memory cap) and times each statement
DuckDB executes. Both wrap functions by name and skip, with a note, any that a refactor has moved,
so the tool keeps working while ingest and the engines change. Wall time and CPU time (this process
and its finished children, so the ingest worker counts) are shown side by side.

``page`` runs an app page through Streamlit's AppTest ``--runs`` times (each a new session; the
caches are the process's, so run 1 is cold and later runs are cached) and samples the script
thread's stack every 5 ms during the last run: the share of samples in which each uxcx/ui/pages
function is on the stack, the innermost uxcx frames and the innermost frames overall. (AppTest
runs the script in a thread, which cProfile does not follow.) The browser figures' workspace
(``python -m benchmarks.browser --workspace DIR``) keeps its dataset id in
DIR/benchmark-dataset-id.
"""

from __future__ import annotations

import argparse
import importlib
import re
import resource
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def cpu_now() -> float:
    """CPU seconds of this process and of its finished children (the ingest worker)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + ru.ru_utime + ru.ru_stime


class Clock:
    """Accumulates wall and CPU seconds per label."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.order: list[str] = []
        self.notes: list[str] = []

    @contextmanager
    def phase(self, label: str):
        if label not in self.wall:
            self.order.append(label)
        w, c = time.perf_counter(), cpu_now()
        try:
            yield
        finally:
            self.wall[label] += time.perf_counter() - w
            self.cpu[label] += cpu_now() - c
            self.calls[label] += 1

    def wrap(self, module: str, name: str, label: str | None = None) -> None:
        """Time every call of module.name (a function or Class.method) under `label`."""
        try:
            mod = importlib.import_module(module)
            owner: Any = mod
            *path, attr = name.split(".")
            for part in path:
                owner = getattr(owner, part)
            fn = getattr(owner, attr)
        except (ImportError, AttributeError):
            self.notes.append(f"not timed: {module}.{name} (moved or renamed)")
            return
        clock = self

        def timed(*args, **kwargs):
            with clock.phase(label or name):
                return fn(*args, **kwargs)

        setattr(owner, attr, timed)

    def report(self, total_wall: float, total_cpu: float, title: str) -> str:
        lines = [title, f"{'phase':<58} {'calls':>5} {'wall s':>8} {'cpu s':>8} {'wall %':>6}"]
        for label in self.order:
            share = 100 * self.wall[label] / total_wall if total_wall else 0.0
            lines.append(
                f"{label[:58]:<58} {self.calls[label]:>5} {self.wall[label]:>8.2f} "
                f"{self.cpu[label]:>8.2f} {share:>6.1f}"
            )
        lines.append(f"{'total':<58} {'':>5} {total_wall:>8.2f} {total_cpu:>8.2f}")
        lines += self.notes
        return "\n".join(lines)


def _label_sql(sql: str) -> str:
    """A short name for a statement the worker or the engine runs."""
    s = " ".join(sql.split())
    rules = [
        (r"^COPY \(SELECT \*, \(.* IS NULL.*__blank", "stage: DuckDB read_csv + NA regexes → lz4"),
        (r"count_if\(__blank\)", "stage: blank-row check"),
        (r"^SELECT count\(t_c", "infer: parse-count statistics (regexes)"),
        (r"^SELECT count_if\(\(t_c", "infer: cells that fail conversion"),
        (r"^DESCRIBE", "infer: DESCRIBE output"),
        (r"^CREATE TEMP TABLE sample", "typed: sample rows as text"),
        (r"^COPY \(SELECT .* read_csv", "typed: one scan read_csv → Parquet"),
        (r"^COPY \(SELECT", "write: converted Parquet"),
        (r"^SET|^PRAGMA", "connection settings"),
        (r"approx_count_distinct|count\(DISTINCT|profile", "profile columns"),
        (r"^WITH t AS", "metric query"),
    ]
    for pattern, label in rules:
        if re.search(pattern, s):
            return label
    return "sql: " + s[:50]


class _TimedConnection:
    """A DuckDB connection whose execute() is timed per statement kind."""

    def __init__(self, con: Any, clock: Clock):
        self._con, self._clock = con, clock

    def execute(self, sql: str, *args, **kwargs):
        with self._clock.phase("  " + _label_sql(sql)):
            return self._con.execute(sql, *args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._con, name)


def _timed_connect(module: str, clock: Clock) -> None:
    try:
        mod = importlib.import_module(module)
        original: Callable = mod.connect
    except (ImportError, AttributeError):
        clock.notes.append(f"statements not timed in {module} (no connect())")
        return
    mod.connect = lambda *a, **k: _TimedConnection(original(*a, **k), clock)


def profile_ingest(path: Path) -> str:
    """The worker's convert() in this process, each DuckDB statement timed."""
    clock = Clock()
    w0, c0 = time.perf_counter(), cpu_now()
    with clock.phase("import worker modules"):
        importlib.import_module("uxcx.ingest.worker")
    for module in ("uxcx.ingest.worker", "uxcx.ingest.stage_fast", "uxcx.ingest.typed"):
        _timed_connect(module, clock)
    for module, name in [
        ("uxcx.ingest.worker", "detect_encoding"),
        ("uxcx.ingest.worker", "sniff"),
        ("uxcx.ingest.typed", "physical_lines"),
        ("uxcx.ingest.typed", "_take_sample"),
        ("uxcx.ingest.typed", "choose_types"),
        ("uxcx.ingest.worker", "convert_typed"),
        ("uxcx.ingest.worker", "stage_text_fast"),
        ("uxcx.ingest.worker", "stage_text"),
        ("uxcx.ingest.worker", "finish"),
    ]:
        clock.wrap(module, name)
    worker = sys.modules["uxcx.ingest.worker"]
    with tempfile.TemporaryDirectory(prefix="uxcx-prof-") as tmp:
        result = worker.convert(path, Path(tmp) / "out.parquet", work_dir=Path(tmp))
    total = time.perf_counter() - w0, cpu_now() - c0
    title = f"ingest {path.name}: {result.rows:,} rows; notes: {' '.join(result.notes)}"
    return clock.report(*total, title)


def profile_metrics(path: Path, by: str | None) -> str:
    """What `uxcx metrics FILE --by … --format json` runs, phase by phase."""
    clock = Clock()
    w0, c0 = time.perf_counter(), cpu_now()
    with clock.phase("import uxcx.cli, uxcx.store (duckdb, pyarrow)"):
        cli_metrics = importlib.import_module("uxcx.cli.metrics")
        importlib.import_module("uxcx.store")
    with clock.phase("import uxcx.compute"):
        importlib.import_module("uxcx.compute")
    for module, name, label in [
        ("uxcx.store.workspace", "ingest_file", "ingest_file (worker process)"),
        ("uxcx.store.workspace", "detect_roles", "detect roles"),
        ("uxcx.store.workspace", "customer_unique", "customer_unique scan"),
        ("uxcx.compute", "run_query", "metric queries, one per metric (compute_each)"),
        ("uxcx.compute", "compute_many", "metric queries, batched (compute_many)"),
        ("uxcx.compute", "result_from_row", "  estimates (scipy import on first call)"),
    ]:
        clock.wrap(module, name, label)
    try:
        engine_cls = importlib.import_module("uxcx.engines.duckdb").DuckDBEngine
        original_run = engine_cls._run

        def run(self, sql, params, fetch):
            with clock.phase("  " + _label_sql(sql) + " (engine.query)"):
                return original_run(self, sql, params, fetch)

        engine_cls._run = run
    except (ImportError, AttributeError):
        clock.notes.append("engine queries not timed")
    args = ["metrics", str(path), "--format", "json"] + (["--by", by] if by else [])
    import contextlib
    import io

    out = io.StringIO()
    with clock.phase("whole command (cli.main)"), contextlib.redirect_stdout(out):
        importlib.import_module("uxcx.cli").main(args)
    del cli_metrics
    total = time.perf_counter() - w0, cpu_now() - c0
    return clock.report(*total, f"uxcx metrics {path.name} --by {by} --format json")


_OURS = ("/pages/", "/ui/", "/uxcx/")


def _ours(filename: str) -> bool:
    return any(part in filename for part in _OURS)


def _short(filename: str) -> str:
    for part in _OURS:
        if part in filename:
            return part.strip("/") + "/" + filename.split(part, 1)[1]
    return Path(filename).name


class StackSampler:
    """Samples every other thread's stack that runs uxcx/ui/pages code, every `every_s`."""

    def __init__(self, every_s: float = 0.005):
        import threading

        self.every_s = every_s
        self.samples = 0
        self.on_stack: dict[str, int] = defaultdict(int)
        self.innermost_ours: dict[str, int] = defaultdict(int)
        self.innermost: dict[str, int] = defaultdict(int)
        self._stop = threading.Event()
        self._skip = {threading.get_ident()}
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import threading

        self._skip.add(threading.get_ident())
        while not self._stop.is_set():
            for ident, frame in sys._current_frames().items():
                if ident in self._skip:
                    continue
                stack = []
                f = frame
                while f is not None:
                    stack.append(f)
                    f = f.f_back
                if not any(_ours(fr.f_code.co_filename) for fr in stack):
                    continue
                self.samples += 1
                top = stack[0].f_code
                self.innermost[f"{Path(top.co_filename).name}:{top.co_name}"] += 1
                inner = next(fr for fr in stack if _ours(fr.f_code.co_filename))
                name = f"{_short(inner.f_code.co_filename)}:{inner.f_lineno} {inner.f_code.co_name}"
                self.innermost_ours[name] += 1
                seen = {
                    f"{_short(fr.f_code.co_filename)} {fr.f_code.co_name}"
                    for fr in stack
                    if _ours(fr.f_code.co_filename)
                }
                for key in seen:
                    self.on_stack[key] += 1
            time.sleep(self.every_s)

    def __enter__(self) -> StackSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def report(self, top: int = 25) -> str:
        n = max(1, self.samples)
        lines = [f"{self.samples} samples of the script thread"]
        for title, counts, k in (
            ("on the stack (cumulative)", self.on_stack, top),
            ("innermost uxcx/ui/pages frame", self.innermost_ours, 12),
            ("innermost frame (any code)", self.innermost, 12),
        ):
            lines.append(f"--- {title}")
            for name, c in sorted(counts.items(), key=lambda kv: -kv[1])[:k]:
                lines.append(f"{100 * c / n:5.1f}%  {name}")
        return "\n".join(lines)


def profile_page(
    page: str,
    workspace: Path,
    dataset: str,
    runs: int,
    params: dict[str, str] | None = None,
    last_params: dict[str, str] | None = None,
    last_filters: dict[str, list[str]] | None = None,
) -> str:
    """An app page through AppTest, `runs` times; the last run sampled (with `last_params` too:
    or with `last_filters`, segment filters as the sidebar sets them: a page file run alone has no
    sidebar, so a filter no earlier run used samples an uncached view with warm imports)."""
    import os

    os.environ["UXCX_WORKSPACE"] = str(workspace)
    from streamlit.testing.v1 import AppTest

    root = Path(__file__).resolve().parents[1]
    lines = []
    sampler = StackSampler()
    for i in range(runs):
        at = AppTest.from_file(str(root / "pages" / f"{page}.py"), default_timeout=3600)
        at.query_params["dataset"] = dataset
        extra = {**(params or {}), **((last_params or {}) if i == runs - 1 else {})}
        for key, value in extra.items():
            at.query_params[key] = value
        if i == runs - 1:
            for column, chosen in (last_filters or {}).items():
                at.session_state[f"f_{column}"] = chosen
                extra[f"filter {column}"] = ",".join(chosen)
        w, c = time.perf_counter(), time.process_time()
        if i == runs - 1:
            with sampler:
                at.run()
        else:
            at.run()
        problems = [e.message for e in at.exception]
        lines.append(
            f"run {i + 1} ({'first' if i == 0 else 'again'}{' ' + str(extra) if extra else ''}): "
            f"{time.perf_counter() - w:.2f} s wall, "
            f"{time.process_time() - c:.2f} s CPU, {len(at.metric)} st.metric"
            + (f", exception: {problems[0][:100]}" if problems else "")
        )
    return "\n".join([f"page {page} on dataset {dataset}", *lines, sampler.report()])


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.breakdown",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("what", choices=["metrics", "ingest", "page"])
    p.add_argument("target", help="FILE (metrics, ingest) or a page name (overview, retention …)")
    p.add_argument("--by", default="plan")
    p.add_argument("--workspace", type=Path, help="page: the UXCX_WORKSPACE holding the dataset")
    p.add_argument(
        "--dataset", help="page: the dataset id (default: WORKSPACE/benchmark-dataset-id)"
    )
    p.add_argument("--runs", type=int, default=2, help="page: runs, the last one sampled")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="page: a query parameter of every run (f_plan=Pro)")  # fmt: skip
    p.add_argument("--last-param", action="append", default=[], metavar="KEY=VALUE",
                   help="page: a query parameter of the last (sampled) run only")  # fmt: skip
    p.add_argument("--last-filter", action="append", default=[], metavar="COLUMN=A[,B]",
                   help="page: a segment filter of the last run (plan=Enterprise)")  # fmt: skip
    args = p.parse_args(argv)
    if args.what == "ingest":
        print(profile_ingest(Path(args.target)))
    elif args.what == "metrics":
        print(profile_metrics(Path(args.target), args.by))
    else:
        if args.workspace is None:
            p.error("page needs --workspace")
        ds = args.dataset or (args.workspace / "benchmark-dataset-id").read_text().strip()
        pairs = [dict(x.split("=", 1) for x in v) for v in (args.param, args.last_param)]
        chosen = {c: v.split(",") for c, v in (x.split("=", 1) for x in args.last_filter)}
        print(profile_page(args.target, args.workspace, ds, args.runs, *pairs, chosen))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
