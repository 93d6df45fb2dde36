# Shared by the set-up scripts: make (or reuse) a virtual environment for one Airflow version.
# Usage: source scripts/lib_env.sh; ensure_venv <venv dir> <airflow version> [extras]
# Installs the package (editable, with test and dev tools, and the optional extras named, e.g.
# "dev,openlineage") pinned by constraints/airflow-<version>.txt, and records a stamp so an
# unchanged venv is reused.

ensure_venv() {
  local venv="$1" version="$2" extras="${3:-dev}"
  local repo; repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  local cons="$repo/constraints/airflow-$version.txt"
  local args=()
  [ -f "$cons" ] && args+=(-c "$cons")
  local stamp
  stamp="$version [$extras] $(cat "$repo/pyproject.toml" "$cons" 2>/dev/null | sha256sum | cut -c1-16)"
  if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.hex-stamp" 2>/dev/null)" = "$stamp" ]; then
    return 0
  fi
  echo "== Installing Airflow $version into $(basename "$venv") (a few minutes on a fresh machine)"
  [ -x "$venv/bin/python" ] || python3.11 -m venv "$venv" 2>/dev/null || python3 -m venv "$venv"
  local log="$venv/pip-install.log"
  if ! "$venv/bin/python" -m pip install "${args[@]}" "apache-airflow==$version" -e "$repo[$extras]" \
      > "$log" 2>&1; then
    grep -v "is ignored" "$log" | tail -30 >&2
    echo "installing Airflow $version failed (full log: $log)" >&2
    return 1
  fi
  "$venv/bin/python" -c "import airflow, airflow_provider_hex" || {
    echo "installing Airflow $version failed" >&2
    return 1
  }
  echo "$stamp" > "$venv/.hex-stamp"
}
