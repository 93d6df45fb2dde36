"""Users and data connections: Me, ListUsers, DeactivateUser, ListDataConnections.

The other data-connection operations are in :mod:`.data`.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_hex.testing.errors import ApiError, ErrorStyle
from airflow_provider_hex.testing.limits import HEX_API, HEX_API_30RPM
from airflow_provider_hex.testing.pagination import paginate
from airflow_provider_hex.testing.params import query_enum, query_value, require_uuid
from airflow_provider_hex.testing.router import Request, Response, Route
from airflow_provider_hex.testing.serialize import data_connection_json, user_json
from airflow_provider_hex.testing.state import Workspace

TOKEN_LIFETIME_SECONDS = 90 * 24 * 3600


def me(ws: Workspace, req: Request) -> Response:
    """GET /v1/users/me: the token's user; a workspace token (``hxtw_``) gets org and token only."""
    token: dict[str, Any] = {"exp": round(ws.now() + TOKEN_LIFETIME_SECONDS)}
    if ws.token.startswith("hxtw_"):
        return Response(200, {"org": {"id": ws.org_id}, "token": {"exp": None}})
    body = user_json(ws.users[ws.token_user_id])
    body.update({"org": {"id": ws.org_id}, "token": token})
    return Response(200, body)


def list_users(ws: Workspace, req: Request) -> Response:
    """GET /v1/users: active users, by NAME (default) or EMAIL; ``groupId`` / ``userIds`` filters.

    Simulator choice: deactivated users are not listed.
    """
    sort_by = query_enum(req.query, "sortBy", ("NAME", "EMAIL"), "NAME")
    direction = query_enum(req.query, "sortDirection", ("ASC", "DESC"), "ASC")
    users = [user for user in ws.users.values() if not user.deactivated]
    group_id = query_value(req.query, "groupId")
    if group_id:
        members = set(ws.group(group_id).members)
        users = [user for user in users if user.id in members]
    raw_ids = query_value(req.query, "userIds")
    if raw_ids:
        wanted = {
            require_uuid(part.strip(), "userIds") for part in raw_ids.split(",") if part.strip()
        }
        users = [user for user in users if user.id in wanted]
    if sort_by == "EMAIL":
        users.sort(key=lambda u: (u.email.lower(), u.id), reverse=direction == "DESC")
    else:
        users.sort(key=lambda u: ((u.name or "").lower(), u.id), reverse=direction == "DESC")
    return Response(200, paginate(users, req.query, user_json, max_limit=500))


def deactivate_user(ws: Workspace, req: Request) -> Response:
    """POST /v1/users/{userId}/deactivate: 200 ``{user}``.

    Simulator choices: an already deactivated user answers 200 again; the token's own user
    cannot be deactivated (400), since that would revoke the token.
    """
    user = ws.user(req.params["userId"])
    if user.id == ws.token_user_id:
        raise ApiError(400, "You cannot deactivate the user that owns this token")
    user.deactivated = True
    for group in ws.groups.values():
        if user.id in group.members:
            group.members.remove(user.id)
    return Response(200, {"user": user_json(user)})


def list_data_connections(ws: Workspace, req: Request) -> Response:
    """GET /v1/data-connections: full DataConnection objects, by NAME (default) or CREATED_AT."""
    sort_by = query_enum(req.query, "sortBy", ("NAME", "CREATED_AT"), "NAME")
    direction = query_enum(req.query, "sortDirection", ("ASC", "DESC"), "ASC")
    conns = list(ws.data_connections.values())
    if sort_by == "CREATED_AT":
        conns.sort(key=lambda c: (c.created_at, c.id), reverse=direction == "DESC")
    else:
        conns.sort(key=lambda c: (c.name.lower(), c.id), reverse=direction == "DESC")
    return Response(200, paginate(conns, req.query, data_connection_json))


_CODE = ErrorStyle.CODE
ROUTES = [
    Route("GET", "/api/v1/users/me", me, "Me", _CODE, (HEX_API_30RPM,)),
    Route("GET", "/api/v1/users", list_users, "ListUsers", _CODE, (HEX_API_30RPM,)),
    Route(
        "POST",
        "/api/v1/users/{userId}/deactivate",
        deactivate_user,
        "DeactivateUser",
        _CODE,
        (HEX_API_30RPM,),
    ),
    Route(
        "GET",
        "/api/v1/data-connections",
        list_data_connections,
        "ListDataConnections",
        _CODE,
        (HEX_API,),
    ),
]
