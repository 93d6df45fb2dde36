"""Collections: ListCollections, GetCollection, CreateCollection, EditCollection (tsoa errors)."""

from __future__ import annotations

from typing import Any

from airflow_provider_hex.testing.errors import ApiError, ErrorStyle
from airflow_provider_hex.testing.models import Collection
from airflow_provider_hex.testing.pagination import paginate
from airflow_provider_hex.testing.params import (
    access_level,
    bad,
    body_object,
    get_list,
    get_obj,
    get_str,
    query_enum,
    require_uuid,
)
from airflow_provider_hex.testing.router import Request, Response, Route
from airflow_provider_hex.testing.serialize import collection_json
from airflow_provider_hex.testing.state import Workspace

COLLECTION_ACCESS = ("NONE", "MEMBER", "MANAGER")
"""Collection access values seen in Hex's docs (the spec types it as a plain string)."""


def _apply_sharing(ws: Workspace, collection: Collection, sharing: dict[str, Any]) -> None:
    """Validate everything first, then upsert users/groups/workspace; NONE removes."""
    changes: list[tuple[dict[str, str], str, str]] = []
    for key, principals, table in (
        ("users", ws.users, collection.users),
        ("groups", ws.groups, collection.groups),
    ):
        for item in get_list(sharing, key):
            if not isinstance(item, dict):
                raise bad(f"sharing.{key} items must be objects with id and access")
            principal_id = require_uuid(item.get("id"), f"sharing.{key}[].id")
            if principal_id not in principals:
                raise ApiError(400, f"{key[:-1].capitalize()} {principal_id} not found")
            changes.append(
                (table, principal_id, access_level(item.get("access"), COLLECTION_ACCESS))
            )
    workspace = get_obj(sharing, "workspace")
    members = None
    if "members" in workspace:
        members = access_level(workspace["members"], COLLECTION_ACCESS)
    for table, principal_id, access in changes:
        if access == "NONE":
            table.pop(principal_id, None)
        else:
            table[principal_id] = access
    if members is not None:
        collection.workspace_members = None if members == "NONE" else members


def _reject_members_key(body: dict[str, Any]) -> None:
    """Hex's overview shows ``members`` where the spec says ``sharing``: refuse it loudly."""
    if "members" in body:
        raise bad("unknown field 'members': collection access goes under 'sharing'")


def list_collections(ws: Workspace, req: Request) -> Response:
    """GET /v1/collections: sorted by name."""
    query_enum(req.query, "sortBy", ("NAME",), "NAME")
    collections = sorted(ws.collections.values(), key=lambda c: (c.name.lower(), c.id))
    return Response(200, paginate(collections, req.query, lambda c: collection_json(ws, c)))


def get_collection(ws: Workspace, req: Request) -> Response:
    """GET /v1/collections/{collectionId}."""
    return Response(200, collection_json(ws, ws.collection(req.params["collectionId"])))


def create_collection(ws: Workspace, req: Request) -> Response:
    """POST /v1/collections: 201 with the collection."""
    body = body_object(req.body)
    _reject_members_key(body)
    name = str(get_str(body, "name", min_length=1))
    description = get_str(body, "description", required=False)
    sharing = get_obj(body, "sharing")
    probe = Collection("", name, description, ws.token_user_id)
    _apply_sharing(ws, probe, sharing)
    collection = ws.add_collection(name, description)
    collection.users, collection.groups = probe.users, probe.groups
    collection.workspace_members = probe.workspace_members
    return Response(201, collection_json(ws, collection))


def edit_collection(ws: Workspace, req: Request) -> Response:
    """PATCH /v1/collections/{collectionId}: rename, describe, ``sharing.upsert``."""
    collection = ws.collection(req.params["collectionId"])
    body = body_object(req.body)
    _reject_members_key(body)
    name = get_str(body, "name", required=False, min_length=1)
    description = get_str(body, "description", required=False)
    _apply_sharing(ws, collection, get_obj(get_obj(body, "sharing"), "upsert"))
    if name is not None:
        collection.name = name
    if description is not None:
        collection.description = description
    return Response(200, collection_json(ws, collection))


_TSOA = ErrorStyle.TSOA
ROUTES = [
    Route("GET", "/api/v1/collections", list_collections, "ListCollections", _TSOA),
    Route("POST", "/api/v1/collections", create_collection, "CreateCollection", _TSOA),
    Route("GET", "/api/v1/collections/{collectionId}", get_collection, "GetCollection", _TSOA),
    Route("PATCH", "/api/v1/collections/{collectionId}", edit_collection, "EditCollection", _TSOA),
]
