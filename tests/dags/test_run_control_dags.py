"""Run control under ``dag.test()`` against the simulator: if_active, titles, failure lines.

The runs that are "already going" are started the way Hex's own scheduler starts runs
(straight in the simulator's state), so every RunProject POST recorded came from a task.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from dag_helpers import EXAMPLES, DagResult, collect, load_dag_bag

from airflow_provider_hex.hooks.hex import HexHook
from airflow_provider_hex.testing import HexSimulator, RunScript
from airflow_provider_hex.testing.demo import (
    DEMO_PROJECT_ID,
    ERRORING_PROJECT_ID,
    INVENTORY_PROJECT_ID,
    MARKETING_PROJECT_ID,
    SLOW_PROJECT_ID,
)

pytestmark = [
    pytest.mark.airflow,
    # dag.test() parses the whole examples folder, the 0.1.9-style DAG included
    pytest.mark.filterwarnings("ignore:HexRunProjectOperator argument"),
]

Runner = Callable[[str, str], DagResult]
SUCCESS, FAILED, SKIPPED = "success", "failed", "skipped"
LISTINGS = r"/projects$"
CASES = Path(__file__).parent / "files" / "hex_run_control_cases.py"
TWENTY_TITLES = [f"Region report {n:02d}" for n in range(20)]  # as in the cases file


#: Simulated seconds of a run started "by Hex" that a test ends with :func:`finish_when_read`.
ADOPTED_SECONDS = 3600.0
#: Simulated seconds of a run started "by Hex" that stays active all through a test.
FOREVER = 10.0**7


def started_by_hex(
    sim: HexSimulator, project_id: str, seconds: float, outcome: str = "COMPLETED"
) -> str:
    """Start a run as Hex's scheduler would, RUNNING for ``seconds``; return its id."""
    with sim.lock:
        run = sim.state.start_run(sim.state.project(project_id), {}, trigger="SCHEDULED")
        run.script = RunScript(0, seconds, outcome)
    return run.id


@contextmanager
def when_read(sim: HexSimulator, run_id: str, action: Callable[[], object]) -> Iterator[None]:
    """Once a task reads run ``run_id`` (it adopted it), do ``action``.

    Acts when the task is waiting for the run, however long Airflow took to get there.
    """
    stop = threading.Event()

    def watch() -> None:
        deadline = time.monotonic() + 120
        while not stop.is_set() and time.monotonic() < deadline:
            if sim.count("GET", rf"/runs/{run_id}$"):
                action()
                return
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        watcher.join()


def finish_when_read(sim: HexSimulator, run_id: str) -> Any:
    """Once a task adopted run ``run_id``, move the clock past its end (the other runs
    started by Hex last :data:`FOREVER` and stay active)."""
    return when_read(sim, run_id, lambda: sim.advance(ADOPTED_SECONDS + 1))


def posts(sim: HexSimulator, project_id: str) -> int:
    return sim.count("POST", rf"/projects/{project_id}/runs$")


def test_run_control_example_waits_skips_cancels_and_looks_titles_up_once(
    hex_sim: HexSimulator, run_example: Runner
) -> None:
    refreshing = started_by_hex(hex_sim, DEMO_PROJECT_ID, ADOPTED_SECONDS)
    retraining = started_by_hex(hex_sim, SLOW_PROJECT_ID, FOREVER)
    stale_forecast = started_by_hex(hex_sim, INVENTORY_PROJECT_ID, FOREVER)
    hex_sim.clear_requests()

    with finish_when_read(hex_sim, refreshing):
        result = run_example("example_hex_run_control.py", "example_hex_run_control")

    assert result.task_states("refresh_sales_report") == [SUCCESS]
    assert result.xcom("refresh_sales_report")["run_id"] == refreshing
    assert result.xcom("refresh_sales_report", "run_id") == refreshing
    assert result.task_states("retrain_model") == [SKIPPED]
    assert hex_sim.run_status(retraining) == "RUNNING"
    assert posts(hex_sim, SLOW_PROJECT_ID) == 0
    assert result.task_states("rebuild_forecast") == [SUCCESS]
    assert hex_sim.run_status(stale_forecast) == "KILLED"
    assert result.xcom("rebuild_forecast")["run_id"] != stale_forecast
    assert result.task_states("refresh_dashboards") == [SUCCESS] * 3
    assert posts(hex_sim, DEMO_PROJECT_ID) == 1  # the mapped refresh only, not the adopter
    assert posts(hex_sim, INVENTORY_PROJECT_ID) == 2
    assert posts(hex_sim, MARKETING_PROJECT_ID) == 1
    assert hex_sim.count("GET", LISTINGS) == 1  # six lookups by title, one listing


def test_run_control_example_starts_runs_when_nothing_is_active(
    hex_sim: HexSimulator, run_example: Runner
) -> None:
    result = run_example("example_hex_run_control.py", "example_hex_run_control")

    assert set(result.states.values()) == {SUCCESS}
    assert posts(hex_sim, SLOW_PROJECT_ID) == 1
    assert posts(hex_sim, DEMO_PROJECT_ID) == 2


