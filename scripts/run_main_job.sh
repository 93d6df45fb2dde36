#!/usr/bin/env bash
# The main job: run the first example DAG (example_hex_run_project) in a real Airflow
# (scheduler, triggerer, DAG processor, API server) against the bundled Hex simulator, and
# print what happened: the Hex run's status transitions, its URL, the requests Hex received,
# and how long a worker was held compared with the run's length.
#
# Works on a fresh machine with Python 3.11: makes (or reuses) .venv, installing Airflow
# 3.3.2 and this package with the pins in constraints/ when present. Arguments go to
# scripts/run_main_job.py (--help lists them). Takes under a minute after the install.
set -euo pipefail
cd "$(dirname "$0")/.."

AIRFLOW_VERSION=3.3.2
if [ -f scripts/lib_env.sh ]; then
  source scripts/lib_env.sh
  ensure_venv .venv "$AIRFLOW_VERSION"
elif [ ! -x .venv/bin/airflow ]; then
  python3.11 -m venv .venv 2>/dev/null || python3 -m venv .venv
  constraints=()
  [ -f "constraints/airflow-$AIRFLOW_VERSION.txt" ] &&
    constraints=(-c "constraints/airflow-$AIRFLOW_VERSION.txt")
  .venv/bin/python -m pip install -q "${constraints[@]}" "apache-airflow==$AIRFLOW_VERSION" -e .
fi

exec .venv/bin/python scripts/run_main_job.py "$@"
