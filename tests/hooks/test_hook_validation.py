"""Bad arguments are refused by name before any request leaves; big sharing edits are split."""

from __future__ import annotations

import asyncio
import datetime
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from hook_support import API, CELL, GROUP, PROJECT, RUN, USER

from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.hooks.hex import HexHook

TRAVERSAL = f"../users/{USER}/deactivate"

#: id -> (call, argument named in the error, text of the value shown in the error)
BAD_CALLS: dict[str, tuple[Callable[[HexHook], Any], str, str]] = {
    "project_id-traversal": (lambda h: h.get_run_status(TRAVERSAL, RUN), "project_id", TRAVERSAL),
    "run_id-traversal": (lambda h: h.cancel_run(PROJECT, TRAVERSAL), "run_id", TRAVERSAL),
    "user_id-traversal": (lambda h: h.deactivate_user(TRAVERSAL), "user_id", TRAVERSAL),
    "cell_id-not-uuid": (lambda h: h.get_cell("cell-1"), "cell_id", "cell-1"),
    "group_id-with-slash": (lambda h: h.delete_group(f"{GROUP}/x"), "group_id", f"{GROUP}/x"),
    "project_id-none": (lambda h: h.run_project(None), "project_id", "None"),  # type: ignore[arg-type]
    "guide-id-not-uuid": (lambda h: h.delete_guide_draft("a.md"), "org_guide_file_id", "a.md"),
    "list-users-ids-string": (
        lambda h: h.list_users(user_ids=USER),  # type: ignore[arg-type]
        "user_ids",
        USER,
    ),
    "sharing-access-level": (
        lambda h: h.edit_project_sharing_users(PROJECT, {USER: "READ"}),
        "users[",
        "READ",
    ),
    "sharing-user-id": (
        lambda h: h.edit_project_sharing_groups(PROJECT, {"analysts": "CAN_VIEW"}),
        "groups key",
        "analysts",
    ),
    "sharing-nobody": (lambda h: h.edit_project_sharing_users(PROJECT, {}), "users", "{}"),
    "workspace-access-level": (
        lambda h: h.edit_project_sharing_org_and_public(PROJECT, workspace="EVERYONE"),
        "workspace",
        "EVERYONE",
    ),
    "cell-type": (lambda h: h.create_cell(PROJECT, "PYTHON", "x"), "cell_type", "PYTHON"),
    "cell-sql-option-on-code": (
        lambda h: h.create_cell(PROJECT, "CODE", "x", output_dataframe="df"),
        "output_dataframe",
        "df",
    ),
    "cell-connection-and-dataframe-sql": (
        lambda h: h.create_cell(
            PROJECT, "SQL", "x", data_connection_id=GROUP, is_dataframe_sql=True
        ),
        "is_dataframe_sql",
        "True",
    ),
    "update-cell-source-without-type": (
        lambda h: h.update_cell(CELL, source="x"),
        "cell_type",
        "None",
    ),
    "child-position": (
        lambda h: h.create_cell(PROJECT, "CODE", "x", child_position="MIDDLE"),
        "child_position",
        "MIDDLE",
    ),
    "notification-type": (
        lambda h: h.run_project(PROJECT, notifications=[{"type": "SOMETIMES", "userIds": [USER]}]),
        "notifications[0].type",
        "SOMETIMES",
    ),
    "notification-without-recipient": (
        lambda h: h.run_project(PROJECT, notifications=[{"type": "ALL"}]),
        "notifications[0]",
        "ALL",
    ),
    "notification-screenshot-format": (
        lambda h: h.run_project(
            PROJECT,
            notifications=[{"type": "ALL", "userIds": [USER], "screenshotFormat": "gif"}],
        ),
        "notifications[0].screenshotFormat",
        "gif",
    ),
    "input-params-date": (
        lambda h: h.run_project(PROJECT, {"when": datetime.date(2026, 1, 1)}),
        "input_params['when']",
        "datetime.date(2026, 1, 1)",
    ),
    "input-params-nested-set": (
        lambda h: h.run_project(PROJECT, {"regions": [["EU"], {"US"}]}),
        "input_params['regions'][1]",
        "{'US'}",
    ),
    "input-params-nan": (
        lambda h: h.run_project(PROJECT, {"ratio": float("nan")}),
        "input_params['ratio']",
        "nan",
    ),
    "input-params-not-dict": (
        lambda h: h.run_project(PROJECT, ["EU"]),  # type: ignore[arg-type]
        "input_params",
        "['EU']",
    ),
    "view-id-with-input-params": (
        lambda h: h.run_project(PROJECT, {"region": "EU"}, view_id="v1"),
        "view_id",
        "v1",
    ),
    "publish-results-with-input-params": (
        lambda h: h.run_project(PROJECT, {"region": "EU"}, update_published_results=True),
        "update_published_results",
        "True",
    ),
    "dry-run-string": (
        lambda h: h.run_project(PROJECT, dry_run="false"),  # type: ignore[arg-type]
        "dry_run",
        "false",
    ),
    "run-status-filter": (
        lambda h: h.get_project_runs(PROJECT, status="DONE"),
        "status",
        "DONE",
    ),
    "run-trigger-filter": (
        lambda h: h.get_project_runs(PROJECT, run_trigger="CRON"),
        "run_trigger",
        "CRON",
    ),
    "runs-page-cursor": (
        lambda h: h.get_project_runs(PROJECT).page(after="c1"),
        "after",
        "c1",
    ),
    "runs-offset": (lambda h: h.aget_project_runs(PROJECT, offset=-1), "offset", "-1"),
    "limit-zero": (lambda h: h.list_projects(limit=0), "limit", "0"),
    "limit-above-max": (lambda h: h.list_cells(PROJECT, limit=101), "limit", "101"),
    "sort-by": (lambda h: h.list_projects(sort_by="TITLE"), "sort_by", "TITLE"),
    "group-members-over-100": (
        lambda h: h.create_group("g", user_ids=[str(uuid.uuid4()) for _ in range(101)]),
        "user_ids",
        "101 ids",
    ),
    "guide-too-long": (
        lambda h: h.upsert_guide_draft({"big.md": "x" * 100_001}),
        "files['big.md'].contents",
        "100001 chars",
    ),
    "guide-contents-not-text": (
        lambda h: h.upsert_guide_draft({"a.md": b"bytes"}),  # type: ignore[dict-item]
        "files['a.md'].contents",
        "bytes",
    ),
    "publish-nothing": (lambda h: h.publish_guide_drafts(), "org_guide_file_ids", "None"),
    "collection-user-id": (
        lambda h: h.create_collection("c", users={"ann": "MEMBER"}),
        "users key",
        "ann",
    ),
}


