# The two commands of the README: `make run` (start everything) and `make test` (run the tests).
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_RTSP_PORT ?= 8554
PYTEST_ARGS ?=

.PHONY: run demo test install install-dev schema

run: install
	$(PY) manage.py runall --host $(HOST) --port $(PORT)

demo: install
	$(PY) manage.py runall --host $(HOST) --port $(PORT) --demo --demo-rtsp-port $(DEMO_RTSP_PORT)

test: install-dev
	$(PY) -m pytest -n auto --dist loadfile $(PYTEST_ARGS)

install:
	@scripts/bootstrap.sh runtime

install-dev:
	@scripts/bootstrap.sh dev

schema: install
	$(PY) manage.py spectacular --validate --file schema.yaml
