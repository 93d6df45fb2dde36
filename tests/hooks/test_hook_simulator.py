"""The hook end to end over real HTTP, against the Hex simulator."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import pytest
from hook_support import conn_json

from airflow_provider_hex.exceptions import (
    HexAuthError,
    HexConnectionError,
    HexInvalidInputError,
    HexRateLimitError,
    HexResponseError,
    HexServerError,
)
from airflow_provider_hex.hooks.base import aclose_shared_client
from airflow_provider_hex.hooks.hex import HexHook
from airflow_provider_hex.testing import Fault, HexSimulator, RunScript
from airflow_provider_hex.testing.demo import (
    DEMO_PROJECT_ID,
    ORDERS_CELL_LABEL,
    UNPUBLISHED_PROJECT_ID,
)
from airflow_provider_hex.types import TERMINAL_STATUSES, RunStatus

RUNS_PATH = rf"/projects/{DEMO_PROJECT_ID}/runs$"


@pytest.fixture
def hook(sim_hook: HexHook) -> HexHook:
    return sim_hook


def test_run_is_started_and_polled_to_completed(frozen_sim: HexSimulator, hook: HexHook) -> None:
    started = hook.run_project(DEMO_PROJECT_ID, {"region": "EU"})
    seen = []
    for _ in range(20):
        run = hook.get_run_status(DEMO_PROJECT_ID, started["runId"], run_url=started["runUrl"])
        seen.append(run["status"])
        if RunStatus(run["status"]) in TERMINAL_STATUSES:
            break
        frozen_sim.advance(1)

    assert seen[0] == RunStatus.PENDING
    assert RunStatus.RUNNING in seen
    assert seen[-1] == RunStatus.COMPLETED
    assert run["runId"] == started["runId"]
    assert frozen_sim.count("POST", RUNS_PATH) == 1


def test_running_run_is_cancelled_to_killed(frozen_sim: HexSimulator, hook: HexHook) -> None:
    started = hook.run_project(DEMO_PROJECT_ID)
    frozen_sim.advance(2)
    assert hook.get_run_status(DEMO_PROJECT_ID, started["runId"])["status"] == "RUNNING"

    hook.cancel_run(DEMO_PROJECT_ID, started["runId"], run_url=started["runUrl"])

    assert hook.get_run_status(DEMO_PROJECT_ID, started["runId"])["status"] == "KILLED"
    with pytest.raises(HexInvalidInputError) as caught:
        hook.cancel_run(DEMO_PROJECT_ID, started["runId"], run_url=started["runUrl"])
    assert started["runUrl"] in str(caught.value)


def test_cells_of_a_project_are_listed(hook: HexHook) -> None:
    cells = hook.list_cells(DEMO_PROJECT_ID, limit=2).all()

    assert ORDERS_CELL_LABEL in [cell["label"] for cell in cells]
    assert all(cell["projectId"] == DEMO_PROJECT_ID for cell in cells)
    assert len({cell["id"] for cell in cells}) == len(cells)


def test_projects_are_paginated_until_the_last_page(
    frozen_sim: HexSimulator, hook: HexHook
) -> None:
    projects = hook.list_projects(limit=2).all()

    assert len(projects) == len({p["id"] for p in projects}) >= 5
    assert UNPUBLISHED_PROJECT_ID in {p["id"] for p in projects}
    assert frozen_sim.count("GET", r"/projects$") == -(-len(projects) // 2)


def test_bad_token_is_refused_with_auth_error(
    frozen_sim: HexSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_HEX_DEFAULT", conn_json(frozen_sim.url, "hxtp_wrong", rate_budget=False)
    )

    with pytest.raises(HexAuthError) as caught:
        HexHook().get_project(DEMO_PROJECT_ID)

    assert caught.value.status == 401
    assert "hxtp_wrong" not in str(caught.value)
    ok, message = HexHook().test_connection()
    assert not ok
    assert "refused the API token" in message


def test_rate_limited_read_is_retried_after_retry_after(
    frozen_sim: HexSimulator, hook: HexHook, caplog: pytest.LogCaptureFixture
) -> None:
    frozen_sim.add_fault(Fault("429", retry_after=0.2, method="GET", path=r"/projects/[^/]+$"))
    caplog.set_level(logging.WARNING, logger="airflow_provider_hex.transport")

    project = hook.get_project(DEMO_PROJECT_ID)

    assert project["id"] == DEMO_PROJECT_ID
    assert frozen_sim.count("GET", r"/projects/[^/]+$") == 2
    (retry,) = [r.getMessage() for r in caplog.records if "HTTP 429" in r.getMessage()]
    wait = float(re.search(r"in ([0-9.]+)s$", retry).group(1))  # type: ignore[union-attr]
    assert 0.2 <= wait <= 0.3


def test_rate_limit_longer_than_max_retry_wait_is_raised(
    frozen_sim: HexSimulator, hook: HexHook
) -> None:
    frozen_sim.add_fault(Fault("429", retry_after=60, method="GET"))

    with pytest.raises(HexRateLimitError) as caught:
        hook.get_project(DEMO_PROJECT_ID)

    assert caught.value.retry_after == 60


@pytest.mark.parametrize("kind", ["500", "502", "504", "reset", "reset_after_commit"], ids=str)
def test_run_start_is_not_repeated_after_ambiguous_failure(
    frozen_sim: HexSimulator, hook: HexHook, kind: str
) -> None:
    frozen_sim.add_fault(Fault(kind, method="POST", path=RUNS_PATH))

    with pytest.raises(HexServerError if kind.isdigit() else HexConnectionError):
        hook.run_project(DEMO_PROJECT_ID)

    assert frozen_sim.count("POST", RUNS_PATH) == 1


def test_lost_answer_to_run_start_leaves_exactly_one_run(
    frozen_sim: HexSimulator, hook: HexHook
) -> None:
    before = len(hook.get_project_runs(DEMO_PROJECT_ID).all())
    frozen_sim.add_fault(Fault("reset_after_commit", method="POST", path=RUNS_PATH))

    with pytest.raises(HexConnectionError) as caught:
        hook.run_project(DEMO_PROJECT_ID)

    assert caught.value.may_have_reached_hex
    assert "a run may have started" in str(caught.value)
    assert frozen_sim.count("POST", RUNS_PATH) == 1
    runs = hook.get_project_runs(DEMO_PROJECT_ID).all()
    assert len(runs) == before + 1
    assert frozen_sim.stats["runs_started"] == 1


@pytest.mark.parametrize("kind", ["429", "503"], ids=str)
def test_run_start_is_repeated_when_nothing_started(
    frozen_sim: HexSimulator, hook: HexHook, kind: str
) -> None:
    frozen_sim.add_fault(Fault(kind, method="POST", path=RUNS_PATH))

    started = hook.run_project(DEMO_PROJECT_ID)

    assert frozen_sim.count("POST", RUNS_PATH) == 2
    assert frozen_sim.stats["runs_started"] == 1
    assert frozen_sim.run_status(started["runId"]) == "PENDING"


def test_html_and_malformed_answers_are_clear_errors(
    frozen_sim: HexSimulator, hook: HexHook
) -> None:
    frozen_sim.add_fault(Fault("malformed", method="GET", path=r"/users/me$"))
    with pytest.raises(HexResponseError, match="not JSON"):
        hook.get_current_user()
    frozen_sim.add_fault(Fault("html", count=10, method="GET", path=r"/users/me$"))
    with pytest.raises(HexServerError, match="HTML page"):
        hook.get_current_user()


def test_project_runs_pages_follow_offsets(frozen_sim: HexSimulator, hook: HexHook) -> None:
    project = frozen_sim.add_project("Many runs", scripts=[RunScript(0, 0, "COMPLETED")])
    for _ in range(5):
        hook.run_project(project)

    pager = hook.get_project_runs(project, limit=2)
    first = pager.page()

    assert len(first["values"]) == 2
    assert first["after"] == "2"
    assert len(pager.all()) == 5
    assert pager.page(after="4")["after"] is None


def test_async_status_and_cancel(frozen_sim: HexSimulator, hook: HexHook) -> None:
    started = hook.run_project(DEMO_PROJECT_ID)
    frozen_sim.advance(2)

    async def go() -> tuple[str, str]:
        async_hook = HexHook()
        try:
            running = await async_hook.aget_run_status(DEMO_PROJECT_ID, started["runId"])
            await async_hook.acancel_run(DEMO_PROJECT_ID, started["runId"])
            killed = await async_hook.aget_run_status(DEMO_PROJECT_ID, started["runId"])
            page = await async_hook.aget_project_runs(DEMO_PROJECT_ID, limit=1)
            assert page["values"][0]["runId"] == started["runId"]
            return running["status"], killed["status"]
        finally:
            await aclose_shared_client()

    assert asyncio.run(go()) == ("RUNNING", "KILLED")


def test_async_hooks_on_one_loop_share_connections(frozen_sim: HexSimulator) -> None:
    started = HexHook().run_project(DEMO_PROJECT_ID)
    before = frozen_sim.stats["connections"]

    async def go() -> list[str]:
        hooks = [HexHook() for _ in range(10)]
        try:
            answers = await asyncio.gather(
                *(
                    h.aget_run_status(DEMO_PROJECT_ID, started["runId"])
                    for h in hooks
                    for _ in range(3)
                )
            )
            return [a["status"] for a in answers]
        finally:
            await aclose_shared_client()

    statuses = asyncio.run(go())

    assert statuses == ["PENDING"] * 30
    assert frozen_sim.stats["connections"] - before <= 20  # the shared client's pool, not 30


def test_async_path_reads_connection_without_blocking_get_connection(
    frozen_sim: HexSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = HexHook().run_project(DEMO_PROJECT_ID)

    def blocking(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the async path called the blocking get_connection")

    monkeypatch.setattr(HexHook, "get_connection", blocking)

    async def go() -> str:
        try:
            run = await HexHook().aget_run_status(DEMO_PROJECT_ID, started["runId"])
            return run["status"]
        finally:
            await aclose_shared_client()

    assert asyncio.run(go()) == "PENDING"


def test_debug_logs_of_a_real_exchange_hide_token(
    frozen_sim: HexSimulator, hook: HexHook, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    frozen_sim.add_fault(Fault("503", method="GET"))
    frozen_sim.add_fault(Fault("reset", method="GET"))

    hook.get_project(DEMO_PROJECT_ID)

    async def go() -> None:
        try:
            await HexHook().aget_project_runs(DEMO_PROJECT_ID)
        finally:
            await aclose_shared_client()

    asyncio.run(go())
    assert caplog.records
    for record in caplog.records:
        assert frozen_sim.token not in record.getMessage()
        assert frozen_sim.token not in repr(record.args)
