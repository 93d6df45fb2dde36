"""Chart images, cell output, embed URLs, agent threads and topics: the exact request each
hook method sends, what it returns, and what it refuses before sending anything."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from hook_support import API, CELL, PROJECT, RUN, USER

from airflow_provider_hex.exceptions import (
    HexConnectionError,
    HexInvalidArgumentError,
    HexNotFoundError,
    HexPermissionError,
    HexResponseError,
    HexServerError,
)
from airflow_provider_hex.hooks.hex import HexHook
from airflow_provider_hex.hooks.transport import CHART_IMAGE_GROUP, RUN_START_GROUP, HexRequest

STATIC = "3f0d3c4e-7a51-4bb0-9a3e-0c1d2e3f4a5b"
THREAD = "9b2e1f3a-4c5d-4e6f-8a7b-1c2d3e4f5a6b"
TOPIC = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
PNG = b"\x89PNG\r\n\x1a\nfake-png-body"
B64 = base64.b64encode(PNG).decode()
THREAD_URL = f"https://app.hex.tech/threads/{THREAD}"
STARTED = {"threadId": THREAD, "url": THREAD_URL, "createdAt": "2026-01-01T00:00:00Z"}
THREAD_OBJ = {"threadId": THREAD, "status": "IDLE", "url": THREAD_URL, "response": []}
OUTPUT = {
    "projectId": PROJECT,
    "runId": RUN,
    "cell": {"id": CELL, "staticId": STATIC, "cellType": "SQL"},
    "result": {"type": "table", "columns": [], "rows": []},
}

# (call, method, path, query, body, answer, result)
CASES: dict[str, tuple[Callable[[HexHook], Any], str, str, dict[str, list[str]], Any, Any, Any]] = {
    "chart-from-run": (
        lambda h: h.get_chart_image_from_run(PROJECT, RUN, STATIC),
        "GET",
        f"/projects/{PROJECT}/runs/{RUN}/cells/{STATIC}/image",
        {},
        None,
        {
            "projectId": PROJECT,
            "runId": RUN,
            "staticId": STATIC,
            "imageBase64": B64,
            "mimeType": "image/png",
        },
        {
            "projectId": PROJECT,
            "runId": RUN,
            "staticId": STATIC,
            "image": PNG,
            "mimeType": "image/png",
        },
    ),
    "chart-from-run-sized": (
        lambda h: h.get_chart_image_from_run(
            PROJECT, RUN, STATIC, width=640, height=480, include_title=True
        ),
        "GET",
        f"/projects/{PROJECT}/runs/{RUN}/cells/{STATIC}/image",
        {"width": ["640"], "height": ["480"], "includeTitle": ["true"]},
        None,
        {"imageBase64": B64, "mimeType": "image/png"},
        {"image": PNG, "mimeType": "image/png"},
    ),
    "chart-from-logic": (
        lambda h: h.get_chart_image_from_logic(CELL, include_title=False),
        "GET",
        f"/cells/{CELL}/image",
        {"includeTitle": ["false"]},
        None,
        {"cellId": CELL, "imageBase64": B64, "mimeType": "image/png"},
        {"cellId": CELL, "image": PNG, "mimeType": "image/png"},
    ),
    "cell-output": (
        lambda h: h.get_cell_output(CELL),
        "GET",
        f"/cells/{CELL}/output",
        {},
        None,
        OUTPUT,
        OUTPUT,
    ),
    "presigned-url-minimal": (
        lambda h: h.create_presigned_url(PROJECT),
        "POST",
        f"/embedding/createPresignedUrl/{PROJECT}",
        {},
        {},
        {"url": "https://app.hex.tech/embed/x?sig=1"},
        {"url": "https://app.hex.tech/embed/x?sig=1"},
    ),
    "presigned-url-every-option": (
        lambda h: h.create_presigned_url(
            PROJECT,
            user_attributes={"orgId": "acme"},
            scope=["EXPORT_PDF"],
            input_params={"region": "EU"},
            expires_in_ms=60_000,
            display_options={"theme": "dark", "noEmbedFooter": True},
            test_mode=True,
        ),
        "POST",
        f"/embedding/createPresignedUrl/{PROJECT}",
        {},
        {
            "hexUserAttributes": {"orgId": "acme"},
            "scope": ["EXPORT_PDF"],
            "inputParameters": {"region": "EU"},
            "expiresIn": 60_000,
            "displayOptions": {"theme": "dark", "noEmbedFooter": True},
            "testMode": True,
        },
        {"url": "u"},
        {"url": "u"},
    ),
    "create-thread-minimal": (
        lambda h: h.create_thread("Why did revenue drop?"),
        "POST",
        "/threads",
        {},
        {"prompt": "Why did revenue drop?"},
        STARTED,
        STARTED,
    ),
    "create-thread-every-option": (
        lambda h: h.create_thread(
            "Why?",
            data_connection_id=CELL,
            table_ids=["db.schema.orders"],
            semantic_dataset_ids=["ds1"],
            semantic_view_ids=["v1"],
            project_ids=[PROJECT],
            project_id=PROJECT,
            new_project=False,
            muted=True,
        ),
        "POST",
        "/threads",
        {},
        {
            "prompt": "Why?",
            "attachments": {
                "dataConnectionId": CELL,
                "tableIds": ["db.schema.orders"],
                "semanticDatasetIds": ["ds1"],
                "semanticViewIds": ["v1"],
                "projectIds": [PROJECT],
            },
            "projectId": PROJECT,
            "newProject": False,
            "muted": True,
        },
        STARTED,
        STARTED,
    ),
    "continue-thread": (
        lambda h: h.continue_thread(THREAD, "And in the EU?", project_ids=[PROJECT]),
        "POST",
        f"/threads/{THREAD}/followup",
        {},
        {"prompt": "And in the EU?", "attachments": {"projectIds": [PROJECT]}},
        {"threadId": THREAD, "url": THREAD_URL},
        {"threadId": THREAD, "url": THREAD_URL},
    ),
    "get-thread": (
        lambda h: h.get_thread(THREAD),
        "GET",
        f"/threads/{THREAD}",
        {},
        None,
        THREAD_OBJ,
        THREAD_OBJ,
    ),
    "list-threads-page": (
        lambda h: h.list_threads(
            source="PUBLIC_API",
            user_id=USER,
            thread_type="THREADS",
            num_days=7,
            has_feedback=False,
            topic_ids=[TOPIC, TOPIC],
            limit=10,
        ).page(after="c1"),
        "GET",
        "/threads",
        {
            "limit": ["10"],
            "source": ["PUBLIC_API"],
            "userId": [USER],
            "type": ["THREADS"],
            "numDays": ["7"],
            "hasFeedback": ["false"],
            "topicIds": [f"{TOPIC},{TOPIC}"],
            "after": ["c1"],
        },
        None,
        {"threads": [{"id": THREAD}], "pagination": {"after": "c2", "before": "c0"}},
        {"values": [{"id": THREAD}], "after": "c2", "before": "c0"},
    ),
    "thread-messages": (
        lambda h: h.get_thread_messages(THREAD, full=True, limit=50, before="c9"),
        "GET",
        f"/threads/{THREAD}/messages",
        {"limit": ["50"], "full": ["true"], "before": ["c9"]},
        None,
        {
            "content": [{"type": "text", "text": "User: hi", "createdAt": "t"}],
            "pagination": {"after": None, "before": None},
        },
        {
            "values": [{"type": "text", "text": "User: hi", "createdAt": "t"}],
            "after": None,
            "before": None,
        },
    ),
    "list-topics-page": (
        lambda h: h.list_topics(limit=100).page(),
        "GET",
        "/context/topics",
        {"limit": ["100"]},
        None,
        {
            "topics": [{"id": TOPIC, "name": "Revenue"}],
            "pagination": {"after": None, "before": None},
        },
        {"values": [{"id": TOPIC, "name": "Revenue"}], "after": None, "before": None},
    ),
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_method_sends_the_documented_request(hook: HexHook, requests_mock: Any, case: Any) -> None:
    call, method, path, query, body, answer, result = case
    requests_mock.register_uri(method, API + path, json=answer)

    assert call(hook) == result

    sent = requests_mock.last_request
    assert requests_mock.call_count == 1
    assert (sent.method, urlsplit(sent.url).path) == (method, "/api/v1" + path)
    assert parse_qs(urlsplit(sent.url).query) == query
    assert (sent.json() if sent.body else None) == body


def test_every_page_of_threads_is_read_lazily(hook: HexHook, requests_mock: Any) -> None:
    requests_mock.get(
        API + "/threads",
        [
            {"json": {"threads": [{"id": "a"}], "pagination": {"after": "c1", "before": None}}},
            {"json": {"threads": [{"id": "b"}], "pagination": {"after": None, "before": "c1"}}},
        ],
    )
    pager = hook.list_threads()
    assert requests_mock.call_count == 0
    assert [t["id"] for t in pager] == ["a", "b"]
    assert parse_qs(urlsplit(requests_mock.request_history[1].url).query)["after"] == ["c1"]


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda h: h.get_chart_image_from_run("nope", RUN, STATIC), "project_id"),
        (lambda h: h.get_chart_image_from_run(PROJECT, RUN, "../x"), "static_id"),
        (lambda h: h.get_chart_image_from_run(PROJECT, RUN, STATIC, width=640), "height"),
        (lambda h: h.get_chart_image_from_logic(CELL, width=50, height=400), "width"),
        (lambda h: h.get_chart_image_from_logic(CELL, width=400, height=2001), "height"),
        (lambda h: h.get_chart_image_from_logic(CELL, include_title="yes"), "include_title"),
        (lambda h: h.get_cell_output("cell-1"), "cell_id"),
        (lambda h: h.create_presigned_url(PROJECT, scope=["EXPORT_XLS"]), "scope"),
        (lambda h: h.create_presigned_url(PROJECT, expires_in_ms=600_000), "expires_in_ms"),
        (
            lambda h: h.create_presigned_url(PROJECT, user_attributes={"a": 1}),
            "user_attributes['a']",
        ),
        (
            lambda h: h.create_presigned_url(PROJECT, display_options={"theme": "blue"}),
            "display_options.theme",
        ),
        (lambda h: h.create_presigned_url(PROJECT, display_options={"zoom": 2}), "display_options"),
        (lambda h: h.create_thread(""), "prompt"),
        (lambda h: h.create_thread("q", data_connection_id="snowflake"), "data_connection_id"),
        (lambda h: h.create_thread("q", project_ids=["p1"]), "project_ids[0]"),
        (lambda h: h.create_thread("q", table_ids="orders"), "table_ids"),
        (lambda h: h.continue_thread("thread-1", "q"), "thread_id"),
        (lambda h: h.get_thread("thread-1"), "thread_id"),
        (lambda h: h.list_threads(source="EMAIL"), "source"),
        (lambda h: h.list_threads(thread_type="CHAT"), "thread_type"),
        (lambda h: h.list_threads(num_days=0), "num_days"),
        (lambda h: h.list_threads(topic_ids=["revenue"]), "topic_ids[0]"),
        (lambda h: h.get_thread_messages(THREAD, limit=51), "limit"),
        (lambda h: h.get_thread_messages(THREAD, after="a", before="b"), "before"),
        (lambda h: h.list_topics(limit=0), "limit"),
    ],
)
def test_bad_arguments_are_refused_before_any_request(
    hook: HexHook, requests_mock: Any, call: Callable[[HexHook], Any], argument: str
) -> None:
    with pytest.raises(HexInvalidArgumentError) as raised:
        call(hook)
    assert raised.value.argument == argument
    assert requests_mock.call_count == 0


@pytest.mark.parametrize(
    ("call", "method", "path", "expected"),
    [
        (lambda h: h.create_thread("q"), "POST", "/threads", "enabled agent threads"),
        (lambda h: h.get_thread(THREAD), "GET", f"/threads/{THREAD}", "enabled agent threads"),
        (lambda h: h.list_threads().page(), "GET", "/threads", "Manager role"),
        (lambda h: h.list_topics().page(), "GET", "/context/topics", "enabled agent threads"),
        (lambda h: h.get_cell_output(CELL), "GET", f"/cells/{CELL}/output", "unstable"),
        (
            lambda h: h.create_presigned_url(PROJECT),
            "POST",
            f"/embedding/createPresignedUrl/{PROJECT}",
            "embedding is not enabled",
        ),
    ],
)
@pytest.mark.parametrize("status", [403, 404])
def test_refusal_of_a_limited_operation_names_the_likely_cause(
    hook: HexHook,
    requests_mock: Any,
    call: Callable[[HexHook], Any],
    method: str,
    path: str,
    expected: str,
    status: int,
) -> None:
    body = {"code": "FORBIDDEN", "message": "Insufficient access", "issues": []}
    requests_mock.register_uri(method, API + path, status_code=status, json=body)
    with pytest.raises((HexPermissionError, HexNotFoundError)) as raised:
        call(hook)
    assert raised.value.status == status
    assert expected in str(raised.value)
    assert "Insufficient access" in str(raised.value)


@pytest.mark.parametrize(
    ("call", "path"),
    [
        (lambda h: h.create_thread("q"), "/threads"),
        (lambda h: h.continue_thread(THREAD, "q"), f"/threads/{THREAD}/followup"),
    ],
    ids=["create", "continue"],
)
def test_a_prompt_is_never_sent_twice_after_an_ambiguous_failure(
    hook: HexHook, requests_mock: Any, call: Callable[[HexHook], Any], path: str
) -> None:
    requests_mock.post(API + path, [{"status_code": 502, "text": "bad gateway"}, {"json": STARTED}])
    with pytest.raises(HexServerError) as raised:
        call(hook)
    assert requests_mock.call_count == 1
    assert "HTTP 502" in str(raised.value)


def test_a_lost_thread_start_says_the_agent_may_have_the_prompt(
    hook: HexHook, requests_mock: Any
) -> None:
    import requests

    requests_mock.post(API + "/threads", exc=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(HexConnectionError) as raised:
        hook.create_thread("q")
    assert requests_mock.call_count == 1
    assert "list_threads" in str(raised.value)


def test_a_thread_start_is_retried_when_hex_started_nothing(
    hook: HexHook, requests_mock: Any
) -> None:
    requests_mock.post(API + "/threads", [{"status_code": 429, "json": {}}, {"json": STARTED}])
    assert hook.create_thread("q")["threadId"] == THREAD
    assert requests_mock.call_count == 2


def test_chart_reads_are_idempotent_and_retried(hook: HexHook, requests_mock: Any) -> None:
    path = f"/cells/{CELL}/image"
    answer = {"cellId": CELL, "imageBase64": B64, "mimeType": "image/png"}
    requests_mock.get(API + path, [{"status_code": 502, "text": "x"}, {"json": answer}])
    assert hook.get_chart_image_from_logic(CELL)["image"] == PNG


@pytest.mark.parametrize(
    "answer",
    [{"cellId": CELL}, {"imageBase64": "not base64!", "mimeType": "image/png"}],
    ids=["no-image", "bad-base64"],
)
def test_an_image_answer_hex_does_not_document_is_a_response_error(
    hook: HexHook, requests_mock: Any, answer: dict[str, Any]
) -> None:
    requests_mock.get(API + f"/cells/{CELL}/image", json=answer)
    with pytest.raises(HexResponseError):
        hook.get_chart_image_from_logic(CELL)


def test_thread_starts_and_chart_images_use_their_rate_groups(
    hook: HexHook, requests_mock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[HexRequest] = []
    original = hook._call

    def spy(request: HexRequest) -> Any:
        seen.append(request)
        return original(request)

    monkeypatch.setattr(hook, "_call", spy)
    requests_mock.post(API + "/threads", json=STARTED)
    requests_mock.get(API + f"/cells/{CELL}/image", json={"imageBase64": B64, "mimeType": "x"})
    hook.create_thread("q")
    hook.get_chart_image_from_logic(CELL)
    assert [(r.rate_group, r.may_repeat) for r in seen] == [
        (RUN_START_GROUP, False),
        (CHART_IMAGE_GROUP, True),
    ]


def test_budget_has_documented_limits_for_chart_images(set_connection: Any) -> None:
    from airflow_provider_hex.hooks.transport import Transport

    set_connection("https://app.hex.tech", "hxtp_x", rate_budget=True)
    budget = Transport(HexHook().settings).budget
    assert budget is not None
    # 20 a minute at 90 % headroom: after the burst, one chart every 60 / 18 s.
    waits = [budget.reserve(CHART_IMAGE_GROUP) for _ in range(8)]
    assert waits[0] == 0
    assert waits[-1] > 3.0
