# Uptake — `make run` serves the app with a demo organisation; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
FLASK  := $(BIN)/flask --app wsgi

.PHONY: run test install install-dev migrate demo bench bench-load bench-cluster bench-views bench-crm security api-fuzz clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found); set PYTHON=..." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) content load
	$(FLASK) demo load
	$(FLASK) skills fit
	$(FLASK) demo crm
	$(FLASK) skills history

run: demo
	@echo ""
	@echo "Uptake is starting on http://127.0.0.1:$(PORT)/  — sign in with a demo account above."
	@echo ""
	@# the background worker (sweeps, daily refresh, calibration) runs beside the web server and stops with it
	$(FLASK) worker run & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/gunicorn --workers 2 --threads 4 --bind 127.0.0.1:$(PORT) --access-logfile - wsgi:app

# three workers on this 2-core machine (the browser tests wait on Chromium, a process of its own), each
# with its own database (tests/conftest.py); work stealing keeps the long browser tests off the tail:
# 8 min 19 s here against 9 min 53 s with two workers sharing the tests out at the start (2026-12-04)
PYTEST_WORKERS ?= 3
test: install-dev
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

security: install-dev
	$(BIN)/bandit -q -r app quizzes simulations config.py wsgi.py

# schemathesis against /api/v1/openapi.json on a live gunicorn server on 127.0.0.1 (any finding fails)
api-fuzz: install-dev
	$(BIN)/python scripts/api_fuzz.py

# DATA=path/to/dataset evaluates any responses.csv + qmatrix.csv folder (default: the shared ECPE data);
# FORGETTING_DATA=path a timestamped one (default: the shared PIE pilot, three occasions).
DATA ?= ../shared/data/ecpe
FORGETTING_DATA ?= ../shared/data/pie_pilot
bench: install-dev
	@if [ -d "$(DATA)" ]; then $(BIN)/python -m bench.evaluate $(DATA); else echo "no data set at $(DATA) (set DATA=...)"; fi
	$(BIN)/python -m bench.synthetic
	@if [ -d "$(FORGETTING_DATA)" ]; then $(BIN)/python -m bench.forgetting $(FORGETTING_DATA) --order baseline,midway,end_of_unit; \
	else echo "no timestamped data set at $(FORGETTING_DATA) (set FORGETTING_DATA=...)"; fi

# 200 trainees against gunicorn on 127.0.0.1 (about 2 minutes); DATABASE_URL=postgresql://… to use PostgreSQL.
bench-load: install-dev
	$(BIN)/python -m bench.load $(if $(DATABASE_URL),--database-url $(DATABASE_URL),)

# Two app servers behind a round-robin proxy, one database, the worker on its own (about 2 minutes).
bench-cluster: install-dev
	$(BIN)/python -m bench.cluster $(if $(DATABASE_URL),--database-url $(DATABASE_URL),)

# Trainer heatmap, unit plan and adoption dashboard for 5,000 trainees with 1,000,000 responses (about a minute).
bench-views: install-dev
	$(BIN)/python -m bench.views

# Recovery of who does not apply which skill from generated CRM exports, and a 1,000,000-row event log import.
bench-crm: install-dev
	$(BIN)/python -m bench.crm $(if $(DATABASE_URL),--database-url $(DATABASE_URL),)

clean:
	rm -rf $(VENV) .pytest_cache
