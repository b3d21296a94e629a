"""uxcx: UX metrics and CX metrics side by side, computed in DuckDB, with honest statistics."""

__version__ = "0.1.0"
