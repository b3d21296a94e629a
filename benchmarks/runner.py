"""Run every case, interleaved, best of N per side; print the figures and write them as JSON.

    python benchmarks/run.py                       # 1M rows (make bench)
    python benchmarks/run.py --rows 200000 --repeat 1
    python benchmarks/run.py --sizes 1e6,1e7       # how cost grows with N (10M is opt-in)

Each round runs every case's sides one after the other (the order rotates per round), so a
burst of load from other processes hits uxcx and its peers alike; a figure is uxcx's best time ÷
the peer's best time in this run. Wall time is the figure; the CPU time of each process tree
(user + sys, from wait4) is shown beside it because on a shared machine it moves far less.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from . import cases as C
from . import values

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"


# ---- the machine -------------------------------------------------------------------------
def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return None


def _git(*args: str) -> str:
    try:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def compile_bytecode() -> str:
    """Write uxcx's .pyc files first, so each measured process runs the code as installed.

    pip compiles a package's bytecode when it installs it; an editable checkout has none until
    Python writes it, which this machine's PYTHONDONTWRITEBYTECODE=1 (and the Dockerfile's)
    forbids, so every `uxcx` process would recompile ~50 modules (~0.1 s of the start-up).
    """
    import compileall

    ok = compileall.compile_dir(str(ROOT / "uxcx"), quiet=1)
    return "compiled" if ok else "compile failed"


def machine_info() -> dict:
    """CPU, RAM, versions and where the code came from."""
    from importlib.metadata import PackageNotFoundError, version

    versions = {"python": platform.python_version()}
    for pkg in ("duckdb", "pandas", "numpy", "pyarrow", "scipy", "streamlit"):
        try:
            versions[pkg] = version(pkg)
        except PackageNotFoundError:
            versions[pkg] = None
    return {
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "ram_gb": _ram_gb(),
        "platform": platform.platform(),
        "versions": versions,
        "uxcx_commit": _git("rev-parse", "--short", "HEAD"),
        "uxcx_branch": _git("rev-parse", "--abbrev-ref", "HEAD"),
        "uxcx_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "uxcx_env": {k: v for k, v in os.environ.items() if k.startswith("UXCX_")},
    }


class LoadMonitor:
    """Samples the 1-minute load average every few seconds while the benchmark runs."""

    def __init__(self, every_s: float = 5.0):
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every_s,), daemon=True)

    def _run(self, every_s: float) -> None:
        while not self._stop.is_set():
            self.samples.append(os.getloadavg()[0])
            self._stop.wait(every_s)

    def __enter__(self) -> LoadMonitor:
        self.start = os.getloadavg()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.end = os.getloadavg()

    def summary(self) -> dict:
        s = self.samples or [math.nan]
        return {
            "start": [round(x, 2) for x in self.start],
            "end": [round(x, 2) for x in getattr(self, "end", os.getloadavg())],
            "min_1m": round(min(s), 2),
            "mean_1m": round(sum(s) / len(s), 2),
            "max_1m": round(max(s), 2),
            "samples": len(self.samples),
        }


def _peak_rss_kb() -> int | None:
    """This process's own peak RSS (VmHWM)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


