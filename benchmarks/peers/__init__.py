"""The peers uxcx is measured against: the 14 metrics written by hand, independent of uxcx's code.

``duck`` is hand-written DuckDB SQL (one scan, GROUPING SETS for overall and by segment);
``frame`` is the straightforward pandas version. Both turn their sufficient statistics into
estimates with ``ci`` (the published formulas in plain Python; no scipy import, so a peer's time
is its data engine's). Each runs as ``python -m benchmarks.peers.<name> FILE --by plan`` and
prints uxcx's JSON shape, or is called in-process (``run(path, by)``) for the value checks.
"""
