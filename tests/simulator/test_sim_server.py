"""Auth, the request log, keep-alive, the control API, the CLI and the pytest fixtures."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from airflow_provider_hex.testing import HexSimulator
from airflow_provider_hex.testing.demo import DEMO_PROJECT_ID

REPO = Path(__file__).resolve().parents[2]


def test_missing_or_wrong_token_answers_401(frozen_demo_sim: HexSimulator, api: str) -> None:
    missing = requests.get(f"{api}/projects")
    wrong = requests.get(f"{api}/projects", headers={"Authorization": "Bearer hxtp_wrong"})
    for response in (missing, wrong):
        assert response.status_code == 401
        assert response.json()["code"] == "UNAUTHORIZED"
        assert response.json()["traceId"]


def test_invalid_json_body_answers_400(http: requests.Session, api: str) -> None:
    response = http.post(
        f"{api}/projects/{DEMO_PROJECT_ID}/runs",
        data="{not json",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400


def test_request_log_records_requests_and_redacts_the_token(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    http.post(f"{api}/projects/{DEMO_PROJECT_ID}/runs?x=1", json={"inputParams": {"region": "EU"}})
    record = frozen_demo_sim.requests[-1]
    assert record.method == "POST"
    assert record.path == f"/api/v1/projects/{DEMO_PROJECT_ID}/runs"
    assert record.query == {"x": ["1"]}
    assert record.body == {"inputParams": {"region": "EU"}}
    assert record.status == 201
    assert record.headers["Authorization"] == "<redacted>"
    assert frozen_demo_sim.token not in json.dumps([r.to_dict() for r in frozen_demo_sim.requests])
    assert frozen_demo_sim.count("POST", r"/runs$") == 1
    frozen_demo_sim.clear_requests()
    assert frozen_demo_sim.requests == []


def test_session_reuses_one_keep_alive_connection(frozen_demo_sim: HexSimulator, api: str) -> None:
    before = frozen_demo_sim.stats["connections"]
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {frozen_demo_sim.token}"
        for _ in range(3):
            assert session.get(f"{api}/users/me").status_code == 200
        assert (
            session.delete(f"{api}/groups/497f6eca-6276-4993-bfeb-53cbbbba6f08").status_code == 404
        )
    assert frozen_demo_sim.stats["connections"] - before == 1
    assert len({r.connection for r in frozen_demo_sim.requests}) == 1


def test_control_api_drives_the_simulator_out_of_process(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    control = frozen_demo_sim.url + "/_sim"
    created = requests.post(
        f"{control}/projects",
        json={"title": "Remote", "scripts": [{"pending_seconds": 0, "running_seconds": 2}]},
    )
    assert created.status_code == 201
    project_id = created.json()["projectId"]
    fault = requests.post(f"{control}/faults", json={"kind": "503", "path": "/users/me"})
    assert fault.status_code == 201
    assert http.get(f"{api}/users/me").status_code == 503

    run_id = http.post(f"{api}/projects/{project_id}/runs").json()["runId"]
    assert requests.get(f"{control}/runs/{run_id}").json()["status"] == "RUNNING"
    requests.post(f"{control}/advance", json={"seconds": 5})
    assert requests.get(f"{control}/runs/{run_id}").json()["status"] == "COMPLETED"

    stats = requests.get(f"{control}/stats").json()
    assert stats["runs_started"] == 1
    assert stats["faults_fired"] == 1
    logged = requests.get(f"{control}/requests").json()
    assert [entry["status"] for entry in logged] == [503, 201]
    assert requests.post(f"{control}/reset").status_code == 200
    assert requests.get(f"{control}/requests").json() == []
    assert requests.post(f"{control}/faults", json={"kind": "teapot"}).status_code == 400
    assert requests.get(f"{frozen_demo_sim.url}/app/{project_id}/runs/{run_id}").status_code == 200


def test_connection_strings_point_airflow_at_the_simulator(frozen_demo_sim: HexSimulator) -> None:
    conn = json.loads(frozen_demo_sim.airflow_connection_json())
    assert conn == {
        "conn_type": "hex",
        "host": frozen_demo_sim.url,
        "password": frozen_demo_sim.token,
    }
    uri = frozen_demo_sim.airflow_connection_uri()
    assert uri.startswith("hex://:hxtp_simulator_token@http%3A%2F%2F127.0.0.1%3A")


def test_only_loopback_addresses_can_be_bound() -> None:
    with pytest.raises(ValueError, match="loopback"):
        HexSimulator(host="0.0.0.0")


def test_plugin_fixtures_start_a_demo_simulator_and_set_the_connection(
    hex_connection: HexSimulator,
) -> None:
    assert os.environ["AIRFLOW_CONN_HEX_DEFAULT"] == hex_connection.airflow_connection_json()
    assert DEMO_PROJECT_ID in hex_connection.state.projects


def test_command_line_prints_the_connection_and_stops_on_sigterm() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "airflow_provider_hex.testing", "--port", "0", "--time-scale", "60"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert "AIRFLOW_CONN_HEX_DEFAULT=" in first
        url = first.split()[3].removesuffix("/api/v1")
        assert DEMO_PROJECT_ID in process.stdout.readline()
        me = requests.get(
            f"{url}/api/v1/users/me", headers={"Authorization": "Bearer hxtp_simulator_token"}
        )
        assert me.status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_command_line_refuses_a_public_address() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-m", "airflow_provider_hex.testing", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert result.returncode == 2
    assert "loopback" in result.stderr
