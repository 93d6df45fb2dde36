"""The content-management example DAGs run green under ``dag.test()`` against the simulator,
and leave Hex (the simulator's workspace) changed the way they say."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from dag_helpers import EXAMPLES, DagResult

from airflow_provider_hex.testing import HexSimulator, demo

pytestmark = pytest.mark.airflow

RunExample = Callable[[str, str], DagResult]


def test_manage_content_example_edits_runs_shares_and_administers(
    hex_sim: HexSimulator, run_example: RunExample
) -> None:
    result = run_example("example_hex_manage_content.py", "example_hex_manage_content")

    assert result.state == "success", result.states
    ws = hex_sim.state
    with hex_sim.lock:
        orders = ws.cells[demo.ORDERS_CELL_ID]
        assert orders.source.startswith("select order_id, ordered_at, region, amount")
        assert "where region = {{ region }}" in orders.source  # Hex's own Jinja kept
        assert orders.data_connection_id == demo.SNOWFLAKE_CONNECTION_ID
        runs = [r for r in ws.runs.values() if r.project_id == demo.DEMO_PROJECT_ID]
        assert any(r.trigger == "API" and r.input_params["region"] == "EMEA" for r in runs)
        sharing = ws.projects[demo.DEMO_PROJECT_ID].sharing
        assert sharing.groups[demo.FINANCE_GROUP_ID] == "CAN_VIEW"
        assert sharing.users[demo.VIEWER_USER_ID] == "APP_ONLY"
        assert sharing.workspace == "APP_ONLY"
        assert ws.projects[demo.DEMO_PROJECT_ID].status == "Endorsed"
        assert not [c for c in ws.cells.values() if c.label == "orders_check"]
        assert "Regional leads" not in {g.name for g in ws.groups.values()}
        (collection,) = [c for c in ws.collections.values() if c.name == "Regional reporting"]
        assert collection.groups == {demo.FINANCE_GROUP_ID: "MEMBER"}
        assert collection.users[demo.VIEWER_USER_ID] == "MANAGER"
        assert ws.users[demo.DEACTIVATED_USER_ID].deactivated
    assert result.xcom("run_report")["status"] == "COMPLETED"
    assert result.xcom("edit_group")["added"] == [demo.FINANCE_USER_ID, demo.VIEWER_USER_ID]
    assert result.xcom("delete_group")["deleted"] is True
    assert result.xcom("offboard_user")["already_inactive"] is True
    assert result.xcom("find_warehouse") == demo.SNOWFLAKE_CONNECTION_ID
    assert {"id": demo.DEMO_PROJECT_ID, "title": "Daily sales report"} in result.xcom(
        "list_endorsed_projects"
    )
    assert result.xcom("recent_runs")[0]["status"] == "COMPLETED"
    assert result.xcom("group_member_emails") == ["felix@example.com"]


def guides_by_path(sim: HexSimulator) -> dict[str, Any]:
    with sim.lock:
        return {guide.file_path: guide for guide in sim.state.guides.values()}


def test_guides_example_publishes_the_folder_and_the_generated_guide(
    hex_sim: HexSimulator, run_example: RunExample
) -> None:
    result = run_example("example_hex_guides.py", "example_hex_guides")

    assert result.state == "success", result.states
    guides = guides_by_path(hex_sim)
    folder = EXAMPLES / "guides"
    for path in sorted(folder.glob("**/*.md")):
        name = path.relative_to(folder).as_posix()
        assert guides[name].published == path.read_text(encoding="utf-8"), name
        assert guides[name].draft is None, name
    assert "Snowflake (prod)" in guides["data-connections.md"].published
    assert demo.DRAFT_GUIDE_ID not in {g.id for g in guides.values()}
    assert result.xcom("discard_stale_draft")["deleted"] is True
    assert sorted(result.xcom("publish_guides")["guide_ids"]) == sorted(
        result.xcom("upload_guides", key="guide_ids")
    )


def test_guides_example_folder_holds_only_guides_within_hex_limits() -> None:
    for path in (EXAMPLES / "guides").glob("**/*"):
        if path.is_file():
            assert path.suffix == ".md", path
            assert len(path.read_text(encoding="utf-8")) <= 100_000, path
