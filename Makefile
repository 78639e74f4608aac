# Two commands do all the set-up (see README.md):
#   make run    the monthly run for the latest complete month on the embedded sample data
#   make test   the whole test suite (unit, property, notebook and browser tests)
# Both create .venv and install what is missing first, and are safe to repeat.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SAMPLE := data/sample/.complete
SYSTEM_PACKAGES := fonts-wqy-microhei chromium

.PHONY: run test setup system-deps sample-data lab views lint format benchmark clean

run: setup $(SAMPLE)
	$(BIN)/sales-analytics run

test: setup
	$(BIN)/python -m pytest -m "" -n 2 --dist loadfile --nbval-lax tests sales_analytics notebooks

setup: $(STAMP) system-deps

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,dev]"
	@touch $(STAMP)

# A CJK font for charts and Chromium for the browser tests come from Debian's
# packages. As root they are installed; otherwise the missing ones are named.
system-deps:
	@missing=""; \
	for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "WARNING: missing system packages:$$missing"; \
	    echo "  install them with: sudo apt-get install$$missing"; \
	    echo "  (charts need a CJK font; browser tests need chromium)"; \
	  fi; \
	fi

$(SAMPLE): $(STAMP)
	$(BIN)/sales-analytics sample-data --size standard --out data/sample

sample-data: $(SAMPLE)

lab: setup $(SAMPLE)
	$(BIN)/jupyter lab notebooks/ $$([ "$$(id -u)" = 0 ] && echo --allow-root)

views: setup
	$(BIN)/sales-analytics serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

benchmark: setup
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
