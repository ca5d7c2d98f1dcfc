# The README's commands. Everything sets itself up from a bare Python 3.11+.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO_DB ?= demo.sqlite3
EXAMPLE ?= examples/parc-extension.yaml

.PHONY: demo test check lint typecheck imports unit bench load catalogue mutation clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## make demo: a fresh SQLite database with the Parc-Extension example and one account per role,
## then the admin on http://127.0.0.1:5000/ (Ctrl-C stops)
DEMO_HOST ?= 127.0.0.1
DEMO_PORT ?= 5000
FT_DEMO := $(BIN)/fundtrack --database sqlite:///$(DEMO_DB)
demo: $(STAMP)
	rm -f $(DEMO_DB)
	$(FT_DEMO) init
	$(FT_DEMO) load $(EXAMPLE)
	@echo demo-treasurer   | $(FT_DEMO) user create tresoriere@parc-ex.example   --role treasurer   --name "Trésorière (démo)"
	@echo demo-coordinator | $(FT_DEMO) user create coordination@parc-ex.example --role coordinator --name "Coordination (démo)"
	@echo demo-board       | $(FT_DEMO) user create ca@parc-ex.example           --role board       --name "Conseil d'administration (démo)"
	@echo demo-funder      | $(FT_DEMO) user create centraide@parc-ex.example    --role funder      --name "Centraide (démo)" \
	  --funder "Centraide du Grand Montréal"
	@echo
	@echo "Demo accounts (email / password):"
	@echo "  treasurer    tresoriere@parc-ex.example    demo-treasurer"
	@echo "  coordinator  coordination@parc-ex.example  demo-coordinator"
	@echo "  board        ca@parc-ex.example            demo-board"
	@echo "  funder       centraide@parc-ex.example     demo-funder   (Centraide du Grand Montréal)"
	@echo
	$(FT_DEMO) serve --host $(DEMO_HOST) --port $(DEMO_PORT)

## make test: every check CI runs; pytest in one process per core (TEST_WORKERS=0: in this one),
## each test file's tests in the same process
TEST_WORKERS ?= auto
test: check
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

check: lint typecheck imports

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest tests/unit

## make catalogue: compile the .po catalogues (fundtrack/locale) into the .mo files read at run time
catalogue: $(STAMP)
	$(BIN)/python -m fundtrack.i18n_tools
	$(BIN)/pybabel compile -q -d admin_app/translations -D admin -l fr

## make bench: each figure against a baseline doing the same work, checked to give the same
## output first; median ratio of interleaved pairs (min–median–max), the goal, meets/misses.
## FUNDTRACK_BENCH_FULL=1 adds 1,000,000 rows; FUNDTRACK_BENCH_POSTGRES_URL names the server
## (default postgresql://postgres@127.0.0.1:5432/postgres); FUNDTRACK_BENCH_ROUNDS (≥ 7).
BENCH_RESULTS ?= bench/.cache/results.jsonl
bench: $(STAMP)
	@mkdir -p bench/.cache && rm -f $(BENCH_RESULTS)
	@for f in bench/bench_*.py; do echo "== $$f"; FUNDTRACK_BENCH_RESULTS=$(BENCH_RESULTS) $(BIN)/python $$f || exit 1; done
	@$(BIN)/python bench/summary.py $(BENCH_RESULTS)

## make load: the admin's expense list page by page (its time and SQL statements at each page
## size), then the admin under 50 concurrent users (waitress on SQLite and PostgreSQL, gunicorn on
## PostgreSQL): each page's p95 against its aim in milliseconds, no error, no write lost, the SQL
## statements per page constant. Absolute times of this machine, not ratios: not part of make bench.
load: $(STAMP)
	$(BIN)/python bench/load_expense_list.py
	$(BIN)/python bench/load_admin.py

## make mutation: mutation testing of the money core (money, periods, charging, taxes, payroll)
## against tests/unit, then the score per module against 95 % (equivalent mutants:
## tests/mutation-equivalent.txt). Long (not part of make test). One module:
## make mutation MODULE=fundtrack/calc/payroll.py; MUTATION_CHILDREN sets the processes (2).
MODULE ?=
MUTATION_CHILDREN ?= 2
mutation: $(STAMP)
	rm -rf mutants
	$(BIN)/mutmut run --max-children $(MUTATION_CHILDREN) $(if $(MODULE),"$(subst /,.,$(MODULE:.py=)).*")
	$(BIN)/python tools/mutation_report.py $(MODULE)

clean:
	rm -rf mutants $(VENV) $(DEMO_DB) .pytest_cache .mypy_cache .ruff_cache .hypothesis
