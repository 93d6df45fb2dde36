"""Projects: read, list, set status, and edit sharing."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.hooks.pagination import Pager, cursor_pager
from airflow_provider_hex.hooks.transport import HexRequest
from airflow_provider_hex.operations import CONTENT_GROUP, STATUS_GROUP
from airflow_provider_hex.types import AccessLevel, Project, SharingResult
from airflow_provider_hex.validation import (
    require_access_map,
    require_choice,
    require_enum,
    require_limit,
    require_text,
    require_uuid,
)

#: Hex accepts at most this many principals in one sharing edit; the hook sends batches.
SHARING_BATCH = 25

_SORT_BY = ("CREATED_AT", "LAST_EDITED_AT", "LAST_PUBLISHED_AT")
_SORT_DIRECTION = ("ASC", "DESC")


class ProjectsAPI:
    """Hex operations on projects and their sharing."""

    if TYPE_CHECKING:

        def _call(self, request: HexRequest) -> Any: ...

    def get_project(self, project_id: str, *, include_sharing: bool = False) -> Project:
        """Return a project (GetProject), with its sharing when ``include_sharing``."""
        require_uuid("project_id", project_id)
        return cast(
            Project,
            self._call(
                HexRequest(
                    "GET",
                    f"/projects/{project_id}",
                    params={"includeSharing": include_sharing or None},
                    rate_group=STATUS_GROUP,
                )
            ),
        )

    def list_projects(
        self,
        *,
        include_archived: bool = False,
        include_components: bool = False,
        include_trashed: bool = False,
        include_sharing: bool = False,
        statuses: Sequence[str] | None = None,
        categories: Sequence[str] | None = None,
        creator_email: str | None = None,
        owner_email: str | None = None,
        collection_id: str | None = None,
        sort_by: str | None = None,
        sort_direction: str | None = None,
        limit: int = 100,
    ) -> Pager[Project]:
        """List every project the token can see, newest first (ListProjects), lazily."""
        require_limit("limit", limit, 100)
        if collection_id is not None:
            require_uuid("collection_id", collection_id)
        params = {
            "includeArchived": include_archived or None,
            "includeComponents": include_components or None,
            "includeTrashed": include_trashed or None,
            "includeSharing": include_sharing or None,
            "statuses": list(statuses or []),
            "categories": list(categories or []),
            "creatorEmail": creator_email,
            "ownerEmail": owner_email,
            "collectionId": collection_id,
            "sortBy": require_choice("sort_by", sort_by, _SORT_BY),
            "sortDirection": require_choice("sort_direction", sort_direction, _SORT_DIRECTION),
        }
        return cursor_pager(self._call, "/projects", params, limit=limit)

    def update_project_status(self, project_id: str, status: str | None) -> Project:
        """Set a project's status by name (endorsements included), or clear it with None."""
        require_uuid("project_id", project_id)
        if status is not None:
            require_text("status", status)
        return cast(
            Project,
            self._call(
                HexRequest(
                    "PATCH",
                    f"/projects/{project_id}",
                    body={"status": status},
                    rate_group=STATUS_GROUP,
                )
            ),
        )

    def _edit_sharing(
        self,
        project_id: str,
        kind: str,
        argument: str,
        access: Mapping[str, AccessLevel | str],
        entry: Callable[[str, AccessLevel], dict[str, Any]],
        rate_group: str | None,
    ) -> SharingResult:
        require_uuid("project_id", project_id)
        levels = require_access_map(argument, access, AccessLevel)
        if not levels:
            raise HexInvalidArgumentError(argument, access, "names nobody to share with")
        items = list(levels.items())
        errors: list[dict[str, Any]] = []
        answer: dict[str, Any] = {}
        for start in range(0, len(items), SHARING_BATCH):
            batch = [entry(pid, level) for pid, level in items[start : start + SHARING_BATCH]]
            answer = self._call(
                HexRequest(
                    "PATCH",
                    f"/projects/{project_id}/sharing/{kind}",
                    body={"sharing": {"upsert": {kind: batch}}},
                    rate_group=rate_group,
                )
            )
            errors.extend(answer.get("errors") or [])
        return SharingResult(project=cast(Project, answer.get("project")), errors=errors)

    def edit_project_sharing_users(
        self, project_id: str, users: Mapping[str, AccessLevel | str]
    ) -> SharingResult:
        """Set users' access to a project: user id -> access level (``NONE`` removes).

        More than 25 users are sent in batches of 25; ``errors`` gathers every batch's
        partial failures.
        """
        return self._edit_sharing(
            project_id,
            "users",
            "users",
            users,
            lambda i, a: {"user": {"id": i}, "access": a.value},
            CONTENT_GROUP,
        )

    def edit_project_sharing_groups(
        self, project_id: str, groups: Mapping[str, AccessLevel | str]
    ) -> SharingResult:
        """Set groups' access to a project: group id -> access level (``NONE`` removes)."""
        return self._edit_sharing(
            project_id,
            "groups",
            "groups",
            groups,
            lambda i, a: {"group": {"id": i}, "access": a.value},
            STATUS_GROUP,
        )

    def edit_project_sharing_collections(
        self, project_id: str, collections: Mapping[str, AccessLevel | str]
    ) -> SharingResult:
        """Add a project to collections, or remove it with ``NONE``: collection id -> access."""
        return self._edit_sharing(
            project_id,
            "collections",
            "collections",
            collections,
            lambda i, a: {"collection": {"id": i}, "access": a.value},
            None,
        )

    def edit_project_sharing_org_and_public(
        self,
        project_id: str,
        *,
        workspace: AccessLevel | str | None = None,
        public_web: AccessLevel | str | None = None,
    ) -> SharingResult:
        """Set workspace-wide and public-web access to a project; None leaves one unchanged."""
        require_uuid("project_id", project_id)
        sharing: dict[str, str] = {}
        if workspace is not None:
            sharing["workspace"] = require_enum("workspace", workspace, AccessLevel).value
        if public_web is not None:
            sharing["publicWeb"] = require_enum("public_web", public_web, AccessLevel).value
        if not sharing:
            raise HexInvalidArgumentError("workspace", None, "give workspace or public_web")
        answer = self._call(
            HexRequest(
                "PATCH",
                f"/projects/{project_id}/sharing/workspaceAndPublic",
                body={"sharing": sharing},
                rate_group=STATUS_GROUP,
            )
        )
        return SharingResult(project=answer.get("project"), errors=answer.get("errors") or [])
