# make run   - set everything up and start the server on HOST:PORT (default 127.0.0.1:8080)
# make test  - set everything up and run the whole test suite
# make bench - the benchmarks under bench/, printed as tables (under 10 minutes)
# make soak  - an hour of mixed traffic and sped-up scheduled captures; memory and files must stay flat
# make screenshots - the browser tests, saving their screenshots to docs/screenshots for the README
# make install - as root on the Pi: hambot in PREFIX/venv, the hambot user, /etc/hambot, systemd units, started
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
TESTING := $(VENV)/.testing
AXE := $(VENV)/axe-core-4.14.1.min.js

PREFIX ?= /opt/hambot
SYSTEM_PYTHON ?= /usr/bin/python3

.PHONY: run test bench soak screenshots check-config system-packages bench-packages clean install

run: $(INSTALLED)
	$(BIN)/hambot serve

test: $(TESTING) $(AXE) system-packages
	$(BIN)/python -m pytest

screenshots: $(TESTING) $(AXE) system-packages
	HAMBOT_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest tests/test_browser.py

bench: $(TESTING) bench-packages
	$(BIN)/python bench/live.py
	$(BIN)/python bench/history_scale.py
	$(BIN)/python bench/alert_cost.py
	$(BIN)/python bench/timelapse.py
	$(BIN)/python bench/upstream.py

soak: $(TESTING)
	$(BIN)/python bench/soak.py

check-config: $(INSTALLED)
	$(BIN)/hambot check-config

$(INSTALLED): pip_requirements.txt pyproject.toml
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || $(MAKE) --no-print-directory apt-python-venv
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r pip_requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --editable .
	touch $@

# The test and benchmark packages, on top of the runtime ones.
$(TESTING): tests/requirements.txt $(INSTALLED)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r pip_requirements.txt -r tests/requirements.txt
	touch $@

# The accessibility checker the browser tests inject, from the npm registry, checked against its sha512.
$(AXE): tests/axe_core.py $(TESTING)
	$(BIN)/python tests/axe_core.py

# Debian's python3 needs python3-venv before it can make a virtualenv.
.PHONY: apt-python-venv
apt-python-venv:
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-venv; \
	else echo "Please run: sudo apt-get install python3-venv" >&2; exit 1; fi

# Tools the tests run for real: shellcheck (camera_access.sh), systemd-analyze (the units),
# Chromium and its WebDriver (the browser tests; Debian's builds, never a downloaded browser),
# ffmpeg and ffprobe (time-lapse movies made and checked).
# The benchmarks add wrk, the load generator, and ffmpeg (the time-lapse's). Each is command:Debian package.
TEST_TOOLS := shellcheck:shellcheck systemd-analyze:systemd chromium:chromium chromedriver:chromium-driver \
  ffmpeg:ffmpeg ffprobe:ffmpeg
BENCH_TOOLS := wrk:wrk ffmpeg:ffmpeg

define apt-install-missing
	@missing=""; for pair in $(1); do \
	  command -v $${pair%%:*} >/dev/null || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else echo "Please run: sudo apt-get install$$missing" >&2; exit 1; fi; \
	fi
endef

system-packages:
	$(call apt-install-missing,$(TEST_TOOLS))

bench-packages:
	$(call apt-install-missing,$(BENCH_TOOLS))

# The service's own virtualenv, from the system's python3 (one under /root could not be run by the hambot user).
install:
	@if [ "$$(id -u)" != 0 ]; then echo "Please run: sudo make install" >&2; exit 1; fi
	@$(SYSTEM_PYTHON) -c 'import ensurepip' 2>/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-venv; }
	$(SYSTEM_PYTHON) -m venv $(PREFIX)/venv
	$(PREFIX)/venv/bin/python -m pip install --quiet --disable-pip-version-check -c pip_requirements.txt .
	$(PREFIX)/venv/bin/hambot install-service --prefix $(PREFIX)
	@command -v ffmpeg >/dev/null || echo "Optional, for the daily time-lapse (large, so not installed for you):" \
	  "sudo apt install --no-install-recommends ffmpeg"

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
