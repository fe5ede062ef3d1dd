# Backprop, Step by Step: two commands do all the set-up on a fresh machine.
#   make book    build the HTML book (reading it needs no network) and print where it is
#   make test    unit and property tests, every notebook under nbval, the strict book build,
#                and the browser tests
#   make lab     JupyterLab on the chapters, to run them live
#   make bench   timings (not part of make test)
#   make pdf     the whole book as one PDF: _build/pdf/book.pdf
#   make check-sources  the book's quotations against the source documents' text (in SOURCES)
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
PDF := $(BUILD)/pdf/book.pdf
# the folder holding the three source documents (their text extractions) and their README.md
SOURCES ?= ../shared/seeds
TIMED := sh tools/timed.sh

.PHONY: book test unit notebooks-test book-strict browser browser-tests chromium lab bench notebooks venv assets freeze clean pdf pdf-print check-sources

venv: $(STAMP)
$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@# uv (pinned here) installs the pinned packages in seconds; pip does it if uv cannot be had
	$(PY) -m pip install --quiet uv==$(UV_VERSION) && $(VENV)/bin/uv pip install --quiet --python $(PY) -r requirements.txt \
	  || $(PY) -m pip install --quiet --no-compile -r requirements.txt
	@# the repository root on the environment's path, so notebooks and tests import backprop_lib
	$(PY) -c "import site, pathlib; pathlib.Path(site.getsitepackages()[0], 'backprop_book.pth').write_text('$(CURDIR)\n')"
	@# byte-code for what the command line imports, so that it starts fast even where
	@# PYTHONDONTWRITEBYTECODE is set (the rest is written on first import)
	$(PY) -m compileall -q -j 0 $$($(PY) -c "import numpy, tqdm, os; print(os.path.dirname(numpy.__file__), os.path.dirname(tqdm.__file__))") backprop_lib
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

# The source documents are not in the repository: their folder is named by SOURCES.
check-sources: $(STAMP)
	@test -d "$(SOURCES)" || { echo "check-sources: no folder $(SOURCES); set SOURCES to the folder holding the three source documents and their README.md (make check-sources SOURCES=path)" >&2; exit 2; }
	SOURCES="$(abspath $(SOURCES))" $(PY) -m pytest tests/sources -q -p no:cacheprovider

notebooks-test: $(STAMP)
	$(PY) -m pytest --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:randomly -n 2 --dist loadscope chapters

# Two workers: the live JupyterLab run (tests/lab) on one, the pages spread over both (each
# page's checks together, so that it is visited once: tests/browser/conftest.py).
browser: book-strict
	@$(MAKE) --no-print-directory browser-tests

browser-tests: $(STAMP) $(VENDOR) chromium
	$(PY) -m pytest tests/lab tests/browser -m browser -n 2 --dist loadscope

# The PDF is printed from the built HTML book by Chromium (tools/make_pdf.py).
pdf: book
	@$(MAKE) --no-print-directory pdf-print

pdf-print: $(STAMP) chromium
	$(PY) tools/make_pdf.py --html $(BUILD)/html --out $(PDF)

chromium:
	@sh tools/ensure_chromium.sh

# Set-up first (the Python environment and front-end files while Chromium installs beside
# them), then the tests; the strict book build (one core) runs beside the unit tests, each
# one's output printed whole when it ends; the PDF is printed from that build.  Each phase's
# time is printed as it ends, and all of them at the end.
test:
	@rm -f $(BUILD)/phases.txt; start=$$(date +%s); \
	$(TIMED) set-up $(MAKE) --no-print-directory -j2 $(VENDOR) chromium && \
	$(TIMED) "unit tests + strict book build" $(MAKE) --no-print-directory -j2 --output-sync=target unit book-strict && \
	$(TIMED) pdf $(MAKE) --no-print-directory pdf-print && \
	$(TIMED) nbval $(MAKE) --no-print-directory notebooks-test && \
	$(TIMED) "browser, PDF and live JupyterLab tests" $(MAKE) --no-print-directory browser-tests; \
	status=$$?; cat $(BUILD)/phases.txt 2>/dev/null; echo "make test took $$(( $$(date +%s) - start )) s"; exit $$status

lab: $(STAMP)
	$(PY) tools/lab.py $(LAB_ARGS)

bench: $(STAMP)
	$(PY) -m backprop_lib.bench

notebooks: $(STAMP)
	$(PY) tools/execute_notebooks.py chapters

freeze: $(STAMP)
	@# uv is the Makefile's own installer, pinned above
	( sed -n '/^#/p' requirements.txt; $(PY) -m pip freeze --exclude-editable | grep -v -e '^backprop' -e '^uv==' ) > requirements.txt.new && mv requirements.txt.new requirements.txt

clean:
	rm -rf $(BUILD) assets/vendor
