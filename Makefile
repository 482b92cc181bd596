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
	$(BIN)/python -m pip install --quiet -e '.[test,parquet,report]' -e examples/plugin-template
	touch $(STAMP)

# The report goes into its own folder: every command replaces its output folder as a whole (all or nothing),
# so `zhishu report` into out/caict-2023 would remove the tables `zhishu run` wrote there.
demo: $(STAMP)
	$(BIN)/zhishu run configs/caict-2023.toml -o out/caict-2023 --top 15
	$(BIN)/python -c "import sys, zhishu, zhishu_report; r = zhishu.run_config(zhishu.load_config(sys.argv[1])); print('report:', zhishu_report.report(r, sys.argv[2]))" configs/caict-2023.toml out/caict-2023-report

test: $(STAMP)
	$(BIN)/python -m pytest -q tests examples/plugin-template/tests

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
