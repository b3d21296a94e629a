"""Shared Streamlit view pieces (sidebar, tiles, role editor) used by the thin pages."""
