"""``cancel_or_read_run`` and its async twin: cancel a run, and if Hex refuses because the run
has already ended, return its final status instead; any other refusal stands."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hook_support import API, PROJECT, RUN, RUN_URL

from airflow_provider_hex.exceptions import HexInvalidInputError
from airflow_provider_hex.hooks.hex import HexHook

RUN_PATH = f"{API}/projects/{PROJECT}/runs/{RUN}"
REFUSED = {"status_code": 422, "json": {"reason": "run is not active"}}


def status(value: str) -> dict[str, Any]:
    return {"projectId": PROJECT, "runId": RUN, "runUrl": RUN_URL, "status": value}


def test_a_cancel_that_goes_through_returns_none(hook: HexHook, requests_mock: Any) -> None:
    requests_mock.delete(RUN_PATH, status_code=204)

    assert hook.cancel_or_read_run(PROJECT, RUN) is None
    assert [r.method for r in requests_mock.request_history] == ["DELETE"]


def test_a_run_that_had_ended_gives_its_final_status(hook: HexHook, requests_mock: Any) -> None:
    requests_mock.delete(RUN_PATH, **REFUSED)
    requests_mock.get(RUN_PATH, json=status("COMPLETED"))

    assert hook.cancel_or_read_run(PROJECT, RUN) == status("COMPLETED")
    assert [r.method for r in requests_mock.request_history] == ["DELETE", "GET"]


def test_a_refusal_for_a_run_still_going_is_raised(hook: HexHook, requests_mock: Any) -> None:
    requests_mock.delete(RUN_PATH, **REFUSED)
    requests_mock.get(RUN_PATH, json=status("RUNNING"))

    with pytest.raises(HexInvalidInputError):
        hook.cancel_or_read_run(PROJECT, RUN)


@pytest.mark.parametrize(
    ("refused", "read", "expected"),
    [(False, None, None), (True, "ERRORED", status("ERRORED"))],
    ids=["cancelled", "had-ended"],
)
def test_the_async_twin_answers_the_same(
    hook: HexHook,
    monkeypatch: pytest.MonkeyPatch,
    refused: bool,
    read: str | None,
    expected: Any,
) -> None:
    calls: list[str] = []

    async def acancel_run(project_id: str, run_id: str, *, run_url: str | None = None) -> None:
        calls.append(f"cancel {run_id}")
        if refused:
            raise HexInvalidInputError(
                status=422, message="run is not active", method="DELETE", path="/runs"
            )

    async def aget_run_status(project_id: str, run_id: str, **_: Any) -> dict[str, Any]:
        calls.append(f"read {run_id}")
        return status(read or "RUNNING")

    monkeypatch.setattr(hook, "acancel_run", acancel_run)
    monkeypatch.setattr(hook, "aget_run_status", aget_run_status)

    assert asyncio.run(hook.acancel_or_read_run(PROJECT, RUN)) == expected
    assert calls == [f"cancel {RUN}", *([f"read {RUN}"] if refused else [])]
