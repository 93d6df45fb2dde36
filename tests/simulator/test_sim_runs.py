"""Run lifecycle, inputs, cancellation, the kernel limit and run listing."""

from __future__ import annotations

import requests

from airflow_provider_hex.testing import HexSimulator, RunScript
from airflow_provider_hex.testing.demo import (
    DEMO_PROJECT_ID,
    ERRORING_PROJECT_ID,
    FLAKY_PROJECT_ID,
    NO_KERNEL_PROJECT_ID,
    SLOW_PROJECT_ID,
    UNPUBLISHED_PROJECT_ID,
)


def _start(http: requests.Session, api: str, project_id: str, **body: object) -> dict[str, object]:
    response = http.post(f"{api}/projects/{project_id}/runs", json=body or None)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_run_moves_pending_running_completed_on_the_simulated_clock(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    started = _start(http, api, DEMO_PROJECT_ID, inputParams={"region": "EU", "days": 7})
    assert started["projectVersion"] == 3
    assert started["runStatusUrl"] == f"{api}/projects/{DEMO_PROJECT_ID}/runs/{started['runId']}"
    assert str(started["runUrl"]).startswith(frozen_demo_sim.url)
    status_url = str(started["runStatusUrl"])

    pending = http.get(status_url).json()
    assert pending["status"] == "PENDING"
    assert (pending["startTime"], pending["endTime"], pending["elapsedTime"]) == (None, None, None)
    assert pending["runTrigger"] == "API"
    assert pending["projectVersion"] == "3"

    frozen_demo_sim.advance(1.5)
    running = http.get(status_url).json()
    assert running["status"] == "RUNNING"
    assert running["startTime"].endswith("Z")
    assert running["endTime"] is None

    frozen_demo_sim.advance(4)
    done = http.get(status_url).json()
    assert done["status"] == "COMPLETED"
    assert done["elapsedTime"] == 4000
    assert done["endTime"].endswith("Z")
    assert frozen_demo_sim.run_status(str(started["runId"])) == "COMPLETED"


def test_project_scripts_apply_in_order_and_the_last_repeats(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    outcomes = []
    for _ in range(3):
        run = _start(http, api, FLAKY_PROJECT_ID)
        frozen_demo_sim.advance(10)
        outcomes.append(frozen_demo_sim.run_status(str(run["runId"])))
    assert outcomes == ["ERRORED", "COMPLETED", "COMPLETED"]


def test_erroring_and_kernel_starved_projects_end_in_their_outcome(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    errored = _start(http, api, ERRORING_PROJECT_ID)
    starved = _start(http, api, NO_KERNEL_PROJECT_ID)
    frozen_demo_sim.advance(10)
    assert frozen_demo_sim.run_status(str(errored["runId"])) == "ERRORED"
    body = http.get(str(starved["runStatusUrl"])).json()
    assert body["status"] == "UNABLE_TO_ALLOCATE_KERNEL"
    assert body["startTime"] is None
    assert body["endTime"] is not None


def test_expanded_stats_header_adds_state_events(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    run = _start(http, api, DEMO_PROJECT_ID)
    frozen_demo_sim.advance(6)
    plain = http.get(str(run["runStatusUrl"])).json()
    expanded = http.get(str(run["runStatusUrl"]), headers={"enable-expanded-stats": "true"}).json()
    assert "stateEvents" not in plain
    assert [event["value"] for event in expanded["stateEvents"]] == [
        "PENDING",
        "RUNNING",
        "COMPLETED",
    ]


def test_wrong_input_types_and_unknown_names_answer_422_invalid_param_payload(
    http: requests.Session, api: str
) -> None:
    response = http.post(
        f"{api}/projects/{DEMO_PROJECT_ID}/runs",
        json={"inputParams": {"region": 3, "days": "seven", "nope": 1}},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["notFound"] == ["nope"]
    assert {item["paramName"] for item in body["invalid"]} == {"region", "days"}
    region = next(item for item in body["invalid"] if item["paramName"] == "region")
    assert region == {
        "paramName": "region",
        "paramValue": "3",
        "dataType": "string",
        "inputCellType": "text",
    }
    assert body["traceId"]


def test_boolean_inputs_accept_json_booleans_and_strings(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    for value in (True, "false"):
        _start(http, api, DEMO_PROJECT_ID, inputParams={"include_returns": value})
    bad = http.post(
        f"{api}/projects/{DEMO_PROJECT_ID}/runs", json={"inputParams": {"include_returns": "maybe"}}
    )
    assert bad.status_code == 422


def test_view_id_with_input_params_is_a_400(http: requests.Session, api: str) -> None:
    response = http.post(
        f"{api}/projects/{DEMO_PROJECT_ID}/runs",
        json={"viewId": "v1", "inputParams": {"region": "EU"}},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "BAD_REQUEST"


def test_unpublished_project_cannot_run(http: requests.Session, api: str) -> None:
    response = http.post(f"{api}/projects/{UNPUBLISHED_PROJECT_ID}/runs")
    assert response.status_code == 422
    assert response.json()["code"] == "UNPROCESSABLE_CONTENT"


def test_dry_run_is_completed_at_once_and_uses_no_kernel(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    run = _start(http, api, SLOW_PROJECT_ID, dryRun=True)
    assert http.get(str(run["runStatusUrl"])).json()["status"] == "COMPLETED"
    assert frozen_demo_sim.stats["active_runs"] == 0
    assert frozen_demo_sim.stats["runs_started"] == 0


def test_cancel_active_run_kills_it_and_frees_the_kernel(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    run = _start(http, api, SLOW_PROJECT_ID)
    frozen_demo_sim.advance(5)
    response = http.delete(str(run["runStatusUrl"]))
    assert response.status_code == 204
    assert response.content == b""
    body = http.get(str(run["runStatusUrl"])).json()
    assert body["status"] == "KILLED"
    assert body["endTime"] is not None
    assert body["elapsedTime"] == 3000
    assert frozen_demo_sim.stats["active_runs"] == 0


def test_cancel_finished_run_answers_422_in_tsoa_shape(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    run = _start(http, api, DEMO_PROJECT_ID)
    frozen_demo_sim.advance(10)
    response = http.delete(str(run["runStatusUrl"]))
    assert response.status_code == 422
    body = response.json()
    assert set(body) >= {"reason", "traceId"}
    assert "code" not in body


def test_26th_concurrent_run_is_refused_with_503_and_not_created(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    for _ in range(25):
        _start(http, api, SLOW_PROJECT_ID)
    runs_before = len(frozen_demo_sim.state.runs)
    response = http.post(f"{api}/projects/{DEMO_PROJECT_ID}/runs")
    assert response.status_code == 503
    assert response.json()["code"] == "SERVICE_UNAVAILABLE"
    assert len(frozen_demo_sim.state.runs) == runs_before
    assert frozen_demo_sim.stats["kernel_limited"] == 1
    frozen_demo_sim.advance(120)
    _start(http, api, DEMO_PROJECT_ID)


def test_project_runs_are_listed_newest_first_over_offset_pages(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    project_id = frozen_demo_sim.add_project("Paged", scripts=[RunScript(0, 1)])
    started = []
    for _ in range(5):
        started.append(_start(http, api, project_id)["runId"])
        frozen_demo_sim.advance(2)
    seen: list[str] = []
    url: str | None = f"{api}/projects/{project_id}/runs?limit=2"
    pages = 0
    while url:
        body = http.get(url).json()
        seen += [run["runId"] for run in body["runs"]]
        assert (body["previousPage"] is None) == (pages == 0)
        url = body["nextPage"]
        pages += 1
    assert pages == 3
    assert seen == list(reversed(started))


def test_project_runs_filter_by_status_and_trigger(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    _start(http, api, DEMO_PROJECT_ID)
    url = f"{api}/projects/{DEMO_PROJECT_ID}/runs"
    assert [
        r["runTrigger"]
        for r in http.get(url, params={"runTriggerFilter": "SCHEDULED"}).json()["runs"]
    ] == ["SCHEDULED"]
    pending = http.get(url, params={"statusFilter": "PENDING"}).json()["runs"]
    assert len(pending) == 1
    assert http.get(url, params={"limit": 101}).status_code == 400
    assert http.get(url, params={"statusFilter": "DONE"}).status_code == 400


def test_legacy_run_paths_reach_the_same_runs(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    response = http.post(f"{api}/project/{DEMO_PROJECT_ID}/run", json={})
    assert response.status_code == 201
    run_id = response.json()["runId"]
    assert http.get(f"{api}/project/{DEMO_PROJECT_ID}/run/{run_id}").json()["runId"] == run_id
    assert http.delete(f"{api}/project/{DEMO_PROJECT_ID}/run/{run_id}").status_code == 204


def test_unknown_run_is_404_and_malformed_run_id_is_400(http: requests.Session, api: str) -> None:
    unknown = http.get(
        f"{api}/projects/{DEMO_PROJECT_ID}/runs/78c33d18-170c-44d3-a227-b3194f134f73"
    )
    assert unknown.status_code == 404
    assert http.get(f"{api}/projects/{DEMO_PROJECT_ID}/runs/not-a-uuid").status_code == 400