def invoke(call: Callable[[HexHook], Any], hook: HexHook) -> Any:
    """Call ``call``; run it to the end if it is a coroutine (the async methods)."""
    result = call(hook)
    return asyncio.run(result) if asyncio.iscoroutine(result) else result


@pytest.mark.parametrize("case", list(BAD_CALLS.values()), ids=list(BAD_CALLS))
def test_bad_argument_is_refused_before_any_request(
    hook: HexHook, requests_mock: Any, case: tuple[Callable[[HexHook], Any], str, str]
) -> None:
    call, argument, value = case

    with pytest.raises(HexInvalidArgumentError) as caught:
        invoke(call, hook)

    assert requests_mock.call_count == 0
    message = str(caught.value)
    assert argument in message
    assert value in message
    assert isinstance(caught.value, ValueError)


def test_guide_of_exactly_the_limit_is_sent(hook: HexHook, requests_mock: Any) -> None:
    requests_mock.put(f"{API}/guides/draft", json={"files": [], "warnings": []})
    hook.upsert_guide_draft({"ok.md": "x" * 100_000})
    assert requests_mock.call_count == 1


@pytest.mark.parametrize(
    ("count", "batches"),
    [(25, [25]), (26, [25, 1]), (60, [25, 25, 10])],
    ids=["25-one-batch", "26-two-batches", "60-three-batches"],
)
@pytest.mark.parametrize("kind", ["users", "groups", "collections"], ids=str)
def test_sharing_edit_is_sent_in_batches_of_25(
    hook: HexHook, requests_mock: Any, kind: str, count: int, batches: list[int]
) -> None:
    principal = kind[:-1]
    errors_by_batch = iter([[{f"{principal}Ids": [f"e{i}"], "reason": "x"}] for i in range(10)])
    requests_mock.patch(
        f"{API}/projects/{PROJECT}/sharing/{kind}",
        json=lambda request, context: {
            "project": {"id": PROJECT, "batch": request.json()},
            "errors": next(errors_by_batch),
        },
    )
    ids = [str(uuid.UUID(int=i)) for i in range(count)]
    edit = getattr(hook, f"edit_project_sharing_{kind}")

    result = edit(PROJECT, dict.fromkeys(ids, "CAN_VIEW"))

    sent = [r.json()["sharing"]["upsert"][kind] for r in requests_mock.request_history]
    assert [len(batch) for batch in sent] == batches
    assert [entry[principal]["id"] for batch in sent for entry in batch] == ids
    assert len(result["errors"]) == len(batches)  # every batch's partial failures gathered
    assert result["project"]["batch"]["sharing"]["upsert"][kind] == sent[-1]


