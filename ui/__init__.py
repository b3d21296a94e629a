"""The Streamlit layer: state, the one cache, renderers and routes shared by the thin pages."""
