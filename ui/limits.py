"""Limits the app enforces in more than one place, kept as one constant each."""

# The uploader's cap in MB. Streamlit's own cap is server.maxUploadSize in .streamlit/config.toml:
# the two must be equal (tests/test_app_share.py reads both), or one silently undercuts the other.
MAX_UPLOAD_MB = 2048
