"""An operator that edits who can reach a Hex project: users, groups, collections, workspace.

Hex answers a sharing edit with 200 and lists the principals it could not update in
``errors`` (a user who is deactivated, a group that does not exist…). The operator fails
listing every one of them, unless ``accept_partial_success`` is set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_hex.exceptions import HexError, HexInvalidArgumentError
from airflow_provider_hex.operators._common import HexBaseOperator, check_arguments
from airflow_provider_hex.types import AccessLevel
from airflow_provider_hex.validation import (
    require_access_map,
    require_bool,
    require_enum,
    require_uuid,
)

if TYPE_CHECKING:
    from airflow.sdk import Context
    from airflow.sdk.exceptions import AirflowFailException
else:
    try:  # Airflow 3.1+
        from airflow.sdk.exceptions import AirflowFailException
    except ImportError:  # Airflow 3.0
        from airflow.exceptions import AirflowFailException

#: The principal kinds, with the key under which Hex lists failed ids in ``errors``.
_KINDS = {"users": "userIds", "groups": "groupIds", "collections": "collectionIds"}


class HexSharingPartialFailure(HexError, AirflowFailException):
    """Hex applied a sharing edit only in part; ``failures`` lists what it refused.

    Fails the task without retrying: repeating the edit would be refused the same way.
    """

    def __init__(self, project_id: str, failures: list[dict[str, str]]) -> None:
        self.project_id = project_id
        self.failures = failures
        lines = "; ".join(f"{f['kind']} {f['id']}: {f['reason']}" for f in failures)
        super().__init__(
            f"Hex refused {len(failures)} sharing change(s) on project {project_id}: {lines}. "
            "The other changes were applied; set accept_partial_success=True to accept this."
        )


def _access_map(argument: str, value: Any) -> dict[str, AccessLevel]:
    return require_access_map(argument, value, AccessLevel)


def _access_level(argument: str, value: Any) -> AccessLevel:
    return require_enum(argument, value, AccessLevel)


def flatten_errors(kind: str, errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Turn Hex's ``errors`` entries into one ``{kind, id, reason}`` per refused principal."""
    out: list[dict[str, str]] = []
    for entry in errors:
        reason = str(entry.get("reason") or "no reason given")
        if kind in _KINDS:
            ids = entry.get(_KINDS[kind]) or ["<unknown>"]
            out.extend({"kind": kind, "id": str(i), "reason": reason} for i in ids)
        else:  # workspace / public web: Hex names the setting in "type"
            out.append({"kind": str(entry.get("type") or kind), "id": "-", "reason": reason})
    return out


