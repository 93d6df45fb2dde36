"""What to do about the errors a newcomer meets first: a refused token, a missing connection.

The hook adds these hints to the errors it raises, and the connection test shows the same
words, so a task's log and the **Test** button say the same thing. No hint holds the token.
"""

from __future__ import annotations

import json

from airflow_provider_hex.connection_form import DEFAULT_HOST

#: The connection type every Hex connection has.
CONN_TYPE = "hex"


def env_var_name(conn_id: str) -> str:
    """The environment variable Airflow reads a connection from (``AIRFLOW_CONN_<ID>``)."""
    return "AIRFLOW_CONN_" + conn_id.upper()


def refused_token_hint(conn_id: str, base_url: str, status: int) -> str:
    """What to check when Hex answers 401 or 403 to the token of connection ``conn_id``."""
    where = f"the Airflow connection {conn_id!r} (host {base_url})"
    if status == 403:
        return (
            f"Hex accepted the API token of {where} but it may not do this: a workspace "
            "token needs the scope of the action (running needs 'Run projects'), a personal "
            "token can do only what its user can do in Hex (share the project with that user). "
            f"Check it with `airflow connections test {conn_id}`"
        )
    return (
        f"Hex refused the API token of {where}: check the connection's password is a "
        "current Hex API token (hxtp_... or hxtw_...; regenerated or expired tokens stop "
        "working), and that its host is the token's workspace (app.hex.tech, eu.hex.tech or "
        f"your single-tenant host). Check it with `airflow connections test {conn_id}`"
    )


def missing_connection_message(conn_id: str) -> str:
    """Say that connection ``conn_id`` is not defined, and the three ways to create it."""
    example = json.dumps({"conn_type": CONN_TYPE, "host": DEFAULT_HOST, "password": "hxtp_..."})
    return (
        f"The Hex connection {conn_id!r} is not defined. Create it with conn_type "
        f"{CONN_TYPE!r}, your Hex API token as its password and your workspace as its host, "
        f"in one of three ways: the environment variable {env_var_name(conn_id)}='{example}'; "
        f"the CLI: airflow connections add {conn_id} --conn-type {CONN_TYPE} "
        f"--conn-host {DEFAULT_HOST} --conn-password 'hxtp_...'; or the UI: Admin -> "
        "Connections -> Add a new record, connection type Hex"
    )


__all__ = ["CONN_TYPE", "env_var_name", "missing_connection_message", "refused_token_hint"]
