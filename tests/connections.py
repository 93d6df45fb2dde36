"""The one way the tests point an Airflow connection at Hex: the simulator, or app.hex.tech
for requests-mock. Fixtures in the conftests and the helper modules all go through here."""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_hex.testing import HexSimulator

TOKEN = "hxtp_" + "0123456789abcdef" * 6
HEX_HOST = "https://app.hex.tech"
#: Settings for tests that must neither sleep nor wait: one quick retry, no pacing.
QUICK = {"retry_backoff": 0.001, "max_retry_wait": 1, "max_retries": 1, "rate_budget": False}


def hex_conn_json(host: str = HEX_HOST, token: str = TOKEN, **extra: object) -> str:
    """An ``AIRFLOW_CONN_*`` value for a Hex connection with the given extra fields."""
    return json.dumps({"conn_type": "hex", "host": host, "password": token, "extra": extra})


def connect(
    monkeypatch: pytest.MonkeyPatch,
    sim: HexSimulator,
    conn_id: str = "hex_default",
    **extra: Any,
) -> str:
    """Point the Airflow connection ``conn_id`` at ``sim``; :data:`QUICK` unless ``extra``
    says otherwise. Returns the connection id."""
    value = hex_conn_json(sim.url, sim.token, **(QUICK | extra))
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", value)
    return conn_id
