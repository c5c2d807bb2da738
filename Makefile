# Two commands for students and teachers:
#   make lab   -- set up .venv (once) and open JupyterLab on the students' working copy
#   make reset CHAPTER=03 -- put one chapter of the working copy back to the course's version
#   make test  -- set up .venv (once), then lint, unit tests and every notebook (nbval)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8888
# The test suite runs in the small, fast profile; `make test PROFILE=class` runs the class one.
PROFILE ?= smoke
# Chromium runs as root only without its sandbox; jupyter needs --allow-root likewise.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

# The students' working copy (git-ignored): make lab serves it, never notebooks/ itself.
WORK   ?= classroom
CHAPTER ?=

.PHONY: install lab reset test lint unit notebooks execute check-class hooks figures benchmark data screenshots clean

install: $(STAMP)

# Re-installs only when pyproject.toml changes (a second `make test` skips this).
# Each step says what it installs (the whole takes a few minutes the first time); setuptools'
# boxed note about editable installs is information only (PYTHONWARNINGS hides it).
$(STAMP): pyproject.toml
	@echo "== setting up $(VENV) for the course (once; a few minutes) =="
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "-- pip itself"
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "-- the course's package and what it needs: PyTorch, JupyterLab, ipywidgets, ... (the longest step)"
	@PYTHONWARNINGS="ignore:Editable installation" $(BIN)/python -m pip install --quiet -e '.[dev]'
	@echo "-- d2l 1.0.3, the book's package, without its 2023 pins of numpy/matplotlib/pandas/scipy"
	@$(BIN)/python -m pip install --quiet --no-deps d2l==1.0.3
	@touch $(STAMP)
	@echo "== $(VENV) is ready =="

# Copies the notebooks the working copy lacks (never one a student has), then serves it.
# jupyter-settings/overrides.json: widgets saved with the notebook (a reopened one shows them);
# jupyter_server_config.py: a save keeps the saved widgets that were not run again. Warnings
# only: the one URL to open is the server's banner (its info log printed it a second time).
lab: install
	$(BIN)/python -m cnn_helpers.core.classroom --working-copy $(WORK) prepare
	$(BIN)/jupyter lab --ServerApp.root_dir=$(WORK) --LabApp.app_settings_dir=$(CURDIR)/jupyter-settings \
		--config=$(CURDIR)/jupyter-settings/jupyter_server_config.py \
		--ip=127.0.0.1 --port=$(PORT) --no-browser --log-level=WARN $(ROOT_FLAG)

# One chapter back to the course's version; the student's file goes to $(WORK)/backups/.
reset: install
	$(BIN)/python -m cnn_helpers.core.classroom --working-copy $(WORK) reset $(CHAPTER)

lint: install
	$(BIN)/ruff check .

unit: install
	CNN_PROFILE=$(PROFILE) $(BIN)/pytest tests

notebooks: install
	CNN_PROFILE=$(PROFILE) $(BIN)/pytest --nbval --nbval-current-env \
		--nbval-sanitize-with tests/sanitize.cfg notebooks

test: install
	$(BIN)/ruff check .
	CNN_PROFILE=$(PROFILE) $(BIN)/pytest --nbval --nbval-current-env \
		--nbval-sanitize-with tests/sanitize.cfg tests notebooks

# Re-execute every notebook in the class profile and save its outputs (what we commit), stamped
# with the profile, the data set and a hash of the sources (`make test` and the hook check it).
# NOTEBOOKS=notebooks/07_googlenet.ipynb re-executes one.
NOTEBOOKS ?= notebooks/*.ipynb
execute: install
	CNN_PROFILE=class $(BIN)/python scripts/execute_notebooks.py $(NOTEBOOKS)

# A teacher's Run All of every notebook in the class profile, saving nothing: must pass, with
# times. Too long for CI's budget (about 17 minutes on 2 cores); run it before a class.
check-class: install
	CNN_PROFILE=class $(BIN)/python scripts/execute_notebooks.py --check $(NOTEBOOKS)

# For course developers: a commit of a notebook that is not a stamped class-profile run is refused.
hooks:
	git config core.hooksPath scripts/git-hooks

# Widget screenshots for the README, taken by the browser tests.
screenshots: install
	CNN_PROFILE=smoke $(BIN)/pytest tests/browser --update-screenshots

figures: install
	$(BIN)/python -m cnn_helpers.figures images

# Speed goals live here, not in timed tests: each script prints a side-by-side table.
benchmark: install
	$(BIN)/python benchmarks/widget_latency.py
	$(BIN)/python benchmarks/pooling_latency.py
	$(BIN)/python benchmarks/train_lenet.py

# Fashion-MNIST into the cache ($$CNN_DATA_DIR, else data/) before a class without network.
data: install
	$(BIN)/python -m cnn_helpers.core.data download

clean:
	rm -rf $(VENV) .pytest_cache
