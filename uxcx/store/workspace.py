"""Datasets on disk: the uploaded originals, the Parquet uxcx wrote, and a manifest with roles.

Layout: <root>/<dataset-id>/{manifest.json, sources/<original files>, tables/<name>.parquet}.
A dataset id is an unguessable token: the share link is the key, so ids are never listed to users.
A dataset directory is built under a temporary name and renamed into place, so a crash never
leaves half a dataset; manifest updates are written to a temp file and renamed.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..engines import Engine, engine_for
from ..ingest import IngestError, IngestResult, ingest_file
from ..roles import RoleMap, detect_roles, validate_mapping
from ..sql import TableInfo
from .profile import customer_unique, profile_columns
from .shares import new_token

SAMPLE_ID = "sample"
SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"
_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MANIFEST = "manifest.json"

Progress = Callable[[float, str], None]


class DatasetNotFound(Exception):
    """No dataset with that id (or the id is malformed)."""


@dataclass
class TableEntry:
    """One ingested file of a dataset."""

    name: str
    file: str
    parquet: str
    rows: int
    rejected_rows: int
    columns: dict[str, str]
    roles: RoleMap
    detected_roles: RoleMap
    customer_unique: bool = False
    ingest: dict[str, Any] = field(default_factory=dict)
    # column → one row per value, counted once and kept: role changes never rescan for it.
    unique: dict[str, bool] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # column → exported question text
    # column → {code: label} a survey tool exported (SPSS value labels), for role detection.
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class Dataset:
    """A set of tables uploaded together, joined on customer_id when they share it."""

    id: str
    name: str
    created: str
    tables: list[TableEntry]
    root: Path
    fingerprint: str = ""
    owner: str = ""  # who uploaded it, when sign-in is configured (their e-mail or subject)

    def table(self, name: str) -> TableEntry:
        """The table with this name."""
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(name)

    def parquet_path(self, table: TableEntry) -> Path:
        """Absolute path of a table's Parquet file."""
        return self.root / table.parquet

    def table_infos(self, engine: Engine) -> list[TableInfo]:
        """What the compiler needs about each table."""
        return [
            TableInfo(
                name=t.name,
                source=engine.source(self.parquet_path(t)),
                columns=dict(t.columns),
                roles=t.roles,
                customer_unique=t.customer_unique,
            )
            for t in self.tables
        ]

    @property
    def version(self) -> str:
        """Changes whenever roles change: part of every cache key."""
        roles = json.dumps([t.roles for t in self.tables], sort_keys=True)
        return hashlib.sha256(f"{self.id}|{self.created}|{roles}".encode()).hexdigest()[:16]

    def to_manifest(self) -> dict[str, Any]:
        """JSON-serialisable manifest."""
        return {
            "id": self.id,
            "name": self.name,
            "created": self.created,
            "fingerprint": self.fingerprint,
            "owner": self.owner,
            "tables": [asdict(t) for t in self.tables],
        }


