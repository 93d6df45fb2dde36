"""Finding a project by its title, when the task runs (never when the DAG is parsed).

:func:`find_project_id` reads ListProjects once per Hex connection (host and token) and
keeps the titles for :data:`CACHE_SECONDS`, so a mapped task over fifty project names in
one process costs one listing, not fifty. A title that matches no project fails with the
closest titles; one that matches several fails with their ids.
"""

from __future__ import annotations

import difflib
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_hex.exceptions import HexInvalidArgumentError

if TYPE_CHECKING:
    from airflow_provider_hex.hooks.hex import HexHook

__all__ = [
    "CACHE_SECONDS",
    "PENDING_LOOKUP",
    "check_project_reference",
    "find_project_id",
    "forget_project_titles",
    "resolve_project",
]

#: How long a listing of project titles is reused, in seconds.
CACHE_SECONDS = 300.0
#: Most similar titles named when none matches.
MAX_SUGGESTIONS = 5
#: Stands in for the id of a project named by title in checks made before the lookup.
PENDING_LOOKUP = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class _Listed:
    id: str
    title: str
    archived: bool


_lock = threading.Lock()
_cache: dict[tuple[tuple[str, str], bool], tuple[float, tuple[_Listed, ...]]] = {}


def forget_project_titles() -> None:
    """Drop every cached listing (tests; or after renaming projects in a long process)."""
    with _lock:
        _cache.clear()


def _listing(hook: HexHook, include_archived: bool) -> tuple[_Listed, ...]:
    key = (hook.settings.budget_key, include_archived)
    with _lock:  # one listing at a time, so that threads asking together share it
        cached = _cache.get(key)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        projects = tuple(
            _Listed(
                str(project["id"]),
                str(project.get("title") or ""),
                bool(project.get("archivedAt") or project.get("trashedAt")),
            )
            for project in hook.list_projects(
                include_archived=include_archived, include_trashed=include_archived
            )
        )
        _cache[key] = (time.monotonic() + CACHE_SECONDS, projects)
        return projects


def _suggestions(title: str, titles: Sequence[str]) -> str:
    close = difflib.get_close_matches(title, titles, n=MAX_SUGGESTIONS, cutoff=0.4)
    if not close:
        lowered = title.casefold()
        close = [t for t in titles if lowered in t.casefold()][:MAX_SUGGESTIONS]
    if not close:
        return "no title is close to it"
    return "closest titles: " + ", ".join(repr(t) for t in close)


def find_project_id(hook: HexHook, title: str, *, include_archived: bool = False) -> str:
    """Return the id of the one project titled ``title`` that the connection's token sees.

    Titles match exactly; when none does, a match ignoring case and surrounding spaces is
    accepted. Archived and trashed projects only match with ``include_archived``.

    :raises HexInvalidArgumentError: no project, or more than one, has that title.
    """
    if not isinstance(title, str) or not title.strip():
        raise HexInvalidArgumentError("project_name", title, "expected a project title")
    projects = _listing(hook, include_archived)
    found = [p for p in projects if p.title == title]
    if not found:
        folded = title.strip().casefold()
        found = [p for p in projects if p.title.strip().casefold() == folded]
    if len(found) == 1:
        return found[0].id
    scope = "" if include_archived else ", archived and trashed ones left out"
    if not found:
        titles = sorted({p.title for p in projects})
        raise HexInvalidArgumentError(
            "project_name",
            title,
            f"no Hex project has this title (among {len(projects)} projects the connection "
            f"{hook.hex_conn_id!r} can see{scope}); {_suggestions(title, titles)}",
        )
    ids = ", ".join(f"{p.id}{' (archived)' if p.archived else ''}" for p in found)
    raise HexInvalidArgumentError(
        "project_name",
        title,
        f"{len(found)} Hex projects have this title ({ids}); pass project_id to choose one",
    )


def check_project_reference(project_id: Any, project_name: Any) -> None:
    """Check that exactly one of ``project_id`` and ``project_name`` is given."""
    if project_id is None and project_name is None:
        raise HexInvalidArgumentError(
            "project_id", None, "pass the project's id, or its title as project_name"
        )
    if project_id is not None and project_name is not None:
        raise HexInvalidArgumentError(
            "project_name", project_name, f"pass either project_id ({project_id!r}) or it"
        )
    # Anything but a string is resolved at run time (an XComArg, say) and checked then.
    if isinstance(project_name, str) and not project_name.strip():
        raise HexInvalidArgumentError("project_name", project_name, "expected a project title")


def resolve_project(
    hook: HexHook,
    project_id: str | None,
    project_name: str | None,
    *,
    include_archived: bool = False,
    log: Any = None,
) -> str:
    """Return the project id to use: ``project_id``, or the id of ``project_name``.

    Called when the task runs, on rendered values (never at DAG parse time).
    """
    check_project_reference(project_id, project_name)
    if project_name is None:
        return str(project_id)
    found = find_project_id(hook, project_name, include_archived=include_archived)
    if log is not None:
        log.info("Hex project %r is %s", project_name, found)
    return found
