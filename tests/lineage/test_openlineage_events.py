"""OpenLineage events of a real ``dag.test()`` run, through the real OpenLineage provider.

The provider's ``file`` transport writes the events; each DAG runs in a subprocess so that
the provider reads its configuration fresh (it caches it per process). Skipped when the
OpenLineage provider is not installed, unless ``HEX_REQUIRE_OPENLINEAGE=1`` (the test script
sets it for the Airflow version that installs the extra), where that is a failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_hex.assets import hex_project_uri
from airflow_provider_hex.testing import HexSimulator
from airflow_provider_hex.testing.demo import (
    DEMO_PROJECT_ID,
    ERRORING_PROJECT_ID,
    POSTGRES_CONNECTION_ID,
    SNOWFLAKE_CONNECTION_ID,
)

if os.environ.get("HEX_REQUIRE_OPENLINEAGE") != "1":
    pytest.importorskip("airflow.providers.openlineage", reason="OpenLineage provider absent")

pytestmark = pytest.mark.airflow

REPO = Path(__file__).resolve().parents[2]
CASES = REPO / "tests" / "dags" / "files"
RUN_DAG = """
import sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
assert not bag.import_errors, bag.import_errors
for task in bag.dags[sys.argv[2]].tasks:
    if hasattr(task, "poll_interval"):
        task.poll_interval = 0.5
bag.dags[sys.argv[2]].test()
"""


@pytest.fixture
def lineage_sim(monkeypatch: pytest.MonkeyPatch) -> Any:
    with HexSimulator(time_scale=10.0) as simulator:
        simulator.set_queried_tables(
            DEMO_PROJECT_ID,
            [
                (SNOWFLAKE_CONNECTION_ID, "ANALYTICS.PUBLIC.ORDERS"),
                (SNOWFLAKE_CONNECTION_ID, "PUBLIC.CUSTOMERS"),
                (POSTGRES_CONNECTION_ID, "public.refunds"),
            ],
        )
        simulator.set_queried_tables(
            ERRORING_PROJECT_ID, [(POSTGRES_CONNECTION_ID, "public.etl_checks")]
        )
        yield simulator


def run_dag(lineage_sim: HexSimulator, tmp_path: Path, dag_file: Path, dag_id: str) -> list[dict]:
    """Run one DAG with dag.test() in a subprocess; return the OpenLineage events it wrote."""
    events = tmp_path / "openlineage.jsonl"
    local = "airflow.dag_processing.bundles.local.LocalDagBundle"
    env = {
        **os.environ,
        "AIRFLOW_CONN_HEX_DEFAULT": json.dumps(
            {
                "conn_type": "hex",
                "host": lineage_sim.url,
                "password": lineage_sim.token,
                "extra": {"rate_budget": False},
            }
        ),
        "HEX_HOST": lineage_sim.url,
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(
            {"type": "file", "log_file_path": str(events), "append": True}
        ),
        "AIRFLOW__OPENLINEAGE__NAMESPACE": "hex-provider-tests",
        "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST": json.dumps(
            [
                {"name": "dags-folder", "classpath": local, "kwargs": {}},
                {"name": "hex-test-cases", "classpath": local, "kwargs": {"path": str(CASES)}},
            ]
        ),
    }
    done = subprocess.run(
        [sys.executable, "-c", RUN_DAG, str(dag_file), dag_id],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert events.exists(), "the OpenLineage provider wrote no event"
    return [json.loads(line) for line in events.read_text().splitlines() if line.strip()]


def task_event(events: list[dict], task_id: str, event_type: str) -> dict:
    found = [
        e
        for e in events
        if e.get("eventType") == event_type and e["job"]["name"].endswith(f".{task_id}")
    ]
    assert len(found) == 1, [(e.get("eventType"), e["job"]["name"]) for e in events]
    return found[0]


def test_a_completed_run_reports_the_tables_it_read_and_the_project_it_updated(
    lineage_sim: HexSimulator, tmp_path: Path, airflow_db: Path
) -> None:
    events = run_dag(
        lineage_sim,
        tmp_path,
        REPO / "example_dags" / "example_hex_lineage.py",
        "example_hex_lineage",
    )

    complete = task_event(events, "refresh_sales_report", "COMPLETE")
    inputs = {(d["namespace"], d["name"]) for d in complete["inputs"]}
    assert inputs == {
        ("snowflake://acme-prod", "ANALYTICS.PUBLIC.ORDERS"),
        ("snowflake://acme-prod", "ANALYTICS.PUBLIC.CUSTOMERS"),
        ("postgres://db.example.com:5432", "analytics.public.refunds"),
    }
    host = lineage_sim.url.split("://", 1)[1]
    outputs = [(d["namespace"], d["name"]) for d in complete["outputs"]]
    assert (f"hex://{host}", f"projects/{DEMO_PROJECT_ID}") in outputs
    hex_run = complete["run"]["facets"]["hex_run"]
    assert hex_run["status"] == "COMPLETED"
    assert hex_run["runUrl"].endswith(hex_run["runId"])
    assert hex_run["elapsedSeconds"] > 0
    assert hex_run["runTrigger"] == "API"
    assert complete["run"]["facets"]["externalQuery"]["externalQueryId"] == hex_run["runId"]
    project = complete["job"]["facets"]["hex_project"]
    assert project["title"] == "Daily sales report"
    assert project["projectId"] == DEMO_PROJECT_ID
    assert hex_project_uri(DEMO_PROJECT_ID, lineage_sim.url).endswith(f"projects/{DEMO_PROJECT_ID}")
    # one GetQueriedTables and one GetProject for the project, one read per connection
    assert lineage_sim.count("GET", rf"/projects/{DEMO_PROJECT_ID}/queriedTables") == 1
    assert lineage_sim.count("GET", r"/data-connections/") == 2


def test_an_errored_run_gives_a_fail_event_with_its_status(
    lineage_sim: HexSimulator, tmp_path: Path, airflow_db: Path
) -> None:
    events = run_dag(
        lineage_sim, tmp_path, CASES / "hex_lineage_cases.py", "hex_case_lineage_failed"
    )

    fail = task_event(events, "run_broken_check", "FAIL")
    assert [(d["namespace"], d["name"]) for d in fail["inputs"]] == [
        ("postgres://db.example.com:5432", "analytics.public.etl_checks")
    ]
    assert fail["run"]["facets"]["hex_run"]["status"] == "ERRORED"
    assert fail["outputs"][0]["name"] == f"projects/{ERRORING_PROJECT_ID}"
