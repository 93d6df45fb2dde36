#!/usr/bin/env bash
# The test command: on a fresh machine, installs everything and runs every check.
#   lint (ruff), types (mypy --strict), docs (mkdocs --strict), and the test suite on the
#   newest Airflow 3 release and on the oldest one this provider claims.
# Set HEX_TEST_QUICK=1 to run only the newest Airflow and skip the e2e and browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib_env.sh

NEWEST=3.3.2
OLDEST=3.0.6
status=0

ensure_venv .venv "$NEWEST"

echo "== Lint and types"
.venv/bin/ruff check --no-cache .
.venv/bin/ruff format --no-cache --check .
.venv/bin/mypy

if [ -f docs/build.sh ]; then
  echo "== Docs (mkdocs --strict)"
  bash docs/build.sh
fi

run_pytest() {  # run_pytest <venv> <label> <pytest args...>: exit code 5 (no tests) is a failure
  local venv="$1" label="$2"; shift 2
  echo "== Tests on Airflow $label"
  local rc=0
  "$venv/bin/python" -m pytest "$@" || rc=$?
  if [ "$rc" -eq 5 ]; then
    echo "pytest ran no tests on Airflow $label: that is a failure" >&2
    rc=1
  fi
  [ "$rc" -eq 0 ] || status=1
}

if [ "${HEX_TEST_QUICK:-0}" = "1" ]; then
  run_pytest .venv "$NEWEST" -q -m "not e2e and not browser"
  exit $status
fi

if [ -f tests/browser/setup.sh ]; then
  bash tests/browser/setup.sh
fi
run_pytest .venv "$NEWEST" -q

ensure_venv .venv30 "$OLDEST"
run_pytest .venv30 "$OLDEST" -q

exit $status
