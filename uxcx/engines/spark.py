"""Apache Spark behind the Engine protocol: local mode by default, a cluster or Spark Connect by URL.

PySpark is imported when the first query runs, so choosing this engine costs nothing until then.
UXCX_SPARK_MASTER (e.g. spark://host:7077, yarn) runs on a cluster, UXCX_SPARK_REMOTE
(sc://host:15002) through Spark Connect; the default is `local[2]` in this process's own JVM.
UXCX_SPARK_PATH_MAP=/local/prefix=scheme://cluster/prefix names the workspace as the cluster
sees it when that is not the same path (an object store mounted here, read natively there).
"""

from __future__ import annotations

import os
import tempfile
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from ..sql.dialect import SPARK
from .base import EngineUnavailable, QueryError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# Runtime SQL settings (settable through Spark Connect too), applied to every session we use.
SESSION_CONF = {
    # DuckDB's behaviour: floor() of a huge value or x / 0 give a value or NULL, not a failed
    # query (ANSI mode raises on both); uxcx's own casts of text already use try_cast.
    "spark.sql.ansi.enabled": "false",
    # Naive timestamps are wall-clock values: read and truncated in UTC, no zone shifts them.
    "spark.sql.session.timeZone": "UTC",
    # Column names are matched exactly, as uxcx's manifest spells them.
    "spark.sql.caseSensitive": "true",
}
# Only for the JVM we start ourselves: one machine, tiny aggregates, no web UI, no open ports.
LOCAL_CONF = {
    "spark.sql.shuffle.partitions": "2",
    # Re-planning between stages pays off on skewed cluster data, not on one machine (-20 %).
    "spark.sql.adaptive.enabled": "false",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
}
# The JVM logs warnings (native Hadoop …) before setLogLevel could silence them; the gateway's
# logger at the root's level stops PySpark printing "Setting default log level to WARN".
_LOG4J = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
logger.gateway.name = org.apache.spark.api.python.PythonGatewayServer
logger.gateway.level = error
"""

_session: SparkSession | None = None
_session_lock = threading.Lock()


def session() -> SparkSession:
    """The process-wide SparkSession (created on first use from the UXCX_SPARK_* settings)."""
    global _session
    with _session_lock:
        if _session is None:
            _session = _build_session()
        return _session


def stop_session() -> None:
    """Stop the process-wide session (the next query starts a new one)."""
    global _session
    with _session_lock:
        if _session is not None:
            _session.stop()
            _session = None


def _build_session() -> SparkSession:
    # PySpark warns about pandas 3 on import; uxcx hands Spark no pandas (results come as Arrow).
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    try:
        from pyspark.sql import SparkSession
    except ImportError as e:
        raise EngineUnavailable(
            "The Spark engine needs PySpark: pip install pyspark (and Java 17), "
            "or run with --engine duckdb."
        ) from e
    builder: Any = SparkSession.builder.appName("uxcx")
    remote = os.environ.get("UXCX_SPARK_REMOTE")
    master = os.environ.get("UXCX_SPARK_MASTER", "local[2]")
    fd, log_config = tempfile.mkstemp(prefix="uxcx-log4j2-", suffix=".properties")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(_LOG4J)
        if remote:
            builder = builder.remote(remote)
        else:
            builder = builder.master(master)
            if master.startswith("local"):
                # A cluster keeps its own spark-defaults (Java options, logging, partitions).
                for key, value in LOCAL_CONF.items():
                    builder = builder.config(key, value)
                builder = builder.config(
                    "spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={log_config}"
                )
        spark: SparkSession = builder.getOrCreate()
        for key, value in SESSION_CONF.items():
            spark.conf.set(key, value)
    except Exception as e:  # JVM missing, master unreachable, Connect client not installed …
        where = remote or master
        first = str(e).strip().split("\n")[0][:200]
        raise EngineUnavailable(f"Spark could not be started at {where} ({first}).") from e
    finally:
        # The JVM read it while starting; nothing reads it again.
        os.unlink(log_config)
    return spark


class SparkEngine:
    """Spark SQL over the workspace's Parquet files; only aggregates come back, as Arrow."""

    name = "spark"
    dialect = SPARK
    _instances: dict[str, SparkEngine] = {}
    _instances_lock = threading.Lock()

    def __init__(self, workspace: Path, spark: SparkSession | None = None):
        self.workspace = Path(workspace).resolve()
        self._spark = spark
        self._path_map = _path_map(os.environ.get("UXCX_SPARK_PATH_MAP", ""))

    @classmethod
    def for_workspace(cls, workspace: Path) -> SparkEngine:
        """The process-wide engine for a workspace directory (the session starts on first query)."""
        key = str(Path(workspace).resolve())
        with cls._instances_lock:
            if key not in cls._instances:
                cls._instances[key] = cls(Path(key))
            return cls._instances[key]

    @property
    def spark(self) -> SparkSession:
        """The session queries run in."""
        return self._spark or session()

    def location(self, parquet_path: Path) -> str:
        """Where the cluster reads a workspace file: its mapped URI, else file:// + the path."""
        path = str(Path(parquet_path).resolve())
        for local, remote in self._path_map:
            if path == local or path.startswith(local.rstrip("/") + "/"):
                return remote.rstrip("/") + path[len(local.rstrip("/")) :]
        # Explicit file://: on a cluster a bare path would be read from its default file system.
        return "file://" + path

    def source(self, parquet_path: Path) -> str:
        """parquet.`<uri>` for a file inside the workspace (the only files uxcx reads)."""
        path = Path(parquet_path).resolve()
        if not path.is_relative_to(self.workspace):
            raise QueryError("uxcx reads only the files inside its workspace.")
        return f"parquet.{SPARK.quote_ident(self.location(path))}"

    def query(self, sql: str, params: Sequence[object] = ()) -> pa.Table:
        """Run Spark SQL with positional ? parameters and fetch the (aggregate) result as Arrow."""
        spark = self.spark
        try:
            table = spark.sql(sql, args=list(params) or None).toArrow()
        except Exception as e:  # PySparkException, Py4J and gRPC errors: one sentence for users
            raise QueryError(_friendly(e)) from e
        return _plain(table)

    def rows(self, sql: str, params: Sequence[object] = ()) -> list[dict[str, Any]]:
        """The result as dicts: through Arrow, so both engines' values have the same types."""
        rows: list[dict[str, Any]] = self.query(sql, params).to_pylist()
        return rows


def _path_map(spec: str) -> list[tuple[str, str]]:
    """'/local=s3a://bucket/ws;/other=…' → [(local prefix, cluster prefix)], longest first."""
    pairs = []
    for part in spec.split(";"):
        local, sep, remote = part.partition("=")
        if sep and local.strip() and remote.strip():
            pairs.append((str(Path(local.strip()).resolve()), remote.strip()))
    return sorted(pairs, key=lambda p: -len(p[0]))


def _plain(table: pa.Table) -> pa.Table:
    """Drop Spark's field metadata and NOT NULL flags: the schema DuckDB's path returns."""
    return table.cast(pa.schema([pa.field(f.name, f.type) for f in table.schema]))


def _friendly(e: Exception) -> str:
    msg = str(e).strip().split("\n")[0]
    condition = getattr(e, "getCondition", None) or getattr(e, "getErrorClass", None)
    cls = condition() if callable(condition) else None
    if (cls and "OUT_OF_MEMORY" in cls) or "OutOfMemoryError" in msg:
        return "The query needed more memory than Spark has; try a filter or a coarser grain."
    return f"Spark could not compute this ({msg[:300]})."
