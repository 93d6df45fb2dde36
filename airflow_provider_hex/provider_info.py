"""What Airflow learns about this provider through the ``apache_airflow_provider`` entry point.

Airflow 3.2+ draws the Hex connection form from ``connection-types`` below without
importing the hook; Airflow 3.0 and 3.1 ask the hook's ``get_ui_field_behaviour`` and
``get_connection_form_widgets`` instead. Both come from the same field list.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_hex import __version__
from airflow_provider_hex.connection_form import (
    EXTRA_FIELDS,
    HIDDEN_FIELDS,
    PLACEHOLDERS,
    RELABELING,
)

_JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string"}


def _conn_fields() -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, (kind, default, doc) in EXTRA_FIELDS.items():
        schema: dict[str, Any] = {"type": [_JSON_TYPES[kind], "null"], "default": default}
        if kind in (int, float):
            schema["minimum"] = 0
        fields[name] = {
            "label": name.replace("_", " ").capitalize(),
            "description": doc,
            "schema": schema,
        }
    return fields


def get_provider_info() -> dict[str, Any]:
    """Return the provider's metadata for Airflow's providers manager."""
    return {
        "package-name": "airflow-provider-hex",
        "name": "Hex",
        "description": "Run Hex projects from Apache Airflow and manage Hex content. "
        "`Hex <https://hex.tech/>`__",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": "Hex",
                "external-doc-url": "https://learn.hex.tech/docs/api-integrations/api/overview",
                "tags": ["service"],
            }
        ],
        "hooks": [
            {"integration-name": "Hex", "python-modules": ["airflow_provider_hex.hooks.hex"]}
        ],
        "operators": [
            {
                "integration-name": "Hex",
                "python-modules": [
                    "airflow_provider_hex.operators.hex",
                    "airflow_provider_hex.operators.run_project",
                    "airflow_provider_hex.operators.cancel_run",
                    "airflow_provider_hex.operators.cells",
                    "airflow_provider_hex.operators.sharing",
                    "airflow_provider_hex.operators.projects",
                    "airflow_provider_hex.operators.guides",
                    "airflow_provider_hex.operators.admin",
                    "airflow_provider_hex.operators.data_connections",
                    "airflow_provider_hex.operators.semantic",
                    "airflow_provider_hex.operators.project_admin",
                    "airflow_provider_hex.operators.agent",
                ],
            }
        ],
        "sensors": [
            {"integration-name": "Hex", "python-modules": ["airflow_provider_hex.sensors.hex"]}
        ],
        "triggers": [
            {
                "integration-name": "Hex",
                "python-modules": [
                    "airflow_provider_hex.triggers.hex",
                    "airflow_provider_hex.triggers.agent_thread",
                    "airflow_provider_hex.triggers.project_runs",
                ],
            }
        ],
        "asset-uris": [
            {
                "schemes": ["hex"],
                "handler": "airflow_provider_hex.assets.sanitize_uri",
                "factory": "airflow_provider_hex.assets.create_asset",
                "to_openlineage_converter": (
                    "airflow_provider_hex.assets.convert_asset_to_openlineage"
                ),
            }
        ],
        "connection-types": [
            {
                "connection-type": "hex",
                "hook-class-name": "airflow_provider_hex.hooks.hex.HexHook",
                "hook-name": "Hex",
                "ui-field-behaviour": {
                    "hidden-fields": HIDDEN_FIELDS,
                    "relabeling": RELABELING,
                    "placeholders": PLACEHOLDERS,
                },
                "conn-fields": _conn_fields(),
            }
        ],
        "extra-links": ["airflow_provider_hex.links.HexRunLink"],
    }
