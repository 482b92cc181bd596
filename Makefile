# Two commands on a fresh machine with Python 3.11 and make: `make demo` and `make test`.
# Each bootstraps .venv on first use and reinstalls only when pyproject.toml changes.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test docs fuzz bench clean

$(STAMP): pyproject.toml examples/plugin-template/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,parquet,report,docs]' -e examples/plugin-template
	touch $(STAMP)

# `--report` adds report.html (the report plugin's exporter) to the same all-or-nothing output folder: a
# separate `zhishu report … -o out/caict-2023` would replace the tables `zhishu run` wrote there.
demo: $(STAMP)
	$(BIN)/zhishu run configs/caict-2023.toml -o out/caict-2023 --top 15 --report
	@echo "report: $(CURDIR)/out/caict-2023/report.html"

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 tests examples/plugin-template/tests

# The documentation site (README.md, CHANGELOG.md, docs/) into site/; strict: a broken link is an error.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

# The config fuzzer with a large budget: ZHISHU_FUZZ_MUTANTS mutants of every config (seed ZHISHU_FUZZ_SEED).
FUZZ_MUTANTS ?= 2000
fuzz: $(STAMP)
	ZHISHU_FUZZ_MUTANTS=$${ZHISHU_FUZZ_MUTANTS:-$(FUZZ_MUTANTS)} ZHISHU_FUZZ_CLI=$${ZHISHU_FUZZ_CLI:-10} \
		$(BIN)/python -m pytest -q -p no:cacheprovider tests/framework/test_fuzz_configs.py

# bytecode compiled first, as `pip install` does for a user (an editable install under PYTHONDONTWRITEBYTECODE
# would otherwise compile ~100 modules at every start of a timed process)
bench: $(STAMP)
	$(BIN)/python -m compileall -q framework plugins > /dev/null
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) out site .pytest_cache .hypothesis
