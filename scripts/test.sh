#!/usr/bin/env bash
# The test command: on a fresh machine, installs everything and runs every check.
#   lint (ruff), types (mypy --strict), docs (mkdocs --strict), and the test suite on each
#   Airflow version of the matrix below, each installed from constraints/airflow-<version>.txt.
#   It ends with one summary table (each version's outcome and counts) and exits non-zero if
#   any check or any version failed (pytest running no tests counts as a failure).
# Set HEX_TEST_QUICK=1 to run only the newest Airflow and skip the e2e and browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib_env.sh

# ---------------------------------------------------------------------------------- matrix
# One line per Airflow version: its virtualenv, the version, the tests it runs ("all":
# everything; "oldest": all but the end-to-end tests of single features (marker
# feature_e2e) whose code does not differ between Airflow versions; "core-e2e": all but the
# browser tests and every feature_e2e test, so the real-Airflow run-path test and the
# triggerer load test run there; this keeps the whole matrix inside CI's time) and the
# package's extras installed there. The newest Airflow also gets the optional OpenLineage
# provider, so the lineage tests run against the real one (they must, there); the others
# run without it, as most installations do.
# The first line is the newest Airflow: lint, types and HEX_TEST_QUICK use it.
MATRIX=(
  ".venv   3.3.2 all        dev,openlineage"
  ".venv32 3.2.2 core-e2e   dev"
  ".venv31 3.1.8 core-e2e   dev"
  ".venv30 3.0.6 oldest     dev"
)
# The versions run in two lanes side by side (two cores; each lane starts at most one real
# Airflow at a time). A lane is a list of matrix line numbers, run in order.
LANES=("0 2" "1 3")

RESULTS="$(mktemp -d)"
trap 'rm -rf "$RESULTS"' EXIT
status=0

# ---------------------------------------------------------------------------------- set-up
# Machine-level set-up the tests need. Add new steps here, one line each.
setup_machine() {  # setup_machine quick|full
  bash tests/ratelimit/setup_redis.sh  # redis-server, for the shared request budget's tests
  if [ "$1" = "full" ]; then
    bash tests/browser/setup.sh  # Debian's chromium, for the browser tests
  fi
}

# Make (or reuse, by their stamps) the virtualenvs of the given matrix lines, side by side:
# installing is mostly waiting on downloads and disk.
setup_venvs() {
  local pids=() n venv version extras _
  for n in "$@"; do
    read -r venv version _ extras <<< "${MATRIX[$n]}"
    ( ensure_venv "$venv" "$version" "$extras" ) > "$RESULTS/install-$n.log" 2>&1 &
    pids+=("$!")
  done
  local failed=0 i=0
  for n in "$@"; do
    if ! wait "${pids[$i]}"; then failed=1; fi
    cat "$RESULTS/install-$n.log"
    i=$((i + 1))
  done
  return "$failed"
}

# ---------------------------------------------------------------------------------- checks
record() {  # record <name> <outcome> <details>: one row of the summary table
  printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$RESULTS/summary.tsv"
  [ "$2" = "passed" ] || status=1
}

check() {  # check <name> <command...>: run a check that is not a test suite
  echo "== $1"
  if "${@:2}"; then record "$1" passed ""; else record "$1" failed ""; fi
}

