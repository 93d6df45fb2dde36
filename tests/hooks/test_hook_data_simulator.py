"""Data connections, queried tables, semantic projects, project creation and export over
real HTTP against the simulator, with its state checked afterwards."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from hook_support import conn_json
from zip_support import zip_of

from airflow_provider_hex.exceptions import (
    HexInvalidInputError,
    HexNotFoundError,
    HexPermissionError,
)
from airflow_provider_hex.hooks.hex import HexHook
from airflow_provider_hex.testing import HexSimulator, RateLimits
from airflow_provider_hex.testing.demo import (
    DEMO_PROJECT_ID,
    SEMANTIC_PROJECT_ID,
    SNOWFLAKE_CONNECTION_ID,
    UNPUBLISHED_PROJECT_ID,
)

SECRET = "s3cr3t-Pa55word"
PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----MIIEv-hidden"
PG = {"hostname": "db.internal", "port": 5432, "database": "a", "username": "etl"}


@pytest.fixture
def data_sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[HexSimulator]:
    """The demo simulator (frozen clock); ``hex_default`` points at it, no pacing."""
    with HexSimulator(time_scale=0) as simulator:
        monkeypatch.setenv(
            "AIRFLOW_CONN_HEX_DEFAULT",
            conn_json(simulator.url, simulator.token, rate_budget=False, max_retries=0),
        )
        yield simulator


@pytest.fixture
def hook(data_sim: HexSimulator) -> Iterator[HexHook]:
    with HexHook() as hex_hook:
        yield hex_hook


def test_create_project_makes_an_unpublished_project(hook: HexHook, data_sim: HexSimulator) -> None:
    project = hook.create_project("Backfill", description="from Airflow")
    with data_sim.lock:
        made = data_sim.state.projects[project["id"]]
        assert (made.title, made.description, made.published) == (
            "Backfill",
            "from Airflow",
            False,
        )
    assert project["title"] == "Backfill"


def test_export_project_returns_the_projects_yaml(hook: HexHook) -> None:
    export = hook.export_project(DEMO_PROJECT_ID, version="latest")
    assert export["filename"] == "daily-sales-report.hex.yaml"
    assert f'projectId: "{DEMO_PROJECT_ID}"' in export["content"]
    assert 'title: "Daily sales report"' in export["content"]
    assert "cells:\n  - id:" in export["content"]


def test_export_of_an_unknown_version_is_not_found(hook: HexHook) -> None:
    with pytest.raises(HexNotFoundError, match="has no version 99"):
        hook.export_project(DEMO_PROJECT_ID, version=99)


def test_export_in_a_workspace_without_it_says_so(hook: HexHook, data_sim: HexSimulator) -> None:
    data_sim.disable_operation("ExportProject")
    with pytest.raises(HexPermissionError, match="ExportProject is available only to"):
        hook.export_project(DEMO_PROJECT_ID)


def test_queried_tables_are_those_the_test_declared_page_by_page(
    hook: HexHook, data_sim: HexSimulator
) -> None:
    conn = data_sim.add_data_connection("Lake", "postgres", PG)
    tables = [(conn, f"public.t{i}") for i in range(5)]
    data_sim.set_queried_tables(DEMO_PROJECT_ID, tables)
    data_sim.clear_requests()

    found = hook.get_queried_tables(DEMO_PROJECT_ID, limit=2).all()

    assert [(t["dataConnectionId"], t["tableName"]) for t in found] == tables
    assert {t["dataConnectionName"] for t in found} == {"Lake"}
    assert data_sim.count("GET", "/queriedTables$") == 3


def test_queried_tables_of_an_unpublished_project_are_refused(hook: HexHook) -> None:
    with pytest.raises(HexInvalidInputError, match="422"):
        hook.get_queried_tables(UNPUBLISHED_PROJECT_ID).all()


def test_data_connection_round_trip_keeps_secrets_in_hex_only(
    hook: HexHook, data_sim: HexSimulator
) -> None:
    made = hook.create_data_connection(
        "Warehouse", "postgres", {**PG, "password": SECRET}, connect_via_ssh=True
    )
    edited = hook.edit_data_connection(
        made["id"],
        name="Warehouse (prod)",
        connection_type="postgres",
        connection_details={"password": SECRET + "-2", "port": 6432},
    )
    fetched = hook.get_data_connection(made["id"])

    with data_sim.lock:
        assert data_sim.state.catalog.connection_secrets[made["id"]] == {"password": SECRET + "-2"}
        assert data_sim.state.data_connections[made["id"]].details["port"] == 6432
    assert fetched["name"] == edited["name"] == "Warehouse (prod)"
    assert fetched["connectViaSsh"] is True
    assert SECRET not in repr([made, edited, fetched])


def test_schema_statuses_are_applied_as_one_batch(hook: HexHook, data_sim: HexSimulator) -> None:
    result = hook.update_data_connection_schema(
        SNOWFLAKE_CONNECTION_ID,
        [
            {"type": "TABLE", "name": "ANALYTICS.PUBLIC.ORDERS", "status": "Endorsed"},
            {"type": "SCHEMA", "name": "ANALYTICS.STAGING", "status": "Deprecated"},
        ],
    )
    assert result["updated"]["tables"] == [
        {"name": "ANALYTICS.PUBLIC.ORDERS", "status": "Endorsed"}
    ]
    with data_sim.lock:
        schema = data_sim.state.catalog.schema(SNOWFLAKE_CONNECTION_ID)
        assert schema.status("TABLE", "ANALYTICS.PUBLIC.ORDERS") == "Endorsed"
        assert schema.status("SCHEMA", "ANALYTICS.STAGING") == "Deprecated"


def test_a_refused_update_changes_nothing_and_names_every_failure(
    hook: HexHook, data_sim: HexSimulator
) -> None:
    with pytest.raises(HexInvalidInputError) as caught:
        hook.update_data_connection_schema(
            SNOWFLAKE_CONNECTION_ID,
            [
                {"type": "TABLE", "name": "ANALYTICS.PUBLIC.ORDERS", "status": "Endorsed"},
                {"type": "TABLE", "name": "ANALYTICS.PUBLIC.NOPE", "status": "Endorsed"},
                {"type": "DATABASE", "name": "ANALYTICS", "status": "Gold"},
            ],
        )
    assert "not_found" in str(caught.value)
    assert "invalid_status" in str(caught.value)
    with data_sim.lock:
        assert (
            data_sim.state.catalog.schema(SNOWFLAKE_CONNECTION_ID).status(
                "TABLE", "ANALYTICS.PUBLIC.ORDERS"
            )
            is None
        )


def test_ingest_stores_the_archives_files_and_its_datasets(
    hook: HexHook, data_sim: HexSimulator
) -> None:
    archive = zip_of(
        {
            "models/orders.yml": "semantic_models:\n  - name: orders\n  - name: customers\n",
            "models/metrics.yml": "metrics:\n  - name: revenue\n",
            "README.md": "notes",
        }
    )
    result = hook.ingest_semantic_project(SEMANTIC_PROJECT_ID, archive)

    assert result["contents"] == ["dataset:orders", "dataset:customers", "view:revenue"]
    assert result["warnings"] == ["README.md: not a YAML file, ignored"]
    with data_sim.lock:
        project = data_sim.state.catalog.semantic_projects[SEMANTIC_PROJECT_ID]
        assert set(project.files) == {"models/orders.yml", "models/metrics.yml", "README.md"}
        assert list(project.datasets) == ["orders", "customers"]
        assert project.ingests == 1


def test_a_dry_run_ingest_stores_nothing(hook: HexHook, data_sim: HexSimulator) -> None:
    hook.ingest_semantic_project(
        SEMANTIC_PROJECT_ID, zip_of({"a.yml": "datasets:\n  - name: x\n"}), dry_run=True
    )
    with data_sim.lock:
        assert data_sim.state.catalog.semantic_projects[SEMANTIC_PROJECT_ID].ingests == 0


def test_an_archive_without_datasets_is_refused_with_hexs_problem(hook: HexHook) -> None:
    with pytest.raises(HexInvalidInputError, match="declares no dataset or view"):
        hook.ingest_semantic_project(SEMANTIC_PROJECT_ID, zip_of({"a.yml": "version: 2\n"}))


def test_ingest_waits_out_the_three_per_minute_limit(
    data_sim: HexSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_sim.rate_limits = RateLimits(semantic_ingests_per_minute=3, window_scale=0.01)
    data_sim.clock.time_scale = 1.0
    monkeypatch.setenv(
        "AIRFLOW_CONN_HEX_DEFAULT",
        conn_json(
            data_sim.url, data_sim.token, rate_budget=False, max_retries=5, retry_backoff=0.05
        ),
    )
    archive = zip_of({"a.yml": "datasets:\n  - name: x\n"})
    with HexHook() as hook:
        for _ in range(5):
            hook.ingest_semantic_project(SEMANTIC_PROJECT_ID, archive)
    assert data_sim.stats["rate_limited"] >= 1
    with data_sim.lock:
        assert data_sim.state.catalog.semantic_projects[SEMANTIC_PROJECT_ID].ingests == 5


def test_semantic_statuses_are_applied(hook: HexHook, data_sim: HexSimulator) -> None:
    result = hook.update_semantic_project(
        SEMANTIC_PROJECT_ID, [{"type": "DATASET", "name": "orders", "status": "Endorsed"}]
    )
    assert result["updated"]["datasets"] == [{"name": "orders", "status": "Endorsed"}]
    with data_sim.lock:
        assert data_sim.state.catalog.semantic_projects[SEMANTIC_PROJECT_ID].datasets == {
            "orders": "Endorsed"
        }


def test_secrets_never_reach_logs_errors_or_results(
    hook: HexHook, data_sim: HexSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    try:
        from airflow.sdk._shared.secrets_masker import redact
    except ImportError:  # Airflow 3.0
        from airflow.sdk.execution_time.secrets_masker import redact

    caplog.set_level(logging.DEBUG)
    details = {"accountName": "a", "warehouse": "w", "database": "d", "username": "u"}
    secrets = {"privateKey": PRIVATE_KEY, "passphrase": SECRET}
    made = hook.create_data_connection("Snow", "snowflake", {**details, **secrets})
    with pytest.raises(HexInvalidInputError) as caught:  # missing required keys: Hex says 400
        hook.create_data_connection("Snow", "snowflake", {"passphrase": SECRET + "x"})
    invalid = None
    try:
        hook.create_data_connection("Snow", "snowflake", SECRET)  # type: ignore[arg-type]
    except ValueError as err:
        invalid = err

    said = " ".join([caplog.text, str(caught.value), repr(caught.value), str(invalid), repr(made)])
    assert SECRET not in said
    assert PRIVATE_KEY not in said
    # Registered with Airflow's masker: task logs and rendered templates show *** instead.
    assert SECRET not in str(redact(f"template rendered with {SECRET}"))
    assert PRIVATE_KEY not in str(redact({"key": PRIVATE_KEY}))


def test_an_error_echoing_a_secret_is_cut(hook: HexHook) -> None:
    """Hex quoting the body back in an error: the transport cuts the secret out."""
    from airflow_provider_hex.hooks.transport import HexRequest

    request = HexRequest("POST", "/data-connections", secrets=(SECRET,))
    with pytest.raises(HexInvalidInputError) as caught:
        hook.transport.result(
            request, 400, f'{{"reason": "bad password {SECRET}"}}', {"Content-Type": "json"}
        )
    assert SECRET not in str(caught.value)
    assert "<secret hidden>" in str(caught.value)
