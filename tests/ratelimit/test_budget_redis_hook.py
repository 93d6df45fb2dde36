"""The Redis budget behind the hook, against the simulator: the token stays secret, a 429
reaches the shared store, a dead store fails nothing, and a real Airflow runs tasks with it."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ratelimit_support import add_runs, connect
from redis_support import RedisServer, free_port

from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.hooks.budget_redis import RedisBudget
from airflow_provider_hex.hooks.hex import HexHook
from airflow_provider_hex.hooks.settings import HexSettings, connection_extra
from airflow_provider_hex.testing import Fault, HexSimulator

PASSWORD = "store-secret-7f3a"


@pytest.fixture
def locked_redis() -> Iterator[RedisServer]:
    """A redis-server that wants a password."""
    server = RedisServer(password=PASSWORD).start()
    yield server
    server.cleanup()


def everything_in(server: RedisServer) -> str:
    """Every key and every value in the store, as one text."""
    client = server.client()
    parts: list[str] = []
    for key in client.keys("*"):
        parts.append(key.decode())
        if client.type(key) == b"hash":
            parts += [f"{k.decode()}={v.decode()}" for k, v in client.hgetall(key).items()]
        else:
            parts += [v.decode() for v in client.lrange(key, 0, -1)]
    client.close()
    return "\n".join(parts)


def test_hook_calls_share_the_store_and_leak_no_token(
    frozen_empty_sim: HexSimulator,
    monkeypatch: pytest.MonkeyPatch,
    locked_redis: RedisServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    conn_id = connect(monkeypatch, frozen_empty_sim, rate_budget_url=locked_redis.url)
    project_id, runs = add_runs(frozen_empty_sim, 3)
    frozen_empty_sim.add_fault(Fault("429", count=1, path=r"/runs/", retry_after=0.2))
    hook = HexHook(conn_id)

    assert hook.get_run_status(project_id, runs[0])["runId"] == runs[0]  # after one 429

    async def in_loop() -> list[Any]:
        return [await HexHook(conn_id).aget_run_status(project_id, run) for run in runs]

    assert [answer["runId"] for answer in asyncio.run(in_loop())] == runs
    budget = hook.transport.budget
    assert isinstance(budget, RedisBudget)
    stored = budget.read_store()
    assert stored["granted"] == "5"  # the 429's request, its retry, then three async reads
    assert stored["rate_limited"] == "1"
    assert float(stored["factor"]) == pytest.approx(0.5, abs=0.02)  # recovering since
    assert hook.settings.budget_key[1] in everything_in(locked_redis)
    assert frozen_empty_sim.token not in everything_in(locked_redis)
    logs = "\n".join(record.getMessage() for record in caplog.records)
    assert "rates at 50%" in logs  # the info summary after the 429
    assert frozen_empty_sim.token not in logs
    assert PASSWORD not in logs
    assert PASSWORD not in repr(hook.settings)


def test_a_dead_store_fails_no_call_and_warns_once_without_its_password(
    frozen_empty_sim: HexSimulator,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    dead = f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0"
    conn_id = connect(monkeypatch, frozen_empty_sim, rate_budget_url=dead, rate_budget_share=0.5)
    project_id, runs = add_runs(frozen_empty_sim, 4)
    hook = HexHook(conn_id)

    answers = [hook.get_run_status(project_id, run)["runId"] for run in runs]

    assert answers == runs
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "share (0.5)" in warnings[0].getMessage()
    logs = "\n".join(record.getMessage() for record in caplog.records)
    assert PASSWORD not in logs
    assert frozen_empty_sim.token not in logs


def test_a_store_named_by_an_airflow_connection(
    frozen_empty_sim: HexSimulator, monkeypatch: pytest.MonkeyPatch, locked_redis: RedisServer
) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_HEX_BUDGET_STORE",
        f'{{"conn_type": "redis", "host": "127.0.0.1", "port": {locked_redis.port}, '
        f'"password": "{PASSWORD}", "extra": {{"db": 0}}}}',
    )
    conn_id = connect(monkeypatch, frozen_empty_sim, rate_budget_url="hex_budget_store")
    project_id, runs = add_runs(frozen_empty_sim, 2)
    hook = HexHook(conn_id)

    hook.get_run_status(project_id, runs[0])

    async def in_loop() -> None:
        await HexHook(conn_id).aget_run_status(project_id, runs[1])

    asyncio.run(in_loop())
    budget = hook.transport.budget
    assert isinstance(budget, RedisBudget)
    assert budget.fallback_requests == 0
    assert budget.read_store()["granted"] == "2"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"rate_budget_share": 0}, "extra.rate_budget_share"),
        ({"rate_budget_share": 1.5}, "must be at most 1"),
        ({"rate_budget_share": "half"}, "expected a float"),
        ({"rate_budget_url": "http://cache:6379"}, "redis:// or rediss://"),
        ({"rate_budget_url": "redis://:pw@cache:port/0"}, "port is not a number"),
        ({"rate_budget_url": "not a conn id"}, "Airflow connection id"),
    ],
)
def test_bad_budget_extras_are_refused_by_name(extra: dict[str, Any], message: str) -> None:
    with pytest.raises(HexInvalidArgumentError, match=message) as caught:
        HexSettings.from_connection(host=None, port=None, password="hxtp_x", extra=extra)
    assert "pw@" not in str(caught.value)


def test_budget_extras_are_read() -> None:
    settings = HexSettings.from_connection(
        host=None,
        port=None,
        password="hxtp_x",
        extra={"rate_budget_url": "rediss://:pw@cache:6380/2", "rate_budget_share": "0.25"},
    )
    assert (settings.rate_budget_url, settings.rate_budget_share) == (
        "rediss://:pw@cache:6380/2",
        0.25,
    )
    assert "pw" not in repr(settings)


def _with_extra(frozen_empty_sim: HexSimulator, **extra: Any) -> str:
    value = json.loads(frozen_empty_sim.airflow_connection_json())
    value["extra"] = {**(value.get("extra") or {}), **extra}
    return json.dumps(value)


@pytest.mark.airflow
def test_a_real_airflow_runs_the_mapped_example_through_the_redis_budget(
    airflow_db: Any, monkeypatch: pytest.MonkeyPatch, redis_url: str, redis_server: RedisServer
) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dags"))
    from dag_helpers import EXAMPLES, TIME_SCALE, collect, load_dag_bag, speed_up

    with HexSimulator(time_scale=TIME_SCALE) as frozen_empty_sim:
        monkeypatch.setenv(
            "AIRFLOW_CONN_HEX_DEFAULT", _with_extra(frozen_empty_sim, rate_budget_url=redis_url)
        )
        dag = load_dag_bag(EXAMPLES / "example_hex_mapped.py").dags["example_hex_mapped"]
        speed_up(dag)

        result = collect(dag.test())

        assert result.state == "success"
        assert set(result.states.values()) == {"success"}
        key = HexHook().settings.budget_key
        client = redis_server.client()
        stored = client.hgetall(f"hex-provider:budget:{{{key[0].split('://')[1]}|{key[1]}}}")
        client.close()
        # Every request the tasks sent drew a slot from the store.
        assert int(stored[b"granted"]) == len(frozen_empty_sim.requests) > 0


class _TriggererConnection:
    """A connection as Airflow 3.0's triggerer hands it out: ``extra_dejson`` raises there."""

    host, port, password, conn_id = "app.hex.tech", None, "hxtp_x", "hex_default"

    def __init__(self, extra: str) -> None:
        self.extra = extra

    @property
    def extra_dejson(self) -> dict[str, Any]:
        raise RuntimeError("You cannot use AsyncToSync in the same thread as an event loop")


def test_a_redis_connections_extra_is_read_without_extra_dejson() -> None:
    conn = _TriggererConnection('{"rate_budget_url": "redis://cache:6379/0"}')

    assert connection_extra(conn) == {"rate_budget_url": "redis://cache:6379/0"}


def test_the_budget_extras_become_settings() -> None:
    conn = _TriggererConnection("{}")

    settings = HexHook._settings_from(conn, {"rate_budget_url": "redis://cache:6379/0"})

    assert settings.rate_budget_url == "redis://cache:6379/0"


@pytest.mark.parametrize("extra", ["{not json", "[1, 2]"])
def test_an_extra_that_is_not_a_json_object_is_refused(extra: str) -> None:
    with pytest.raises(HexInvalidArgumentError, match="must be a JSON object"):
        connection_extra(_TriggererConnection(extra))
