# Two commands on a fresh machine with Python 3.11 and make: `make demo` and `make test`.
# Each bootstraps .venv on first use and reinstalls only when pyproject.toml changes.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test fuzz bench clean

$(STAMP): pyproject.toml examples/plugin-template/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,parquet]' -e examples/plugin-template
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/zhishu run configs/caict-2023.toml -o out/caict-2023 --top 15

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 tests examples/plugin-template/tests

# The config fuzzer with a large budget: ZHISHU_FUZZ_MUTANTS mutants of every config (seed ZHISHU_FUZZ_SEED).
FUZZ_MUTANTS ?= 2000
fuzz: $(STAMP)
	ZHISHU_FUZZ_MUTANTS=$${ZHISHU_FUZZ_MUTANTS:-$(FUZZ_MUTANTS)} ZHISHU_FUZZ_CLI=$${ZHISHU_FUZZ_CLI:-10} \
		$(BIN)/python -m pytest -q -p no:cacheprovider tests/framework/test_fuzz_configs.py

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
