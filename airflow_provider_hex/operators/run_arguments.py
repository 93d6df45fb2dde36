"""Arguments of the run operator: the 0.1.9 names it still accepts, and early checks.

Checks run twice: at construction for every value that is already final (so a wrong id
fails when the DAG is parsed, not hours later), and in ``execute`` on the rendered values,
before any request is sent.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from airflow_provider_hex._compat import ProviderDeprecationWarning
from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.hooks.api_runs import run_project_request
from airflow_provider_hex.validation import is_templated

#: 0.1.9 argument name -> today's name.
LEGACY_NAMES = {
    "synchronous": "wait_for_completion",
    "wait_seconds": "poll_interval",
    "kill_on_timeout": "cancel_on_timeout",
    "input_parameters": "input_params",
}
_PLACEHOLDER_UUID = "00000000-0000-0000-0000-000000000000"


def take_legacy(old_name: str, old_value: Any, new_value: Any, new_default: Any) -> Any:
    """Return the value to use for a renamed argument, warning when the old name is used.

    An old-name value wins over a new-name argument left at its default; the two names
    with different values are an error.
    """
    if old_value is None:
        return new_value
    new_name = LEGACY_NAMES[old_name]
    if new_value != new_default and new_value != old_value:
        raise HexInvalidArgumentError(
            old_name,
            old_value,
            f"it is the old name of {new_name}, which is also given as {new_value!r}; "
            f"pass only {new_name}",
        )
    warnings.warn(
        f"HexRunProjectOperator argument {old_name!r} is deprecated; use {new_name!r}.",
        ProviderDeprecationWarning,
        stacklevel=4,
    )
    return old_value


def _positive(name: str, value: Any, *, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise HexInvalidArgumentError(name, value, "expected a number of seconds > 0")


def check_wait_arguments(
    *, poll_interval: Any, max_poll_interval: Any, timeout: Any, flags: Mapping[str, Any]
) -> None:
    """Check the waiting arguments, which are never templated."""
    _positive("poll_interval", poll_interval)
    _positive("max_poll_interval", max_poll_interval)
    _positive("timeout", timeout, allow_none=True)
    for name, value in flags.items():
        if not isinstance(value, bool):
            raise HexInvalidArgumentError(name, value, "expected True or False")


def check_run_arguments(
    project_id: Any,
    input_params: Any,
    *,
    view_id: Any,
    notifications: Any,
    options: Mapping[str, bool | None],
    rendered: bool,
) -> None:
    """Check what RunProject will be sent, without sending it.

    Before rendering (``rendered=False``) a templated value is skipped: it is checked again
    in ``execute``.
    """

    def final(value: Any, stand_in: Any) -> Any:
        return stand_in if not rendered and is_templated(value) else value

    params = final(input_params, None)
    notes = final(notifications, None)
    if isinstance(notes, Sequence) and not isinstance(notes, str | bytes):
        notes = list(notes)
    run_project_request(
        final(project_id, _PLACEHOLDER_UUID),
        params,
        view_id=final(view_id, None),
        notifications=notes,
        **options,
    )
