"""The ETL hand-off operators refuse bad input before any request, and handle Hex's
limits and refusals as documented (against the simulator; ``sim``/``conn_id`` fixtures)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_hex.exceptions import HexInvalidArgumentError, HexPermissionError
from airflow_provider_hex.operators.data_connections import (
    HexUpdateDataConnectionSchemaOperator,
)
from airflow_provider_hex.operators.project_admin import (
    HexCreateProjectOperator,
    HexExportProjectOperator,
)
from airflow_provider_hex.operators.semantic import (
    HexIngestSemanticProjectOperator,
    HexUpdateSemanticProjectOperator,
)
from airflow_provider_hex.testing import HexSimulator, RateLimits

CTX: Any = {}
CONN = "04ca4a56-3118-4a14-a171-f911c7ea3f73"
SEMANTIC = "3b0c7d1e-6f2a-4e59-8c41-9d2e7a5b6c10"
PROJECT = "5a8591dd-4039-49df-9202-96385ba3eff8"
ENDORSE = [{"type": "TABLE", "name": "a.b.c", "status": "Endorsed"}]

pytestmark = pytest.mark.usefixtures("conn_id")


@pytest.mark.parametrize(
    ("make", "argument"),
    [
        (
            lambda: HexUpdateDataConnectionSchemaOperator(
                task_id="t", data_connection_id="warehouse", updates=ENDORSE
            ),
            "data_connection_id",
        ),
        (
            lambda: HexUpdateDataConnectionSchemaOperator(
                task_id="t",
                data_connection_id=CONN,
                updates=[{"type": "COLUMN", "name": "a.b.c.d", "status": "Endorsed"}],
            ),
            "updates[0]['type']",
        ),
        (
            lambda: HexUpdateDataConnectionSchemaOperator(
                task_id="t",
                data_connection_id=CONN,
                updates=[{"type": "TABLE", "name": "a.b.c", "status": True}],
            ),
            "updates[0]['status']",
        ),
        (
            lambda: HexUpdateSemanticProjectOperator(
                task_id="t",
                semantic_project_id=SEMANTIC,
                updates=[{"type": "DATASET", "name": "orders", "state": "Endorsed"}],
            ),
            "updates[0]",
        ),
        (
            lambda: HexIngestSemanticProjectOperator(
                task_id="t", semantic_project_id="x", folder="."
            ),
            "semantic_project_id",
        ),
        (
            lambda: HexExportProjectOperator(
                task_id="t", project_ids=[PROJECT, "nope"], destination="file:///x"
            ),
            "project_ids[1]",
        ),
        (
            lambda: HexExportProjectOperator(
                task_id="t", project_ids=PROJECT, destination="file:///x", version="v2"
            ),
            "version",
        ),
        (lambda: HexCreateProjectOperator(task_id="t", title=" "), "title"),
    ],
    ids=[
        "schema-id",
        "schema-type",
        "schema-status",
        "semantic-key",
        "semantic-id",
        "export-ids",
        "export-version",
        "create-title",
    ],
)
def test_literal_bad_arguments_fail_when_the_dag_is_parsed(
    sim: HexSimulator, make: Any, argument: str
) -> None:
    with pytest.raises(HexInvalidArgumentError) as caught:
        make()
    assert caught.value.argument == argument
    assert sim.requests == []


def test_templated_batch_is_checked_in_full_before_sending(sim: HexSimulator) -> None:
    op = HexUpdateDataConnectionSchemaOperator(
        task_id="t", data_connection_id=CONN, updates="{{ ti.xcom_pull('etl') }}"
    )
    op.updates = [*ENDORSE, {"type": "TABLE", "name": "x.y.z", "status": "Gold", "why": 1}]
    with pytest.raises(HexInvalidArgumentError, match=r"updates\[1\]"):
        op.execute(CTX)
    assert sim.requests == []


def test_empty_folder_is_refused_before_any_request(sim: HexSimulator, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a model")
    op = HexIngestSemanticProjectOperator(
        task_id="t", semantic_project_id=SEMANTIC, folder=str(tmp_path), patterns=["*.yml"]
    )
    with pytest.raises(HexInvalidArgumentError, match=r"no file matching \['\*.yml'\]"):
        op.execute(CTX)
    empty = tmp_path / "empty"
    empty.mkdir()
    op.folder, op.patterns = str(empty), None
    with pytest.raises(HexInvalidArgumentError, match="holds no files to ingest"):
        op.execute(CTX)
    assert sim.requests == []


def test_missing_and_oversize_folders_are_refused(sim: HexSimulator, tmp_path: Path) -> None:
    op = HexIngestSemanticProjectOperator(
        task_id="t", semantic_project_id=SEMANTIC, folder=str(tmp_path / "nope")
    )
    with pytest.raises(HexInvalidArgumentError, match="is not an existing folder"):
        op.execute(CTX)
    (tmp_path / "big.yml").write_bytes(os.urandom(5000))  # does not compress
    op = HexIngestSemanticProjectOperator(
        task_id="t", semantic_project_id=SEMANTIC, folder=str(tmp_path), max_archive_bytes=1000
    )
    with pytest.raises(HexInvalidArgumentError, match="zips to more than max_archive_bytes=1000"):
        op.execute(CTX)
    assert sim.requests == []


def test_ingest_waits_for_hexs_three_a_minute_limit_instead_of_failing(
    sim: HexSimulator, tmp_path: Path
) -> None:
    project = sim.add_semantic_project("Models")
    (tmp_path / "m.yml").write_text("datasets:\n  - name: orders\n")
    sim.rate_limits = RateLimits(semantic_ingests_per_minute=3, window_scale=0.02)
    op = HexIngestSemanticProjectOperator(
        task_id="t", semantic_project_id=project, folder=str(tmp_path)
    )

    results = [op.execute(CTX) for _ in range(4)]  # the 4th meets a 429 (1 quick retry)

    assert sim.stats["rate_limited"] >= 1
    assert all(r["contents"] == ["dataset:orders"] for r in results)
    with sim.lock:
        assert sim.state.catalog.semantic_projects[project].ingests == 4


@pytest.mark.parametrize("where", ["under-a-file", "unknown-store"])
def test_export_to_an_unwritable_destination_is_refused_before_any_request(
    sim: HexSimulator, tmp_path: Path, where: str
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    destination = (
        (blocker / "exports").as_uri() if where == "under-a-file" else "nosuchstore://bucket/x"
    )
    op = HexExportProjectOperator(task_id="t", project_ids=PROJECT, destination=destination)
    with pytest.raises(HexInvalidArgumentError) as caught:
        op.execute(CTX)
    assert caught.value.argument == "destination"
    assert "is not a writable folder" in str(caught.value)
    assert sim.requests == []


def test_export_without_export_access_says_so_and_writes_nothing(
    sim: HexSimulator, tmp_path: Path
) -> None:
    project = sim.add_project("Report")
    sim.disable_operation("ExportProject")
    op = HexExportProjectOperator(task_id="t", project_ids=project, destination=tmp_path.as_uri())
    with pytest.raises(HexPermissionError, match="ExportProject is available only to"):
        op.execute(CTX)
    assert list(tmp_path.iterdir()) == []


def test_projects_sharing_a_title_get_one_file_each(sim: HexSimulator, tmp_path: Path) -> None:
    first, second = sim.add_project("Report"), sim.add_project("Report")
    op = HexExportProjectOperator(
        task_id="t", project_ids=[first, second, first], destination=tmp_path.as_uri()
    )

    paths = op.execute(CTX)

    assert [Path(p).name for p in paths] == [
        f"report-{first}.hex.yaml",
        f"report-{second}.hex.yaml",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(Path(p).name for p in paths)