class Workspace:
    """The directory that holds every dataset; the only place DuckDB may read."""

    def __init__(self, root: Path | str | None = None, engine: Engine | None = None):
        self.root = Path(root or os.environ.get("UXCX_WORKSPACE", "workspace")).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.engine = engine or engine_for(self.root)
        # Role detection profiles each file right after ingest wrote it, on this machine, in
        # DuckDB SQL (approx_top_k): it stays on DuckDB whichever engine runs the metrics.
        self.profiler = (
            self.engine if self.engine.name == "duckdb" else engine_for(self.root, "duckdb")
        )

    # ---- creating -------------------------------------------------------------------------
    def create_dataset(
        self,
        files: Sequence[tuple[str, bytes | Path]],
        *,
        name: str | None = None,
        dataset_id: str | None = None,
        progress: Progress | None = None,
        fingerprint: str = "",
        owner: str = "",
    ) -> Dataset:
        """Ingest files into a new dataset; raises IngestError naming the file that failed."""
        if not files:
            raise IngestError("No files were given.")
        ds_id = dataset_id or new_token(16)
        final = self._dir(ds_id)
        tmp = self.root / f".tmp-{ds_id}-{secrets.token_hex(4)}"
        (tmp / "sources").mkdir(parents=True)
        (tmp / "tables").mkdir()
        report = progress or (lambda _f, _m: None)
        try:
            jobs = []
            used: set[str] = set()
            for fname, content in files:
                safe = _safe_filename(fname, used)
                used.add(safe)
                src = tmp / "sources" / safe
                if isinstance(content, bytes | bytearray):
                    src.write_bytes(content)
                else:
                    shutil.copyfile(content, src)
                jobs.append((fname, src, tmp / "tables" / f"{Path(safe).stem}.parquet"))
            report(0.02, f"Reading {len(jobs)} file(s) …")
            results = self._ingest_all(jobs, report)
            tables: list[TableEntry] = []
            for i, ((fname, _src, dest), result) in enumerate(zip(jobs, results, strict=True)):
                report(0.8 + 0.2 * i / len(jobs), f"Recognising columns in {fname} …")
                columns = {c["name"]: c["type"] for c in result.columns}
                entry = TableEntry(
                    name=dest.stem,
                    file=fname,
                    parquet=f"tables/{dest.name}",
                    rows=result.rows,
                    rejected_rows=result.rejected_rows,
                    columns=columns,
                    roles={},
                    detected_roles={},
                    ingest=_json_safe(result.to_dict()),
                    labels={c["name"]: c["label"] for c in result.columns if c.get("label")},
                    value_labels={
                        c["name"]: c["value_labels"]
                        for c in result.columns
                        if c.get("value_labels")
                    },
                )
                profiles = profile_columns(self.profiler, self.profiler.source(dest), columns)
                for prof in profiles:
                    prof.label = entry.labels.get(prof.name, "")
                    prof.value_labels = entry.value_labels.get(prof.name, {})
                entry.detected_roles = detect_roles(profiles)
                entry.roles = dict(entry.detected_roles)
                entry.customer_unique = self._customer_unique(entry, dest)
                tables.append(entry)
            ds = Dataset(
                id=ds_id,
                name=name or ", ".join(f for f, _ in files),
                created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                tables=tables,
                root=final,
                fingerprint=fingerprint,
                owner=owner,
            )
            _write_json(tmp / MANIFEST, ds.to_manifest())
            if final.exists():
                # Only the sample dataset is ever rebuilt in place.
                shutil.rmtree(final)
            os.replace(tmp, final)
            report(1.0, "Done")
            return ds
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)

    @staticmethod
    def _ingest_all(jobs: list[tuple[str, Path, Path]], report: Progress) -> list[IngestResult]:
        """Ingest files in parallel worker processes (one per core); errors name the file.

        Workers are bounded server-wide: while this upload waits for a free one, the progress
        line says its place in the queue.
        """
        results: dict[int, IngestResult] = {}
        queued: dict[int, int] = {}  # job → queue position, written by the waiting threads
        workers = max(1, min(len(jobs), os.cpu_count() or 1, 4))

        def run(i: int, src: Path, dest: Path) -> IngestResult:
            try:
                return ingest_file(src, dest, on_wait=lambda pos: queued.__setitem__(i, pos))
            finally:
                queued.pop(i, None)

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(run, i, src, dest): i for i, (_, src, dest) in enumerate(jobs)}
            pending = set(futures)
            try:
                while pending:
                    done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                    for fut in done:
                        i = futures[fut]
                        try:
                            results[i] = fut.result()
                        except IngestError as e:
                            raise IngestError(f"{jobs[i][0]}: {e}") from None
                        r = results[i]
                        rejected = f", {r.rejected_rows:,} rejected" if r.rejected_rows else ""
                        report(
                            0.05 + 0.75 * len(results) / len(jobs),
                            f"Read {jobs[i][0]}: {r.rows:,} rows{rejected}",
                        )
                    if queued and not done:
                        pos = min(queued.values())
                        report(0.04, f"Waiting for a free file reader: number {pos} in the queue")
                    elif not done:
                        # A big file takes minutes: a heartbeat shows the page is not stuck.
                        left = [jobs[k][0] for k in range(len(jobs)) if k not in results]
                        report(
                            0.05 + 0.75 * len(results) / len(jobs),
                            f"Reading {', '.join(left)} … {time.monotonic() - started:,.0f} s",
                        )
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
        return [results[i] for i in range(len(jobs))]

    def extend_dataset(
        self,
        dataset: Dataset,
        files: Sequence[tuple[str, bytes | Path]],
        *,
        progress: Progress | None = None,
        owner: str = "",
    ) -> Dataset:
        """A new dataset with the old one's files plus new ones; the old link keeps working.

        Roles someone saved for the old files are carried over; new files get detected roles.
        The new dataset belongs to `owner` (the signed-in uploader), else to the old one's owner.
        """
        sources = {p.stem: p for p in (dataset.root / "sources").iterdir()}
        combined: list[tuple[str, bytes | Path]] = [
            (t.file, sources[t.name]) for t in dataset.tables
        ]
        combined.extend(files)
        name = ", ".join(f for f, _ in combined)
        new = self.create_dataset(
            combined, name=name, progress=progress, owner=owner or dataset.owner
        )
        for old, fresh in zip(dataset.tables, new.tables, strict=False):
            if old.file == fresh.file and old.roles != old.detected_roles:
                self.set_roles(new, fresh.name, old.roles)
        return new

    def sample_dataset(self, progress: Progress | None = None) -> Dataset:
        """The bundled sample data as a dataset (built once, rebuilt when sample_data changes)."""
        files = sorted(p for p in SAMPLE_DIR.glob("*.csv"))
        fingerprint = _fingerprint(files)
        # Several sessions may ask at once: one builds, the others wait and reuse it.
        with open(self.root / ".sample.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                ds = self.open(SAMPLE_ID)
                if ds.fingerprint == fingerprint:
                    return ds
            except DatasetNotFound:
                pass
            return self.create_dataset(
                [(p.name, p) for p in files],
                name="Sample data (Acme)",
                dataset_id=SAMPLE_ID,
                progress=progress,
                fingerprint=fingerprint,
            )

    # ---- reading and updating -------------------------------------------------------------
    def _dir(self, dataset_id: str) -> Path:
        if not _ID_RE.match(dataset_id or ""):
            raise DatasetNotFound(dataset_id)
        return self.root / dataset_id

    def open(self, dataset_id: str) -> Dataset:
        """Load a dataset's manifest; DatasetNotFound when it does not exist."""
        d = self._dir(dataset_id)
        try:
            m = json.loads((d / MANIFEST).read_text())
            return Dataset(
                id=m["id"],
                name=m["name"],
                created=m["created"],
                fingerprint=m.get("fingerprint", ""),
                owner=m.get("owner", ""),
                tables=[TableEntry(**t) for t in m["tables"]],
                root=d,
            )
        except (OSError, ValueError, KeyError, TypeError):
            # Missing or corrupted manifest: this dataset is unavailable, the others work.
            raise DatasetNotFound(dataset_id) from None

    def datasets(self, owner: str | None = None) -> list[Dataset]:
        """Every readable dataset (of one owner), newest first: for operators and "My datasets"."""
        out = []
        for d in self.root.iterdir():
            if d.name.startswith(".") or not (d / MANIFEST).is_file():
                continue
            try:
                ds = self.open(d.name)
            except DatasetNotFound:
                continue
            if owner is None or ds.owner == owner:
                out.append(ds)
        return sorted(out, key=lambda ds: ds.created, reverse=True)

    def rename(self, dataset: Dataset, name: str) -> Dataset:
        """Give a dataset a new display name."""
        dataset.name = name.strip() or dataset.name
        _write_json(dataset.root / MANIFEST, dataset.to_manifest())
        return dataset

    def delete(self, dataset_id: str) -> None:
        """Delete a dataset and every link to it (moved aside first, so it vanishes at once)."""
        from .shares import Shares

        d = self._dir(dataset_id)
        if not (d / MANIFEST).exists():
            raise DatasetNotFound(dataset_id)
        trash = self.root / f".trash-{dataset_id}-{secrets.token_hex(4)}"
        os.replace(d, trash)
        Shares(self.root).delete_dataset(dataset_id)
        shutil.rmtree(trash, ignore_errors=True)

    def remove_leftovers(self, older_than_s: float = 3600.0) -> int:
        """Delete half-built datasets a crash left behind (only old ones: others may be building)."""
        import time

        n = 0
        for d in self.root.iterdir():
            old = time.time() - d.stat().st_mtime > older_than_s
            if d.name.startswith((".tmp-", ".trash-")) and d.is_dir() and old:
                shutil.rmtree(d, ignore_errors=True)
                n += 1
        return n

    def exists(self, dataset_id: str) -> bool:
        """True when a dataset with this id is on disk."""
        try:
            return (self._dir(dataset_id) / MANIFEST).exists()
        except DatasetNotFound:
            return False

    def set_roles(self, dataset: Dataset, table_name: str, roles: RoleMap) -> Dataset:
        """Save a corrected role mapping for one table; raises ValueError with the problems."""
        return self.apply_roles(dataset, {table_name: roles})

    def apply_roles(self, dataset: Dataset, changes: dict[str, RoleMap]) -> Dataset:
        """Save corrected role mappings for several tables at once: validated together, at most
        one scan per newly chosen customer-id column, one manifest write."""
        problems = []
        for name, roles in changes.items():
            problems += validate_mapping(roles, list(dataset.table(name).columns))
        if problems:
            raise ValueError(" ".join(problems))
        for name, roles in changes.items():
            entry = dataset.table(name)
            entry.roles = {k: v for k, v in roles.items() if v}
            entry.customer_unique = self._customer_unique(entry, dataset.parquet_path(entry))
        _write_json(dataset.root / MANIFEST, dataset.to_manifest())
        return dataset

    def _customer_unique(self, entry: TableEntry, parquet: Path) -> bool:
        """One row per customer id (a dimension table), from the entry's cache when known."""
        cid = entry.roles.get("customer_id")
        if not isinstance(cid, str):
            return False
        if cid not in entry.unique:
            entry.unique[cid] = customer_unique(self.profiler, parquet, entry.roles)
        return entry.unique[cid]


# ---- helpers -----------------------------------------------------------------------------
def _safe_filename(name: str, used: set[str]) -> str:
    """A file name safe on disk and unique within the dataset (keeps the extension)."""
    base = Path(name).name or "upload"
    stem, suffix = Path(base).stem, Path(base).suffix.lower()
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", stem).strip("._") or "upload"
    suffix = re.sub(r"[^a-z0-9.]", "", suffix)[:10]
    candidate, k = f"{stem}{suffix}", 2
    while candidate in used or Path(candidate).stem in {Path(u).stem for u in used}:
        candidate, k = f"{stem}_{k}{suffix}", k + 1
    return candidate


def _fingerprint(files: Sequence[Path]) -> str:
    h = hashlib.sha256()
    for p in files:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _json_safe(d: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(json.dumps(d, default=str))
    return out


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, default=str))
    os.replace(tmp, path)
