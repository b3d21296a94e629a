"""The browser benchmark's floor: the least a Streamlit page can be (one title, one metric).

`python -m benchmarks.browser` serves this with the same harness as the app (same server
options, same .streamlit/config.toml), so its time to idle is Streamlit's own share of a view.
"""

import streamlit as st

st.set_page_config(page_title="floor", layout="wide")
st.title("Floor")
st.metric("A metric", "42", help="A help popover, as every tile has.")
