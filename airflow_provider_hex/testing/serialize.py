"""JSON shapes of the workspace entities, following Hex's OpenAPI response schemas."""

from __future__ import annotations

from typing import Any

from .clock import iso
from .models import Cell, Collection, DataConnection, Group, Guide, Project, Run, User
from .state import Workspace


def _iso_or_none(timestamp: float | None) -> str | None:
    return None if timestamp is None else iso(timestamp)


def _email(ws: Workspace, user_id: str) -> str:
    user = ws.users.get(user_id)
    return user.email if user else "unknown@example.com"


def project_sharing(ws: Workspace, project: Project) -> dict[str, Any]:
    """The ``sharing`` block: principals by email or name, as GetProject returns them."""
    sharing = project.sharing
    return {
        "users": [
            {"user": {"email": _email(ws, uid)}, "access": access}
            for uid, access in sharing.users.items()
            if uid in ws.users
        ],
        "collections": [
            {"collection": {"name": ws.collections[cid].name}, "access": access}
            for cid, access in sharing.collections.items()
            if cid in ws.collections
        ],
        "groups": [
            {"group": {"name": ws.groups[gid].name}, "access": access}
            for gid, access in sharing.groups.items()
            if gid in ws.groups
        ],
        "workspace": {"access": sharing.workspace},
        "publicWeb": {"access": sharing.public_web},
        "support": {"access": sharing.support},
    }


def project_json(ws: Workspace, project: Project, include_sharing: bool = False) -> dict[str, Any]:
    """A ``Project`` object."""
    published_results = None
    finished = [
        run.end_time(ws.now())
        for run in ws.runs.values()
        if run.project_id == project.id and run.status(ws.now()) == "COMPLETED" and not run.dry_run
    ]
    if finished:
        published_results = iso(max(t for t in finished if t is not None))
    body: dict[str, Any] = {
        "id": project.id,
        "title": project.title,
        "description": project.description,
        "type": project.type,
        "creator": {"email": _email(ws, project.creator_id)},
        "owner": {"email": _email(ws, project.owner_id)},
        "status": {"name": project.status} if project.status else None,
        "categories": [{"name": name, "description": None} for name in project.categories],
        "reviews": {"required": False},
        "analytics": {
            "appViews": {
                "allTime": 0,
                "lastSevenDays": 0,
                "lastFourteenDays": 0,
                "lastThirtyDays": 0,
            },
            "lastViewedAt": None,
            "publishedResultsUpdatedAt": published_results,
        },
        "lastEditedAt": iso(project.last_edited_at),
        "lastPublishedAt": _iso_or_none(project.last_published_at),
        "createdAt": iso(project.created_at),
        "archivedAt": _iso_or_none(project.archived_at),
        "trashedAt": _iso_or_none(project.trashed_at),
        "schedules": [],
    }
    if include_sharing:
        body["sharing"] = project_sharing(ws, project)
    return body


def run_json(ws: Workspace, run: Run, trace_id: str, expanded: bool = False) -> dict[str, Any]:
    """A ``ProjectRun`` object (``projectVersion`` is a string, as in the current spec)."""
    now = ws.now()
    start, end = run.start_time(now), run.end_time(now)
    elapsed = None if start is None or end is None else round((end - start) * 1000)
    body: dict[str, Any] = {
        "projectId": run.project_id,
        "projectVersion": str(run.project_version),
        "runId": run.id,
        "runUrl": ws.run_url(run),
        "status": run.status(now),
        "runTrigger": run.trigger,
        "startTime": _iso_or_none(start),
        "endTime": _iso_or_none(end),
        "elapsedTime": elapsed,
        "traceId": trace_id,
    }
    if run.notifications:
        body["notifications"] = run.notifications
    if expanded:
        body["stateEvents"] = [
            {"type": "STATUS_CHANGE", "value": status, "timestamp": iso(at)}
            for status, at in run.transitions(now)
        ]
    return body


def cell_json(cell: Cell) -> dict[str, Any]:
    """A ``Cell`` object; only the variant matching the cell type is non-null."""
    source = cell.source or ""
    return {
        "id": cell.id,
        "staticId": cell.static_id,
        "cellType": cell.cell_type,
        "label": cell.label,
        "dataConnectionId": cell.data_connection_id,
        "contents": {
            "codeCell": {"source": source} if cell.cell_type == "CODE" else None,
            "sqlCell": (
                {"source": source, "outputDataframe": cell.output_dataframe or ""}
                if cell.cell_type == "SQL"
                else None
            ),
            "markdownCell": {"source": source} if cell.cell_type == "MARKDOWN" else None,
        },
        "projectId": cell.project_id,
    }


def user_json(user: User) -> dict[str, Any]:
    """A ``User`` object."""
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "lastLoginDate": _iso_or_none(user.last_login_at),
    }


def group_json(group: Group) -> dict[str, Any]:
    """A ``Group`` object (no members; list them with ListUsers?groupId=)."""
    return {"id": group.id, "name": group.name, "createdAt": iso(group.created_at)}


def collection_json(ws: Workspace, collection: Collection) -> dict[str, Any]:
    """A ``Collection`` object."""
    sharing: dict[str, Any] = {
        "users": [{"id": uid, "access": access} for uid, access in collection.users.items()],
        "groups": [{"id": gid, "access": access} for gid, access in collection.groups.items()],
    }
    if collection.workspace_members is not None:
        sharing["workspace"] = {"members": collection.workspace_members}
    body: dict[str, Any] = {"id": collection.id, "name": collection.name, "sharing": sharing}
    if collection.description is not None:
        body["description"] = collection.description
    if collection.creator_id in ws.users:
        body["creator"] = {"email": _email(ws, collection.creator_id), "id": collection.creator_id}
    return body


def data_connection_json(conn: DataConnection) -> dict[str, Any]:
    """A full ``DataConnection`` object (no secrets)."""
    body: dict[str, Any] = {
        "id": conn.id,
        "name": conn.name,
        "type": conn.type,
        "connectionDetails": {conn.type: conn.details},
        "connectViaSsh": False,
        "includeMagic": True,
        "allowWritebackCells": False,
        "schemaRefreshAccess": "ADMINS",
        "sharing": {
            "groups": [],
            "workspace": {"members": "QUERY", "guests": "NONE", "public": "NONE"},
        },
    }
    if conn.description is not None:
        body["description"] = conn.description
    return body


def guide_json(guide: Guide) -> dict[str, Any]:
    """A ``GuideFile`` object."""
    return {"id": guide.id, "filePath": guide.file_path}
