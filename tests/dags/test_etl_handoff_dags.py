"""The ETL hand-off and project backup examples run green under ``dag.test()`` against the
simulator and leave the simulated workspace (and the export folder) as they say."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from dag_helpers import EXAMPLES, DagResult

from airflow_provider_hex.testing import HexSimulator, demo

pytestmark = pytest.mark.airflow

RunExample = Callable[[str, str], DagResult]


@pytest.fixture
def handoff_sim(
    fast_hex: HexSimulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> HexSimulator:
    """``fast_hex`` without client-side pacing, exporting into ``tmp_path/exports``."""
    conn = {"conn_type": "hex", "host": fast_hex.url, "password": fast_hex.token}
    monkeypatch.setenv(
        "AIRFLOW_CONN_HEX_DEFAULT", json.dumps({**conn, "extra": {"rate_budget": False}})
    )
    monkeypatch.setenv("HEX_EXPORT_DESTINATION", (tmp_path / "exports").as_uri())
    monkeypatch.setenv("HEX_CHARTS_FOLDER", (tmp_path / "charts").as_uri())
    return fast_hex


def test_etl_handoff_endorses_tables_ingests_models_runs_and_exports(
    handoff_sim: HexSimulator, run_example: RunExample, tmp_path: Path
) -> None:
    before = handoff_sim.stats["runs_started"]
    result = run_example("example_hex_etl_handoff.py", "example_hex_etl_handoff")

    assert result.state == "success", result.states
    with handoff_sim.lock:
        schema = handoff_sim.state.catalog.schema(demo.SNOWFLAKE_CONNECTION_ID)
        assert schema.status("TABLE", "ANALYTICS.PUBLIC.ORDERS") == "Endorsed"
        assert schema.status("TABLE", "ANALYTICS.PUBLIC.CUSTOMERS") == "Endorsed"
        assert schema.status("TABLE", "ANALYTICS.STAGING.RAW_ORDERS") == "Deprecated"
        semantic = handoff_sim.state.catalog.semantic_projects[demo.SEMANTIC_PROJECT_ID]
        folder = EXAMPLES / "semantic_models"
        assert {name: data for name, data in semantic.files.items()} == {
            p.name: p.read_bytes() for p in folder.glob("*.yml")
        }
        assert semantic.datasets == {"orders": "Endorsed", "customers": None}
        assert list(semantic.views) == ["revenue"]
    assert handoff_sim.stats["runs_started"] == before + 1
    ingest = result.xcom("sync_semantic_models")
    assert ingest["files"] == ["metrics.yml", "orders.yml"]
    assert "dataset:orders" in ingest["contents"]
    (path,) = result.xcom("back_up_report")
    exported = Path(path.removeprefix("file://"))
    assert exported.parent.parent == tmp_path / "exports"
    assert exported.name == "daily-sales-report.hex.yaml"
    assert 'title: "Daily sales report"' in exported.read_text()
    assert result.xcom("list_exports") == ["daily-sales-report.hex.yaml"]
    charts = [Path(p.removeprefix("file://")) for p in result.xcom("refresh_report")["charts"]]
    assert sorted(p.name for p in charts) == ["regions.png", "revenue.png"]
    assert all(p.parent.parent == tmp_path / "charts" for p in charts)
    assert all(p.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") for p in charts)
    assert result.xcom("list_charts") == ["regions.png", "revenue.png"]


def test_project_backup_creates_a_project_and_exports_both(
    handoff_sim: HexSimulator, run_example: RunExample, tmp_path: Path
) -> None:
    result = run_example("example_hex_project_backup.py", "example_hex_project_backup")

    assert result.state == "success", result.states
    created = result.xcom("create_project")
    assert result.xcom("create_project", key="id") == created["id"]
    with handoff_sim.lock:
        project = handoff_sim.state.projects[created["id"]]
        assert project.title.startswith("Backfill checks ")
        assert project.description == "Made by Airflow"
    paths = [Path(p.removeprefix("file://")) for p in result.xcom("export_projects")]
    assert [p.parent for p in paths] == [tmp_path / "exports" / "backups"] * 2
    assert paths[0].name == "daily-sales-report.hex.yaml"
    assert f'projectId: "{created["id"]}"' in paths[1].read_text()
    assert f'projectId: "{demo.DEMO_PROJECT_ID}"' in paths[0].read_text()
