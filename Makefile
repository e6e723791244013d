# stalkflag: the two commands in README.md are `make demo` and `make test`.
# Everything is installed into project-local folders: .tools (uv) and .venv (the locked env).
PYTHON ?= python3.11
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Use the machine's CA bundle where there is one (some networks re-sign TLS).
ifneq ($(wildcard /etc/ssl/certs/ca-certificates.crt),)
export SSL_CERT_FILE ?= /etc/ssl/certs/ca-certificates.crt
endif
DEMO_DIR ?= data/generated/demo
DEMO_N ?= 20000
DEMO_TRAIN_N ?= 20000
DEMO_UNSEEN_N ?= 8000

CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: setup demo test lint clean java

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

$(CHROMIUM):  ## Debian's Chromium, for the report's and the review page's browser tests
	$(SUDO) apt-get install -y --no-install-recommends chromium chromium-driver \
		|| ($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium chromium-driver)

java:  ## a Java runtime for PySpark (--engine spark and its tests), from Debian when missing
	@command -v java >/dev/null || $(SUDO) apt-get install -y --no-install-recommends default-jre-headless \
		|| ($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends default-jre-headless)

setup: $(VENV)/.synced $(CHROMIUM) java  ## install the locked environment, Debian's Chromium and a Java runtime

demo: setup  ## generate a synthetic export; validate, summarise, link it; train a model; score the export
	$(VENV)/bin/stalkflag synth --n-incidents $(DEMO_N) --seed 2026 --out $(DEMO_DIR)/incidents.csv
	$(VENV)/bin/stalkflag validate $(DEMO_DIR)/incidents.csv --rejects $(DEMO_DIR)/incidents.rejects.csv --show 5
	$(VENV)/bin/stalkflag summary $(DEMO_DIR)/incidents.csv
	$(VENV)/bin/stalkflag link $(DEMO_DIR)/incidents.csv --out $(DEMO_DIR)/linked
	$(VENV)/bin/stalkflag train --config pipelines/train.yaml data.synthetic.n_incidents=$(DEMO_TRAIN_N) data.synthetic.n_unseen=$(DEMO_UNSEEN_N) --card $(DEMO_DIR)/MODEL_CARD.md
	$(VENV)/bin/stalkflag score $(DEMO_DIR)/incidents.csv --out $(DEMO_DIR)/scored
	rm -f $(DEMO_DIR)/review.db
	$(VENV)/bin/stalkflag review import $(DEMO_DIR)/scored --db sqlite:///$(DEMO_DIR)/review.db
	@echo "Review the flagged cases: $(VENV)/bin/stalkflag users add admin --role admin --db sqlite:///$(DEMO_DIR)/review.db"
	@echo "  then: $(VENV)/bin/stalkflag serve --db sqlite:///$(DEMO_DIR)/review.db --model models:/stalkflag@champion  (http://127.0.0.1:8000/)"

test: setup  ## run the whole test suite (pytest exits non-zero when no test ran)
	$(VENV)/bin/python -m pytest

lint: setup
	$(VENV)/bin/ruff check stalkflag tests experiments
	$(VENV)/bin/ruff format --check stalkflag tests experiments
	$(VENV)/bin/mypy stalkflag  # clean as of this commit

clean:
	rm -rf .venv .tools data/generated .pytest_cache
