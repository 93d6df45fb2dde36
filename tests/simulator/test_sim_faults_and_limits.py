"""Injected faults, the rate limiter and the simulated clock's effect on Retry-After."""

from __future__ import annotations

import time

import pytest
import requests

from airflow_provider_hex.testing import Fault, HexSimulator, RateLimits
from airflow_provider_hex.testing.clock import format_retry_after
from airflow_provider_hex.testing.demo import ANALYSTS_GROUP_ID, DEMO_PROJECT_ID


@pytest.mark.parametrize("kind", ["429", "500", "502", "503", "504"])
def test_status_faults_answer_json_in_the_endpoints_error_shape(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str, kind: str
) -> None:
    frozen_demo_sim.add_fault(Fault(kind=kind, path=r"/runs$"))
    response = http.post(f"{api}/projects/{DEMO_PROJECT_ID}/runs")
    assert response.status_code == int(kind)
    assert response.json()["code"]
    assert response.json()["traceId"]
    assert frozen_demo_sim.stats["runs_started"] == 0
    assert http.post(f"{api}/projects/{DEMO_PROJECT_ID}/runs").status_code == 201


def test_status_fault_on_a_tsoa_endpoint_uses_the_reason_shape(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    frozen_demo_sim.add_fault(Fault(kind="500", method="GET", path="/groups/"))
    body = http.get(f"{api}/groups/{ANALYSTS_GROUP_ID}").json()
    assert set(body) >= {"reason", "traceId"}


def test_429_fault_sends_retry_after_only_when_asked(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    frozen_demo_sim.add_fault(Fault(kind="429", retry_after=2))
    frozen_demo_sim.add_fault(Fault(kind="429"))
    assert http.get(f"{api}/users/me").headers["Retry-After"] == "2"
    assert "Retry-After" not in http.get(f"{api}/users/me").headers
    assert frozen_demo_sim.stats["faults_fired"] == 2
    assert frozen_demo_sim.stats["rate_limited"] == 0


def test_html_fault_looks_like_a_proxy_502(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    frozen_demo_sim.add_fault(Fault(kind="html"))
    response = http.get(f"{api}/users/me")
    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")
    assert b"502 Bad Gateway" in response.content


def test_malformed_fault_answers_200_with_broken_json(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    frozen_demo_sim.add_fault(Fault(kind="malformed", method="POST"))
    response = http.post(f"{api}/projects/{DEMO_PROJECT_ID}/runs")
    assert response.status_code == 200
    with pytest.raises(requests.JSONDecodeError):
        response.json()
    assert frozen_demo_sim.stats["runs_started"] == 0


def test_slow_fault_delays_then_answers_normally(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    frozen_demo_sim.add_fault(Fault(kind="slow", delay=0.3))
    began = time.monotonic()
    assert http.get(f"{api}/users/me").status_code == 200
    assert time.monotonic() - began >= 0.3


def test_reset_drops_the_connection_without_processing(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    frozen_demo_sim.add_fault(Fault(kind="reset", method="POST", path=r"/runs$"))
    with pytest.raises(requests.ConnectionError):
        http.post(f"{api}/projects/{DEMO_PROJECT_ID}/runs")
    assert frozen_demo_sim.stats["runs_started"] == 0
    assert frozen_demo_sim.requests[-1].status is None


def test_reset_after_commit_starts_the_run_but_loses_the_answer(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    frozen_demo_sim.add_fault(Fault(kind="reset_after_commit", method="POST", path=r"/runs$"))
    with pytest.raises(requests.ConnectionError):
        http.post(f"{api}/projects/{DEMO_PROJECT_ID}/runs", json={"inputParams": {"region": "EU"}})
    assert frozen_demo_sim.stats["runs_started"] == 1
    runs = http.get(
        f"{api}/projects/{DEMO_PROJECT_ID}/runs", params={"runTriggerFilter": "API"}
    ).json()["runs"]
    assert len(runs) == 1
    assert runs[0]["status"] == "PENDING"
    assert frozen_demo_sim.requests[-2].status is None


def test_fault_fires_only_for_matching_requests_and_count_times(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    frozen_demo_sim.add_fault(Fault(kind="503", count=2, method="GET", path=r"/runs/"))
    assert http.get(f"{api}/users/me").status_code == 200
    run_id = http.post(f"{api}/projects/{DEMO_PROJECT_ID}/runs").json()["runId"]
    statuses = [
        http.get(f"{api}/projects/{DEMO_PROJECT_ID}/runs/{run_id}").status_code for _ in range(3)
    ]
    assert statuses == [503, 503, 200]
    assert frozen_demo_sim.stats["faults_fired"] == 2


def test_rate_limit_answers_429_with_retry_after_until_the_window_resets() -> None:
    limits = RateLimits(global_per_minute=3)
    with (
        HexSimulator(time_scale=0, rate_limits=limits) as frozen_demo_sim,
        requests.Session() as session,
    ):
        session.headers["Authorization"] = f"Bearer {frozen_demo_sim.token}"
        url = frozen_demo_sim.url + "/api/v1/groups"
        assert [session.get(url).status_code for _ in range(3)] == [200, 200, 200]
        frozen_demo_sim.advance(20)
        refused = session.get(url)
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "40"
        assert set(refused.json()) >= {"reason", "traceId"}
        assert frozen_demo_sim.stats["rate_limited"] == 1
        frozen_demo_sim.advance(40)
        assert session.get(url).status_code == 200


def test_endpoint_groups_add_their_own_limits() -> None:
    limits = RateLimits(run_starts_per_minute=2, per_minute_30rpm=1)
    with (
        HexSimulator(time_scale=0, rate_limits=limits) as frozen_demo_sim,
        requests.Session() as session,
    ):
        session.headers["Authorization"] = f"Bearer {frozen_demo_sim.token}"
        api = frozen_demo_sim.url + "/api/v1"
        codes = [
            session.post(f"{api}/projects/{DEMO_PROJECT_ID}/runs").status_code for _ in range(3)
        ]
        assert codes == [201, 201, 429]
        assert [session.get(f"{api}/users/me").status_code for _ in range(2)] == [200, 429]
        assert session.get(f"{api}/groups").status_code == 200
        assert frozen_demo_sim.stats["rate_limited"] == 2


def test_scaled_clock_scales_retry_after_into_real_decimal_seconds() -> None:
    limits = RateLimits(global_per_minute=1)
    with (
        HexSimulator(time_scale=120, rate_limits=limits) as frozen_demo_sim,
        requests.Session() as session,
    ):
        session.headers["Authorization"] = f"Bearer {frozen_demo_sim.token}"
        assert session.get(frozen_demo_sim.url + "/api/v1/groups").status_code == 200
        refused = session.get(frozen_demo_sim.url + "/api/v1/groups")
        assert refused.status_code == 429
        assert 0 < float(refused.headers["Retry-After"]) <= 0.5
        time.sleep(float(refused.headers["Retry-After"]))
        assert session.get(frozen_demo_sim.url + "/api/v1/groups").status_code == 200


def test_retry_after_is_whole_seconds_at_real_speed() -> None:
    assert format_retry_after(0.2, 1) == "1"
    assert format_retry_after(41.5, 1) == "42"
    assert format_retry_after(0.25, 60) == "0.25"
