"""Shared test set-up: a throw-away AIRFLOW_HOME, a migrated SQLite DB, Hex connections.

The simulator fixtures (``hex_simulator``, ``hex_connection``) come from the package's
pytest plugin, ``airflow_provider_hex.testing.pytest_plugin``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from connections import HEX_HOST, QUICK, connect, hex_conn_json

from airflow_provider_hex.testing import HexSimulator

# Airflow reads its home at import time: point it at a fresh folder before anything imports it.
_HOME = Path(tempfile.mkdtemp(prefix="hex-provider-tests-"))
os.environ["AIRFLOW_HOME"] = str(_HOME)
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_HOME / 'airflow.db'}"
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(Path(__file__).parent.parent / "example_dags")
os.environ.setdefault("AIRFLOW__CORE__TEST_CONNECTION", "Enabled")

REPO = Path(__file__).resolve().parent.parent
API = HEX_HOST + "/api/v1"


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """Migrate the session's SQLite metadata DB once; tests that run DAGs depend on it."""
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        check=True,
        capture_output=True,
        env=os.environ.copy(),
    )
    return _HOME


@pytest.fixture(autouse=True)
def _fresh_process_state() -> Iterator[None]:
    """Every test starts without the shared request budgets, status readers and project
    title listings (and their cached answers) that another test left in this process."""
    from airflow_provider_hex.hooks.budget import reset_budgets
    from airflow_provider_hex.hooks.project_names import forget_project_titles
    from airflow_provider_hex.triggers.polling import reset_status_readers

    reset_budgets()
    reset_status_readers()
    forget_project_titles()
    yield
    reset_budgets()
    reset_status_readers()
    forget_project_titles()


@pytest.fixture
def sim() -> Iterator[HexSimulator]:
    """A started simulator without demo content, on real time."""
    with HexSimulator(seed_demo=False) as simulator:
        yield simulator


@pytest.fixture
def conn_id(monkeypatch: pytest.MonkeyPatch, sim: HexSimulator) -> str:
    """``hex_default`` pointing at ``sim``: one quick retry, no pacing."""
    return connect(monkeypatch, sim)


@pytest.fixture
def hex_conn(monkeypatch: pytest.MonkeyPatch) -> str:
    """``hex_default`` pointing at app.hex.tech (for requests-mock), with fast retries and
    no pacing, so unit tests neither sleep nor wait for a budget."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_HEX_DEFAULT",
        hex_conn_json(**(QUICK | {"max_retries": 5})),
    )
    return "hex_default"
