# featloss developer commands. A fresh clone needs only `make demo` or `make test`: both create
# (or reuse) the virtualenv .venv. See DEVELOPERS.md.
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python

# Downloaded weights and datasets stay inside the project (git-ignored), never in ~/.cache.
export TORCH_HOME := $(CURDIR)/.cache/torch
export FASTAI_HOME := $(CURDIR)/.cache/fastai

.PHONY: venv demo test readme bench site site-check clean

venv: $(VENV)/.stamp

# torch first, from the pinned release, so that pip does not fetch another torch for fastai.
# (Not pyproject.toml as a prerequisite: nbdev_export rewrites it, unchanged, on every run.)
$(VENV)/.stamp: settings.ini setup.py
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --upgrade pip
	$(VPY) -m pip install torch==2.14.1 torchvision==0.29.1
	$(VPY) -m pip install -e '.[dev]'
	touch $@

demo: venv
	$(VPY) -m featloss.demo

test: venv
	bash tools/check.sh

readme:
	$(PYTHON) tools/make_readme.py

bench: venv
	$(VPY) benchmarks/bench_featureloss.py

# The documentation website (_site/, from the notebooks' committed outputs) and its browser test.
site: venv
	$(VPY) tools/build_site.py

site-check: site
	$(VPY) tools/check_site.py

clean:
	rm -rf .venv .venv-latest .cache _proc _docs _site site_shots dist build
