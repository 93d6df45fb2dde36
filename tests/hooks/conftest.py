"""Fixtures for the hook tests: a hook on ``hex_default`` whose retry waits are recorded, and
a demo simulator on a frozen clock with a hook pointing at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from hook_support import Sleeps, conn_json

from airflow_provider_hex.hooks.hex import HexHook
from airflow_provider_hex.hooks.transport import Transport
from airflow_provider_hex.testing import HexSimulator


@pytest.fixture
def sleeps() -> Sleeps:
    """The waits of the ``hook`` fixture's transport."""
    return Sleeps()


@pytest.fixture
def hook(hex_conn: str, sleeps: Sleeps) -> Iterator[HexHook]:
    """A hook on ``hex_default`` (app.hex.tech, no pacing) that records its retry waits."""
    hex_hook = HexHook(hex_conn)
    hex_hook.transport = Transport(hex_hook.settings, sleep=sleeps, asleep=sleeps.asleep)
    yield hex_hook
    hex_hook.close()


@pytest.fixture
def token(hook: HexHook) -> str:
    """The API token of ``hex_default``."""
    return hook.settings.token


@pytest.fixture
def set_connection(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Point ``hex_default`` at the given host and token, with the given extras."""

    def setter(host: str, token: str, **extra: object) -> None:
        monkeypatch.setenv("AIRFLOW_CONN_HEX_DEFAULT", conn_json(host, token, **extra))

    return setter


@pytest.fixture
def frozen_sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[HexSimulator]:
    """A demo simulator whose clock only moves on ``advance``; ``hex_default`` points at it."""
    with HexSimulator(time_scale=0) as simulator:
        monkeypatch.setenv(
            "AIRFLOW_CONN_HEX_DEFAULT",
            conn_json(
                simulator.url,
                simulator.token,
                rate_budget=False,
                retry_backoff=0.01,
                max_retry_wait=2,
                max_retries=3,
            ),
        )
        yield simulator


@pytest.fixture
def sim_hook(frozen_sim: HexSimulator) -> Iterator[HexHook]:
    """A hook on ``frozen_sim``."""
    with HexHook() as hex_hook:
        yield hex_hook
