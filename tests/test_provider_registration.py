"""Airflow discovers the provider, validates its info, and can test a Hex connection."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from airflow_provider_hex import __version__
from airflow_provider_hex.testing import HexSimulator

AIRFLOW = [sys.executable, "-m", "airflow"]


def _airflow(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(AIRFLOW + args, env=env, capture_output=True, text=True, timeout=180)


def test_provider_info_validates_against_airflows_schema() -> None:
    import airflow
    import jsonschema
    from airflow.providers_manager import ProvidersManager  # noqa: F401  (locates the schema)

    from airflow_provider_hex.provider_info import get_provider_info

    schema_path = Path(airflow.__file__).parent / "provider_info.schema.json"
    info = get_provider_info()
    jsonschema.validate(info, json.loads(schema_path.read_text()))
    assert info["package-name"] == "airflow-provider-hex"
    assert info["versions"][0] == __version__
    (conn,) = info["connection-types"]
    assert conn["connection-type"] == "hex"
    assert conn["ui-field-behaviour"]["relabeling"]["password"] == "API token"
    assert conn["ui-field-behaviour"]["placeholders"]["host"] == "https://app.hex.tech"
    assert {"request_timeout", "max_retries"} <= set(conn["conn-fields"])


def test_airflow_lists_the_provider_and_tests_a_connection_to_the_simulator(
    airflow_db: Path,
) -> None:
    with HexSimulator() as sim:
        env = dict(
            os.environ,
            AIRFLOW_CONN_HEX_DEFAULT=sim.airflow_connection_json(),
            AIRFLOW__CORE__TEST_CONNECTION="Enabled",
        )
        listed = _airflow(["providers", "list", "--output", "json"], env)
        assert listed.returncode == 0, listed.stderr
        # Airflow 3.0 logs to stdout before the JSON; the listing is the line that parses.
        (listing,) = [line for line in listed.stdout.splitlines() if line.startswith("[{")]
        providers = {p["package_name"]: p for p in json.loads(listing)}
        assert providers["airflow-provider-hex"]["version"] == __version__

        tested = _airflow(["connections", "test", "hex_default"], env)
        assert tested.returncode == 0, tested.stdout + tested.stderr
        assert "Connection success!" in tested.stdout
        assert sim.count("GET", r"/users/me$") == 1


def test_airflow_connection_test_reports_a_bad_token(airflow_db: Path) -> None:
    with HexSimulator() as sim:
        conn = json.loads(sim.airflow_connection_json())
        conn["password"] = "hxtp_wrong"
        env = dict(
            os.environ,
            AIRFLOW_CONN_HEX_DEFAULT=json.dumps(conn),
            AIRFLOW__CORE__TEST_CONNECTION="Enabled",
        )
        tested = _airflow(["connections", "test", "hex_default"], env)
        output = tested.stdout + tested.stderr
        assert "Connection success!" not in output
        assert "401" in output
        assert "hxtp_wrong" not in output


@pytest.mark.parametrize("module", ["airflow_provider_hex", "airflow_provider_hex.provider_info"])
def test_importing_the_package_pulls_in_no_http_client(module: str) -> None:
    code = (
        f"import sys, {module}; "
        "heavy = [m for m in ('requests', 'httpx') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
