"""Errors that say an operation may be missing from a workspace rather than forbidden.

Some Hex operations are unstable, or available only on some plans or to some workspaces
(ExportProject on request, GetQueriedTables on Enterprise, semantic projects where the
semantic layer is enabled). Hex then answers 403 or 404 like for any other refusal; the
hook adds what is most likely going on to the error's message.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from airflow_provider_hex.exceptions import HexNotFoundError, HexPermissionError


@contextmanager
def limited_operation(operation: str, availability: str) -> Iterator[None]:
    """Add a hint to a 403 or 404 raised inside: ``operation`` may not be enabled here.

    :param operation: Hex's name of the operation, e.g. ``"ExportProject"``.
    :param availability: who has it, e.g. ``"workspaces that asked Hex support for it"``.
    """
    try:
        yield
    except (HexPermissionError, HexNotFoundError) as err:
        hint = (
            f"{operation} is available only to {availability}; a {err.status} here most "
            "likely means this workspace (or this token's scopes) does not have it, or that "
            "the id is wrong"
        )
        err.args = (f"{err.describe()}. {hint}",)
        raise


__all__ = ["limited_operation"]
