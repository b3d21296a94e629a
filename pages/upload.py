"""Data sources: upload exports or start from the sample data; check roles; see every metric."""

import streamlit as st

from uxcx import app_state
from uxcx.ingest import IngestError
from uxcx.store import SAMPLE_ID
from views.metric_table import render_metric_table
from views.roles_editor import render_roles_editor

app_state.ensure_app_frame()

MAX_UPLOAD_MB = 200

st.title("UX and CX, side by side")
st.markdown(
    "Upload exports from your survey tool, usability studies and CRM/billing system "
    "(CSV, TSV, Excel or Parquet). Files that share a **customer id** are joined on it. "
    "Everything is computed with a 95% confidence interval and its n."
)

left, right = st.columns([3, 2], gap="large")
with left:
    files = st.file_uploader(
        "Upload one or more files",
        type=["csv", "tsv", "txt", "parquet", "xlsx"],
        accept_multiple_files=True,
        max_upload_size=MAX_UPLOAD_MB,
        key="uploads",
        help="Survey exports (NPS, CSAT, CES, SUS), usability-study results, CRM churn tables.",
    )
    loaded = app_state.current_dataset()
    # Adding to the sample would mix fictional and real data, so it is offered for uploads only.
    add = (
        loaded is not None
        and loaded.id != SAMPLE_ID
        and st.checkbox(
            f"Add to the loaded data ({loaded.name}) instead of starting a new dataset",
            key="add_to_dataset",
            help="Makes a new dataset with the loaded files plus these; the old link keeps working.",
        )
    )
    load = st.button("Load files", type="primary", disabled=not files, key="load_files")
with right:
    st.markdown("**No files at hand?**")
    st.caption(
        "The sample data is a fictional SaaS company, Acme: 3,000 customers with surveys, "
        "usability tests and product analytics, with real effects built in."
    )
    use_sample = st.button("Use the sample data", key="use_sample")


def _ingest(make_dataset, label: str) -> None:
    with st.status(label, expanded=True) as status:
        bar = st.progress(0.0)

        def progress(fraction: float, message: str) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text=message)

        try:
            ds = make_dataset(progress)
        except IngestError as e:
            status.update(label="The file could not be read", state="error")
            st.error(str(e))
            return
        status.update(label=f"Loaded {ds.name}", state="complete", expanded=False)
    app_state.set_dataset(ds)
    st.rerun()


if use_sample:
    _ingest(lambda p: app_state.workspace().sample_dataset(progress=p), "Preparing the sample data")
if load and files:
    payload = [(f.name, f.getvalue()) for f in files]
    if add and loaded is not None:
        _ingest(
            lambda p: app_state.workspace().extend_dataset(loaded, payload, progress=p),
            f"Adding {len(payload)} file(s) to {loaded.name}",
        )
    else:
        _ingest(
            lambda p: app_state.workspace().create_dataset(payload, progress=p),
            f"Reading {len(payload)} file(s)",
        )

ds = loaded  # a load above reruns the script, so this is the current dataset
if ds is None:
    st.stop()

st.divider()
st.subheader(f"Loaded: {ds.name}")
st.page_link("pages/overview.py", label="Open the Overview: UX vs CX side by side", icon="🧭")
for t in ds.tables:
    ingest = t.ingest or {}
    line = f"**{t.file}** · {t.rows:,} rows"
    if t.rejected_rows:
        line += f" · :orange[{t.rejected_rows:,} rejected]"
    st.markdown(line)
    notes = ingest.get("notes") or []
    rejects = ingest.get("rejects") or []
    if notes or rejects:
        with st.expander(f"What uxcx did with {t.file}"):
            for n in notes:
                st.markdown(f"- {n}")
            if rejects:
                st.markdown(f"**Rejected rows** ({t.rejected_rows:,}): line number and reason")
                st.dataframe(rejects, hide_index=True, width="stretch")

st.subheader("What each column means")
render_roles_editor(ds, key="upload_roles")

st.subheader("Every metric this data supports")
with st.spinner("Computing metrics …"):
    results, missing = app_state.metrics(ds)
render_metric_table(results, missing)
st.page_link("pages/overview.py", label="Open the Overview: UX vs CX side by side", icon="🧭")
