"""Workspace administration: collections, groups, users, data connections, the token's user."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.hooks.pagination import Pager, cursor_pager
from airflow_provider_hex.hooks.transport import HexRequest
from airflow_provider_hex.operations import CONTENT_GROUP, STATUS_GROUP
from airflow_provider_hex.types import Collection, CurrentUser, DataConnection, Group, User
from airflow_provider_hex.validation import (
    require_choice,
    require_limit,
    require_text,
    require_uuid,
    require_uuids,
)

#: Hex takes at most this many users per group edit.
MEMBERS_PER_CALL = 100


def _principals(argument: str, access: Mapping[str, str] | None) -> list[dict[str, str]] | None:
    """Collection sharing: id -> collection access (``MEMBER``, ``MANAGER``, ``NONE``…)."""
    if access is None:
        return None
    if not isinstance(access, Mapping):
        raise HexInvalidArgumentError(argument, access, "expected a dict of id -> access")
    return [
        {"id": require_uuid(f"{argument} key", k), "access": require_text(f"{argument}[{k!r}]", v)}
        for k, v in access.items()
    ]


def _members(argument: str, user_ids: Sequence[str] | None) -> list[dict[str, str]] | None:
    if user_ids is None:
        return None
    ids = require_uuids(argument, user_ids)
    if len(ids) > MEMBERS_PER_CALL:
        raise HexInvalidArgumentError(
            argument, f"<{len(ids)} ids>", f"Hex takes at most {MEMBERS_PER_CALL} users per call"
        )
    return [{"id": i} for i in ids]


def _collection_sharing(
    users: Mapping[str, str] | None, groups: Mapping[str, str] | None, workspace_members: str | None
) -> dict[str, Any]:
    sharing: dict[str, Any] = {}
    if (u := _principals("users", users)) is not None:
        sharing["users"] = u
    if (g := _principals("groups", groups)) is not None:
        sharing["groups"] = g
    if workspace_members is not None:
        sharing["workspace"] = {"members": require_text("workspace_members", workspace_members)}
    return sharing


class WorkspaceAPI:
    """Hex operations on the workspace: collections, groups, users, data connections."""

    if TYPE_CHECKING:

        def _call(self, request: HexRequest) -> Any: ...

    # -- collections -----------------------------------------------------------------------

    def create_collection(
        self,
        name: str,
        *,
        description: str | None = None,
        users: Mapping[str, str] | None = None,
        groups: Mapping[str, str] | None = None,
        workspace_members: str | None = None,
    ) -> Collection:
        """Create a collection, optionally shared with users, groups and the workspace."""
        body: dict[str, Any] = {"name": require_text("name", name)}
        if description is not None:
            body["description"] = require_text("description", description, allow_empty=True)
        sharing = _collection_sharing(users, groups, workspace_members)
        if sharing:
            body["sharing"] = sharing
        request = HexRequest(
            "POST",
            "/collections",
            body=body,
            if_lost="a collection may have been created; list the collections before "
            "creating it again",
        )
        return cast(Collection, self._call(request))

    def get_collection(self, collection_id: str) -> Collection:
        """Return a collection."""
        require_uuid("collection_id", collection_id)
        return cast(Collection, self._call(HexRequest("GET", f"/collections/{collection_id}")))

    def list_collections(
        self, *, sort_by: str | None = None, limit: int = 100
    ) -> Pager[Collection]:
        """List every collection (ListCollections), lazily."""
        require_limit("limit", limit, 100)
        return cursor_pager(
            self._call,
            "/collections",
            {"sortBy": require_choice("sort_by", sort_by, ("NAME",))},
            limit=limit,
        )

    def edit_collection(
        self,
        collection_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        users: Mapping[str, str] | None = None,
        groups: Mapping[str, str] | None = None,
        workspace_members: str | None = None,
    ) -> Collection:
        """Rename or describe a collection, or upsert its sharing (access ``NONE`` removes)."""
        require_uuid("collection_id", collection_id)
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = require_text("name", name)
        if description is not None:
            body["description"] = require_text("description", description, allow_empty=True)
        sharing = _collection_sharing(users, groups, workspace_members)
        if sharing:
            body["sharing"] = {"upsert": sharing}
        if not body:
            raise HexInvalidArgumentError("name", None, "nothing to edit")
        return cast(
            Collection, self._call(HexRequest("PATCH", f"/collections/{collection_id}", body=body))
        )

    # -- groups ----------------------------------------------------------------------------

    def create_group(self, name: str, *, user_ids: Sequence[str] | None = None) -> Group:
        """Create a group (names need not be unique: each call makes a new group)."""
        body: dict[str, Any] = {"name": require_text("name", name)}
        if (members := _members("user_ids", user_ids)) is not None:
            body["members"] = {"users": members}
        request = HexRequest(
            "POST",
            "/groups",
            body=body,
            if_lost="a group may have been created (names need not be unique); list the "
            "groups before creating it again",
        )
        return cast(Group, self._call(request))

    def get_group(self, group_id: str) -> Group:
        """Return a group."""
        require_uuid("group_id", group_id)
        return cast(Group, self._call(HexRequest("GET", f"/groups/{group_id}")))

    def list_groups(
        self, *, sort_by: str | None = None, sort_direction: str | None = None, limit: int = 500
    ) -> Pager[Group]:
        """List every group (ListGroups), lazily."""
        require_limit("limit", limit, 500)
        params = {
            "sortBy": require_choice("sort_by", sort_by, ("CREATED_AT", "NAME")),
            "sortDirection": require_choice("sort_direction", sort_direction, ("ASC", "DESC")),
        }
        return cursor_pager(self._call, "/groups", params, limit=limit)

    def edit_group(
        self,
        group_id: str,
        *,
        name: str | None = None,
        add_user_ids: Sequence[str] | None = None,
        remove_user_ids: Sequence[str] | None = None,
    ) -> Group:
        """Rename a group and/or add and remove members (up to 100 each per call)."""
        require_uuid("group_id", group_id)
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = require_text("name", name)
        members: dict[str, Any] = {}
        if (add := _members("add_user_ids", add_user_ids)) is not None:
            members["add"] = {"users": add}
        if (remove := _members("remove_user_ids", remove_user_ids)) is not None:
            members["remove"] = {"users": remove}
        if members:
            body["members"] = members
        if not body:
            raise HexInvalidArgumentError("name", None, "nothing to edit")
        return cast(Group, self._call(HexRequest("PATCH", f"/groups/{group_id}", body=body)))

    def delete_group(self, group_id: str) -> None:
        """Delete a group."""
        require_uuid("group_id", group_id)
        self._call(HexRequest("DELETE", f"/groups/{group_id}", expect_object=False))

    # -- users, data connections -------------------------------------------------------------

    def get_current_user(self) -> CurrentUser:
        """Return the token's user and workspace (``GET /v1/users/me``)."""
        return cast(
            CurrentUser, self._call(HexRequest("GET", "/users/me", rate_group=CONTENT_GROUP))
        )

    def list_users(
        self,
        *,
        group_id: str | None = None,
        user_ids: Sequence[str] | None = None,
        sort_by: str | None = None,
        sort_direction: str | None = None,
        limit: int = 500,
    ) -> Pager[User]:
        """List the workspace's users, a group's, or the given ids (ListUsers), lazily."""
        require_limit("limit", limit, 500)
        params = {
            "groupId": None if group_id is None else require_uuid("group_id", group_id),
            "userIds": None if user_ids is None else ",".join(require_uuids("user_ids", user_ids)),
            "sortBy": require_choice("sort_by", sort_by, ("NAME", "EMAIL")),
            "sortDirection": require_choice("sort_direction", sort_direction, ("ASC", "DESC")),
        }
        return cursor_pager(self._call, "/users", params, limit=limit, rate_group=CONTENT_GROUP)

    def deactivate_user(self, user_id: str) -> User:
        """Deactivate a user; their personal tokens stop working."""
        require_uuid("user_id", user_id)
        answer = self._call(
            HexRequest("POST", f"/users/{user_id}/deactivate", rate_group=CONTENT_GROUP)
        )
        return cast(User, (answer or {}).get("user", answer))

    def list_data_connections(
        self, *, sort_by: str | None = None, sort_direction: str | None = None, limit: int = 100
    ) -> Pager[DataConnection]:
        """List every data connection of the workspace (ListDataConnections), lazily."""
        require_limit("limit", limit, 100)
        params = {
            "sortBy": require_choice("sort_by", sort_by, ("NAME", "CREATED_AT")),
            "sortDirection": require_choice("sort_direction", sort_direction, ("ASC", "DESC")),
        }
        return cursor_pager(
            self._call, "/data-connections", params, limit=limit, rate_group=STATUS_GROUP
        )
