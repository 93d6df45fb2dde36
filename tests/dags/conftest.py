"""Fixtures for running the example DAGs under ``dag.test()`` against the simulator."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from dag_helpers import (
    EXAMPLES,
    TIME_SCALE,
    DagResult,
    activate_assets_on_airflow_3_0,
    collect,
    load_dag_bag,
    speed_up,
)

from airflow_provider_hex.testing import HexSimulator


@pytest.fixture
def fast_hex(monkeypatch: pytest.MonkeyPatch) -> Iterator[HexSimulator]:
    """A demo-seeded simulator running ``TIME_SCALE`` times faster than real time, with
    ``hex_default`` pointing at it."""
    with HexSimulator(time_scale=TIME_SCALE) as sim:
        monkeypatch.setenv("AIRFLOW_CONN_HEX_DEFAULT", sim.airflow_connection_json())
        yield sim


@pytest.fixture
def hex_sim(fast_hex: HexSimulator, monkeypatch: pytest.MonkeyPatch) -> HexSimulator:
    """``fast_hex`` without the client-side request pacing (about one status read every two
    seconds), for DAGs that send many requests and would otherwise spend most of the test
    waiting on it."""
    conn = {"conn_type": "hex", "host": fast_hex.url, "password": fast_hex.token}
    monkeypatch.setenv(
        "AIRFLOW_CONN_HEX_DEFAULT", json.dumps({**conn, "extra": {"rate_budget": False}})
    )
    return fast_hex


@pytest.fixture
def run_example(airflow_db: Path) -> Callable[[str, str], DagResult]:
    """Return ``run(file_name, dag_id)``: load an example DAG, run it with ``dag.test()``
    (fast polling) and collect its task states and XComs."""

    def run(file_name: str, dag_id: str) -> DagResult:
        bag = load_dag_bag(EXAMPLES / file_name)
        assert bag.import_errors == {}
        dag = bag.dags[dag_id]
        activate_assets_on_airflow_3_0(bag)
        speed_up(dag)
        return collect(dag.test())

    return run
