#!/usr/bin/env bash
# Everything `make test` checks (see DEVELOPERS.md). Run from anywhere; needs .venv (`make venv`).
# Set CHECK_STEPS to a subset of "a b c d e f g" to run only those steps, e.g. CHECK_STEPS="c f".
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
STEPS="${CHECK_STEPS:-a b c d e f g}"
export TORCH_HOME="${TORCH_HOME:-$ROOT/.cache/torch}"
export FASTAI_HOME="${FASTAI_HOME:-$ROOT/.cache/fastai}"

if [[ ! -x "$ROOT/.venv/bin/python" ]]; then
  echo "check.sh: no .venv here: run \`make test\` (it creates .venv)" >&2; exit 2
fi
# shellcheck disable=SC1091
source "$ROOT/.venv/bin/activate"

SNAP="$(mktemp -d)"   # copies of folders taken before nbdev_export / nbdev_clean
T0=$SECONDS; T_STEP=$SECONDS; CUR=""; DONE=()
step() {   # step LETTER "title": print a header, and the time the previous step took
  [[ -n "$CUR" ]] && { echo "--- step $CUR passed in $((SECONDS - T_STEP))s"; DONE+=("$CUR:$((SECONDS - T_STEP))s"); }
  CUR="$1"; T_STEP=$SECONDS
  echo; echo "=== [$1] $2  ($(date +%H:%M:%S), ${SECONDS}s elapsed)"
}
want() { [[ " $STEPS " == *" $1 "* ]]; }
fail() { echo; echo "FAILED at step $CUR after $((SECONDS - T0))s: $*" >&2; CUR=""; exit 1; }
trap 'rc=$?; rm -rf "$SNAP"; [[ $rc -ne 0 && -n "$CUR" ]] && echo "check.sh: step $CUR exited with status $rc after $((SECONDS - T0))s" >&2' EXIT

# Did a tool change a folder? Compared with a copy taken before it ran, not with git: in a fresh clone
# the two agree, and a local run with uncommitted (but consistent) edits still passes.
snapshot() { rm -rf "$SNAP/$1"; mkdir -p "$SNAP/$1"; cp -a "$1/." "$SNAP/$1/"; }
changed() {   # changed DIR: show what changed since `snapshot DIR`; status 0 if anything did
  local d; d="$(diff -ru -x __pycache__ -x .ipynb_checkpoints "$SNAP/$1" "$1" || true)"
  [[ -z "$d" ]] && return 1
  git --no-pager status --short "$1/" || true
  echo "$d" | head -200 | cut -c1-300; return 0
}

if want a; then
  step a "nbdev_export: featloss/ matches the notebooks"
  snapshot featloss
  nbdev_export
  if changed featloss; then
    fail "featloss/ is stale: run nbdev_export (and commit featloss/)"
  fi
  untracked="$(git status --porcelain --untracked-files=all featloss/ | grep '^??' || true)"
  if [[ -n "$untracked" ]]; then echo "note: untracked files in featloss/ (commit them):"; echo "$untracked"; fi
fi

if want b; then
  step b "nbdev_clean: notebooks are clean"
  snapshot nbs
  nbdev_clean
  if changed nbs; then
    fail "notebooks were not clean: run nbdev_clean (and commit nbs/)"
  fi
fi

if want c; then
  step c "README.md is what tools/make_readme.py generates from nbs/index.ipynb"
  python tools/make_readme.py --check || fail "tools/make_readme.py --check failed (see above): \`make readme\` regenerates README.md"
fi

if want d; then
  step d "nbdev_test: run the notebooks (cells flagged #| slow are skipped)"
  # two notebooks at a time on two cores: one torch thread each (two threads each oversubscribe the cores and
  # made training steps several times slower)
  OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" nbdev_test --n_workers 2 --timing || fail "nbdev_test"
fi

if want e; then
  step e "pytest tests/ (development stack)"
  # the `wheel` tests (featloss commands in fresh processes) run once, in step f, against the installed wheel
  set +e; python -m pytest tests/ -q -m "not wheel" --durations=8; rc=$?; set -e
  if [[ $rc -eq 5 ]]; then
    if compgen -G 'tests/test_*.py' >/dev/null || compgen -G 'tests/*_test.py' >/dev/null; then
      fail "pytest collected no tests although tests/ has test files"
    fi
    echo "no test files in tests/: nothing to run"
  elif [[ $rc -ne 0 ]]; then fail "pytest exited with status $rc"; fi
