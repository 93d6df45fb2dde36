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


def guides_by_path(sim: HexSimulator) -> dict[str, Any]:
    with sim.lock:
        return {guide.file_path: guide for guide in sim.state.guides.values()}


def test_guides_example_publishes_the_folder_and_the_generated_guide(
    fast_hex: HexSimulator, run_example: RunExample
) -> None:
    result = run_example("example_hex_guides.py", "example_hex_guides")

    assert result.state == "success", result.states
    guides = guides_by_path(fast_hex)
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
