"""Chart images, cell output, embed URLs, agent threads and topics over real HTTP, against
the simulator (whose clock moves only when a test advances it)."""

from __future__ import annotations

import asyncio

import pytest

from airflow_provider_hex.exceptions import (
    HexInvalidInputError,
    HexNotFoundError,
    HexPermissionError,
    HexRateLimitError,
)
from airflow_provider_hex.hooks.base import aclose_shared_client
from airflow_provider_hex.hooks.hex import HexHook
from airflow_provider_hex.testing import HexSimulator, RateLimits
from airflow_provider_hex.testing.agent import answer_for
from airflow_provider_hex.testing.demo import (
    DEMO_PROJECT_ID,
    ERRORING_PROJECT_ID,
    ORDERS_CELL_ID,
    REGION_CHART_CELL_ID,
    REGION_CHART_STATIC_ID,
    REVENUE_CHART_STATIC_ID,
    SUMMARY_CELL_ID,
    UNPUBLISHED_PROJECT_ID,
)
from airflow_provider_hex.testing.png import png_size


@pytest.fixture
def hook(sim_hook: HexHook) -> HexHook:
    return sim_hook


def _completed_run(
    frozen_sim: HexSimulator, hook: HexHook, project_id: str = DEMO_PROJECT_ID
) -> str:
    run_id = hook.run_project(project_id)["runId"]
    frozen_sim.advance(60)
    return run_id


def test_chart_image_of_a_completed_run_is_a_png_of_the_asked_size(
    frozen_sim: HexSimulator, hook: HexHook
) -> None:
    run_id = _completed_run(frozen_sim, hook)
    image = hook.get_chart_image_from_run(
        DEMO_PROJECT_ID, run_id, REVENUE_CHART_STATIC_ID, width=300, height=200
    )
    assert png_size(image["image"]) == (300, 200)
    assert (image["runId"], image["staticId"], image["mimeType"]) == (
        run_id,
        REVENUE_CHART_STATIC_ID,
        "image/png",
    )
    default = hook.get_chart_image_from_run(DEMO_PROJECT_ID, run_id, REGION_CHART_STATIC_ID)
    assert png_size(default["image"]) == (800, 500)


def test_chart_image_errors_are_hex_s(frozen_sim: HexSimulator, hook: HexHook) -> None:
    active = hook.run_project(DEMO_PROJECT_ID)["runId"]
    with pytest.raises(HexInvalidInputError, match=r"RUNNING|PENDING"):
        hook.get_chart_image_from_run(DEMO_PROJECT_ID, active, REVENUE_CHART_STATIC_ID)
    frozen_sim.advance(60)
    with pytest.raises(HexNotFoundError):  # the orders cell's id is no static id
        hook.get_chart_image_from_run(DEMO_PROJECT_ID, active, ORDERS_CELL_ID)
    with pytest.raises(HexNotFoundError):  # the chart is not in the erroring project
        hook.get_chart_image_from_run(
            ERRORING_PROJECT_ID,
            _completed_run(frozen_sim, hook, ERRORING_PROJECT_ID),
            REGION_CHART_STATIC_ID,
        )


def test_chart_image_of_the_draft_by_id_or_static_id(
    frozen_sim: HexSimulator, hook: HexHook
) -> None:
    by_id = hook.get_chart_image_from_logic(REGION_CHART_CELL_ID, include_title=True)
    by_static = hook.get_chart_image_from_logic(REGION_CHART_STATIC_ID, include_title=True)
    assert by_id["image"] == by_static["image"]
    assert by_id["cellId"] == REGION_CHART_CELL_ID
    with pytest.raises(HexInvalidInputError, match="Only chart-type cells"):
        hook.get_chart_image_from_logic(SUMMARY_CELL_ID)


def test_chart_images_are_limited_to_their_group(frozen_sim: HexSimulator, hook: HexHook) -> None:
    frozen_sim.rate_limits = RateLimits(chart_images_per_minute=2)
    for _ in range(2):
        hook.get_chart_image_from_logic(REGION_CHART_CELL_ID)
    with pytest.raises(HexRateLimitError):
        hook.get_chart_image_from_logic(REGION_CHART_CELL_ID)


def test_cell_output_of_a_sql_cell(frozen_sim: HexSimulator, hook: HexHook) -> None:
    output = hook.get_cell_output(ORDERS_CELL_ID)
    assert output["cell"]["id"] == ORDERS_CELL_ID
    assert output["result"]["type"] == "table"
    assert [c["name"] for c in output["result"]["columns"]] == ["day", "revenue", "region"]
    assert all(isinstance(row["revenue"], str) for row in output["result"]["rows"])
    with pytest.raises(HexInvalidInputError, match="Only SQL cells"):
        hook.get_cell_output(SUMMARY_CELL_ID)


