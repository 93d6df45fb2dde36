"""The sharing operator calls only the endpoints it needs, batches, and reports refusals."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest

from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.operators.sharing import (
    HexSharingPartialFailure,
    HexUpdateProjectSharingOperator,
)

API = "https://app.hex.tech/api/v1"
PROJECT = "5a8591dd-4039-49df-9202-96385ba3eff8"
SHARING = f"{API}/projects/{PROJECT}/sharing"
ANA = "5bb5804d-913c-48a0-89b3-12138da87cf9"
DAN = "35f9c833-29b4-435b-96e9-799c201ad915"
GHOST = "0b7c2f0e-0000-4000-8000-000000000001"
GROUP = "d88cf4c0-73ed-4d77-9c23-98f4768519be"
MISSING_GROUP = "0b7c2f0e-0000-4000-8000-000000000002"
COLLECTION = "d7721419-d7e8-4e08-a697-32d9a6dcd22a"
CTX: Any = {}
OK = {"project": {"id": PROJECT, "title": "Daily sales report"}}

pytestmark = pytest.mark.usefixtures("hex_conn")


def sent(m: Any) -> list[tuple[str, str, Any]]:
    return [(r.method, urlsplit(r.url).path, json.loads(r.body)) for r in m.request_history]


def logged(capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> str:
    out = capsys.readouterr()
    return out.out + out.err + caplog.text


def test_users_only_calls_only_the_users_endpoint(requests_mock: Any) -> None:
    requests_mock.patch(f"{SHARING}/users", json=OK)
    op = HexUpdateProjectSharingOperator(
        task_id="share", project_id=PROJECT, users={ANA: "CAN_EDIT", DAN: "NONE"}
    )

    result = op.execute(CTX)

    assert sent(requests_mock) == [
        (
            "PATCH",
            f"/api/v1/projects/{PROJECT}/sharing/users",
            {
                "sharing": {
                    "upsert": {
                        "users": [
                            {"user": {"id": ANA}, "access": "CAN_EDIT"},
                            {"user": {"id": DAN}, "access": "NONE"},
                        ]
                    }
                }
            },
        )
    ]
    assert result == {
        "project_id": PROJECT,
        "applied": {"users": {ANA: "CAN_EDIT", DAN: "NONE"}},
        "errors": [],
    }


def test_sixty_users_go_in_three_batches_of_25_25_and_10(requests_mock: Any) -> None:
    requests_mock.patch(f"{SHARING}/users", json=OK)
    users = {str(uuid.UUID(int=i + 1)): "CAN_VIEW" for i in range(60)}

    result = HexUpdateProjectSharingOperator(
        task_id="share", project_id=PROJECT, users=users
    ).execute(CTX)

    batches = [body["sharing"]["upsert"]["users"] for _, _, body in sent(requests_mock)]
    assert [len(b) for b in batches] == [25, 25, 10]
    assert [item["user"]["id"] for b in batches for item in b] == list(users)
    assert len(result["applied"]["users"]) == 60


def test_groups_collections_and_workspace_use_their_own_endpoints(requests_mock: Any) -> None:
    for kind in ("groups", "collections", "workspaceAndPublic"):
        requests_mock.patch(f"{SHARING}/{kind}", json=OK)
    op = HexUpdateProjectSharingOperator(
        task_id="share",
        project_id=PROJECT,
        groups={GROUP: "CAN_VIEW"},
        collections={COLLECTION: "APP_ONLY"},
        workspace="APP_ONLY",
        public_web="NONE",
    )

    result = op.execute(CTX)

    base = f"/api/v1/projects/{PROJECT}/sharing"
    assert sent(requests_mock) == [
        (
            "PATCH",
            f"{base}/groups",
            {"sharing": {"upsert": {"groups": [{"group": {"id": GROUP}, "access": "CAN_VIEW"}]}}},
        ),
        (
            "PATCH",
            f"{base}/collections",
            {
                "sharing": {
                    "upsert": {
                        "collections": [{"collection": {"id": COLLECTION}, "access": "APP_ONLY"}]
                    }
                }
            },
        ),
        (
            "PATCH",
            f"{base}/workspaceAndPublic",
            {"sharing": {"workspace": "APP_ONLY", "publicWeb": "NONE"}},
        ),
    ]
    assert result["applied"] == {
        "groups": {GROUP: "CAN_VIEW"},
        "collections": {COLLECTION: "APP_ONLY"},
        "workspace": "APP_ONLY",
        "public_web": "NONE",
    }


def refusals(requests_mock: Any) -> None:
    requests_mock.patch(
        f"{SHARING}/users",
        json={**OK, "errors": [{"userIds": [DAN, GHOST], "reason": "User is deactivated"}]},
    )
    requests_mock.patch(
        f"{SHARING}/groups",
        json={**OK, "errors": [{"groupIds": [MISSING_GROUP], "reason": "Group not found"}]},
    )
    requests_mock.patch(
        f"{SHARING}/workspaceAndPublic",
        json={**OK, "errors": [{"type": "publicWeb", "reason": "Not allowed"}]},
    )


def sharing_with_refusals(**kwargs: Any) -> HexUpdateProjectSharingOperator:
    return HexUpdateProjectSharingOperator(
        task_id="share",
        project_id=PROJECT,
        users={ANA: "CAN_VIEW", DAN: "CAN_VIEW", GHOST: "CAN_VIEW"},
        groups={GROUP: "CAN_VIEW", MISSING_GROUP: "CAN_VIEW"},
        workspace="CAN_VIEW",
        public_web="CAN_EDIT",
        **kwargs,
    )


def test_partial_failure_fails_listing_every_refused_entry(requests_mock: Any) -> None:
    refusals(requests_mock)

    with pytest.raises(HexSharingPartialFailure) as err:
        sharing_with_refusals().execute(CTX)

    message = str(err.value)
    assert "4 sharing change(s)" in message
    for expected in (
        f"users {DAN}: User is deactivated",
        f"users {GHOST}: User is deactivated",
        f"groups {MISSING_GROUP}: Group not found",
        "publicWeb -: Not allowed",
    ):
        assert expected in message
    assert len(requests_mock.request_history) == 3  # every change was still attempted


def test_partial_failure_does_not_retry(requests_mock: Any) -> None:
    try:
        from airflow.sdk.exceptions import AirflowFailException
    except ImportError:  # Airflow 3.0
        from airflow.exceptions import AirflowFailException

    refusals(requests_mock)

    with pytest.raises(AirflowFailException):
        sharing_with_refusals().execute(CTX)


def test_accept_partial_success_returns_what_was_applied_and_refused(
    requests_mock: Any, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    refusals(requests_mock)

    result = sharing_with_refusals(accept_partial_success=True).execute(CTX)

    assert result["applied"] == {
        "users": {ANA: "CAN_VIEW"},
        "groups": {GROUP: "CAN_VIEW"},
        "workspace": "CAN_VIEW",
    }
    assert {(e["kind"], e["id"]) for e in result["errors"]} == {
        ("users", DAN),
        ("users", GHOST),
        ("groups", MISSING_GROUP),
        ("publicWeb", "-"),
    }
    assert f"Hex refused users {DAN}: User is deactivated" in logged(capsys, caplog)
    json.dumps(result)


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({}, "users"),
        ({"users": {ANA: "CAN_DANCE"}}, f"users[{ANA!r}]"),
        ({"groups": {"analysts": "CAN_VIEW"}}, "groups key"),
        ({"workspace": "EVERYONE"}, "workspace"),
        ({"users": {ANA: "CAN_VIEW"}, "accept_partial_success": "yes"}, "accept_partial_success"),
        ({"project_id": "p", "users": {ANA: "CAN_VIEW"}}, "project_id"),
    ],
    ids=["nothing", "bad-level", "group-name-not-id", "bad-workspace", "flag-not-bool", "bad-id"],
)
def test_bad_arguments_fail_when_the_dag_is_parsed(kwargs: dict[str, Any], argument: str) -> None:
    with pytest.raises(HexInvalidArgumentError) as err:
        HexUpdateProjectSharingOperator(task_id="share", **{"project_id": PROJECT, **kwargs})

    assert err.value.argument == argument


def test_templated_access_map_is_rendered_and_checked(requests_mock: Any) -> None:
    requests_mock.patch(f"{SHARING}/groups", json=OK)
    op = HexUpdateProjectSharingOperator(
        task_id="share",
        project_id="{{ params.project }}",
        groups={GROUP: "{{ params.level }}"},
    )
    op.render_template_fields({"params": {"project": PROJECT, "level": "CAN_EDIT"}})  # type: ignore[arg-type]

    op.execute(CTX)

    assert sent(requests_mock)[0][2]["sharing"]["upsert"]["groups"] == [
        {"group": {"id": GROUP}, "access": "CAN_EDIT"}
    ]


def test_a_rendered_bad_level_fails_before_any_request(requests_mock: Any) -> None:
    op = HexUpdateProjectSharingOperator(
        task_id="share", project_id=PROJECT, users={ANA: "{{ params.level }}"}
    )
    op.render_template_fields({"params": {"level": "OWNER"}})  # type: ignore[arg-type]

    with pytest.raises(HexInvalidArgumentError):
        op.execute(CTX)

    assert requests_mock.request_history == []


def test_lists_that_render_empty_change_nothing(requests_mock: Any) -> None:
    result = HexUpdateProjectSharingOperator(task_id="share", project_id=PROJECT, users={}).execute(
        CTX
    )

    assert requests_mock.request_history == []
    assert result["applied"] == {}
