"""Administration operators: groups, collections and deactivating users."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from airflow_provider_hex.exceptions import HexInvalidArgumentError, HexNotFoundError
from airflow_provider_hex.operators.admin import (
    HexCreateCollectionOperator,
    HexCreateGroupOperator,
    HexDeactivateUserOperator,
    HexDeleteGroupOperator,
    HexEditCollectionOperator,
    HexEditGroupMembersOperator,
)

API = "https://app.hex.tech/api/v1"
GROUP = "d88cf4c0-73ed-4d77-9c23-98f4768519be"
COLLECTION = "d7721419-d7e8-4e08-a697-32d9a6dcd22a"
ANA = "5bb5804d-913c-48a0-89b3-12138da87cf9"
FELIX = "fdb5b5d6-a915-497f-bd2a-58a091244d2d"
DAN = "35f9c833-29b4-435b-96e9-799c201ad915"
CTX: Any = {}

pytestmark = pytest.mark.usefixtures("hex_conn")


def sent(m: Any) -> list[tuple[str, str, Any]]:
    return [
        (r.method, urlsplit(r.url).path, json.loads(r.body) if r.body else None)
        for r in m.request_history
    ]


def logged(capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> str:
    out = capsys.readouterr()
    return out.out + out.err + caplog.text


def ids(count: int, start: int = 1) -> list[str]:
    return [str(uuid.UUID(int=start + i)) for i in range(count)]


def users_of(ids_: list[str]) -> dict[str, Any]:
    return {"users": [{"id": i} for i in ids_]}


# -- groups -------------------------------------------------------------------------------


def test_create_group_sends_name_and_members(requests_mock: Any) -> None:
    requests_mock.post(
        f"{API}/groups",
        status_code=201,
        json={"id": GROUP, "name": "Analysts", "members": users_of([ANA])},
    )

    result = HexCreateGroupOperator(task_id="g", name="Analysts", user_ids=[ANA]).execute(CTX)

    assert sent(requests_mock) == [
        ("POST", "/api/v1/groups", {"name": "Analysts", "members": users_of([ANA])})
    ]
    assert result == {"id": GROUP, "name": "Analysts", "member_ids": [ANA]}


def test_create_group_with_150_members_adds_the_rest_in_a_second_call(
    requests_mock: Any,
) -> None:
    members = ids(150)
    requests_mock.post(f"{API}/groups", status_code=201, json={"id": GROUP, "name": "Big"})
    requests_mock.patch(f"{API}/groups/{GROUP}", json={"id": GROUP, "name": "Big"})

    result = HexCreateGroupOperator(task_id="g", name="Big", user_ids=members).execute(CTX)

    assert sent(requests_mock) == [
        ("POST", "/api/v1/groups", {"name": "Big", "members": users_of(members[:100])}),
        ("PATCH", f"/api/v1/groups/{GROUP}", {"members": {"add": users_of(members[100:])}}),
    ]
    assert result["member_ids"] == members


def test_edit_group_members_sends_adds_removes_and_name_in_one_call(requests_mock: Any) -> None:
    requests_mock.patch(f"{API}/groups/{GROUP}", json={"id": GROUP, "name": "Analysts EU"})

    result = HexEditGroupMembersOperator(
        task_id="g",
        group_id=GROUP,
        add_user_ids=[ANA, FELIX],
        remove_user_ids=[DAN],
        name="Analysts EU",
    ).execute(CTX)

    assert sent(requests_mock) == [
        (
            "PATCH",
            f"/api/v1/groups/{GROUP}",
            {
                "name": "Analysts EU",
                "members": {"add": users_of([ANA, FELIX]), "remove": users_of([DAN])},
            },
        )
    ]
    assert result == {
        "group_id": GROUP,
        "name": "Analysts EU",
        "added": [ANA, FELIX],
        "removed": [DAN],
    }


def test_edit_group_members_sends_250_additions_as_100_100_50(requests_mock: Any) -> None:
    requests_mock.patch(f"{API}/groups/{GROUP}", json={"id": GROUP, "name": "Analysts"})
    added, removed = ids(250), ids(3, start=1000)

    HexEditGroupMembersOperator(
        task_id="g", group_id=GROUP, add_user_ids=added, remove_user_ids=removed
    ).execute(CTX)

    bodies = [body for _, _, body in sent(requests_mock)]
    assert [len(b["members"]["add"]["users"]) for b in bodies] == [100, 100, 50]
    assert [len(b["members"].get("remove", {}).get("users", [])) for b in bodies] == [3, 0, 0]


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({}, "add_user_ids"),
        ({"add_user_ids": ["ana@example.com"]}, "add_user_ids[0]"),
        ({"group_id": "analysts", "add_user_ids": [ANA]}, "group_id"),
        ({"add_user_ids": "5bb5804d-913c-48a0-89b3-12138da87cf9"}, "add_user_ids"),
    ],
    ids=["nothing", "email-not-id", "name-not-id", "string-not-list"],
)
def test_edit_group_refuses_bad_arguments_when_the_dag_is_parsed(
    kwargs: dict[str, Any], argument: str
) -> None:
    with pytest.raises(HexInvalidArgumentError) as err:
        HexEditGroupMembersOperator(task_id="g", **{"group_id": GROUP, **kwargs})

    assert err.value.argument == argument


def test_edit_group_refuses_a_user_both_added_and_removed(requests_mock: Any) -> None:
    op = HexEditGroupMembersOperator(
        task_id="g", group_id=GROUP, add_user_ids=[ANA], remove_user_ids=[ANA]
    )

    with pytest.raises(HexInvalidArgumentError, match="also in add_user_ids"):
        op.execute(CTX)

    assert requests_mock.request_history == []


def test_delete_group_sends_one_delete(requests_mock: Any) -> None:
    requests_mock.delete(f"{API}/groups/{GROUP}", status_code=204)

    result = HexDeleteGroupOperator(task_id="g", group_id=GROUP).execute(CTX)

    assert sent(requests_mock) == [("DELETE", f"/api/v1/groups/{GROUP}", None)]
    assert result == {"group_id": GROUP, "deleted": True}


def test_delete_of_a_group_already_gone_succeeds_with_a_log_line(
    requests_mock: Any, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    requests_mock.delete(f"{API}/groups/{GROUP}", status_code=404, json={"reason": "Not found"})

    result = HexDeleteGroupOperator(task_id="g", group_id=GROUP).execute(CTX)

    assert result == {"group_id": GROUP, "deleted": False}
    assert f"Group {GROUP} was already deleted" in logged(capsys, caplog)


# -- collections --------------------------------------------------------------------------


def test_create_collection_sends_its_sharing(requests_mock: Any) -> None:
    answer = {"id": COLLECTION, "name": "Q3", "sharing": {}}
    requests_mock.post(f"{API}/collections", status_code=201, json=answer)

    result = HexCreateCollectionOperator(
        task_id="c",
        name="Q3",
        description="Quarter three",
        users={ANA: "MANAGER"},
        groups={GROUP: "MEMBER"},
        workspace_members="MEMBER",
    ).execute(CTX)

    assert sent(requests_mock) == [
        (
            "POST",
            "/api/v1/collections",
            {
                "name": "Q3",
                "description": "Quarter three",
                "sharing": {
                    "users": [{"id": ANA, "access": "MANAGER"}],
                    "groups": [{"id": GROUP, "access": "MEMBER"}],
                    "workspace": {"members": "MEMBER"},
                },
            },
        )
    ]
    assert result == answer


def test_edit_collection_upserts_sharing_and_renames(requests_mock: Any) -> None:
    requests_mock.patch(f"{API}/collections/{COLLECTION}", json={"id": COLLECTION, "name": "Q4"})

    HexEditCollectionOperator(
        task_id="c", collection_id=COLLECTION, name="Q4", groups={GROUP: "NONE"}
    ).execute(CTX)

    assert sent(requests_mock) == [
        (
            "PATCH",
            f"/api/v1/collections/{COLLECTION}",
            {"name": "Q4", "sharing": {"upsert": {"groups": [{"id": GROUP, "access": "NONE"}]}}},
        )
    ]


@pytest.mark.parametrize(
    ("make", "argument"),
    [
        (lambda: HexEditCollectionOperator(task_id="c", collection_id=COLLECTION), "name"),
        (
            lambda: HexEditCollectionOperator(task_id="c", collection_id="q3", name="x"),
            "collection_id",
        ),
        (lambda: HexCreateCollectionOperator(task_id="c", name=""), "name"),
        (lambda: HexCreateCollectionOperator(task_id="c", name="x", users=[ANA]), "users"),
    ],
    ids=["edit-nothing", "edit-bad-id", "create-blank-name", "users-not-a-dict"],
)
def test_collection_operators_refuse_bad_arguments_when_the_dag_is_parsed(
    make: Any, argument: str
) -> None:
    with pytest.raises(HexInvalidArgumentError) as err:
        make()

    assert err.value.argument == argument


# -- users --------------------------------------------------------------------------------


def user(user_id: str) -> dict[str, Any]:
    return {"id": user_id, "name": "Ada", "email": "ada@example.com", "role": "EDITOR"}


def listed(*users: dict[str, Any]) -> dict[str, Any]:
    return {"values": list(users), "pagination": {"after": None, "before": None}}


def test_deactivate_an_active_user_checks_then_deactivates(requests_mock: Any) -> None:
    requests_mock.get(f"{API}/users", json=listed(user(ANA)))
    requests_mock.post(f"{API}/users/{ANA}/deactivate", json={"user": user(ANA)})

    result = HexDeactivateUserOperator(task_id="u", user_id=ANA).execute(CTX)

    (check, deactivate) = requests_mock.request_history
    assert (check.method, urlsplit(check.url).path) == ("GET", "/api/v1/users")
    assert parse_qs(urlsplit(check.url).query)["userIds"] == [ANA]
    assert (deactivate.method, urlsplit(deactivate.url).path) == (
        "POST",
        f"/api/v1/users/{ANA}/deactivate",
    )
    assert result == {
        "user_id": ANA,
        "email": "ada@example.com",
        "deactivated": True,
        "already_inactive": False,
    }


def test_deactivate_a_user_already_inactive_succeeds_with_a_log_line(
    requests_mock: Any, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    requests_mock.get(f"{API}/users", json=listed())
    requests_mock.post(f"{API}/users/{DAN}/deactivate", json={"user": user(DAN)})

    result = HexDeactivateUserOperator(task_id="u", user_id=DAN).execute(CTX)

    assert result["deactivated"] is False
    assert result["already_inactive"] is True
    assert f"User {DAN} (ada@example.com) was already inactive" in logged(capsys, caplog)


def test_deactivate_an_unknown_user_fails(requests_mock: Any) -> None:
    requests_mock.get(f"{API}/users", json=listed())
    requests_mock.post(
        f"{API}/users/{DAN}/deactivate",
        status_code=404,
        json={"code": "NOT_FOUND", "message": "User not found"},
    )

    with pytest.raises(HexNotFoundError):
        HexDeactivateUserOperator(task_id="u", user_id=DAN).execute(CTX)


def test_deactivate_renders_a_templated_user_id(requests_mock: Any) -> None:
    requests_mock.get(f"{API}/users", json=listed(user(ANA)))
    requests_mock.post(f"{API}/users/{ANA}/deactivate", json={"user": user(ANA)})
    op = HexDeactivateUserOperator(task_id="u", user_id="{{ params.user }}")
    op.render_template_fields({"params": {"user": ANA}})  # type: ignore[arg-type]

    assert op.execute(CTX)["user_id"] == ANA


def test_deactivate_refuses_an_email_when_the_dag_is_parsed() -> None:
    with pytest.raises(HexInvalidArgumentError, match="user_id"):
        HexDeactivateUserOperator(task_id="u", user_id="ada@example.com")
