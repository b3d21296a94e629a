"""Finished Vega-Lite specs: an Altair chart built once, stored as a plain dict, drawn many times.

Altair validates a chart against the Vega-Lite JSON schema and serialises its data every time it
is drawn; on a dashboard that redraws 18 charts per visit that was most of the server's time. A
spec made here is a dict whose inline datasets are already Arrow IPC bytes, so it can be cached
(pickled) and handed straight to a renderer that takes Vega-Lite (st.vega_lite_chart does).
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pyarrow as pa

Spec = dict[str, Any]


def _arrow_bytes(rows: list[dict[str, Any]]) -> bytes:
    """Records as one Arrow IPC stream (the form Streamlit ships chart data in)."""
    table = pa.Table.from_pylist(rows)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    data: bytes = sink.getvalue().to_pybytes()
    return data


def vega_spec(chart: alt.TopLevelMixin) -> Spec:
    """The chart as a Vega-Lite dict with its datasets as Arrow bytes (theme applied).

    Schema validation is skipped: every uxcx chart is built by this package's own functions,
    which tests validate (tests/test_charts.py), so it would only repeat the same check.
    """
    spec: Spec = chart.to_dict(validate=False)
    datasets = spec.get("datasets")
    if isinstance(datasets, dict):
        spec["datasets"] = {str(name): _arrow_bytes(rows) for name, rows in datasets.items()}
    return spec


def spec_rows(spec: Spec) -> dict[str, list[dict[str, Any]]]:
    """The datasets of a spec back as records (for tests and debugging)."""
    out = {}
    for name, data in (spec.get("datasets") or {}).items():
        out[name] = pa.ipc.open_stream(data).read_all().to_pylist()
    return out
