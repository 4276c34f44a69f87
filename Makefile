# The two commands of the README: `make demo` and `make test`.
# Both create .venv with python3 -m venv and install the pinned set into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench samples clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/crisis-kit demo

test: $(STAMP)
	$(BIN)/ruff check crisis_kit tests bench
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n auto -q
	@# the three notebooks run cell by cell on the bundled sample (nbval, lax: errors fail, outputs are not compared)
	$(BIN)/crisis-kit ingest data/samples/incident.yaml --quiet
	$(BIN)/python -m pytest --nbval-lax -p no:xdist -q notebooks

lint: $(STAMP)
	$(BIN)/ruff check crisis_kit tests bench
	$(BIN)/lint-imports

samples: $(STAMP)
	$(BIN)/python -m crisis_kit.samples data/samples

bench: $(STAMP)
	$(BIN)/python bench/small.py
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/analysis.py
	$(BIN)/python bench/report.py
	$(BIN)/python bench/explorer.py

clean:
	rm -rf $(VENV) reports/*.html reports/*.ipynb reports/*.json