fi

if want f; then
  step f "the library on the newest fastai (fastcore 2), installed from a wheel"
  rm -f dist/featloss-*.whl
  python -m pip wheel --no-deps -q -w dist . || fail "pip wheel"
  wheels=(dist/featloss-*.whl); WHEEL="$ROOT/${wheels[0]}"
  echo "built $WHEEL"
  LATEST="$ROOT/.venv-latest"; LPY="$LATEST/bin/python"
  if [[ ! -f "$LATEST/.stamp" || settings.ini -nt "$LATEST/.stamp" || setup.py -nt "$LATEST/.stamp" ]]; then
    "$PYTHON" -m venv "$LATEST"
    "$LPY" -m pip install -q --upgrade pip
    "$LPY" -m pip install -q torch==2.14.1 torchvision==0.29.1   # first: no other torch for fastai
    touch "$LATEST/.stamp"
  fi
  "$LPY" -m pip install -q --upgrade fastai fastcore pytest hypothesis
  "$LPY" -m pip install -q --force-reinstall --no-deps "$WHEEL"
  "$LPY" -m pip install -q "$WHEEL"               # its declared requirements must resolve too
  "$LPY" -m pip list 2>/dev/null | grep -iE 'featloss|fastai|fastcore|torch' || true
  fc="$("$LPY" -c 'import fastcore; print(fastcore.__version__)')"
  [[ "${fc%%.*}" -ge 2 ]] || fail "fastcore $fc in .venv-latest: this job is meant to test fastcore >= 2"
  TMP="$(mktemp -d)"
  # Outside the repo, so `import featloss` is the installed wheel; shared data is found via FEATLOSS_SHARED.
  SHARED="${FEATLOSS_SHARED:-$(cd "$ROOT/.." && pwd)/shared}"
  if [[ -d "$SHARED" ]]; then export FEATLOSS_SHARED="$SHARED"; fi
  (cd "$TMP" && "$LPY" -c 'import featloss, sys; print("featloss", featloss.__version__, "from", featloss.__file__); sys.exit("featloss imported from the source tree, not the wheel" if "site-packages" not in featloss.__file__ else 0)') \
    || fail "featloss is not imported from the wheel"
  set +e
  (cd "$TMP" && "$LPY" -m pytest "$ROOT/tests" -q -m "not dev" --durations=8 -p no:cacheprovider --import-mode=append)   # append: the wheel wins over the repo on sys.path
  rc=$?; set -e
  rm -rf "$TMP"
  if [[ $rc -eq 5 ]]; then fail "no tests ran on the newest fastai (all deselected as dev?)"; fi
  if [[ $rc -ne 0 ]]; then fail "pytest on the newest fastai exited with status $rc"; fi
fi

if want g; then
  step g "documentation website: tools/build_site.py builds _site/, tools/check_site.py checks it in headless Chromium"
  CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"; CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
  if [[ ! -x "$CHROMIUM" || ! -x "$CHROMEDRIVER" ]]; then
    echo "no $CHROMIUM or $CHROMEDRIVER: installing Debian's chromium and chromium-driver"
    if [[ "$(id -u)" -eq 0 ]]; then SUDO=()
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=(sudo -n)
    else fail "chromium and chromedriver are missing and this user cannot install them: run \`sudo apt-get install -y chromium chromium-driver\` (or set CHROMIUM and CHROMEDRIVER)"; fi
    "${SUDO[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq chromium chromium-driver \
      || fail "apt-get install chromium chromium-driver"
  fi
  export CHROMIUM CHROMEDRIVER
  python -c "import sphinx, myst_nb, furo, selenium" \
    || fail "the site tools are not in .venv: pip install -e '.[dev]' (settings.ini dev_requirements)"
  python tools/build_site.py || fail "tools/build_site.py could not build _site/ (see above)"
  python tools/check_site.py || fail "tools/check_site.py found problems in _site/ (listed above)"
fi

step "-" "summary"
echo "ALL CHECKS PASSED (steps: $STEPS) in $((SECONDS - T0))s: ${DONE[*]}"
CUR=""
