"""Data sources: upload exports or start from the sample data; check roles; see every metric."""

import streamlit as st

from ui import auth, cache
from ui.joins import render_join_summary
from ui.limits import MAX_UPLOAD_MB
from ui.roles_editor import render_roles_editor
from ui.routes import OVERVIEW_PAGE
from ui.share import owner_url
from ui.state import (
    current_handle,
    ensure_app_frame,
    is_viewer,
    load_dataset,
    owner_link_saved,
    owner_link_unsaved,
)
from ui.tables import render_metric_table
from ui.uploads import Progress, saved_uploads
from uxcx.store import SAMPLE_ID, Dataset

ensure_app_frame()

if is_viewer():
    # Not in a viewer's menu (app.py sends them on to the link's page); if this page runs anyway,
    # a refused link gets its own page from the gate, and a granted one no uploader.
    current_handle()
    st.title("Shared view")
    st.info("This is a shared, read-only view: uploading and adding files is for its owner.")
    st.stop()

st.title("UX and CX, side by side")
st.markdown(
    "Upload exports from your survey tool, usability studies and CRM/billing system "
    "(CSV, TSV, Excel, Parquet or SPSS). Files that share a key (a **customer id**, an order "
    "id, an e-mail…) are linked on it. "
    "Everything is computed with a 95% confidence interval and its n."
)

left, right = st.columns([3, 2], gap="large")
with left:
    files = st.file_uploader(
        "Upload one or more files",
        type=["csv", "tsv", "txt", "parquet", "xlsx", "sav", "zsav", "por"],
        accept_multiple_files=True,
        max_upload_size=MAX_UPLOAD_MB,
        key="uploads",
        help="Survey exports (NPS, CSAT, CES, SUS), usability-study results, CRM churn tables.",
    )
    current = current_handle()
    loaded = current.dataset if current is not None else None
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


if use_sample:
    load_dataset(
        lambda p: cache.workspace().sample_dataset(progress=p), "Preparing the sample data"
    )
if load and files:
    owner = auth.current_user() or ""
    root = cache.workspace().root

    def _add(p: Progress) -> Dataset:
        # Copied to disk a few MB at a time (progress by bytes), never held twice in memory.
        with saved_uploads(files, root, p) as (payload, rest):
            return cache.workspace().extend_dataset(loaded, payload, progress=rest, owner=owner)

    def _create(p: Progress) -> Dataset:
        with saved_uploads(files, root, p) as (payload, rest):
            return cache.workspace().create_dataset(payload, progress=rest, owner=owner)

    if add and loaded is not None:
        load_dataset(_add, f"Adding {len(files)} file(s) to {loaded.name}", announce=True)
    else:
        load_dataset(_create, f"Reading {len(files)} file(s)", announce=True)

if current is None:
    st.stop()
ds = current.dataset  # a load above reruns the script, so this is the current dataset

st.divider()
if owner_link_unsaved(ds):
    st.success(
        "**Keep this link: it is your key to this dataset.** Bookmark it or save it somewhere "
        "safe; anyone who has it can change roles and share. To show others a read-only view, "
        "use *Share a read-only link* in the sidebar.",
        icon=":material/key:",
    )
    st.code(owner_url(ds), language=None, wrap_lines=True)
    st.button("I have saved it", key="owner_link_saved", on_click=owner_link_saved)
st.subheader(f"Loaded: {ds.name}")
st.page_link(OVERVIEW_PAGE, label="Open the Overview: UX vs CX side by side", icon="🧭")
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
render_join_summary(ds)

st.subheader("What each column means")
render_roles_editor(current, key="upload_roles")

st.subheader("Every metric this data supports")
with st.spinner("Computing metrics …"):
    results, missing = cache.metrics(ds)
render_metric_table(results, missing)
st.page_link(OVERVIEW_PAGE, label="Open the Overview: UX vs CX side by side", icon="🧭")
