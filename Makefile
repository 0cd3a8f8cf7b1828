# Two entry points for a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean messages

# Installing says what it does (plain lines, then pip's own quiet output) so that a first `make run`
# does not look stuck.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || { echo "bayplan: creating the virtual environment in $(VENV) (first run only)…"; \
		$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV); }
	@echo "bayplan: installing packages into $(VENV) (a few minutes on first run)…"
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e '.[dev]'
	@echo "bayplan: compiling the translations (scheduler/locale/*/LC_MESSAGES/messages.mo)…"
	@$(BIN)/python -m scheduler.catalogs
	@echo "bayplan: installed."
	@touch $(STAMP)

run: $(STAMP)
	@echo "bayplan: planning tomorrow for dealer-2011…"
	$(BIN)/bayplan plan

# The storage tests also run against a throwaway PostgreSQL server, the page tests in Debian's
# Chromium (each skipped, and said so, if it cannot be had). Two pytest-xdist workers (one per core;
# `make test TEST_WORKERS=0` runs serially); tests/conftest.py keeps the end-to-end tests on one
# worker and gives each worker its own databases. Bytecode is written even where the environment
# sets PYTHONDONTWRITEBYTECODE: else each pytest process and each `bayplan serve` it starts compiles
# the code and rewrites the tests' assertions again (bench/RESULTS-suitespeed-s37.md; __pycache__/
# is in .gitignore).
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/lint-imports --no-cache
	scripts/chromium.sh >/dev/null || true
	BAYPLAN_TEST_PG_URL="$$(scripts/postgres.sh || true)" env -u PYTHONDONTWRITEBYTECODE \
		$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadscope

lint: $(STAMP)
	$(BIN)/lint-imports --no-cache
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Re-extract the human texts (babel.cfg: api/, cli/, templates and the modules that mark texts) and
# merge them into the catalogs; then fill in each new msgstr in scheduler/locale/zh_CN/LC_MESSAGES/
# messages.po (tests/api/test_i18n.py fails until every one has a translation); then the .mo files
# are compiled again.
messages: $(STAMP)
	@mkdir -p build
	$(BIN)/pybabel extract -F babel.cfg -k N_ --sort-by-file --project bayplan -o build/messages.pot .
	$(BIN)/pybabel update -i build/messages.pot -d scheduler/locale -D messages --no-fuzzy-matching --ignore-obsolete -w 110
	$(BIN)/python -m scheduler.catalogs

bench: $(STAMP)
	$(BIN)/python -m bench.planners

clean:
	rm -rf $(VENV) build *.egg-info