class HexUpdateProjectSharingOperator(HexBaseOperator):
    """Set users', groups', collections', workspace and public-web access to a Hex project.

    Give any of the arguments below; only the endpoints they need are called. Access levels
    are ``NONE`` (removes), ``APP_ONLY``, ``CAN_VIEW``, ``CAN_EDIT`` and ``FULL_ACCESS``.
    More than 25 users, groups or collections are sent in batches of 25.

    :param project_id: the project to share.
    :param users: user id -> access level.
    :param groups: group id -> access level.
    :param collections: collection id -> access level (``NONE`` takes the project out).
    :param workspace: access for every member of the workspace.
    :param public_web: access for anyone with the link.
    :param accept_partial_success: when Hex refuses some principals, log them and succeed
        instead of failing.
    :return: ``{"project_id", "applied": {kind: {id: level}} (the changes Hex
        accepted; ``workspace`` / ``public_web`` as levels), "errors": [{"kind", "id",
        "reason"}]}``.
    """

    template_fields: Sequence[str] = (
        "project_id",
        "users",
        "groups",
        "collections",
        "workspace",
        "public_web",
    )

    def __init__(
        self,
        *,
        project_id: str,
        users: Mapping[str, AccessLevel | str] | None = None,
        groups: Mapping[str, AccessLevel | str] | None = None,
        collections: Mapping[str, AccessLevel | str] | None = None,
        workspace: AccessLevel | str | None = None,
        public_web: AccessLevel | str | None = None,
        accept_partial_success: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.project_id = project_id
        self.users = users
        self.groups = groups
        self.collections = collections
        self.workspace = workspace
        self.public_web = public_web
        self.accept_partial_success = require_bool("accept_partial_success", accept_partial_success)
        if all(v is None for v in (users, groups, collections, workspace, public_web)):
            raise HexInvalidArgumentError(
                "users", None, "give users, groups, collections, workspace or public_web"
            )
        check_arguments(
            [
                (require_uuid, "project_id", project_id),
                *((_access_map, kind, getattr(self, kind)) for kind in _KINDS),
                (_access_level, "workspace", workspace),
                (_access_level, "public_web", public_web),
            ],
            static=True,
        )

    def _validated(self) -> tuple[dict[str, dict[str, AccessLevel]], dict[str, AccessLevel]]:
        require_uuid("project_id", self.project_id)
        principals = {
            kind: _access_map(kind, getattr(self, kind))
            for kind in _KINDS
            if getattr(self, kind) is not None
        }
        settings = {
            name: _access_level(name, value)
            for name, value in (("workspace", self.workspace), ("public_web", self.public_web))
            if value is not None
        }
        return {k: v for k, v in principals.items() if v}, settings

    def execute(self, context: Context) -> dict[str, Any]:
        """Send the sharing edits, then fail if Hex refused any part (unless accepted)."""
        principals, settings = self._validated()
        editors = {
            "users": self.hook.edit_project_sharing_users,
            "groups": self.hook.edit_project_sharing_groups,
            "collections": self.hook.edit_project_sharing_collections,
        }
        applied: dict[str, Any] = {}
        failures: list[dict[str, str]] = []
        for kind, levels in principals.items():
            result = editors[kind](self.project_id, levels)
            refused = flatten_errors(kind, result.get("errors") or [])
            failures.extend(refused)
            bad = {f["id"] for f in refused}
            applied[kind] = {i: lvl.value for i, lvl in levels.items() if i not in bad}
        if settings:
            result = self.hook.edit_project_sharing_org_and_public(
                self.project_id,
                workspace=settings.get("workspace"),
                public_web=settings.get("public_web"),
            )
            refused = flatten_errors("workspace", result.get("errors") or [])
            failures.extend(refused)
            refused_kinds = {f["kind"] for f in refused}
            hex_names = {"workspace": "workspace", "public_web": "publicWeb"}
            for name, level in settings.items():
                if hex_names[name] not in refused_kinds:
                    applied[name] = level.value
        for kind, changes in applied.items():
            self.log.info(
                "Project %s sharing: %s now %s",
                self.project_id,
                kind,
                changes if isinstance(changes, str) else _summary(changes),
            )
        if not principals and not settings:
            self.log.info("Project %s sharing: nothing to change (empty lists)", self.project_id)
        for failure in failures:
            self.log.warning(
                "Hex refused %s %s: %s", failure["kind"], failure["id"], failure["reason"]
            )
        if failures and not self.accept_partial_success:
            raise HexSharingPartialFailure(self.project_id, failures)
        return {
            "project_id": self.project_id,
            "applied": applied,
            "errors": failures,
        }


def _summary(changes: Mapping[str, str]) -> str:
    """``{id: level}`` as ``id=LEVEL`` pairs, or as counts (``"3 x CAN_VIEW, 1 x NONE"``)."""
    if len(changes) <= 5:
        return ", ".join(f"{i}={lvl}" for i, lvl in changes.items()) or "unchanged"
    counts: dict[str, int] = {}
    for level in changes.values():
        counts[level] = counts.get(level, 0) + 1
    return ", ".join(f"{n} x {lvl}" for lvl, n in sorted(counts.items()))


__all__ = [
    "HexSharingPartialFailure",
    "HexUpdateProjectSharingOperator",
]
