"""Users, groups, collections, data connections and guides."""

from __future__ import annotations

import requests

from airflow_provider_hex.testing import HexSimulator
from airflow_provider_hex.testing.demo import (
    ANALYST_USER_ID,
    ANALYSTS_GROUP_ID,
    DEACTIVATED_USER_ID,
    DRAFT_GUIDE_ID,
    FINANCE_USER_ID,
    SALES_COLLECTION_ID,
    STYLE_GUIDE_ID,
    TOKEN_USER_ID,
    VIEWER_USER_ID,
)

MISSING_ID = "497f6eca-6276-4993-bfeb-53cbbbba6f08"


def test_me_describes_the_token_owner(http: requests.Session, api: str) -> None:
    me = http.get(f"{api}/users/me").json()
    assert me["id"] == TOKEN_USER_ID
    assert me["role"] == "ADMIN"
    assert set(me) >= {"name", "email", "lastLoginDate", "org", "token"}


def test_list_users_pages_filters_and_skips_deactivated(http: requests.Session, api: str) -> None:
    first = http.get(f"{api}/users", params={"limit": 2}).json()
    rest = http.get(f"{api}/users", params={"limit": 2, "after": first["pagination"]["after"]})
    ids = [u["id"] for u in first["values"] + rest.json()["values"]]
    assert len(ids) == 4
    assert DEACTIVATED_USER_ID not in ids
    members = http.get(f"{api}/users", params={"groupId": ANALYSTS_GROUP_ID}).json()["values"]
    assert {u["id"] for u in members} == {TOKEN_USER_ID, ANALYST_USER_ID}
    chosen = http.get(f"{api}/users", params={"userIds": f"{FINANCE_USER_ID},{VIEWER_USER_ID}"})
    assert {u["id"] for u in chosen.json()["values"]} == {FINANCE_USER_ID, VIEWER_USER_ID}
    assert http.get(f"{api}/users", params={"limit": 501}).status_code == 400


def test_deactivate_user_twice_answers_the_user_both_times(
    http: requests.Session, api: str
) -> None:
    url = f"{api}/users/{VIEWER_USER_ID}/deactivate"
    first, second = http.post(url), http.post(url)
    assert first.status_code == second.status_code == 200
    assert second.json()["user"]["id"] == VIEWER_USER_ID
    assert http.post(f"{api}/users/{MISSING_ID}/deactivate").status_code == 404
    assert http.post(f"{api}/users/{TOKEN_USER_ID}/deactivate").status_code == 400


def test_group_lifecycle(http: requests.Session, api: str) -> None:
    created = http.post(
        f"{api}/groups", json={"name": "Ops", "members": {"users": [{"id": ANALYST_USER_ID}]}}
    )
    assert created.status_code == 201
    group = created.json()
    assert group["members"] == {"users": [{"id": ANALYST_USER_ID}]}
    url = f"{api}/groups/{group['id']}"
    edit = {"name": "Operations", "members": {"add": {"users": [{"id": FINANCE_USER_ID}]}}}
    edited = http.patch(url, json=edit).json()
    assert edited["name"] == "Operations"
    assert set(edited) == {"id", "name", "createdAt"}
    members = http.get(f"{api}/users", params={"groupId": group["id"]}).json()["values"]
    assert {u["id"] for u in members} == {ANALYST_USER_ID, FINANCE_USER_ID}
    assert http.delete(url).status_code == 204
    missing = http.get(url)
    assert missing.status_code == 404
    assert "reason" in missing.json()
    assert http.delete(url).status_code == 404
    assert http.post(f"{api}/groups", json={"name": ""}).status_code == 400


def test_collections_create_edit_and_none_removes(http: requests.Session, api: str) -> None:
    created = http.post(
        f"{api}/collections",
        json={
            "name": "Finance packs",
            "sharing": {"groups": [{"id": ANALYSTS_GROUP_ID, "access": "MANAGER"}]},
        },
    )
    assert created.status_code == 201
    collection = created.json()
    assert collection["sharing"]["groups"] == [{"id": ANALYSTS_GROUP_ID, "access": "MANAGER"}]
    url = f"{api}/collections/{collection['id']}"
    upsert = {
        "groups": [{"id": ANALYSTS_GROUP_ID, "access": "NONE"}],
        "workspace": {"members": "MEMBER"},
    }
    edited = http.patch(url, json={"sharing": {"upsert": upsert}}).json()
    assert edited["sharing"]["groups"] == []
    assert edited["sharing"]["workspace"] == {"members": "MEMBER"}
    assert http.get(url).json()["name"] == "Finance packs"
    names = [c["name"] for c in http.get(f"{api}/collections").json()["values"]]
    assert names == ["Finance packs", "Sales reporting"]
    assert http.get(f"{api}/collections/{MISSING_ID}").status_code == 404
    assert http.post(f"{api}/collections", json={"name": "x", "members": {}}).status_code == 400
    assert http.get(f"{api}/collections/{SALES_COLLECTION_ID}").status_code == 200


def test_data_connections_are_listed_by_name(http: requests.Session, api: str) -> None:
    values = http.get(f"{api}/data-connections").json()["values"]
    assert [c["name"] for c in values] == ["Postgres (analytics)", "Snowflake (prod)"]
    assert {"id", "name", "type", "connectionDetails", "sharing"} <= set(values[0])


def test_guides_upsert_publish_list_and_delete(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    upserted = http.put(
        f"{api}/guides/draft",
        json={
            "files": [
                {"filePath": "new.md", "contents": "hello"},
                {"filePath": "style-guide.md", "contents": "v2"},
            ]
        },
    ).json()
    paths = {f["filePath"]: f["id"] for f in upserted["files"]}
    assert paths["style-guide.md"] == STYLE_GUIDE_ID
    assert upserted["warnings"] == []
    assert upserted["traceId"]

    drafts = http.get(f"{api}/guides/draft/list").json()["values"]
    assert {d["filePath"] for d in drafts} == {"new.md", "style-guide.md", "metrics/revenue.md"}

    published = http.post(
        f"{api}/guides/publish", json={"orgGuideFileIds": [paths["new.md"]]}
    ).json()
    assert [g["filePath"] for g in published["publishedGuides"]] == ["new.md"]
    everything = http.post(f"{api}/guides/publish", json={"publishAllDraftGuides": True}).json()
    assert len(everything["publishedGuides"]) == 2
    assert http.get(f"{api}/guides/draft/list").json()["values"] == []

    assert http.delete(f"{api}/guides/draft/{MISSING_ID}").status_code == 404
    assert (
        http.post(f"{api}/guides/publish", json={"orgGuideFileIds": [MISSING_ID]}).status_code
        == 404
    )


def test_guide_from_another_source_is_skipped_with_a_warning_unless_forced(
    http: requests.Session, api: str
) -> None:
    files = [{"filePath": "metrics/revenue.md", "contents": "local edit"}]
    warned = http.put(f"{api}/guides/draft", json={"files": files}).json()
    assert warned["files"] == []
    assert warned["warnings"][0]["filePath"] == "metrics/revenue.md"
    forced = http.put(f"{api}/guides/draft", json={"files": files, "forceWrite": True}).json()
    assert forced["files"] == [{"id": DRAFT_GUIDE_ID, "filePath": "metrics/revenue.md"}]
    assert http.delete(f"{api}/guides/draft/{DRAFT_GUIDE_ID}").status_code == 204
    too_long = [{"filePath": "big.md", "contents": "x" * 100_001}]
    assert http.put(f"{api}/guides/draft", json={"files": too_long}).status_code == 400