def test_example_dags_parse_with_the_simulator_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    with HexSimulator() as sim:
        connection = sim.airflow_connection_json()
    monkeypatch.setenv("AIRFLOW_CONN_HEX_DEFAULT", connection)  # nothing answers there now

    bag = load_dag_bag(EXAMPLES)

    assert bag.import_errors == {}
    control = bag.dags["example_hex_run_control"]
    assert control.get_task("refresh_sales_report").project_id is None  # not looked up


# -- the cases of files/hex_run_control_cases.py ----------------------------------------------


@pytest.fixture
def run_case(airflow_db: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], DagResult]:
    """Run one DAG of ``files/hex_run_control_cases.py`` with ``dag.test()``.

    ``dag.test()`` writes the DAGs of the configured bundles to the metadata DB before it
    runs one, so the cases' folder is added as a second bundle beside the examples.
    """
    local = "airflow.dag_processing.bundles.local.LocalDagBundle"
    bundles = [
        {"name": "dags-folder", "classpath": local, "kwargs": {}},
        {"name": "hex-test-cases", "classpath": local, "kwargs": {"path": str(CASES.parent)}},
    ]
    monkeypatch.setenv("AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST", json.dumps(bundles))

    def run(dag_id: str) -> DagResult:
        bag = load_dag_bag(CASES)
        assert bag.import_errors == {}
        return collect(bag.dags[dag_id].test())

    return run


def test_a_mapped_task_over_twenty_titles_lists_projects_once(
    hex_sim: HexSimulator, run_case: Callable[[str], DagResult]
) -> None:
    ids = [hex_sim.add_project(title, scripts=[RunScript(0, 0.5)]) for title in TWENTY_TITLES]

    result = run_case("hex_case_twenty_titles")

    assert result.task_states("refresh") == [SUCCESS] * 20
    assert [result.xcom("refresh", map_index=i)["project_id"] for i in range(20)] == ids
    assert hex_sim.count("GET", LISTINGS) == 1


@pytest.mark.parametrize("mode", ["worker", "deferred"])
def test_wait_mode_adopts_the_active_run_and_starts_none(
    hex_sim: HexSimulator, run_case: Callable[[str], DagResult], mode: str
) -> None:
    running = started_by_hex(hex_sim, DEMO_PROJECT_ID, ADOPTED_SECONDS)

    with finish_when_read(hex_sim, running):
        result = run_case(f"hex_case_adopt_{mode}")

    assert result.task_states("adopt") == [SUCCESS]
    assert result.xcom("adopt")["run_id"] == running
    assert posts(hex_sim, DEMO_PROJECT_ID) == 0


@pytest.mark.parametrize("mode", ["worker", "deferred"])
def test_wait_mode_fails_when_the_adopted_run_errors(
    hex_sim: HexSimulator, run_case: Callable[[str], DagResult], mode: str
) -> None:
    running = started_by_hex(hex_sim, ERRORING_PROJECT_ID, ADOPTED_SECONDS, "ERRORED")

    with finish_when_read(hex_sim, running):
        result = run_case(f"hex_case_adopt_errored_{mode}")

    assert result.task_states("adopt") == [FAILED]
    assert result.xcom("adopt", "run_id") == running
    assert hex_sim.run_status(running) == "ERRORED"
    assert posts(hex_sim, ERRORING_PROJECT_ID) == 0


@pytest.mark.parametrize(
    ("case", "outcome"), [("errored", "ERRORED"), ("no_kernel", "UNABLE_TO_ALLOCATE_KERNEL")]
)
@pytest.mark.parametrize("mode", ["worker", "deferred"])
def test_a_failed_run_is_explained_in_the_task_log(
    hex_sim: HexSimulator,
    run_case: Callable[[str], DagResult],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    case: str,
    outcome: str,
    mode: str,
) -> None:
    result = run_case(f"hex_case_{case}_{mode}")

    assert result.task_states("run") == [FAILED]
    run_id = result.xcom("run", "run_id")
    log = capsys.readouterr().out + caplog.text
    assert f"Hex run {run_id} ended {outcome}" in log
    assert "Timeline: PENDING" in log
    assert f"Run: {result.xcom('run', 'run_url')}" in log


def test_a_run_killed_while_adopted_is_explained_in_the_task_log(
    hex_sim: HexSimulator,
    run_case: Callable[[str], DagResult],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    running = started_by_hex(hex_sim, SLOW_PROJECT_ID, FOREVER)
    hook = HexHook("hex_default")

    with when_read(hex_sim, running, lambda: hook.cancel_run(SLOW_PROJECT_ID, running)):
        result = run_case("hex_case_killed_adopted")

    assert posts(hex_sim, SLOW_PROJECT_ID) == 0  # it adopted the run Hex started
    assert result.task_states("run") == [FAILED]
    log = capsys.readouterr().out + caplog.text
    assert f"Hex run {running} ended KILLED" in log
    assert "Timeline: PENDING" in log
    assert "-> KILLED" in log
