# Two commands for students and teachers:
#   make lab   -- set up .venv (once) and open JupyterLab on the students' working copy;
#                 make lab EDITION=zh for the Chinese edition (中文版), EDITION=both for both
#   make reset CHAPTER=03 -- put one chapter of the working copy back to the course's version
#   make test  -- set up .venv (once), then lint, unit tests and every notebook (nbval)
# Every target that sets up or serves the course runs course.py, which Windows runs without make
# (`py course.py lab`): the same code on every system.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8888
# The test suite runs in the small, fast profile; `make test PROFILE=class` runs the class one.
PROFILE ?= smoke
COURSE := $(PYTHON) course.py --venv $(VENV)

# The students' working copy (git-ignored): make lab serves it, never notebooks/ itself.
WORK   ?= classroom
CHAPTER ?=
# The edition: en (English), zh (中文, notebooks/zh/) or both (not LANG: that is the locale's).
EDITION ?= en

.PHONY: install lab reset test lint unit notebooks execute check-class hooks figures benchmark benchmark-training data site screenshots clean

# Creates .venv and installs the course, d2l without its pins; again only when pyproject.toml
# changes (a stamp in .venv remembers it: a second `make test` skips this).
install:
	$(COURSE) install

# Copies the notebooks the working copy lacks (never one a student has), then serves it with
# jupyter-settings/overrides.json (widgets saved with the notebook: a reopened one shows them) and
# jupyter-settings/jupyter_server_config.py (a save keeps the saved widgets that were not run
# again), warnings only: course.py's Course.lab_command.
lab:
	$(COURSE) lab --working-copy $(WORK) --port $(PORT) --edition $(EDITION)

# One chapter back to the course's version; the student's file goes to $(WORK)/backups/.
reset:
	$(COURSE) reset --working-copy $(WORK) --edition $(EDITION) $(CHAPTER)

lint: install
	$(BIN)/ruff check .

unit: install
	CNN_PROFILE=$(PROFILE) $(BIN)/pytest tests

notebooks: install
	CNN_PROFILE=$(PROFILE) $(BIN)/pytest --nbval --nbval-current-env \
		--nbval-sanitize-with tests/sanitize.cfg notebooks --ignore=notebooks/zh

# ruff, then pytest --nbval --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg
# tests notebooks, with CNN_PROFILE=$(PROFILE) (course.py's Course.test).
test:
	$(COURSE) test --profile $(PROFILE)

# Re-execute every notebook in the class profile and save its outputs (what we commit), stamped
# with the profile, the data set and a hash of the sources (`make test` and the hook check it).
# NOTEBOOKS=notebooks/07_googlenet.ipynb re-executes one.
NOTEBOOKS ?=
execute:
	$(COURSE) execute $(NOTEBOOKS)

# A teacher's Run All of every notebook in the class profile, saving nothing: must pass, with
# times. Too long for CI's budget (about 17 minutes on 2 cores); run it before a class.
check-class:
	$(COURSE) check-class $(NOTEBOOKS)

# For course developers: a commit of a notebook that is not a stamped class-profile run is refused.
hooks:
	git config core.hooksPath scripts/git-hooks

# Widget screenshots for the README, taken by the browser tests.
screenshots: install
	CNN_PROFILE=smoke $(BIN)/pytest tests/browser --update-screenshots

# The figures drawn by code, in both languages: English into images/, Chinese (same file names)
# into images/zh/, in a CJK font (fonts-noto-cjk; without one it stops and says so). One language:
# `.venv/bin/python -m cnn_helpers.figures images --language zh` (or en).
figures: install
	$(BIN)/python -m cnn_helpers.figures images

# Speed goals live here, not in timed tests: each script prints a side-by-side table.
benchmark: install
	$(BIN)/python benchmarks/widget_latency.py
	$(BIN)/python benchmarks/pooling_latency.py
	$(BIN)/python benchmarks/train_lenet.py
	$(BIN)/python benchmarks/throughput.py --breakdown

# The training measurements behind the chapters' targets, the README's table and chapter 11
# (about 2 hours on 2 cores, one at a time on an otherwise idle machine).
benchmark-training: install
	$(BIN)/python benchmarks/class_profile.py
	$(BIN)/python benchmarks/class_profile.py --profile smoke --output benchmarks/results/smoke_profile.json
	$(BIN)/python benchmarks/recipe.py
	$(BIN)/python benchmarks/frontier.py --nets vgg googlenet

# Fashion-MNIST into the cache ($$CNN_DATA_DIR, else data/) before a class without network.
data:
	$(COURSE) data

# The course as a static HTML book in build/site/ (git-ignored): the committed notebooks as they
# ran, nothing executed, no network needed.
site:
	$(COURSE) site

clean:
	rm -rf $(VENV) .pytest_cache
