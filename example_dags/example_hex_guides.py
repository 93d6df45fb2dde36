"""Keep Hex workspace guides in version control and publish them from Airflow.

The guide files live next to this DAG, in ``guides/``; their paths there become the guides'
paths in Hex. ``upload_guides`` saves every file as a draft and ``publish_guides``
publishes exactly those drafts. ``discard_stale_draft`` drops a draft nobody wants any
more (a draft already gone is fine, so the DAG can run again and again).

A second flow writes a guide from live data: ``describe_data_connections`` lists the
workspace's data connections through the hook and returns the guide's text, which is
uploaded and published the same way.

To try it without a Hex account, start the simulator
(``python -m airflow_provider_hex.testing``) and point the ``hex_default`` connection at
it. Hex takes at most 100,000 characters per guide file; a longer file fails the upload
before anything is sent, naming the file.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import dag, task

from airflow_provider_hex.operators.guides import (
    HexDeleteGuideDraftOperator,
    HexPublishGuideDraftsOperator,
    HexUpsertGuideDraftsOperator,
)

# A draft in the simulator's demo workspace (synced from another repository).
STALE_DRAFT_PATH = "metrics/revenue.md"


@dag(
    dag_id="example_hex_guides",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    tags=["example", "hex"],
)
def example_hex_guides() -> None:
    """Publish the guides of the ``guides/`` folder, and one generated from live data."""

    # [START howto_operator_hex_delete_guide_draft]
    discard_stale_draft = HexDeleteGuideDraftOperator(
        task_id="discard_stale_draft",
        file_path=STALE_DRAFT_PATH,  # or guide_id="..."
    )
    # [END howto_operator_hex_delete_guide_draft]

    # [START howto_operator_hex_upsert_guide_drafts_folder]
    upload_guides = HexUpsertGuideDraftsOperator(
        task_id="upload_guides",
        folder="guides",  # relative to this file's folder
        pattern="**/*.md",
    )
    # [END howto_operator_hex_upsert_guide_drafts_folder]

    # [START howto_operator_hex_publish_guide_drafts]
    publish_guides = HexPublishGuideDraftsOperator(
        task_id="publish_guides",
        guide_ids=upload_guides.output["guide_ids"],  # the drafts just uploaded
    )
    # [END howto_operator_hex_publish_guide_drafts]

    discard_stale_draft >> upload_guides >> publish_guides

    # [START howto_operator_hex_upsert_guide_drafts_strings]
    @task
    def describe_data_connections() -> dict[str, str]:
        """Write a guide listing the workspace's data connections: {path: markdown}."""
        from airflow_provider_hex.hooks.hex import HexHook

        rows = [
            f"| {conn['name']} | {conn['type']} | `{conn['id']}` |"
            for conn in HexHook().list_data_connections()
        ]
        table = "\n".join(["| Name | Type | Id |", "|---|---|---|", *rows])
        return {"data-connections.md": f"# Data connections\n\n{table}\n"}

    upload_generated_guide = HexUpsertGuideDraftsOperator(
        task_id="upload_generated_guide",
        files=describe_data_connections(),
    )
    HexPublishGuideDraftsOperator(
        task_id="publish_generated_guide",
        guide_ids=upload_generated_guide.output["guide_ids"],
    )
    # [END howto_operator_hex_upsert_guide_drafts_strings]


example_hex_guides()
