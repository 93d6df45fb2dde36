#!/usr/bin/env bash
# Build the documentation with MkDocs, strictly (any warning fails the build).
#
#   bash docs/build.sh          build into site/
#   bash docs/build.sh serve    build and serve on http://127.0.0.1:8000, rebuilding on change
#   bash docs/build.sh build --site-dir DIR    more arguments go to mkdocs (the docs test
#                               builds into a folder of its own this way)
#
# Makes (or reuses) its own virtual environment, .venv-docs, with the versions pinned in
# constraints/docs.txt. The docs read the package's source without importing it, so this
# environment has no Airflow in it (ruff is there to format signatures). Set DOCS_VENV to use
# another folder.
set -euo pipefail
export NO_MKDOCS_2_WARNING=1
cd "$(dirname "$0")/.."

venv="${DOCS_VENV:-.venv-docs}"
constraints=constraints/docs.txt
stamp="$(sha256sum "$constraints" | cut -c1-16)"

if [ ! -x "$venv/bin/mkdocs" ] || [ "$(cat "$venv/.docs-stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "== Installing the docs tools into $venv"
  [ -x "$venv/bin/python" ] || python3.11 -m venv "$venv" 2>/dev/null || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q -c "$constraints" \
    mkdocs mkdocs-material 'mkdocstrings[python]' pymdown-extensions ruff 2>&1 \
    | { grep -v "is ignored" || true; }
  "$venv/bin/mkdocs" --version >/dev/null
  echo "$stamp" > "$venv/.docs-stamp"
fi

mode="${1:-build}"
[ $# -eq 0 ] || shift
if [ "$mode" = "serve" ]; then
  exec "$venv/bin/mkdocs" serve --strict --dev-addr 127.0.0.1:8000 "$@"
fi
exec "$venv/bin/mkdocs" build --strict --clean "$@"
