# f2btune: `make demo` runs the main job on bundled data, `make test` runs the test suite.
# Both install what is missing first (tools/bootstrap.sh).
VENV := .venv
PY := $(VENV)/bin/python
F2BTUNE := $(VENV)/bin/f2btune
# the demo's input and options (the test suite runs it on a shrunk log)
DEMO_LOG ?= benchmarks/data/flood-small.log
DEMO_OPTS ?= --stage all --fast

.PHONY: all setup demo test deb clean

all: demo

setup:
	@sh tools/bootstrap.sh

demo: setup
	$(F2BTUNE) bench $(DEMO_LOG) $(DEMO_OPTS)

test: setup
	$(PY) -m pytest -ra tests

deb: setup
	sh tools/build-deb.sh

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
	find . -name __pycache__ -prune -exec rm -rf {} +
