"""Workspace administration: groups, collections, and deactivating users.

Deleting a group that is already gone, and deactivating a user who is already inactive,
succeed with a log line, so a retried or re-run task does not fail on its own earlier work.

Reading needs no operator: the hook's ``list_*`` methods (projects, project runs, users,
groups, collections, data connections) fetch every page lazily, in any ``@task``::

    @task
    def finance_emails() -> list[str]:
        from airflow_provider_hex.hooks.hex import HexHook

        return [u["email"] for u in HexHook().list_users(group_id=FINANCE_GROUP_ID)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_hex.exceptions import HexInvalidArgumentError, HexNotFoundError
from airflow_provider_hex.hooks.api_workspace import MEMBERS_PER_CALL
from airflow_provider_hex.operators._common import HexBaseOperator, check_arguments, check_static
from airflow_provider_hex.validation import require_text, require_uuid, require_uuids

if TYPE_CHECKING:
    from airflow.sdk import Context

# Hex takes at most MEMBERS_PER_CALL users per group edit; longer lists are sent in chunks.


def _chunks(ids: list[str]) -> list[list[str]]:
    return [ids[i : i + MEMBERS_PER_CALL] for i in range(0, len(ids), MEMBERS_PER_CALL)]


def _ids(argument: str, value: Any) -> list[str]:
    return [] if value is None else list(dict.fromkeys(require_uuids(argument, value)))


def require_collection_access(argument: str, value: Any) -> dict[str, str]:
    """Check a collection sharing map: id -> access (``MEMBER``, ``MANAGER``, ``NONE``)."""
    if not isinstance(value, Mapping):
        raise HexInvalidArgumentError(argument, value, "expected a dict of id -> access")
    return {
        require_uuid(f"{argument} key", k): require_text(f"{argument}[{k!r}]", v)
        for k, v in value.items()
    }


class HexCreateGroupOperator(HexBaseOperator):
    """Create a Hex group, optionally with members (more than 100 are added in chunks).

    Group names need not be unique in Hex: every successful try creates a new group.

    :param name: the group's name.
    :param user_ids: ids of the users to add.
    :return: ``{"id", "name", "member_ids"}``; ``id`` is also pushed as an XCom of its own
        (``create_group.output["id"]``).
    """

    output_keys = ("id",)

    template_fields: Sequence[str] = ("name", "user_ids")

    def __init__(self, *, name: str, user_ids: Sequence[str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.name = name
        self.user_ids = user_ids
        check_static(require_text, "name", name)
        check_static(require_uuids, "user_ids", user_ids)

    def execute(self, context: Context) -> dict[str, Any]:
        """Create the group with the first 100 members, then add the rest."""
        name = require_text("name", self.name)
        chunks = _chunks(_ids("user_ids", self.user_ids))
        group = self.hook.create_group(name, user_ids=chunks[0] if chunks else None)
        group_id = str(group["id"])
        for chunk in chunks[1:]:
            self.hook.edit_group(group_id, add_user_ids=chunk)
        members = [uid for chunk in chunks for uid in chunk]
        self.log.info("Created group %r (%s) with %d member(s)", name, group_id, len(members))
        result = {"id": group_id, "name": group.get("name", name), "member_ids": members}
        return self.push_outputs(context, result)


class HexEditGroupMembersOperator(HexBaseOperator):
    """Add users to and remove users from a Hex group, and optionally rename it.

    :param group_id: the group.
    :param add_user_ids: ids of users to add.
    :param remove_user_ids: ids of users to remove.
    :param name: a new name for the group.
    :return: ``{"group_id", "name", "added", "removed"}`` (the ids sent to Hex).
    """

    template_fields: Sequence[str] = ("group_id", "add_user_ids", "remove_user_ids", "name")

    def __init__(
        self,
        *,
        group_id: str,
        add_user_ids: Sequence[str] | None = None,
        remove_user_ids: Sequence[str] | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if add_user_ids is None and remove_user_ids is None and name is None:
            raise HexInvalidArgumentError(
                "add_user_ids", None, "nothing to edit: give add_user_ids, remove_user_ids or name"
            )
        self.group_id = group_id
        self.add_user_ids = add_user_ids
        self.remove_user_ids = remove_user_ids
        self.name = name
        check_static(require_uuid, "group_id", group_id)
        check_static(require_uuids, "add_user_ids", add_user_ids)
        check_static(require_uuids, "remove_user_ids", remove_user_ids)
        check_static(require_text, "name", name)

    def execute(self, context: Context) -> dict[str, Any]:
        """Send the edits, at most 100 additions and 100 removals per request."""
        require_uuid("group_id", self.group_id)
        name = None if self.name is None else require_text("name", self.name)
        add = _ids("add_user_ids", self.add_user_ids)
        remove = _ids("remove_user_ids", self.remove_user_ids)
        both = sorted(set(add) & set(remove))
        if both:
            raise HexInvalidArgumentError(
                "remove_user_ids", both, "these users are also in add_user_ids"
            )
        adds, removes = _chunks(add), _chunks(remove)
        if not (adds or removes or name):
            self.log.info("Group %s: nothing to change (empty lists)", self.group_id)
            return {"group_id": self.group_id, "name": None, "added": [], "removed": []}
        group: dict[str, Any] = {}
        for i in range(max(len(adds), len(removes), 1)):
            group = dict(
                self.hook.edit_group(
                    self.group_id,
                    name=name if i == 0 else None,
                    add_user_ids=adds[i] if i < len(adds) else None,
                    remove_user_ids=removes[i] if i < len(removes) else None,
                )
            )
        self.log.info(
            "Group %s (%r): added %d member(s), removed %d%s",
            self.group_id,
            group.get("name"),
            len(add),
            len(remove),
            f", renamed to {name!r}" if name else "",
        )
        return {
            "group_id": self.group_id,
            "name": group.get("name"),
            "added": add,
            "removed": remove,
        }


class HexDeleteGroupOperator(HexBaseOperator):
    """Delete a Hex group; a group that is already gone counts as success.

    :param group_id: the group.
    :return: ``{"group_id", "deleted"}``; ``deleted`` is False when Hex answered 404.
    """

    template_fields: Sequence[str] = ("group_id",)

    def __init__(self, *, group_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.group_id = group_id
        check_static(require_uuid, "group_id", group_id)

    def execute(self, context: Context) -> dict[str, Any]:
        """Delete the group."""
        require_uuid("group_id", self.group_id)
        try:
            self.hook.delete_group(self.group_id)
        except HexNotFoundError:
            self.log.info("Group %s was already deleted: nothing to do", self.group_id)
            return {"group_id": self.group_id, "deleted": False}
        self.log.info("Deleted group %s", self.group_id)
        return {"group_id": self.group_id, "deleted": True}


class _CollectionOperator(HexBaseOperator):
    template_fields: Sequence[str] = ("name", "description", "users", "groups", "workspace_members")

    def __init__(
        self,
        *,
        name: str | None,
        description: str | None = None,
        users: Mapping[str, str] | None = None,
        groups: Mapping[str, str] | None = None,
        workspace_members: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.name = name
        self.description = description
        self.users = users
        self.groups = groups
        self.workspace_members = workspace_members
        self._check(static=True)

    def _check(self, *, static: bool) -> None:
        check_arguments(
            [
                (require_uuid, "collection_id", getattr(self, "collection_id", None)),
                (require_text, "name", self.name),
                (require_collection_access, "users", self.users),
                (require_collection_access, "groups", self.groups),
                (require_text, "workspace_members", self.workspace_members),
            ],
            static=static,
        )

    def _fields(self) -> dict[str, Any]:
        keys = ("name", "description", "users", "groups", "workspace_members")
        return {key: getattr(self, key) for key in keys}


class HexCreateCollectionOperator(_CollectionOperator):
    """Create a Hex collection, optionally shared with users, groups and the workspace.

    :param name: the collection's name.
    :param description: its description.
    :param users: user id -> collection access (``MEMBER``, ``MANAGER``).
    :param groups: group id -> collection access.
    :param workspace_members: access for every workspace member.
    :return: the collection as Hex returns it (``id``, ``name``, ``sharing``…); ``id`` is
        also pushed as an XCom of its own.
    """

    output_keys = ("id",)

    def __init__(self, *, name: str, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)

    def execute(self, context: Context) -> dict[str, Any]:
        """Create the collection."""
        self._check(static=False)
        collection = dict(self.hook.create_collection(**self._fields()))
        self.log.info("Created collection %r (%s)", self.name, collection.get("id"))
        return self.push_outputs(context, collection)


class HexEditCollectionOperator(_CollectionOperator):
    """Rename or describe a Hex collection, or change who can reach it (``NONE`` removes).

    :param collection_id: the collection.
    :param name: a new name.
    :param description: a new description.
    :param users: user id -> collection access to set.
    :param groups: group id -> collection access to set.
    :param workspace_members: access for every workspace member.
    :return: the collection as Hex returns it.
    """

    template_fields: Sequence[str] = (
        "collection_id",
        "name",
        "description",
        "users",
        "groups",
        "workspace_members",
    )

    def __init__(self, *, collection_id: str, name: str | None = None, **kwargs: Any) -> None:
        self.collection_id = collection_id
        super().__init__(name=name, **kwargs)
        if all(v is None for v in self._fields().values()):
            raise HexInvalidArgumentError("name", None, "nothing to edit")

    def execute(self, context: Context) -> dict[str, Any]:
        """Send one EditCollection request."""
        self._check(static=False)
        fields = self._fields()
        collection = dict(self.hook.edit_collection(self.collection_id, **fields))
        changed = [key for key, value in fields.items() if value is not None]
        self.log.info(
            "Edited collection %s (%r): %s",
            self.collection_id,
            collection.get("name"),
            ", ".join(changed),
        )
        return collection


class HexDeactivateUserOperator(HexBaseOperator):
    """Deactivate a Hex user (their tokens stop working); one already inactive is success.

    Hex does not say whether a user is active, so the operator asks ListUsers for the id
    first: an active user is listed and is then deactivated. A user not listed is sent the
    deactivation anyway and Hex decides: a 200 means the user was already inactive (logged,
    success); a 404 means no such user and fails the task.

    :param user_id: the user.
    :return: ``{"user_id", "email", "deactivated", "already_inactive"}``; ``deactivated``
        says whether this task made the change.
    """

    template_fields: Sequence[str] = ("user_id",)

    def __init__(self, *, user_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.user_id = user_id
        check_static(require_uuid, "user_id", user_id)

    def execute(self, context: Context) -> dict[str, Any]:
        """Check whether the user is active, then deactivate."""
        user_id = require_uuid("user_id", self.user_id)
        active = [u for u in self.hook.list_users(user_ids=[user_id]) if u.get("id") == user_id]
        user = dict(self.hook.deactivate_user(user_id))
        email = user.get("email") or (active[0].get("email") if active else None)
        if active:
            self.log.info("Deactivated user %s (%s)", user_id, email)
        else:
            self.log.info("User %s (%s) was already inactive: nothing to do", user_id, email)
        return {
            "user_id": user_id,
            "email": email,
            "deactivated": bool(active),
            "already_inactive": not active,
        }


__all__ = [
    "HexCreateCollectionOperator",
    "HexCreateGroupOperator",
    "HexDeactivateUserOperator",
    "HexDeleteGroupOperator",
    "HexEditCollectionOperator",
    "HexEditGroupMembersOperator",
]
