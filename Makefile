# Two commands matter: `make run` (the app on the sample data) and `make test` (every test).
# Both create or refresh .venv from requirements-dev.lock (runtime + dev tools) by themselves.
# `make install-runtime VENV=/path` installs only requirements.lock (a server or Docker image);
# `make lock` regenerates both locks from pyproject.toml.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.uxcx-installed

.PHONY: run test lint format bench sample clean install-runtime lock

# The locks carry every package, setuptools included (the --no-build-isolation install below needs
# it), each with its hashes; the package itself goes in without dependencies.
$(STAMP): requirements-dev.lock requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --require-hashes -r requirements-dev.lock
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	# An editable install has no bytecode, and PYTHONDONTWRITEBYTECODE=1 (this machine's setting)
	# keeps Python from writing it: without this every `uxcx` command recompiles ~50 modules.
	$(PY) -m compileall -q uxcx >/dev/null
	touch $(STAMP)

# Runtime only (no pytest, playwright, mypy, pyspark...). Into .venv it drops the stamp, so the next
# `make test` puts the dev tools and the editable install back.
install-runtime:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --require-hashes -r requirements.lock
	$(PY) -m pip install -q --no-deps --no-build-isolation .
	rm -f $(STAMP)

# uv resolves the locks but is no project dependency: `make lock` keeps a pinned copy outside the
# tree. uv prefers the versions already in each output file, so pins move only when a range in
# pyproject.toml forces it; `make lock UV_FLAGS=--upgrade` moves everything to the newest allowed.
# The dev lock is constrained by the runtime lock, so both agree on every shared pin. setuptools
# (the build backend, not a dependency) is fed in on stdin so that both locks pin it.
UV_VERSION := 0.13.9
UVENV ?= /tmp/uxcx-uv-$(UV_VERSION)
UV := $(UVENV)/bin/uv
UV_FLAGS ?=
LOCK_FLAGS := --generate-hashes --python-version 3.11 --python-platform linux $(UV_FLAGS)

lock:
	test -x $(UV) || { $(PYTHON) -m venv $(UVENV) && $(UVENV)/bin/pip install -q uv==$(UV_VERSION); }
	printf 'setuptools>=68\n' | $(UV) pip compile pyproject.toml - $(LOCK_FLAGS) \
		-o requirements.lock
	printf 'setuptools>=68\n' | $(UV) pip compile pyproject.toml - --extra dev \
		-c requirements.lock $(LOCK_FLAGS) -o requirements-dev.lock
	sed -i '2a # `make lock` runs the command above (setuptools>=68 on stdin) and adds these lines. Runtime only:\
	# make install-runtime, or pip install --require-hashes -r requirements.lock.' requirements.lock
	sed -i '2a # `make lock` runs the command above (setuptools>=68 on stdin) and adds these lines. Runtime + dev\
	# tools, pinned to the same versions as requirements.lock: `make` installs it into .venv.' requirements-dev.lock

run: $(STAMP)
	UXCX_DEFAULT_DATASET=sample $(PY) -m streamlit run app.py

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest -n 2 --timeout 600

lint: $(STAMP)
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff format . && $(PY) -m ruff check --fix .

bench: $(STAMP)
	$(PY) benchmarks/run.py

sample: $(STAMP)
	$(PY) -m uxcx.sample sample_data

clean:
	rm -rf $(VENV) workspace .pytest_cache
