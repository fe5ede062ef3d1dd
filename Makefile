# Backprop, Step by Step: two commands do all the set-up on a fresh machine.
#   make book    build the HTML book (reading it needs no network) and print where it is
#   make test    unit and property tests, every notebook under nbval, the strict book build,
#                and the browser tests
#   make lab     JupyterLab on the chapters, to run them live
#   make bench   timings (not part of make test)
#   make notebooks  re-execute every chapter, storing outputs and widget state (for authors)

SHELL := /bin/bash
# Packages are installed without byte-compiling (faster); Python writes each module's byte-code
# on its first import instead, which an inherited PYTHONDONTWRITEBYTECODE would prevent.
unexport PYTHONDONTWRITEBYTECODE
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
UV_VERSION := 0.13.9
VENDOR := assets/vendor/.installed
BUILD := _build
HTML := $(BUILD)/html/index.html

.PHONY: book test unit notebooks-test book-strict browser browser-tests chromium lab bench notebooks venv assets freeze clean

venv: $(STAMP)
$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@# uv (pinned here) installs the pinned packages in seconds; pip does it if uv cannot be had
	$(PY) -m pip install --quiet uv==$(UV_VERSION) && $(VENV)/bin/uv pip install --quiet --python $(PY) -r requirements.txt \
	  || $(PY) -m pip install --quiet --no-compile -r requirements.txt
	@# the repository root on the environment's path, so notebooks and tests import backprop_lib
	$(PY) -c "import site, pathlib; pathlib.Path(site.getsitepackages()[0], 'backprop_book.pth').write_text('$(CURDIR)\n')"
	@touch $@

assets: $(VENDOR)
$(VENDOR): package-lock.json tools/vendor_assets.py $(STAMP)
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	$(PY) tools/vendor_assets.py
	@touch $@

book: $(STAMP) $(VENDOR)
	$(VENV)/bin/jupyter-book build . --all
	@echo "The book: $(abspath $(HTML))"

book-strict: $(STAMP) $(VENDOR)
	$(VENV)/bin/jupyter-book build . --all -W -n --keep-going
	@echo "The book: $(abspath $(HTML))"

unit: $(STAMP)
	$(PY) -m pytest tests -m "not browser" -n 2

notebooks-test: $(STAMP)
	$(PY) -m pytest --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:randomly -n 2 --dist loadscope chapters

# Two workers, a test module each at a time: the live JupyterLab run (tests/lab) beside the built pages.
browser: book-strict
	@$(MAKE) --no-print-directory browser-tests

browser-tests: $(STAMP) $(VENDOR) chromium
	@start=$$(date +%s); $(PY) -m pytest tests/lab tests/browser -m browser -n 2 --dist loadscope; status=$$?; \
	echo "browser and live JupyterLab tests took $$(( $$(date +%s) - start )) s"; exit $$status

chromium:
	@sh tools/ensure_chromium.sh

# Set-up first (the Python environment and front-end files while Chromium installs beside
# them), then the tests; the strict book build (one core) runs beside the unit tests, each
# one's output printed whole when it ends.  The time printed covers it all.
test:
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory -j2 $(VENDOR) chromium && \
	$(MAKE) --no-print-directory -j2 --output-sync=target unit book-strict && \
	$(MAKE) --no-print-directory notebooks-test && \
	$(MAKE) --no-print-directory browser-tests; \
	status=$$?; echo "make test took $$(( $$(date +%s) - start )) s"; exit $$status

lab: $(STAMP)
	$(PY) tools/lab.py $(LAB_ARGS)

bench: $(STAMP)
	$(PY) -m backprop_lib.bench

notebooks: $(STAMP)
	$(PY) tools/execute_notebooks.py chapters

freeze: $(STAMP)
	$(PY) -m pip freeze --exclude-editable | grep -v '^backprop' > requirements.txt.new && mv requirements.txt.new requirements.txt

clean:
	rm -rf $(BUILD) assets/vendor
