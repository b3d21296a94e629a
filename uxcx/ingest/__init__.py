"""Turn an uploaded CSV, TSV, Excel or Parquet file into Parquet that uxcx wrote itself.

``ingest_file`` (in ``supervisor``) runs the parsing in a capped worker process
(``python -m uxcx.ingest.worker``). Importing this package loads only the supervisor side, no
DuckDB, pandas or pyarrow: the worker's modules are imported by the worker process alone.
"""

from .result import MAX_KEPT, IngestError, IngestResult, format_size, memory_message
from .supervisor import allow_in_process, ingest_file, link_parquet

__all__ = [
    "MAX_KEPT",
    "IngestError",
    "IngestResult",
    "allow_in_process",
    "format_size",
    "ingest_file",
    "link_parquet",
    "memory_message",
]
