"""Every hook method's request matches its row of the endpoint table
(:mod:`airflow_provider_hex.operations`): method, path, rate-limit group, and whether it may
be sent again after an ambiguous failure; and the table's retry rule is the one its
docstring states (a POST is sent once unless its row says otherwise)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import test_hook_data_requests as data_cases
import test_hook_outputs_threads as output_cases
import test_hook_requests as request_cases
from hook_support import API
from zip_support import zip_of

from airflow_provider_hex.hooks.base import HexHookBase
from airflow_provider_hex.hooks.hex import HexHook
from airflow_provider_hex.hooks.transport import HexRequest
from airflow_provider_hex.operations import (
    ENDPOINTS,
    HEX_OPERATIONS,
    REPEATABLE_METHODS,
    endpoint_for,
    may_repeat,
)

SEMANTIC = data_cases.SEMANTIC


def every_call() -> dict[str, tuple[Callable[[HexHook], Any], str, str, Any, int]]:
    """Each hook call of the request tests: (call, method, path, answer, status)."""
    calls = {
        name: (case.call, case.method, case.path, case.answer, case.status)
        for module in (request_cases, data_cases)
        for name, case in module.CASES.items()
    }
    for name, (call, method, path, _q, _b, answer, _r) in output_cases.CASES.items():
        calls[name] = (call, method, path, answer, 200)
    calls["ingest_semantic_project"] = (
        lambda h: h.ingest_semantic_project(SEMANTIC, zip_of({"a.yml": "x"})),
        "POST",
        f"/semantic-projects/{SEMANTIC}/ingest",
        {"contents": []},
        201,
    )
    return calls


CALLS = every_call()


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[HexRequest]:
    """The requests the hook hands to its transport."""
    seen: list[HexRequest] = []
    send = HexHookBase._call

    def recording(self: HexHookBase, request: HexRequest) -> Any:
        seen.append(request)
        return send(self, request)

    monkeypatch.setattr(HexHookBase, "_call", recording)
    return seen


@pytest.mark.parametrize("name", sorted(CALLS))
def test_the_request_matches_its_row_of_the_table(
    name: str, hook: HexHook, requests_mock: Any, sent: list[HexRequest]
) -> None:
    call, method, path, answer, status = CALLS[name]
    requests_mock.register_uri(
        method, API + path, status_code=status, **({} if answer is None else {"json": answer})
    )

    call(hook)

    assert len(sent) == 1
    request = sent[0]
    row = endpoint_for(request.method, request.path)
    assert row is not None, f"{request.method} {request.path} is not in the table"
    assert (request.method, request.path) == (method, path)
    assert request.rate_group == row.rate_group, row.operation
    assert request.may_repeat is row.safe_to_repeat, row.operation
    assert request.idempotent is None, "the table decides; the request states nothing"


def test_the_calls_reach_every_operation_of_the_table() -> None:
    reached = set()
    for _call, method, path, _answer, _status in CALLS.values():
        row = endpoint_for(method, path)
        assert row is not None, (method, path)
        reached.add(row.operation)

    assert reached == set(ENDPOINTS)
    assert len(HEX_OPERATIONS) == 52


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("POST", "/projects/5a8591dd/runs", False),  # RunProject: starts a run
        ("POST", "/threads", False),  # CreateThread: starts an agent run
        ("POST", "/cells", False),  # CreateCell: each try adds a cell
        ("POST", "/projects/export", True),  # row says REPEAT
        ("POST", "/semantic-projects/3b0c/ingest", True),  # row says REPEAT
        ("GET", "/projects/5a8591dd/runs/78c3", True),
        ("DELETE", "/projects/5a8591dd/runs/78c3", True),
        ("PATCH", "/cells/497f", True),
        ("POST", "/a/new/endpoint", False),  # not in the table: a POST is sent once
        ("GET", "/a/new/endpoint", True),
    ],
)
def test_whether_a_request_may_be_repeated_follows_its_row_then_its_method(
    method: str, path: str, expected: bool
) -> None:
    assert may_repeat(method, path) is expected
    assert HexRequest(method, path).may_repeat is expected


def test_a_request_that_states_its_rule_overrides_the_table() -> None:
    assert HexRequest("POST", "/projects/export", idempotent=False).may_repeat is False
    assert HexRequest("POST", "/cells", idempotent=True).may_repeat is True


def test_only_post_is_sent_once_by_default() -> None:
    assert "POST" not in REPEATABLE_METHODS
    posts_repeated = sorted(
        e.operation for e in ENDPOINTS.values() if e.method == "POST" and e.safe_to_repeat
    )
    assert posts_repeated == [
        "CreatePresignedUrl",
        "DeactivateUser",
        "ExportProject",
        "IngestSemanticProject",
        "PublishGuideDrafts",
    ]


def test_literal_paths_win_over_templated_ones() -> None:
    assert endpoint_for("POST", "/projects/export").operation == "ExportProject"  # type: ignore[union-attr]
    assert endpoint_for("GET", "/guides/draft/list").operation == "ListDraftGuides"  # type: ignore[union-attr]
    assert endpoint_for("GET", "/users/me").operation == "Me"  # type: ignore[union-attr]
    assert endpoint_for("PUT", "/projects/5a8591dd") is None
