# uxcx server image: `docker build -t uxcx .` then `docker run -p 8501:8501 -v uxcx-data:/data uxcx`
# (or `docker compose up`). Runtime dependencies only, installed from the hash-locked file.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    UXCX_WORKSPACE=/data

WORKDIR /app
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

COPY pyproject.toml README.md app.py ./
COPY .streamlit ./.streamlit
COPY uxcx ./uxcx
COPY ui ./ui
COPY pages ./pages
COPY sample_data ./sample_data
RUN pip install --no-deps --no-build-isolation . \
    && useradd --create-home --uid 10001 uxcx \
    && mkdir -p /data && chown uxcx:uxcx /data

USER uxcx
VOLUME ["/data"]
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health').status != 200)"
CMD ["python", "-m", "streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501", "--server.headless=true"]
