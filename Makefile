# rnnviz: `make run` starts the app, `make test` runs everything CI runs. Both set up .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check --quiet
PORT   ?= 8501
CHROMIUM ?= /usr/bin/chromium
# pip notes about optional local package folders are noise here; real errors still fail the step.
PIP_FILTER := 2>&1 | grep -v "is ignored: it is neither a file nor a directory" ; test $${PIPESTATUS[0]} -eq 0

SHELL := /bin/bash

.PHONY: run test lint unit app browser bench models plotly-bundle chromium system-packages docker install install-dev clean

# As soon as the server answers, the script health check runs the app once: it warms the process up.
run: $(VENV)/.installed
	@curl --silent --output /dev/null --noproxy '*' --retry 120 --retry-delay 1 --retry-connrefused \
		http://127.0.0.1:$(PORT)/_stcore/script-health-check &
	$(PY) -m streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

test: $(VENV)/.installed-dev system-packages lint
	$(PY) -m pytest tests

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

unit: $(VENV)/.installed-dev
	$(PY) -m pytest tests/unit

app: $(VENV)/.installed-dev
	$(PY) -m pytest tests/app

browser: $(VENV)/.installed-dev system-packages
	$(PY) -m pytest tests/browser

# Retrain the reference models shipped in assets/models (deterministic: on the same kind of CPU the same files;
# on another, whose kernels round differently, the cards' numbers within 3 %, tests/unit/test_reference_models.py).
models: $(VENV)/.installed
	$(PY) -m rnnviz.reference.build

# Rebuild the plotly.js bundle the charts load (rnnviz/ui/common/browser/plotly-scatter-bar-heatmap.min.js) from
# frontend/plotly_bundle/: needs node and npm. The built file is committed: running and testing need neither.
plotly-bundle:
	cd frontend/plotly_bundle && npm ci --no-audit --no-fund && node build.mjs

bench: $(VENV)/.installed-dev chromium
	@for script in benchmarks/bench_*.py; do echo "== $$script"; PYTHONPATH=. $(PY) $$script || exit 1; done

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(VENV)/bin/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11 is required (python3.11 not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt pyproject.toml | $(VENV)/bin/python
	$(PIP) install --upgrade pip $(PIP_FILTER)
	$(PIP) install -r requirements.txt $(PIP_FILTER)
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PIP) install -r requirements-dev.txt $(PIP_FILTER)
	touch $@

# Debian packages the tests need, installed when missing (as root): chromium (browser tests and the
# first-load benchmark; playwright cannot download browsers here), fonts-noto-cjk (Chinese, Japanese and Korean
# text in the browser, where PNG/SVG exports are drawn) and haproxy (the load-balancer test of deploy/haproxy/haproxy.cfg).
DEBIAN_PACKAGES := chromium fonts-noto-cjk haproxy

system-packages:
	@missing=""; for package in $(DEBIAN_PACKAGES); do \
		if [ $$package = chromium ] && [ -x "$(CHROMIUM)" ]; then continue; fi; \
		dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "ok installed" || missing="$$missing $$package"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's$$missing (needed by the tests)…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null \
		|| { echo "apt-get could not install$$missing"; exit 1; }; \
	else \
		echo "Missing Debian packages:$$missing; they cannot be installed without root:"; \
		echo "  sudo apt-get install -y$$missing"; exit 1; \
	fi

chromium: system-packages

# The container image (Dockerfile): needs a running Docker daemon; says so plainly when there is none.
IMAGE ?= rnnviz:latest
docker:
	@command -v docker >/dev/null || { echo "make docker: the docker command is not installed here; nothing was built."; exit 1; }
	@docker info >/dev/null 2>&1 || { echo "make docker: no Docker daemon answers (docker info failed); nothing was built."; exit 1; }
	docker build --tag $(IMAGE) .
	@docker image ls $(IMAGE) --format 'built {{.Repository}}:{{.Tag}}, {{.Size}}'

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
