"""Benchmarks: uxcx against hand-written DuckDB SQL and pandas on the same data, in the same run.

Modules: ``generator`` (seeded N-row datasets), ``peers`` (the DuckDB and pandas implementations
of the 14 metrics), ``cases`` (the figures and their goals), ``runner`` (timing, table, JSON),
``browser`` (the app figures; not part of ``make test``). ``benchmarks/run.py`` is ``make bench``.

Keep this file free of imports: the peers run as ``python -m benchmarks.peers.…`` and their start-up
is part of what is measured.
"""
