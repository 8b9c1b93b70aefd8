# Two commands for a fresh machine (Python 3.11 + pip + apt): `make run`, `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test setup system-deps bench screenshots lint clean installer installer-check install-cli

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $(STAMP)

setup: system-deps $(STAMP)

# Qt needs a few X/EGL libraries even offscreen; install them when missing (Debian/Ubuntu).
system-deps:
	@bash tools/system_deps.sh

run: setup
	$(PY) -m custdesk

test: setup
	$(VENV)/bin/ruff check custdesk tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

# Each benchmark prints its figures and its ratio to a bare baseline measured in the same run.
bench: setup
	for script in benchmarks/bench_*.py; do \
	  echo "== $$script"; QT_QPA_PLATFORM=offscreen $(PY) $$script || exit 1; done

screenshots: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m custdesk demo --db /tmp/custdesk-shots.db --force
	QT_QPA_PLATFORM=offscreen $(PY) -m custdesk --db /tmp/custdesk-shots.db --smoke-test --screenshots docs/screenshots

lint: setup
	$(VENV)/bin/ruff check custdesk tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# The double-clickable app for owners (docs/INSTALLER.md): PyInstaller build into dist/, its
# archive, then the frozen app's smoke test (timed next to the same run from source).
INSTALLER_STAMP := $(VENV)/.installer

$(INSTALLER_STAMP): $(STAMP)
	$(PY) -m pip install -q -e ".[installer]"
	touch $(INSTALLER_STAMP)

installer: setup $(INSTALLER_STAMP)
	$(PY) build_installer.py --compare

# The build spec for Linux, Windows and macOS, checked in about a second (builds nothing).
installer-check: setup $(INSTALLER_STAMP)
	$(PY) build_installer.py --check

# `custdesk` on the PATH: a link to .venv/bin/custdesk in ~/.local/bin (BIN=... to choose);
# the link follows the checkout, so `git pull` needs no reinstall. Remove it with rm.
BIN ?= $(HOME)/.local/bin
install-cli: setup
	mkdir -p "$(BIN)"
	ln -sfn "$(CURDIR)/$(VENV)/bin/custdesk" "$(BIN)/custdesk"
	@echo "linked $(BIN)/custdesk -> $(CURDIR)/$(VENV)/bin/custdesk"
	@case ":$$PATH:" in *":$(BIN):"*) ;; *) echo "note: $(BIN) is not on your PATH";; esac

clean:
	rm -rf $(VENV) build dist *.egg-info
