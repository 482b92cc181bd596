# Two commands on a fresh machine with Python 3.11 and make: `make demo` and `make test`.
# Each bootstraps .venv on first use and reinstalls only when pyproject.toml changes.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench clean

$(STAMP): pyproject.toml examples/plugin-template/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,parquet]' -e examples/plugin-template
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/zhishu run configs/caict-2023.toml -o out/caict-2023 --top 15

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 tests examples/plugin-template/tests

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
