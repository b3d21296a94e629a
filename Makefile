# Two commands matter: `make run` (the app on the sample data) and `make test` (every test).
# Both create or refresh .venv from requirements.lock by themselves.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.uxcx-installed

.PHONY: run test lint format bench sample clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP)
	UXCX_DEFAULT_DATASET=sample $(PY) -m streamlit run app.py

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
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
