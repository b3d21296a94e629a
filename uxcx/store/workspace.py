"""Datasets on disk: the uploaded originals, the Parquet uxcx wrote, and a manifest with roles.

Layout: <root>/<dataset-id>/{manifest.json, sources/<original files>, tables/<name>.parquet}.
A dataset id is an unguessable token: the share link is the key, so ids are never listed to users.
A dataset directory is built under a temporary name and renamed into place, so a crash never
leaves half a dataset; manifest updates are written to a temp file and renamed.
"""

from __future__ import annotations

import datetime as dt
import errno
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
from ..ingest.progress import ReadProgress, describe
from ..ingest.result import DISK_FULL
from ..ingest.supervisor import ingest_memory_mb
from ..roles import ColumnProfile, RoleMap, detect_roles, validate_mapping
from ..sql import Join, TableInfo
from . import files as disk
from .files import BUILDING, abandoned, hold_build_lock, json_safe, safe_filename, write_json
from .joins import detect_joins, key_stem, measure_join, remeasure
from .profile import customer_unique
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
    # column → [non-null values, approximate distinct values], from the profile role detection
    # ran at ingest: a column with clearly fewer distinct values than rows is not an id column
    # of a customer table, so choosing it needs no scan.
    distinct: dict[str, list[int]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # column → exported question text
    # column → {code: label} a survey tool exported (SPSS value labels), for role detection.
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class Dataset:
    """A set of tables uploaded together, linked on the keys they share (see store/joins.py)."""

    id: str
    name: str
    created: str
    tables: list[TableEntry]
    root: Path
    fingerprint: str = ""
    owner: str = ""  # who uploaded it, when sign-in is configured (their e-mail or subject)
    # The links between tables; None in manifests written before links were recorded (the
    # planner then links on customer_id as it always did).
    joins: list[Join] | None = None
    joins_edited: bool = False  # someone fixed the links by hand: role changes keep them

    def table(self, name: str) -> TableEntry:
        """The table with this name."""
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(name)

    def currency(self, role: str = "clv") -> str | None:
        """The currency the ingest read in the column mapped to `role` ('$', '€', 'USD'), if any."""
        for t in self.tables:
            col = t.roles.get(role)
            for c in t.ingest.get("columns", []) if isinstance(col, str) else []:
                if isinstance(c, dict) and c.get("name") == col and c.get("currency"):
                    return str(c["currency"])
        return None

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
                joins=tuple(self.joins) if self.joins is not None else None,
            )
            for t in self.tables
        ]

    @property
    def version(self) -> str:
        """Changes whenever roles or links change: part of every cache key."""
        roles = json.dumps([t.roles for t in self.tables], sort_keys=True)
        if self.joins_edited:
            # Detected links follow from the roles; only hand-made ones need their own part.
            roles += json.dumps([asdict(j) for j in self.joins or []], sort_keys=True)
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
            "joins": None if self.joins is None else [asdict(j) for j in self.joins],
            "joins_edited": self.joins_edited,
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
        keep_sources: bool = True,
    ) -> Dataset:
        """Ingest files into a new dataset; raises IngestError naming the file that failed.

        ``keep_sources=False`` (a temporary workspace: the command line) reads files given as
        paths where they are instead of copying them into the dataset's ``sources/``.
        """
        if not files:
            raise IngestError("No files were given.")
        ds_id = dataset_id or new_token(16)
        final = self._dir(ds_id)
        tmp = self.root / f".tmp-{ds_id}-{secrets.token_hex(4)}"
        (tmp / "sources").mkdir(parents=True)
        (tmp / "tables").mkdir()
        building = hold_build_lock(tmp)  # released in the finally below
        report = progress or (lambda _f, _m: None)
        try:
            jobs = []
            used: set[str] = set()
            for fname, content in files:
                safe = safe_filename(fname, used)
                used.add(safe)
                src = tmp / "sources" / safe
                if isinstance(content, bytes | bytearray):
                    src.write_bytes(content)
                elif keep_sources:
                    shutil.copyfile(content, src)
                else:
                    src = Path(content).resolve()
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
                    # The profiles live on as the roles and distinct counts below.
                    ingest=json_safe(result.to_dict(exclude=("profiles",))),
                    labels={c["name"]: c["label"] for c in result.columns if c.get("label")},
                    value_labels={
                        c["name"]: c["value_labels"]
                        for c in result.columns
                        if c.get("value_labels")
                    },
                )
                # The worker profiled the Parquet it wrote (``ingest/profile.py``).
                profiles = [ColumnProfile(**p) for p in result.profiles]
                for prof in profiles:
                    prof.label = entry.labels.get(prof.name, "")
                    prof.value_labels = entry.value_labels.get(prof.name, {})
                entry.distinct = {p.name: [p.non_null, p.distinct] for p in profiles}
                entry.detected_roles = detect_roles(profiles)
                entry.roles = dict(entry.detected_roles)
                entry.customer_unique = customer_unique(
                    self.profiler, dest, entry.roles, entry.distinct, entry.unique
                )
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
            if len(tables) > 1:
                report(0.97, "Finding how the files link …")
            infos = [self._info(e, dest) for e, (_f, _s, dest) in zip(tables, jobs, strict=True)]
            ds.joins = detect_joins(self.profiler, infos)
            write_json(tmp / MANIFEST, ds.to_manifest())
            (tmp / BUILDING).unlink()
            if final.exists():
                # Only the sample dataset is ever rebuilt in place.
                shutil.rmtree(final)
            os.replace(tmp, final)
            report(1.0, "Done")
            return ds
        except OSError as e:
            if e.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
                raise
            # Copying the upload or writing the manifest ran out of disk: nothing was kept.
            raise IngestError(DISK_FULL) from None
        finally:
            building.close()
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)

    @staticmethod
    def _ingest_all(jobs: list[tuple[str, Path, Path]], report: Progress) -> list[IngestResult]:
        """Ingest files in parallel worker processes (one per core); errors name the file.

        Each file being read has its own line: rows parsed of its total, from its worker; the
        bar moves by the share of rows read, files weighted by size. Workers are bounded
        server-wide: while a file waits for a free one, its line says its place in the queue.
        """
        results: dict[int, IngestResult] = {}
        queued: dict[int, tuple[int, float]] = {}  # job → (queue position, when last told)
        reading: dict[int, ReadProgress] = {}  # job → its worker's latest report
        begun: dict[int, float] = {}  # job → when its worker started (about)
        sizes = [max(src.stat().st_size, 1) for _, src, _ in jobs]
        workers = max(1, min(len(jobs), os.cpu_count() or 1, 4))

        def run(i: int, src: Path, dest: Path) -> IngestResult:
            def waiting(pos: int) -> None:
                queued[i] = (pos, time.monotonic())
                begun[i] = time.monotonic()

            begun[i] = time.monotonic()
            return ingest_file(
                src,
                dest,
                memory_mb=ingest_memory_mb(),
                on_wait=waiting,
                on_progress=lambda p: reading.__setitem__(i, p),
            )

        def line(k: int, now: float) -> str:
            # A waiting file is told its place every 0.5 s; an older place is out of date.
            place = queued[k][0] if k in queued and now - queued[k][1] < 1.0 else None
            seconds = now - begun.get(k, now)
            return describe(jobs[k][0], reading.get(k), seconds, place, alone=len(jobs) == 1)

        def share(k: int) -> float:
            fraction = 1.0 if k in results else (reading[k].fraction if k in reading else None)
            return sizes[k] * (fraction or 0.0)

        shown = 0.0
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(run, i, src, dest): i for i, (_, src, dest) in enumerate(jobs)}
            pending = set(futures)
            try:
                while pending:
                    done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                    text = ""
                    for fut in done:
                        i = futures[fut]
                        try:
                            results[i] = fut.result()
                        except IngestError as e:
                            raise IngestError(f"{jobs[i][0]}: {e}") from None
                        r = results[i]
                        rejected = f", {r.rejected_rows:,} rejected" if r.rejected_rows else ""
                        text = f"Read {jobs[i][0]}: {r.rows:,} rows{rejected}"
                    if not done:
                        # A big file takes minutes: rows and seconds show the page is not stuck.
                        now = time.monotonic()
                        left = [k for k in range(len(jobs)) if k not in results]
                        text = "  \n".join(line(k, now) for k in left)
                    shown = max(shown, sum(share(k) for k in range(len(jobs))) / sum(sizes))
                    report(0.05 + 0.75 * shown, text)
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
        if dataset.joins_edited and dataset.joins is not None:
            # Links fixed by hand stay; links detected for the new files join them.
            old_names = {t.name for t in dataset.tables}
            added = [j for j in new.joins or [] if not {j.left, j.right} <= old_names]
            kept = remeasure(self.profiler, self._infos(new), dataset.joins)
            self._save_joins(new, [*kept, *added], edited=True)
        return new

    def sample_dataset(self, progress: Progress | None = None) -> Dataset:
        """The bundled sample data as a dataset (built once, rebuilt when sample_data changes)."""
        files = sorted(p for p in SAMPLE_DIR.glob("*.csv"))
        fingerprint = disk.fingerprint(files)
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
            ds = Dataset(
                id=m["id"],
                name=m["name"],
                created=m["created"],
                fingerprint=m.get("fingerprint", ""),
                owner=m.get("owner", ""),
                tables=[TableEntry(**t) for t in m["tables"]],
                root=d,
                joins=None if m.get("joins") is None else [Join(**j) for j in m["joins"]],
                joins_edited=bool(m.get("joins_edited", False)),
            )
            _check(ds, dataset_id)
            return ds
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
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
        write_json(dataset.root / MANIFEST, dataset.to_manifest())
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
        """Delete what a killed process left behind: half-built datasets and half-deleted ones.

        A half-built dataset whose build lock nobody holds goes at once (its process died);
        one without a lock file only when older than `older_than_s`, since it may have just been
        created. A half-deleted one was already gone for visitors, so it always goes.
        """
        n = 0
        now = time.time()
        for d in self.root.iterdir():
            if not d.is_dir():
                continue
            if d.name.startswith(".trash-"):
                stale = True
            elif d.name.startswith(".tmp-"):
                stale = abandoned(d, now - older_than_s)
            else:
                continue
            if stale:
                shutil.rmtree(d, ignore_errors=True)
                n += 1
        links = self.root / "links"
        if links.is_dir():
            # A link record's temp file from a write cut short (the record itself is intact).
            for f in links.glob(".*.tmp"):
                if f.stat().st_mtime < now - older_than_s:
                    f.unlink(missing_ok=True)
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
        ids_before = [t.roles.get("customer_id") for t in dataset.tables]
        for name, roles in changes.items():
            entry = dataset.table(name)
            entry.roles = {k: v for k, v in roles.items() if v}
            entry.customer_unique = customer_unique(
                self.profiler,
                dataset.parquet_path(entry),
                entry.roles,
                entry.distinct,
                entry.unique,
            )
        ids_changed = ids_before != [t.roles.get("customer_id") for t in dataset.tables]
        if ids_changed and dataset.joins is not None and not dataset.joins_edited:
            # Customer ids link files: a new mapping means new links (hand-made ones stay).
            dataset.joins = detect_joins(self.profiler, self._infos(dataset))
        write_json(dataset.root / MANIFEST, dataset.to_manifest())
        return dataset

    # ---- links between tables ---------------------------------------------------------------
    def _info(self, entry: TableEntry, parquet: Path) -> TableInfo:
        return TableInfo(
            entry.name, self.profiler.source(parquet), dict(entry.columns), entry.roles
        )

    def _infos(self, dataset: Dataset) -> list[TableInfo]:
        return [self._info(t, dataset.parquet_path(t)) for t in dataset.tables]

    def _save_joins(self, dataset: Dataset, joins: list[Join], *, edited: bool) -> Dataset:
        dataset.joins = joins
        dataset.joins_edited = edited
        write_json(dataset.root / MANIFEST, dataset.to_manifest())
        return dataset

    def add_join(
        self, dataset: Dataset, left: str, left_column: str, right: str, right_column: str
    ) -> Join:
        """Link two tables on these columns (replacing any link between the two), counted in the
        engine; raises ValueError with one sentence when the tables or columns are wrong."""
        names = {t.name for t in dataset.tables}
        if left == right:
            raise ValueError("A link needs two different files.")
        for table, col in ((left, left_column), (right, right_column)):
            if table not in names:
                raise ValueError(f"There is no file called '{table}' in this dataset.")
            if col not in dataset.table(table).columns:
                raise ValueError(f"Column '{col}' is not in {table}.")
        stems = (key_stem(left_column), key_stem(right_column))
        email = all(s is not None and s[1] == "email" for s in stems)
        infos = {i.name: i for i in self._infos(dataset)}
        join = measure_join(
            self.profiler,
            infos[left],
            left_column,
            infos[right],
            right_column,
            "email" if email else "text",
            origin="user",
        )
        kept = [j for j in dataset.joins or [] if {j.left, j.right} != {left, right}]
        # First in the list: the planner follows the first usable link between two tables.
        self._save_joins(dataset, [join, *kept], edited=True)
        return join

    def remove_join(self, dataset: Dataset, label: str) -> Dataset:
        """Drop the link shown as `label` ('reviews.order_id → orders.order_id')."""
        joins = dataset.joins if dataset.joins is not None else self.detected_joins(dataset)
        kept = [j for j in joins if j.label() != label]
        if len(kept) == len(joins):
            raise ValueError(f"There is no link {label} in this dataset.")
        return self._save_joins(dataset, kept, edited=True)

    def reset_joins(self, dataset: Dataset) -> Dataset:
        """Forget hand-made changes: the links uxcx detects from the current roles."""
        return self._save_joins(dataset, self.detected_joins(dataset), edited=False)

    def detected_joins(self, dataset: Dataset) -> list[Join]:
        """The links detection finds for the dataset as it is now (nothing saved)."""
        return detect_joins(self.profiler, self._infos(dataset))


# ---- helpers -----------------------------------------------------------------------------
def _check(ds: Dataset, dataset_id: str) -> None:
    """Raise TypeError/ValueError unless a manifest read from disk has the shape uxcx writes."""
    texts = (ds.id, ds.name, ds.created, ds.fingerprint, ds.owner)
    if ds.id != dataset_id or not all(isinstance(t, str) for t in texts) or not ds.tables:
        raise ValueError("malformed manifest")
    for t in ds.tables:
        if not isinstance(t.name, str) or not isinstance(t.parquet, str):
            raise TypeError("malformed manifest")
        if not all(isinstance(x, dict) for x in (t.columns, t.roles, t.detected_roles)):
            raise TypeError("malformed manifest")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in t.columns.items()):
            raise TypeError("malformed manifest")
        path = (ds.root / t.parquet).resolve()
        # A table outside its dataset directory, or missing, makes the dataset unavailable.
        if ds.root.resolve() not in path.parents or not path.is_file():
            raise ValueError("malformed manifest")
