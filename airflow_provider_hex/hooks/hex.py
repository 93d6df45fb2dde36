"""The Hex hook: one method per Hex API operation, over one safe transport.

The methods are grouped by subject in the ``api_*`` modules beside this one; this class puts
them together with the connection handling of :class:`HexHookBase`::

    hook = HexHook("hex_default")
    run = hook.run_project("5a8591dd-4039-49df-9202-96385ba3eff8", {"region": "EU"})
    status = hook.get_run_status(run["projectId"], run["runId"])
    for project in hook.list_projects():      # every page, fetched as you go
        ...
"""

from __future__ import annotations

from typing import Any

from airflow_provider_hex.connection_form import (
    EXTRA_FIELDS,
    HIDDEN_FIELDS,
    PLACEHOLDERS,
    RELABELING,
)
from airflow_provider_hex.exceptions import HexAuthError, HexError, HexInvalidArgumentError
from airflow_provider_hex.hooks.api_cells import CellsAPI
from airflow_provider_hex.hooks.api_data import DataAPI
from airflow_provider_hex.hooks.api_guides import GuidesAPI
from airflow_provider_hex.hooks.api_outputs import OutputsAPI
from airflow_provider_hex.hooks.api_project_admin import ProjectAdminAPI
from airflow_provider_hex.hooks.api_projects import ProjectsAPI
from airflow_provider_hex.hooks.api_runs import RunsAPI
from airflow_provider_hex.hooks.api_semantic import SemanticAPI
from airflow_provider_hex.hooks.api_threads import ThreadsAPI
from airflow_provider_hex.hooks.api_workspace import WorkspaceAPI
from airflow_provider_hex.hooks.base import HexHookBase


class HexHook(
    RunsAPI,
    ProjectsAPI,
    ProjectAdminAPI,
    CellsAPI,
    WorkspaceAPI,
    DataAPI,
    SemanticAPI,
    GuidesAPI,
    OutputsAPI,
    ThreadsAPI,
    HexHookBase,
):
    """Talk to the Hex API through an Airflow connection of type ``hex``.

    :param hex_conn_id: the Airflow connection; its password is the API token and its host
        the workspace (``https://app.hex.tech`` when empty).
    """

    def test_connection(self) -> tuple[bool, str]:
        """Check the token against Hex and say which workspace and user it reached."""
        try:
            me = self.get_current_user()
        except HexAuthError as err:  # the error says which connection and what to check
            return False, str(err)
        except HexInvalidArgumentError as err:
            return False, f"The Hex connection {self.hex_conn_id!r} is not usable: {err}"
        except HexError as err:
            return False, f"Could not check the Hex connection at {self.base_url}: {err}"
        except Exception as err:  # e.g. the connection does not exist; never the token
            return False, f"Could not check the Hex connection {self.hex_conn_id!r}: {err}"
        org = (me.get("org") or {}).get("id", "unknown")
        who = me.get("email") or "a workspace token"
        return True, f"Connected to Hex at {self.base_url} as {who} (workspace {org})"

    # -- the connection form (read by Airflow 3.0/3.1; 3.2+ reads provider info) -------------------

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Relabel and hide the connection form's fields for Hex."""
        return {
            "hidden_fields": HIDDEN_FIELDS,
            "relabeling": RELABELING,
            "placeholders": PLACEHOLDERS,
        }

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Return the extra fields of the connection form (Airflow 3.0/3.1 fallback).

        Needs only ``wtforms`` where the API server runs; the Flask widgets and translations
        are used when installed.
        """
        try:
            from wtforms import StringField
        except ImportError:
            return {}
        try:
            from flask_babel import lazy_gettext as label
        except ImportError:
            label = str
        try:
            from flask_appbuilder.fieldwidgets import BS3TextFieldWidget

            widget: Any = BS3TextFieldWidget()
        except ImportError:
            widget = None
        return {
            name: StringField(
                label(name.replace("_", " ").capitalize()), widget=widget, description=doc
            )
            for name, (_kind, _default, doc) in EXTRA_FIELDS.items()
        }


__all__ = ["HexHook"]