@pytest.mark.parametrize(
    ("host", "token", "argument", "shown"),
    [
        ("http://app.hex.tech", "hxtp_x", "host", "http://app.hex.tech"),
        ("http://10.0.0.5:8080", "hxtp_x", "host", "http://10.0.0.5:8080"),
        ("https://app.hex.tech", "", "password", "''"),
        ("https://app.hex.tech", "   ", "password", "''"),
        ("https://hxtp_secret@app.hex.tech", "hxtp_x", "host", "<redacted>"),
        ("ftp://app.hex.tech", "hxtp_x", "host", "ftp://app.hex.tech"),
    ],
    ids=["http-hex", "http-private-ip", "no-token", "blank-token", "token-in-host", "ftp"],
)
def test_unsafe_or_incomplete_connection_is_refused_before_any_request(
    set_connection: Callable[..., None],
    requests_mock: Any,
    host: str,
    token: str,
    argument: str,
    shown: str,
) -> None:
    set_connection(host, token)

    with pytest.raises(HexInvalidArgumentError) as caught:
        HexHook().get_run_status(PROJECT, RUN)

    assert requests_mock.call_count == 0
    assert caught.value.argument == argument
    assert f"Invalid {argument}={shown}" in str(caught.value) or shown in str(caught.value)
    assert "hxtp_secret" not in str(caught.value)


@pytest.mark.parametrize(
    ("extra", "argument"),
    [
        ({"max_retries": "lots"}, "extra.max_retries"),
        ({"max_retries": 2.5}, "extra.max_retries"),
        ({"request_timeout": 0}, "extra.request_timeout"),
        ({"retry_backoff": -1}, "extra.retry_backoff"),
        ({"rate_budget": "perhaps"}, "extra.rate_budget"),
    ],
    ids=["retries-text", "retries-fraction", "zero-timeout", "negative-backoff", "budget-text"],
)
def test_bad_connection_extra_is_refused_by_name(
    set_connection: Callable[..., None], requests_mock: Any, extra: dict[str, Any], argument: str
) -> None:
    set_connection("https://app.hex.tech", "hxtp_x", **extra)

    with pytest.raises(HexInvalidArgumentError) as caught:
        HexHook().get_project(PROJECT)

    assert caught.value.argument == argument
    assert requests_mock.call_count == 0