# ---- one process -------------------------------------------------------------------------
def run_process(argv: list[str], timeout_s: float) -> dict:
    """Run a command; its wall time, the CPU and peak RSS of its process tree, its output."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
        timer = threading.Timer(timeout_s, lambda: os.killpg(proc.pid, 9))
        timer.start()
        try:
            _, status, ru = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    return {
        "wall_s": wall,
        "cpu_s": ru.ru_utime + ru.ru_stime,
        # The largest process of the tree (waited-for descendants). Linux starts a child's figure
        # at its parent's peak RSS, so the runner keeps itself small (data work runs in children).
        "maxrss_kb": ru.ru_maxrss,
        "returncode": proc.returncode,
        "stdout": stdout,
        "stderr": stderr[-2000:],
    }


def run_side(side: C.Side, timeout_s: float) -> dict:
    """One run of one side: the seconds that count, plus what the process reported."""
    r = run_process(side.argv, timeout_s)
    rec = {k: r[k] for k in ("wall_s", "cpu_s", "maxrss_kb", "returncode")}
    rec["seconds"] = r["wall_s"]
    if r["returncode"] != 0:
        rec["error"] = (r["stderr"].strip().splitlines() or [f"exit {r['returncode']}"])[-1]
        return rec
    if side.parse is not None:
        parsed = side.parse(r["stdout"])
        if "error" in parsed:
            rec["error"] = parsed["error"]
        else:
            rec["seconds"] = parsed.get("seconds", r["wall_s"])
            rec["report"] = {k: v for k, v in parsed.items() if k != "seconds"}
    rec["_stdout"] = r["stdout"]
    return rec


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def measure(case_list: list[C.Case], repeat: int, timeout_s: float) -> dict:
    """Round-robin: each round runs every case, its sides in an order rotating per round."""
    runs: dict[str, dict[str, list[dict]]] = {
        c.id: {s.name: [] for s in c.sides} for c in case_list
    }
    first_stdout: dict[str, dict[str, str]] = {c.id: {} for c in case_list}
    for rnd in range(repeat):
        for case in case_list:
            k = rnd % len(case.sides)
            for side in case.sides[k:] + case.sides[:k]:
                rec = run_side(side, timeout_s)
                stdout = rec.pop("_stdout", "")
                first_stdout[case.id].setdefault(side.name, stdout)
                runs[case.id][side.name].append(rec)
                status = f"ERROR {rec['error']}" if "error" in rec else f"{rec['seconds']:.2f} s"
                _log(f"  round {rnd + 1}/{repeat} {case.id:<16} {side.name:<7} {status} "
                     f"(cpu {rec['cpu_s']:.2f} s, load {os.getloadavg()[0]:.1f})")  # fmt: skip
    out: dict = {}
    for case in case_list:
        sides = {}
        for name, recs in runs[case.id].items():
            ok = [r for r in recs if "error" not in r]
            sides[name] = {
                "best_s": min((r["seconds"] for r in ok), default=None),
                "best_cpu_s": min((r["cpu_s"] for r in ok), default=None),
                "max_rss_kb": max((r["maxrss_kb"] for r in recs), default=None),
                "errors": [
                    f"{sum(r.get('error') == e for r in recs)} of {len(recs)} runs: {e}"
                    for e in sorted({r["error"] for r in recs if "error" in r})
                ],
                "runs": recs,
            }
        out[case.id] = {"title": case.title, "sides": sides,
                        "json_check": _json_check(first_stdout[case.id])}  # fmt: skip
    return out


def _json_check(stdouts: dict[str, str]) -> dict | None:
    """Do the printed (4-decimal) metrics of uxcx and the peers agree? (Metrics cases only.)"""
    try:
        parsed = {k: json.loads(v)["metrics"] for k, v in stdouts.items() if v.strip()}
    except (ValueError, KeyError, TypeError):
        return None
    if "uxcx" not in parsed or len(parsed) < 2:
        return None
    fields = ("metric", "group", "n")
    ours = [{k: m.get(k) for k in (*fields, *values.FIELDS)} for m in parsed["uxcx"]]
    out = {}
    for peer, rows in parsed.items():
        if peer == "uxcx":
            continue
        theirs = [{k: m.get(k) for k in (*fields, *values.FIELDS)} for m in rows]
        # Rounded to 4 decimals: equal values can round one unit apart at a boundary.
        cmp = values.compare(ours, theirs, rel_tol=math.inf)
        bad = [
            (a["metric"], a["group"])
            for a, b in zip(ours, theirs, strict=False)
            if (a["metric"], a["group"], a["n"]) != (b["metric"], b["group"], b["n"])
            or any(abs((a[f] or 0) - (b[f] or 0)) > 1.5e-4 for f in values.FIELDS)
        ]
        out[peer] = {"rows": cmp["rows"], "agree": not bad and len(ours) == len(theirs),
                     "differ": bad[:5]}  # fmt: skip
    return out


# ---- figures -----------------------------------------------------------------------------
def figures(measured: dict, values_check: dict | None, csv_bytes: int) -> list[dict]:
    """One row per figure: seconds per side, ratio, CPU ratio, goal, pass."""
    rows = []
    for f in C.FIGURES:
        if f.case not in measured:
            continue
        sides = measured[f.case]["sides"]

        def best(name: str, key: str = "best_s", sides=sides) -> float | None:
            return sides.get(name, {}).get(key)

        ux, peer = best("uxcx"), best(f.peer)
        ratio = ux / peer if ux and peer else None
        cux, cpeer = best("uxcx", "best_cpu_s"), best(f.peer, "best_cpu_s")
        rows.append({
            "id": f.id, "figure": f.title, "unit": "s",
            "uxcx": ux, "duckdb": best("duckdb"), "pandas": best("pandas"),
            "ratio": ratio, "cpu_ratio": cux / cpeer if cux and cpeer else None,
            "goal": f.goal, "pass": f.passes(ux, ratio),
            "errors": sides.get("uxcx", {}).get("errors", []),
        })  # fmt: skip
    if "ingest" in measured:
        reports = [r.get("report", {}) for r in measured["ingest"]["sides"]["uxcx"]["runs"]]
        rss = max((r.get("worker_maxrss_kb", 0) for r in reports), default=0)
        beyond = (rss * 1024 - csv_bytes) / 1e9 if rss else None
        duck_rss = measured["ingest"]["sides"]["duckdb"]["max_rss_kb"]
        rows.append({
            "id": "ingest_rss", "figure": "  ingest peak RSS − CSV size", "unit": "GB",
            "uxcx": beyond, "duckdb": (duck_rss * 1024 - csv_bytes) / 1e9 if duck_rss else None,
            "pandas": None, "ratio": None, "cpu_ratio": None,
            "goal": f"< {C.RSS_LIMIT_GB} GB", "pass": None if beyond is None else beyond < C.RSS_LIMIT_GB,
            "errors": [],
        })  # fmt: skip
    if values_check is not None:
        duck, pandas = values_check.get("duckdb"), values_check.get("pandas")
        rows.append({
            "id": "values", "figure": "values: compute() vs peer (max rel)", "unit": "rel",
            "uxcx": None,
            "duckdb": duck["max_rel_diff"] if duck else None,
            "pandas": pandas["max_rel_diff"] if pandas else None,
            "ratio": None, "cpu_ratio": None,
            "goal": f"≤ {C.VALUES_REL_TOL:g} rel, n equal",
            "pass": bool(duck and duck["ok"]),
            "errors": [values_check["error"]] if "error" in values_check else [],
        })  # fmt: skip
    return rows


def _num(x: float | None, unit: str) -> str:
    if x is None:
        return "–"
    if unit == "rel":
        return f"{x:.1e}"
    return f"{x:.2f}" + (" GB" if unit == "GB" else "")


def table(rows: list[dict], title: str) -> str:
    """The printed table; errors of failed runs are footnotes under it."""
    head = (f"{'figure':<40} {'uxcx (s)':>9} {'DuckDB (s)':>10} {'pandas (s)':>10} "
            f"{'ratio':>7} {'cpu ratio':>9}  {'goal':<26} result")  # fmt: skip
    lines = [title, head, "-" * len(head)]
    notes: list[str] = []
    for r in rows:
        verdict = {True: "pass", False: "FAIL", None: "n/a"}[r["pass"]]
        if r["errors"]:
            text = "; ".join(r["errors"])
            if text not in notes:
                notes.append(text)
            verdict += f" [{notes.index(text) + 1}]"
        ratio = f"{r['ratio']:.2f}×" if r["ratio"] is not None else "–"
        cpu = f"{r['cpu_ratio']:.2f}×" if r["cpu_ratio"] is not None else "–"
        u = r["unit"]
        lines.append(
            f"{r['figure'][:40]:<40} {_num(r['uxcx'], u):>9} {_num(r['duckdb'], u):>10} "
            f"{_num(r['pandas'], u):>10} {ratio:>7} {cpu:>9}  {r['goal']:<26} {verdict}"
        )
    return "\n".join(lines + [f"[{i}] {t}" for i, t in enumerate(notes, 1)])


def markdown(rows: list[dict]) -> str:
    """The table as Markdown (for the README's Performance section)."""
    out = ["| figure | uxcx | DuckDB | pandas | ratio | CPU ratio | goal | result |",
           "|---|--:|--:|--:|--:|--:|---|---|"]  # fmt: skip
    for r in rows:
        u = r["unit"]
        ratio = f"{r['ratio']:.2f}×" if r["ratio"] is not None else "–"
        cpu = f"{r['cpu_ratio']:.2f}×" if r["cpu_ratio"] is not None else "–"
        verdict = {True: "pass", False: "**FAIL**", None: "n/a"}[r["pass"]]
        suffix = " s" if u == "s" else ""
        cells = [
            _num(r[k], u) + (suffix if r[k] is not None else "")
            for k in ("uxcx", "duckdb", "pandas")
        ]
        out.append(f"| {r['figure'].strip()} | {' | '.join(cells)} | {ratio} | {cpu} | "
                   f"{r['goal']} | {verdict} |")  # fmt: skip
    return "\n".join(out)


def growth(sizes: list[dict]) -> tuple[list[dict], str]:
    """Wall and CPU seconds per million rows at the first and last size, and the per-row growth
    factor (1.0 = linear, below 1 better than linear)."""
    if len(sizes) < 2:
        return [], ""
    first, last = sizes[0], sizes[-1]
    rows = []
    for case in ("metrics_csv", "metrics_parquet", "ingest"):
        for side in ("uxcx", "duckdb", "pandas"):
            try:
                a = first["cases"][case]["sides"][side]
                b = last["cases"][case]["sides"][side]
            except KeyError:
                continue
            row: dict = {"case": case, "side": side, "errors_at_last": b["errors"]}
            for key, out in (("best_s", "s_per_1m_rows"), ("best_cpu_s", "cpu_s_per_1m_rows")):
                per = [None if s[key] is None else s[key] / n["rows"] * 1e6
                       for s, n in ((a, first), (b, last))]  # fmt: skip
                row[out] = per
                row[out.replace("per_1m_rows", "growth")] = (
                    per[1] / per[0] if per[0] and per[1] else None
                )
            rows.append(row)
    n0, n1 = first["rows"], last["rows"]
    head = (f"{'case':<16} {'side':<7} {f's/1M rows @{n0:,}':>19} {f's/1M rows @{n1:,}':>20} "
            f"{'growth':>7} {'cpu growth':>10}")  # fmt: skip
    lines = [f"Growth {n0:,} → {n1:,} rows: cost per million rows (1.00 = linear, < 1 better)",
             head]  # fmt: skip

    def f(x: float | None) -> str:
        return "–" if x is None else f"{x:.2f}"

    for r in rows:
        a, b = r["s_per_1m_rows"]
        ca, cb = r["cpu_s_per_1m_rows"]
        note = f"  ({r['errors_at_last'][0][:70]})" if r["errors_at_last"] else ""
        lines.append(
            f"{r['case']:<16} {r['side']:<7} {f(a) + ' (cpu ' + f(ca) + ')':>19} "
            f"{f(b) + ' (cpu ' + f(cb) + ')':>20} {f(r['s_growth']):>7} "
            f"{f(r['cpu_s_growth']):>10}{note}"
        )
    return rows, "\n".join(lines)


# ---- the run -----------------------------------------------------------------------------
def _python_json(args: list[str], python: str, timeout_s: float) -> dict:
    """Run `python -m …` in its own process (the runner stays small: a child's peak RSS from
    wait4 starts at its parent's peak) and parse the JSON it prints last."""
    r = run_process([python, "-m", *args], timeout_s)
    if r["returncode"] != 0:
        tail = r["stderr"].strip().splitlines() or [f"exit {r['returncode']}"]
        return {"error": tail[-1], "wall_s": r["wall_s"]}
    lines = r["stdout"].strip().splitlines()
    out = json.loads(lines[-1]) if lines else {}
    return out if isinstance(out, dict) else {"result": out}


def _generate(rows: int, csv: Path, parquet: Path | None, args: argparse.Namespace) -> None:
    cmd = ["benchmarks.generator", str(csv), "--rows", str(rows)]
    cmd += ["--parquet", str(parquet)] if parquet else []
    r = run_process([args.python, "-m", *cmd], args.timeout)
    if r["returncode"] != 0:
        raise SystemExit(f"generating {rows:,} rows failed: {r['stderr'][-500:]}")


def run_size(rows: int, args: argparse.Namespace, work: Path, first: bool) -> dict:
    """Generate one size's files, check values, measure every case."""
    d = work / f"n{rows}"
    d.mkdir(parents=True, exist_ok=True)
    data = {"csv": d / "bench.csv", "parquet": d / "bench.parquet", "tiny": d / "tiny.csv"}
    _log(f"generating {rows:,} rows in {d} …")
    t = time.perf_counter()
    _generate(rows, data["csv"], data["parquet"], args)
    _generate(3, data["tiny"], None, args)
    gen_s = time.perf_counter() - t
    csv_bytes = data["csv"].stat().st_size
    _log(f"  {csv_bytes / 1e6:.0f} MB CSV, {data['parquet'].stat().st_size / 1e6:.0f} MB Parquet "
         f"in {gen_s:.1f} s")  # fmt: skip
    check = None
    # Correctness does not depend on N: checked on the first size only (10M would add an ingest).
    if first and not args.no_values:
        _log("values: uxcx compute() vs the DuckDB and pandas peers …")
        check = _python_json(
            ["benchmarks.values", str(data["csv"]), "--work", str(d / "values-ws"),
             "--by", C.SEGMENT, "--rel-tol", str(C.VALUES_REL_TOL)],
            args.python, args.timeout,
        )  # fmt: skip
        for k, v in check.items():
            shown = {x: v[x] for x in ("max_rel_diff", "ok")} if isinstance(v, dict) else v
            _log(f"  {k}: {shown}")
    case_list = [c for c in C.cases(data, d, args.python) if first or c.sizes == "every"]
    if args.only:
        case_list = [c for c in case_list if c.id in args.only]
    measured = measure(case_list, args.repeat, args.timeout)
    rows_out = figures(measured, check, csv_bytes)
    return {
        "rows": rows,
        "csv_bytes": csv_bytes,
        "parquet_bytes": data["parquet"].stat().st_size,
        "generate_s": gen_s,
        "values": check,
        "cases": measured,
        "figures": rows_out,
    }


def _size(text: str) -> int:
    return int(float(text))


def main(argv: list[str] | None = None) -> int:
    """Command line (benchmarks/run.py, make bench)."""
    p = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=_size, default=1_000_000, help="rows (default 1e6)")
    p.add_argument("--sizes", type=lambda s: [_size(x) for x in s.split(",")],
                   help="comma-separated sizes, e.g. 1e6,1e7: every figure per size + growth")  # fmt: skip
    p.add_argument("--repeat", type=int, default=3, help="runs per side (best counts)")
    p.add_argument("--only", action="append", help="only these cases (repeatable)")
    p.add_argument("--no-values", action="store_true", help="skip the values check")
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds per process")
    p.add_argument("--work", type=Path, help="keep the generated files here")
    p.add_argument("--out", type=Path, default=RESULTS, help="JSON results (default %(default)s)")
    p.add_argument("--markdown", action="store_true", help="also print the tables as Markdown")
    p.add_argument("--python", default=sys.executable, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    sizes = args.sizes or [args.rows]

    work = args.work or Path(tempfile.mkdtemp(prefix="uxcx-bench-"))
    started = dt.datetime.now(dt.UTC)
    info = machine_info()
    info["bytecode"] = compile_bytecode()
    results: list[dict] = []
    try:
        with LoadMonitor() as load:
            for i, rows in enumerate(sizes):
                results.append(run_size(rows, args, work, first=i == 0))
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    info["load_average"] = load.summary()
    info["runner_peak_rss_kb"] = _peak_rss_kb()  # every child's wait4 peak RSS starts here
    grow_rows, grow_text = growth(results)
    la = info["load_average"]
    machine = (f"{info['cpus']} × {info['cpu_model']}, {info['ram_gb']} GB RAM; load average "
               f"{la['start'][0]:.1f} at start, {la['mean_1m']:.1f} mean "
               f"({la['min_1m']:.1f}–{la['max_1m']:.1f}) during, {la['end'][0]:.1f} at end; "
               f"uxcx {info['uxcx_commit']}{' (dirty)' if info['uxcx_dirty'] else ''}, "
               f"duckdb {info['versions']['duckdb']}, pandas {info['versions']['pandas']}, "
               f"Python {info['versions']['python']}")  # fmt: skip
    print()
    for res in results:
        title = (f"{res['rows']:,} rows ({res['csv_bytes'] / 1e6:.0f} MB CSV), best of "
                 f"{args.repeat}, interleaved")  # fmt: skip
        print(table(res["figures"], title))
        print()
        if args.markdown:
            print(markdown(res["figures"]))
            print()
    if grow_text:
        print(grow_text)
        print()
    print(machine)
    doc = {
        "started": started.isoformat(timespec="seconds"),
        "seconds": round((dt.datetime.now(dt.UTC) - started).total_seconds(), 1),
        "command": ["benchmarks/run.py", *(argv if argv is not None else sys.argv[1:])],
        "repeat": args.repeat,
        "machine": info,
        "sizes": results,
        "growth": grow_rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1, default=str) + "\n")
    print(f"results: {args.out}")
    failed = [f["id"] for r in results for f in r["figures"] if f["pass"] is False]
    if failed:
        print(f"goals not met: {', '.join(dict.fromkeys(failed))}")
    return 0
