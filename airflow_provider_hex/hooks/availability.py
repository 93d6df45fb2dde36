"""Operations Hex offers only to some workspaces or roles, and errors that say so.

Hex answers 403 or 404 when a workspace has no access to such an operation, which reads like
a wrong id or token. :func:`call_limited` sends a request and, on those two statuses, adds
to the error what the likely cause is and what to do about it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from airflow_provider_hex.exceptions import HexNotFoundError, HexPermissionError
from airflow_provider_hex.hooks.transport import HexRequest

#: Agent threads: Hex turns them on per organization.
THREADS_NOTE = (
    "If the ids and the token are right, the likely cause is that Hex has not enabled agent "
    "threads (the API's thread operations) for this workspace; Hex support can turn them on"
)
#: ListThreads: managers and admins only.
LIST_THREADS_NOTE = (
    "Hex lists threads only to users with the Manager role or higher (and to workspace "
    "tokens of such a workspace); if the token is such a user's, agent threads may not be "
    "enabled for this workspace"
)
#: GetCellOutput: unstable, SQL cells of the draft session only.
CELL_OUTPUT_NOTE = (
    "Hex marks GetCellOutput unstable and serves it only for SQL cells of the draft's "
    "running notebook session; if the cell id is right, the workspace may not have access "
    "to this operation yet"
)
#: CreatePresignedUrl: embedding must be enabled for the workspace and the project.
EMBED_NOTE = (
    "If the project id is right, the likely cause is that embedding is not enabled for this "
    "workspace or project (Hex sells it as part of its embedded analytics plans)"
)


def with_note(error: HexPermissionError | HexNotFoundError, note: str) -> Exception:
    """Append ``note`` to the error's message (kept when the error is pickled); return it."""
    error.args = (f"{error.args[0] if error.args else error}. {note}",)
    return error


def call_limited(call: Callable[[HexRequest], Any], request: HexRequest, note: str) -> Any:
    """Send ``request`` through ``call``; a 403 or 404 gets ``note`` in its message."""
    try:
        return call(request)
    except (HexPermissionError, HexNotFoundError) as err:
        raise with_note(err, note) from None


async def acall_limited(
    acall: Callable[[HexRequest], Awaitable[Any]], request: HexRequest, note: str
) -> Any:
    """Async :func:`call_limited`."""
    try:
        return await acall(request)
    except (HexPermissionError, HexNotFoundError) as err:
        raise with_note(err, note) from None


__all__ = [
    "CELL_OUTPUT_NOTE",
    "EMBED_NOTE",
    "LIST_THREADS_NOTE",
    "THREADS_NOTE",
    "acall_limited",
    "call_limited",
    "with_note",
]
