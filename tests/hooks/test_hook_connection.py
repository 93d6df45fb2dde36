"""Connection handling: hosts, extras, test_connection, and the form Airflow shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
from hook_support import API, GROUP

from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.hooks.hex import HexHook
from airflow_provider_hex.hooks.settings import HexSettings, normalize_host


@pytest.mark.parametrize(
    ("host", "port", "base_url"),
    [
        (None, None, "https://app.hex.tech"),
        ("", None, "https://app.hex.tech"),
        ("app.hex.tech", None, "https://app.hex.tech"),
        ("https://app.hex.tech/", None, "https://app.hex.tech"),
        ("https://app.hex.tech/api/v1", None, "https://app.hex.tech"),
        ("https://app.hex.tech/api/v1/", None, "https://app.hex.tech"),
        ("eu.hex.tech", None, "https://eu.hex.tech"),
        ("https://atreides.hex.tech/api", None, "https://atreides.hex.tech"),
        ("  HTTPS://eu.hex.tech  ", None, "https://eu.hex.tech"),
        ("hex.example.com", 8443, "https://hex.example.com:8443"),
        ("https://hex.example.com:9443", 8443, "https://hex.example.com:9443"),
        ("https://proxy.example.com/hex/api/v1", None, "https://proxy.example.com/hex"),
        ("http://localhost:8080", None, "http://localhost:8080"),
        ("http://127.0.0.1:5000/api/v1", None, "http://127.0.0.1:5000"),
        ("http://[::1]:5000", None, "http://[::1]:5000"),
    ],
    ids=[
        "empty-none",
        "empty-string",
        "bare-host",
        "trailing-slash",
        "with-api-v1",
        "with-api-v1-slash",
        "eu-multi-tenant",
        "single-tenant-with-api",
        "case-and-spaces",
        "connection-port",
        "url-port-wins",
        "path-prefix-kept",
        "http-localhost",
        "http-loopback-ip",
        "http-loopback-v6",
    ],
)
def test_host_is_normalized_to_workspace_base_url(
    host: str | None, port: int | None, base_url: str
) -> None:
    assert normalize_host(host, port) == base_url


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("http://app.hex.tech", "unencrypted"),
        ("http://eu.hex.tech/api/v1", "unencrypted"),
        ("http://192.168.1.10", "unencrypted"),
        ("http://localhost.evil.com", "unencrypted"),
        ("ftp://app.hex.tech", "expected a Hex host"),
        ("https://", "expected a Hex host"),
        ("https://app.hex.tech:port", "port is not a number"),
        ("https://app.hex.tech/?debug=1", "no query"),
        ("https://user:hxtp_x@app.hex.tech", "not in the host"),
    ],
    ids=[
        "http-hex",
        "http-eu",
        "http-lan",
        "http-lookalike",
        "ftp",
        "no-host",
        "bad-port",
        "query",
        "credentials",
    ],
)
def test_unsafe_or_malformed_host_is_refused(host: str, reason: str) -> None:
    with pytest.raises(HexInvalidArgumentError, match=reason) as caught:
        normalize_host(host)
    assert caught.value.argument == "host"


def test_extras_are_read_with_types_and_defaults() -> None:
    settings = HexSettings.from_connection(
        host="eu.hex.tech",
        port=None,
        password=" hxtp_abc ",
        extra={
            "request_timeout": "30",
            "max_retries": "2",
            "rate_budget": "false",
            "retry_backoff": 0.5,
            "connect_timeout": "",
        },
    )
    assert settings.base_url == "https://eu.hex.tech"
    assert settings.api_url == "https://eu.hex.tech/api/v1"
    assert settings.token == "hxtp_abc"
    assert (settings.request_timeout, settings.max_retries, settings.retry_backoff) == (
        30.0,
        2,
        0.5,
    )
    assert settings.rate_budget is False
    assert settings.connect_timeout == 10.0


def test_extras_with_old_form_prefix_are_read() -> None:
    settings = HexSettings.from_connection(
        host=None, port=None, password="t", extra={"extra__hex__max_retries": "1"}
    )
    assert settings.max_retries == 1


def test_unknown_extra_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    HexSettings.from_connection(
        host=None, port=None, password="t", extra={"max_retry": 3}, conn_id="hex_eu"
    )
    assert any("max_retry" in r.getMessage() and "hex_eu" in r.getMessage() for r in caplog.records)


def test_test_connection_reports_user_and_workspace(hook: HexHook, requests_mock: Any) -> None:
    requests_mock.get(
        f"{API}/users/me",
        json={"id": GROUP, "email": "ann@example.com", "role": "ADMIN", "org": {"id": "org-1"}},
    )

    assert hook.test_connection() == (
        True,
        "Connected to Hex at https://app.hex.tech as ann@example.com (workspace org-1)",
    )


def test_test_connection_with_workspace_token_has_no_email(
    hook: HexHook, requests_mock: Any
) -> None:
    requests_mock.get(f"{API}/users/me", json={"org": {"id": "org-1"}, "token": {"exp": None}})

    ok, message = hook.test_connection()

    assert ok
    assert "as a workspace token (workspace org-1)" in message


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            {"status_code": 401, "json": {"code": "UNAUTHORIZED", "message": "nope"}},
            "Hex API GET /users/me failed with HTTP 401 [UNAUTHORIZED]: nope. Hex refused the "
            "API token of the Airflow connection 'hex_default' (host https://app.hex.tech)",
        ),
        (
            {"status_code": 403, "json": {"code": "FORBIDDEN", "message": "Insufficient access"}},
            "Could not check the Hex connection at https://app.hex.tech: Hex API GET /users/me "
            "failed with HTTP 403 [FORBIDDEN]: Insufficient access",
        ),
        (
            {"exc": requests.exceptions.ConnectTimeout("timed out")},
            "Could not check the Hex connection at https://app.hex.tech: Hex GET /users/me "
            "failed after 2 attempt(s): timed out connecting. Hex did not receive it.",
        ),
    ],
    ids=["bad-token", "forbidden", "unreachable"],
)
def test_test_connection_failure_says_why(
    set_connection: Callable[..., None], requests_mock: Any, answer: dict[str, Any], expected: str
) -> None:
    set_connection(
        "https://app.hex.tech", "hxtp_x", max_retries=1, retry_backoff=0.001, rate_budget=False
    )
    requests_mock.get(f"{API}/users/me", **answer)

    ok, message = HexHook().test_connection()

    assert not ok
    assert message.startswith(expected)


def test_test_connection_of_unusable_connection_names_it(
    set_connection: Callable[..., None], requests_mock: Any
) -> None:
    set_connection("http://app.hex.tech", "hxtp_x")

    ok, message = HexHook().test_connection()

    assert not ok
    assert message.startswith("The Hex connection 'hex_default' is not usable: Invalid host=")
    assert requests_mock.call_count == 0


def test_test_connection_of_missing_connection_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_HEX_MISSING", raising=False)

    ok, message = HexHook("hex_missing").test_connection()

    assert not ok
    assert "hex_missing" in message


def test_hook_reuses_one_session_and_closes_it(hook: HexHook, requests_mock: Any) -> None:
    requests_mock.get(f"{API}/groups/{GROUP}", json={"id": GROUP, "name": "g"})

    with hook:
        first = hook.get_conn()
        hook.get_group(GROUP)
        hook.get_group(GROUP)
        assert hook.get_conn() is first
    assert hook.get_conn() is not first


def test_connection_form_relabels_fields() -> None:
    behaviour = HexHook.get_ui_field_behaviour()
    assert behaviour["relabeling"]["password"] == "API token"
    assert "login" in behaviour["hidden_fields"]
