"""Create a Hex project, then back it up with an existing one as ``.hex.yaml`` files.

``HexCreateProjectOperator`` makes an empty project (titles need not be unique: each
successful try makes a new one) and pushes its id; ``HexExportProjectOperator`` writes one
file per project to any Airflow object store and returns the files' URLs. ExportProject is
enabled per workspace by Hex support.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path

from airflow.sdk import dag

from airflow_provider_hex.operators.project_admin import (
    HexCreateProjectOperator,
    HexExportProjectOperator,
)

PROJECT_ID = os.environ.get("HEX_PROJECT_ID", "5a8591dd-4039-49df-9202-96385ba3eff8")
EXPORT_DESTINATION = os.environ.get(
    "HEX_EXPORT_DESTINATION", (Path(tempfile.gettempdir()) / "hex-exports").as_uri()
)


@dag(
    dag_id="example_hex_project_backup",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    tags=["example", "hex"],
)
def example_hex_project_backup() -> None:
    """Create a scratch project, then export it and the report."""
    # [START howto_operator_hex_create_project]
    create_project = HexCreateProjectOperator(
        task_id="create_project",
        title="Backfill checks {{ ds }}",
        description="Made by Airflow",
    )
    # [END howto_operator_hex_create_project]

    HexExportProjectOperator(
        task_id="export_projects",
        project_ids=[PROJECT_ID, create_project.output["id"]],
        destination=EXPORT_DESTINATION + "/backups",
    )


example_hex_project_backup()
