# migrant-records: the two commands are `make demo` and `make test`.
#
# `make test` runs the suite on both pandas lines the library supports:
# - .venv: pandas 2 with the project's dev and recordlinkage extras (recordlinkage requires
#   pandas < 3); lint, mypy, docs run here too;
# - .venv-pandas3: pandas 3 with the project's test extra.
# After each install, tools/check_install.py asserts that the environment still has that
# pandas line and that a plain `pip install .` into it would keep that pandas.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.stamp-run
STAMP_DEV := $(VENV)/.stamp-dev
VENV_PANDAS3 ?= .venv-pandas3
BIN_PANDAS3 := $(VENV_PANDAS3)/bin
STAMP_PANDAS3 := $(VENV_PANDAS3)/.stamp-test

.PHONY: demo test lint typecheck pytest pytest-pandas3 docs bench bench-full bench-privacy browser java clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[plot]"
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet "pandas>=2.2,<3" -e ".[dev,recordlinkage,spark,fast]"
	$(BIN)/python tools/check_install.py 2
	touch $@ $(STAMP_RUN)

$(BIN_PANDAS3)/python:
	$(PYTHON) -m venv $(VENV_PANDAS3)
	$(BIN_PANDAS3)/python -m pip install --quiet --upgrade pip

$(STAMP_PANDAS3): pyproject.toml | $(BIN_PANDAS3)/python
	$(BIN_PANDAS3)/python -m pip install --quiet "pandas>=3,<4" -e ".[test]"
	$(BIN_PANDAS3)/python tools/check_install.py 3
	touch $@

# The Spark engine's tests (in .venv, which has the `spark` extra) need a Java 17 runtime.
java:
	@command -v java >/dev/null 2>&1 || [ -x "$$JAVA_HOME/bin/java" ] || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		openjdk-17-jre-headless; }

demo: $(STAMP_RUN)
	$(BIN)/migrant-records demo --out demo_output

lint: $(STAMP_DEV)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools

typecheck: $(STAMP_DEV)
	$(BIN)/mypy

browser: $(STAMP_DEV)
	-$(BIN)/python tools/ensure_browser.py

# The person-index tests also run against a throw-away PostgreSQL server that this starts
# (installing PostgreSQL with apt-get where missing) and stops when pytest ends.
pytest: $(STAMP_DEV) java browser
	$(BIN)/python tools/with_postgres.py $(BIN)/python -m pytest

# The same suite on pandas 3; tests that need recordlinkage or mkdocs skip with the reason.
pytest-pandas3: $(STAMP_PANDAS3) browser
	$(BIN_PANDAS3)/python -c "import pandas, sys; v = pandas.__version__; \
		sys.exit(None if v.startswith('3.') else f'{sys.prefix} has pandas {v}, not 3.x')"
	$(BIN_PANDAS3)/python -m pytest --basetemp=$(VENV_PANDAS3)/pytest-tmp

docs: $(STAMP_DEV)
	$(BIN)/mkdocs build --strict --site-dir site

# The machine has two cores: the two environments are built side by side, and the two pandas
# lines' suites run side by side (each suite's output is printed when it ends). The strict docs
# build is one of the tests (tests/test_docs.py), so it is not run a second time here.
test:
	$(MAKE) --no-print-directory -j2 $(STAMP_DEV) $(STAMP_PANDAS3)
	$(MAKE) --no-print-directory lint typecheck
	$(MAKE) --no-print-directory -j2 --output-sync=target pytest pytest-pandas3

bench: $(STAMP_DEV)
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	$(BIN)/python benchmarks/run.py --quick

bench-full: $(STAMP_DEV)
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	$(BIN)/python benchmarks/run.py

bench-privacy: $(STAMP_DEV)
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	$(BIN)/python benchmarks/bench_privacy.py

clean:
	rm -rf $(VENV) $(VENV_PANDAS3) site demo_output .pytest_cache .mypy_cache .ruff_cache