# run_pytest <matrix line> <pytest args...>: run the suite on one Airflow, quietly into a
# log, and write that version's outcome. Exit code 5 (no tests collected) is a failure.
run_pytest() {
  local n="$1" venv version extras _; shift
  read -r venv version _ extras <<< "${MATRIX[$n]}"
  local log="$RESULTS/pytest-$n.log" rc=0 start=$SECONDS require_ol=0
  [[ ",$extras," == *",openlineage,"* ]] && require_ol=1
  echo "-- Airflow $version: tests started ($*)"
  HEX_REQUIRE_OPENLINEAGE="$require_ol" "$venv/bin/python" -m pytest -p no:cacheprovider \
    --durations=12 "$@" \
    > "$log" 2>&1 || rc=$?
  local counts  # pytest's last line, e.g. "746 passed, 6 skipped in 134.03s (0:02:14)"
  counts="$(grep -E '(passed|failed|error|errors|no tests ran).* in [0-9.]+s' "$log" \
    | tail -1 | sed -E 's/^=+ //; s/ =+$//' || true)"
  [ -n "$counts" ] || counts="no summary (see the log above)"
  local outcome=passed
  if [ "$rc" -eq 5 ]; then
    outcome=failed counts="pytest ran no tests"
  elif [ "$rc" -ne 0 ]; then
    outcome=failed
  fi
  counts="$counts ($((SECONDS - start))s wall)"
  printf '%s\t%s\t%s\n' "Airflow $version" "$outcome" "$counts" > "$RESULTS/outcome-$n.tsv"
  echo "-- Airflow $version: $outcome, $counts"
}

run_lane() {  # run_lane <matrix line>...: run those versions' suites one after the other
  local n suite
  for n in "$@"; do
    read -r _ _ suite _ <<< "${MATRIX[$n]}"
    case "$suite" in
      all) run_pytest "$n" -q ;;
      oldest) run_pytest "$n" -q -m "not feature_e2e or version_e2e" ;;
      core-e2e) run_pytest "$n" -q -m "not browser and not feature_e2e" ;;
      *) echo "unknown test set '$suite' in MATRIX" >&2; return 1 ;;
    esac
  done
}

summary() {
  cat "$RESULTS"/outcome-*.tsv >> "$RESULTS/summary.tsv" 2>/dev/null || true
  echo
  echo "== Summary"
  awk -F '\t' '{ printf "%-24s %-7s %s\n", $1, $2, $3 }' "$RESULTS/summary.tsv"
  if grep -q $'\tfailed\t' "$RESULTS/summary.tsv"; then status=1; fi
}

# ------------------------------------------------------------------------------------ run
quick="${HEX_TEST_QUICK:-0}"
if [ "$quick" = "1" ]; then
  setup_machine quick
  lines=(0)
else
  setup_machine full
  lines=("${!MATRIX[@]}")
fi
if ! setup_venvs "${lines[@]}"; then
  record "Installing Airflow" failed "see the install output above"
  summary
  exit 1
fi

newest_venv="${MATRIX[0]%% *}"
check "Lint (ruff)" "$newest_venv/bin/ruff" check --no-cache .
check "Format (ruff)" "$newest_venv/bin/ruff" format --no-cache --check .
check "Types (mypy)" "$newest_venv/bin/mypy"
if [ -f docs/build.sh ]; then
  check "Docs (mkdocs --strict)" bash docs/build.sh
fi

if [ "$quick" = "1" ]; then
  read -r _ newest _ <<< "${MATRIX[0]}"
  echo "== Quick tests on Airflow $newest (no e2e, no browser)"
  run_pytest 0 -q -m "not e2e and not browser"
else
  echo "== Tests on every Airflow of the matrix (${#LANES[@]} lanes side by side)"
  lane_pids=()
  for lane in "${LANES[@]}"; do
    # shellcheck disable=SC2086 # a lane is a list of matrix line numbers
    run_lane $lane &
    lane_pids+=("$!")
  done
  for pid in "${lane_pids[@]}"; do wait "$pid" || true; done
fi
for n in "${lines[@]}"; do
  read -r _ version _ <<< "${MATRIX[$n]}"
  echo "== Test output, Airflow $version"
  cat "$RESULTS/pytest-$n.log" 2>/dev/null || echo "(no output)"
  [ -f "$RESULTS/outcome-$n.tsv" ] \
    || printf '%s\tfailed\t%s\n' "Airflow $version" "did not run" > "$RESULTS/outcome-$n.tsv"
done

summary
exit $status
