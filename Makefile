# make demo  - set up .venv and run the main demo
# make test  - set up .venv and run lint, type checks, the tests and the notebooks
# make bench - the benchmarks in bench/ (needs the bench extra: micrograd; torch if installed)
# make bench-instructions - the 1e5 chain's instructions and cache misses per node under cachegrind (needs valgrind)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
EXTRAS ?= dev
WITH_TORCH ?= 0
comma := ,
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))

.PHONY: demo test lint pytest bench bench-instructions setup system clean

setup: $(STAMP)

system:
	@PYTHON=$(PYTHON) sh tools/ensure-system-deps.sh

$(STAMP): pyproject.toml | system
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[$(EXTRAS)]"
	@if [ "$(WITH_TORCH)" = 1 ]; then \
		$(PY) -m pip install -q --timeout 20 --retries 1 --index-url https://download.pytorch.org/whl/cpu torch==2.13.0 \
		|| $(PY) -m pip install -q torch==2.13.0 \
		|| echo "note: torch==2.13.0 could not be installed; its oracle tests will be skipped"; \
	fi
	@touch $(STAMP)

demo: setup system
	$(PY) -m nn train --dataset spiral --hidden 16,16 --optimizer adam --epochs 300 --out runs/spiral

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

pytest: setup system
	$(PY) -m pytest -n 2 tests --nbmake notebooks

test: lint pytest

bench: setup
	$(PY) -m pip install -q -e ".[bench]"
	$(PY) bench/run_all.py

bench-instructions: setup
	$(PY) -m pip install -q -e ".[bench]"
	$(PY) bench/instructions.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