def test_presigned_url_is_signed_and_recorded(frozen_sim: HexSimulator, hook: HexHook) -> None:
    url = hook.create_presigned_url(DEMO_PROJECT_ID, scope=["EXPORT_CSV"], test_mode=True)["url"]
    assert url.startswith(f"{frozen_sim.url}/embed/{DEMO_PROJECT_ID}?signature=")
    with frozen_sim.lock:
        assert frozen_sim.state.embed_urls[-1]["body"] == {
            "scope": ["EXPORT_CSV"],
            "testMode": True,
        }
    with pytest.raises(HexInvalidInputError) as unpublished:
        hook.create_presigned_url(UNPUBLISHED_PROJECT_ID)
    assert unpublished.value.status == 422
    frozen_sim.state.embedding_enabled = False
    with pytest.raises(HexPermissionError, match="embedding is not enabled"):
        hook.create_presigned_url(DEMO_PROJECT_ID)


def test_thread_runs_then_answers_and_takes_a_follow_up(
    frozen_sim: HexSimulator, hook: HexHook
) -> None:
    started = hook.create_thread("How is revenue doing?", project_ids=[DEMO_PROJECT_ID])
    thread_id = started["threadId"]
    assert started["url"].endswith(f"/threads/{thread_id}")
    assert hook.get_thread(thread_id)["status"] == "RUNNING"
    with pytest.raises(HexInvalidInputError, match="idle"):
        hook.continue_thread(thread_id, "too early")
    frozen_sim.advance(5)
    thread = hook.get_thread(thread_id)
    assert thread["status"] == "IDLE"
    assert thread["response"] == [{"type": "text", "text": answer_for("How is revenue doing?")}]
    assert thread["topics"] == [{"id": thread["topics"][0]["id"], "name": "Revenue"}]

    hook.continue_thread(thread_id, "And in the EU?")
    assert hook.get_thread(thread_id)["status"] == "RUNNING"
    frozen_sim.advance(5)
    assert hook.get_thread(thread_id)["response"][0]["text"] == answer_for("And in the EU?")
    with frozen_sim.lock:
        assert [t.prompt for t in frozen_sim.state.agent.threads[thread_id].turns] == [
            "How is revenue doing?",
            "And in the EU?",
        ]


def test_thread_error_is_reported(frozen_sim: HexSimulator, hook: HexHook) -> None:
    frozen_sim.state.agent.outcomes = ["ERROR"]
    thread_id = hook.create_thread("q")["threadId"]
    frozen_sim.advance(5)
    thread = hook.get_thread(thread_id)
    assert thread["status"] == "ERROR"
    assert thread["error"]["type"] == "AGENT_ERROR"
    assert thread["response"] is None


def test_messages_page_from_the_newest_end(frozen_sim: HexSimulator, hook: HexHook) -> None:
    thread_id = hook.create_thread("first")["threadId"]
    frozen_sim.advance(5)
    hook.continue_thread(thread_id, "second")
    frozen_sim.advance(5)
    latest = hook.get_thread_messages(thread_id, limit=3)
    assert [m["text"].split(":")[0] for m in latest["values"]] == ["Assistant", "User", "Assistant"]
    assert latest["after"] is None
    assert latest["before"] is not None
    older = hook.get_thread_messages(thread_id, limit=3, before=latest["before"])
    assert [m["text"] for m in older["values"]] == ["User: first"]
    assert older["before"] is None


def test_threads_and_topics_are_listed_lazily(frozen_sim: HexSimulator, hook: HexHook) -> None:
    ids = [hook.create_thread(f"Marketing question {i}")["threadId"] for i in range(3)]
    listed = hook.list_threads(limit=2)
    assert [t["id"] for t in listed] == ids[::-1]
    assert frozen_sim.count("GET", r"/threads$") == 2
    topics = hook.list_topics(limit=2).all()
    assert [t["name"] for t in topics] == ["Inventory", "Marketing", "Revenue"]
    marketing = next(t["id"] for t in topics if t["name"] == "Marketing")
    revenue = next(t["id"] for t in topics if t["name"] == "Revenue")
    assert len(hook.list_threads(topic_ids=[marketing]).all()) == 3
    assert hook.list_threads(topic_ids=[revenue]).all() == []
    assert hook.list_threads(source="SLACK").all() == []


def test_a_workspace_without_threads_gets_a_clear_error(
    frozen_sim: HexSimulator, hook: HexHook
) -> None:
    frozen_sim.state.agent.enabled = False
    with pytest.raises(HexPermissionError, match="not enabled agent threads"):
        hook.create_thread("q")
    with frozen_sim.lock:
        frozen_sim.state.users[frozen_sim.state.token_user_id].role = "EDITOR"
    frozen_sim.state.agent.enabled = True
    with pytest.raises(HexPermissionError, match="Manager role"):
        hook.list_threads().all()


def test_async_get_thread(frozen_sim: HexSimulator, hook: HexHook) -> None:
    thread_id = hook.create_thread("q")["threadId"]
    frozen_sim.advance(5)

    async def read() -> str:
        try:
            return (await HexHook().aget_thread(thread_id))["status"]
        finally:
            await aclose_shared_client()

    assert asyncio.run(read()) == "IDLE"
