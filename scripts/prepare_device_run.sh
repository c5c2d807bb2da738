#!/usr/bin/env bash
# Prepare the one-command GPU run of benchmarks/full_profile.py (issue 16), here, with network.
#
#     bash scripts/prepare_device_run.sh
#
# The GPU machine reaches no network, and `../shared` beside the checkout does not travel to it.
# Its Python 3.12 holds torch, torchvision, numpy, pandas, scipy, matplotlib, requests, pillow,
# pygments and tqdm (the device tool's list of that machine's packages), but not d2l nor IPython
# and matplotlib-inline, which `from d2l import torch as d2l` also imports. This script fills the
# git-ignored folder .device/ with what the run needs (about 40 MiB; what travels may total 64):
#
#   .device/data/FashionMNIST/raw/  the four official .gz files (31 MB), MD5-checked, copied from
#                                   $CNN_DATA_DIR if set, else ../shared/data
#   .device/wheels/                 d2l 1.0.3 (without its 2023 pins) and IPython 9 with its
#                                   pure-Python needs, for Python 3.12 (8 MB)
#
# and prints the one command to run there from the repository root, carrying .device
# (the device tool's run with carry [".device"]; 600 s limit):
#
#     python3 -m pip install -q --no-index --no-deps --no-compile --upgrade --root-user-action=ignore --target .device/site .device/wheels/*.whl && PYTHONPATH=.device/site PYTHONUNBUFFERED=1 python3 benchmarks/full_profile.py --data-dir .device/data --output "${OUT:-benchmarks/results}/full_profile.json"
#
# Append `--only NAME` or `--epochs N` to rerun what a first run dropped. The JSON comes back in
# $OUT: copy it to benchmarks/results/full_profile.json and commit it. Should `from d2l import
# torch` fail there anyway, the benchmark says why and still trains every net through fit.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
SOURCE=${CNN_DATA_DIR:-../shared/data}
rm -rf .device/wheels .device/site
mkdir -p .device/wheels

# Fashion-MNIST: cnn_helpers.core.data's own import checks each file's MD5 before copying it
PYTHONPATH=. "$PYTHON" -m cnn_helpers.core.data import "$SOURCE" --root .device/data

# d2l 1.0.3 pins 2023 numpy/pandas/scipy/matplotlib: take it alone, as the Makefile does
"$PYTHON" -m pip download -q --no-deps -d .device/wheels d2l==1.0.3
"$PYTHON" -m pip download -q --only-binary=:all: --python-version 3.12 -d .device/wheels \
    ipython==9.18.1 matplotlib-inline==0.2.2

tree_kib=$(git ls-files -z | xargs -0 du -ck | tail -1 | cut -f1)
device_kib=$(du -sk .device | cut -f1)
total_mib=$(( (tree_kib + device_kib) / 1024 ))
echo "prepared .device/: $(( device_kib / 1024 )) MiB ($(ls .device/wheels | wc -l) wheels);" \
     "with the tracked files $total_mib MiB of the 64 MiB that may travel"
if (( total_mib >= 64 )); then
    echo "too large to travel: remove untracked files or shrink .device/" >&2
    exit 1
fi
cat <<'EOF'
On the GPU machine, from the repository root, carrying .device:
python3 -m pip install -q --no-index --no-deps --no-compile --upgrade --root-user-action=ignore --target .device/site .device/wheels/*.whl && PYTHONPATH=.device/site PYTHONUNBUFFERED=1 python3 benchmarks/full_profile.py --data-dir .device/data --output "${OUT:-benchmarks/results}/full_profile.json"
EOF
