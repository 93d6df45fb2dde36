"""Fixtures for the sensor tests: a simulator, a fast-retrying connection to it, fresh readers."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from airflow_provider_hex.testing import HexSimulator
from airflow_provider_hex.triggers.polling import reset_status_readers


@pytest.fixture(autouse=True)
def _fresh_readers() -> Iterator[None]:
    """Every test starts without status readers (and their cached answers) of another."""
    reset_status_readers()
    yield
    reset_status_readers()


@pytest.fixture
def sim() -> Iterator[HexSimulator]:
    """A started simulator without demo content, on real time."""
    with HexSimulator(seed_demo=False) as simulator:
        yield simulator


@pytest.fixture
def conn_id(monkeypatch: pytest.MonkeyPatch, sim: HexSimulator) -> str:
    """``hex_default`` pointing at ``sim``: one quick retry, no pacing."""
    extra = {"retry_backoff": 0.001, "max_retry_wait": 1, "max_retries": 1, "rate_budget": False}
    value = {"conn_type": "hex", "host": sim.url, "password": sim.token, "extra": extra}
    monkeypatch.setenv("AIRFLOW_CONN_HEX_DEFAULT", json.dumps(value))
    return "hex_default"
