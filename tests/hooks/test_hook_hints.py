"""Errors a newcomer meets first say what to do: a refused token names the connection and
host (sync, async and the connection test alike), a missing connection says how to create
it, a Hex address pasted as a project id says which part is the id, and a trigger that
cannot read its connection asks the task to cancel the run. Never with the token."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from airflow.exceptions import AirflowNotFoundException
from hook_support import API, PROJECT, PROJECT_RUN, RUN, RUN_URL

from airflow_provider_hex.exceptions import (
    HexAuthError,
    HexInvalidArgumentError,
    HexPermissionError,
)
from airflow_provider_hex.hooks.hex import HexHook
from airflow_provider_hex.hooks.hints import missing_connection_message
from airflow_provider_hex.hooks.settings import HexSettings
from airflow_provider_hex.runs import RunRef, resolve_run_event
from airflow_provider_hex.testing import HexSimulator
from airflow_provider_hex.triggers.hex import HexRunTrigger
from airflow_provider_hex.validation import require_uuid

STATUS_URL = f"{API}/projects/{PROJECT}/runs/{RUN}"
TOKEN = "hxtp_" + "s3cret" * 8


@pytest.fixture
def hex_eu(set_connection: Callable[..., None], monkeypatch: pytest.MonkeyPatch) -> str:
    """``hex_eu``: a connection to eu.hex.tech with ``TOKEN``, one quick retry, no pacing."""
    from hook_support import conn_json

    monkeypatch.setenv(
        "AIRFLOW_CONN_HEX_EU",
        conn_json("https://eu.hex.tech", TOKEN, max_retries=1, rate_budget=False),
    )
    return "hex_eu"


@pytest.mark.parametrize(
    ("status", "error", "says"),
    [
        (401, HexAuthError, "Hex refused the API token of the Airflow connection 'hex_eu'"),
        (403, HexPermissionError, "Hex accepted the API token of the Airflow connection 'hex_eu'"),
    ],
    ids=["401", "403"],
)
def test_refused_token_names_connection_host_and_fixes(
    hex_eu: str, requests_mock: Any, status: int, error: type[Exception], says: str
) -> None:
    url = f"https://eu.hex.tech/api/v1/projects/{PROJECT}/runs/{RUN}"
    requests_mock.get(url, status_code=status, json={"code": "X", "message": f"Bearer {TOKEN}"})

    with pytest.raises(error) as caught:
        HexHook(hex_eu).get_run_status(PROJECT, RUN)

    message = str(caught.value)
    assert f"{says} (host https://eu.hex.tech)" in message
    assert "airflow connections test hex_eu" in message
    assert ("token's workspace" if status == 401 else "'Run projects'") in message
    assert TOKEN not in message
    assert requests_mock.call_count == 1  # refused tokens are not retried


def test_refused_token_in_async_code_names_the_connection_too(
    sim: HexSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hook_support import conn_json

    monkeypatch.setenv("AIRFLOW_CONN_HEX_SIM", conn_json(sim.url, TOKEN, rate_budget=False))

    with pytest.raises(HexAuthError) as caught:
        asyncio.run(HexHook("hex_sim").aget_run_status(PROJECT, RUN))

    message = str(caught.value)
    assert f"the Airflow connection 'hex_sim' (host {sim.url})" in message
    assert TOKEN not in message


def test_connection_test_gives_the_same_hint_as_a_task(hex_eu: str, requests_mock: Any) -> None:
    requests_mock.get("https://eu.hex.tech/api/v1/users/me", status_code=401, json={})
    requests_mock.get(
        f"https://eu.hex.tech/api/v1/projects/{PROJECT}/runs/{RUN}", status_code=401, json={}
    )

    ok, message = HexHook(hex_eu).test_connection()
    with pytest.raises(HexAuthError) as caught:
        HexHook(hex_eu).get_run_status(PROJECT, RUN)

    assert not ok
    hint = message.split(". ", 1)[1]
    assert hint.startswith("Hex refused the API token of the Airflow connection 'hex_eu'")
    assert str(caught.value).endswith(hint)


def test_missing_connection_says_how_to_create_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_HEX_NOWHERE", raising=False)

    with pytest.raises(AirflowNotFoundException) as caught:
        HexHook("hex_nowhere").get_run_status(PROJECT, RUN)

    message = str(caught.value)
    assert message == missing_connection_message("hex_nowhere")
    assert message.startswith("The Hex connection 'hex_nowhere' is not defined.")
    assert "conn_type 'hex'" in message
    assert (
        'AIRFLOW_CONN_HEX_NOWHERE=\'{"conn_type": "hex", "host": "https://app.hex.tech", '
        '"password": "hxtp_..."}\'' in message
    )
    assert "airflow connections add hex_nowhere --conn-type hex" in message
    assert "the UI: Admin -> Connections" in message
    ok, tested = HexHook("hex_nowhere").test_connection()
    assert not ok
    assert message in tested


def test_missing_connection_in_async_code_says_how_to_create_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_HEX_NOWHERE", raising=False)

    with pytest.raises(AirflowNotFoundException, match="AIRFLOW_CONN_HEX_NOWHERE="):
        asyncio.run(HexHook("hex_nowhere").aget_run_status(PROJECT, RUN))


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (
            f"https://app.hex.tech/acme/hex/{PROJECT}/draft/logic",
            f"this is a Hex address, not a project id; the id is the part after /hex/: {PROJECT!r}",
        ),
        (
            f"https://eu.hex.tech/acme/app/{PROJECT}/latest?tab=x",
            f"this is a Hex address, not a project id; the id is the part after /app/: {PROJECT!r}",
        ),
        (
            "app.hex.tech/acme/hex/",
            "the id is the UUID after /hex/ in the project's address in Hex",
        ),
        ("5a8591dd", "expected a UUID such as"),
    ],
    ids=["notebook", "app", "no-id", "not-an-address"],
)
def test_project_id_that_is_a_hex_address_says_which_part_is_the_id(value: str, says: str) -> None:
    with pytest.raises(HexInvalidArgumentError) as caught:
        require_uuid("project_id", value)

    assert str(caught.value).startswith(f"Invalid project_id={value!r}: ")
    assert says in str(caught.value)
    assert caught.value.argument == "project_id"


def test_other_ids_given_as_an_address_are_not_read_as_project_ids() -> None:
    with pytest.raises(HexInvalidArgumentError, match="pass the id alone") as caught:
        require_uuid("run_id", f"https://app.hex.tech/acme/app/{PROJECT}/latest")

    assert "after /app/" not in str(caught.value)


@pytest.mark.parametrize("token", [f"  {TOKEN}\n", f"\t{TOKEN} "], ids=["spaces-newline", "tab"])
def test_surrounding_whitespace_of_a_pasted_token_is_removed(token: str) -> None:
    settings = HexSettings.from_connection(host=None, port=None, password=token, extra={})

    assert settings.token == TOKEN


@pytest.mark.parametrize("token", ["hxtp_ab cd", "hxtp_ab\ncd", "hxtp_\u00e9t\u00e9"])
def test_token_with_spaces_inside_or_non_ascii_is_refused_without_showing_it(token: str) -> None:
    with pytest.raises(HexInvalidArgumentError, match="contains spaces") as caught:
        HexSettings.from_connection(host=None, port=None, password=token, extra={}, conn_id="c")

    assert token not in str(caught.value)


@pytest.mark.parametrize("owns_run", [True, False], ids=["operator", "sensor"])
def test_trigger_that_cannot_read_its_connection_asks_the_task_to_cancel_its_own_run(
    monkeypatch: pytest.MonkeyPatch, owns_run: bool
) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_HEX_NOWHERE", raising=False)
    # cancel_on_kill: the operator's trigger owns the run; a sensor's watches someone else's
    trigger = HexRunTrigger(
        PROJECT, RUN, hex_conn_id="hex_nowhere", run_url=RUN_URL, cancel_on_kill=owns_run
    )

    async def events() -> list[dict[str, Any]]:
        return [event.payload async for event in trigger.run()]

    (event,) = asyncio.run(asyncio.wait_for(events(), 15))

    assert event["status"] == "error"
    assert event.get("cancel_run", False) is owns_run
    assert "could not read the Hex connection 'hex_nowhere'" in event["message"]
    assert "AIRFLOW_CONN_HEX_NOWHERE" in event["message"]
    assert "deferrable=False" in event["message"]


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (None, "the run was cancelled, since nothing could watch it"),
        ({**PROJECT_RUN, "status": "COMPLETED"}, "the run had already ended with status COMPLETED"),
        (RuntimeError("Hex is down"), "cancelling the run failed: Hex is down"),
    ],
    ids=["cancelled", "already-ended", "cancel-failed"],
)
def test_task_cancels_the_run_its_trigger_could_not_watch(answer: Any, says: str) -> None:
    cancelled: list[RunRef] = []

    def cancel(ref: RunRef) -> Any:
        cancelled.append(ref)
        if isinstance(answer, Exception):
            raise answer
        return answer

    event = {
        "status": "error",
        "project_id": PROJECT,
        "run_id": RUN,
        "run_url": RUN_URL,
        "run": None,
        "message": "The triggerer could not read the Hex connection 'c'",
        "cancelled": False,
        "cancel_run": True,
    }
    with pytest.raises(Exception, match=says):
        resolve_run_event(event, cancel_on_timeout=False, cancel=cancel, log=None)

    assert cancelled == [RunRef(PROJECT, RUN, RUN_URL)]


def test_an_error_event_without_the_request_leaves_the_run_alone() -> None:
    def cancel(ref: RunRef) -> Any:
        raise AssertionError("must not cancel")

    event = {"status": "error", "project_id": PROJECT, "run_id": RUN, "message": "Gave up"}
    with pytest.raises(Exception, match="Gave up"):
        resolve_run_event(event, cancel_on_timeout=True, cancel=cancel, log=None)
