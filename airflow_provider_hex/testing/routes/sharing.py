"""Project sharing: the four PATCH endpoints for users, groups, collections, workspace/public.

Unknown or unusable principals do not fail the request: they are reported in ``errors``
next to the updated project (200), as the spec's partial-failure shape allows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from airflow_provider_hex.testing.errors import ErrorStyle
from airflow_provider_hex.testing.limits import HEX_API, HEX_API_30RPM
from airflow_provider_hex.testing.params import (
    ACCESS_LEVELS,
    access_level,
    bad,
    body_object,
    get_obj,
    require_uuid,
)
from airflow_provider_hex.testing.router import Request, Response, Route
from airflow_provider_hex.testing.serialize import project_json
from airflow_provider_hex.testing.state import Workspace

MAX_UPSERT = 25
PUBLIC_WEB_LEVELS = ("NONE", "APP_ONLY", "CAN_VIEW")


def _upsert_items(body: Any, key: str) -> list[dict[str, Any]]:
    """Return ``sharing.upsert.<key>`` after checking its shape and size."""
    upsert = get_obj(get_obj(body_object(body), "sharing", required=True), "upsert", required=True)
    items = upsert.get(key)
    if not isinstance(items, list):
        raise bad(f"sharing.upsert.{key} must be an array")
    if len(items) > MAX_UPSERT:
        raise bad(f"sharing.upsert.{key} must have at most {MAX_UPSERT} items")
    return items


def _apply(
    items: list[dict[str, Any]],
    principal: str,
    target: dict[str, str],
    problem: Callable[[str], str | None],
) -> dict[str, list[str]]:
    """Validate every item first (400 on bad shape), then apply; return failures by reason."""
    parsed: list[tuple[str, str]] = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get(principal), dict):
            raise bad(f"each item needs a {principal} object with an id")
        parsed.append(
            (
                require_uuid(item[principal].get("id"), f"{principal}.id"),
                access_level(item.get("access")),
            )
        )
    failures: dict[str, list[str]] = {}
    for key, access in parsed:
        reason = problem(key)
        if reason is not None:
            failures.setdefault(reason, []).append(key)
        elif access == "NONE":
            target.pop(key, None)
        else:
            target[key] = access
    return failures


def _answer(
    ws: Workspace, project_id: str, ids_key: str, failures: dict[str, list[str]]
) -> Response:
    body: dict[str, Any] = {
        "project": project_json(ws, ws.projects[project_id], include_sharing=True)
    }
    if failures:
        body["errors"] = [{ids_key: ids, "reason": reason} for reason, ids in failures.items()]
    return Response(200, body)


def edit_users(ws: Workspace, req: Request) -> Response:
    """PATCH .../sharing/users: upsert user access; NONE removes."""
    project = ws.project(req.params["projectId"])
    items = _upsert_items(req.body, "users")

    def problem(user_id: str) -> str | None:
        user = ws.users.get(user_id)
        if user is None:
            return "User not found in this workspace"
        return "User is deactivated" if user.deactivated else None

    failures = _apply(items, "user", project.sharing.users, problem)
    return _answer(ws, project.id, "userIds", failures)


def edit_groups(ws: Workspace, req: Request) -> Response:
    """PATCH .../sharing/groups: upsert group access; NONE removes."""
    project = ws.project(req.params["projectId"])
    items = _upsert_items(req.body, "groups")
    failures = _apply(
        items,
        "group",
        project.sharing.groups,
        lambda gid: None if gid in ws.groups else "Group not found",
    )
    return _answer(ws, project.id, "groupIds", failures)


def edit_collections(ws: Workspace, req: Request) -> Response:
    """PATCH .../sharing/collections: add the project to collections; NONE removes it."""
    project = ws.project(req.params["projectId"])
    items = _upsert_items(req.body, "collections")
    failures = _apply(
        items,
        "collection",
        project.sharing.collections,
        lambda cid: None if cid in ws.collections else "Collection not found",
    )
    return _answer(ws, project.id, "collectionIds", failures)


def edit_workspace_and_public(ws: Workspace, req: Request) -> Response:
    """PATCH .../sharing/workspaceAndPublic: omitted fields stay unchanged.

    Simulator choice: public-web access above CAN_VIEW is refused in ``errors``.
    """
    project = ws.project(req.params["projectId"])
    sharing = get_obj(body_object(req.body), "sharing", required=True)
    workspace = sharing.get("workspace")
    public = sharing.get("publicWeb")
    if workspace is not None:
        access_level(workspace, ACCESS_LEVELS)
    if public is not None:
        access_level(public, ACCESS_LEVELS)
    errors: list[dict[str, str]] = []
    if workspace is not None:
        project.sharing.workspace = workspace
    if public is not None:
        if public in PUBLIC_WEB_LEVELS:
            project.sharing.public_web = public
        else:
            reason = f"Public web access can only be one of {', '.join(PUBLIC_WEB_LEVELS)}"
            errors.append({"type": "publicWeb", "reason": reason})
    body: dict[str, Any] = {"project": project_json(ws, project, include_sharing=True)}
    if errors:
        body["errors"] = errors
    return Response(200, body)


_BASE = "/api/v1/projects/{projectId}/sharing"
_CODE, _TSOA = ErrorStyle.CODE, ErrorStyle.TSOA
ROUTES = [
    Route(
        "PATCH", _BASE + "/users", edit_users, "EditProjectSharingUsers", _CODE, (HEX_API_30RPM,)
    ),
    Route("PATCH", _BASE + "/groups", edit_groups, "EditProjectSharingGroups", _CODE, (HEX_API,)),
    Route(
        "PATCH", _BASE + "/collections", edit_collections, "EditProjectSharingCollections", _TSOA
    ),
    Route(
        "PATCH",
        _BASE + "/workspaceAndPublic",
        edit_workspace_and_public,
        "EditProjectSharingOrgAndPublic",
        _CODE,
        (HEX_API,),
    ),
]
