"""What a newcomer meets first, in real tasks under ``dag.test()`` against the simulator.

A wrong token, a connection that is not defined and a Hex address pasted as the project id
each fail with a message that names the connection (or the argument) and says what to do,
never with the token. A deferred wait whose trigger cannot read a connection stored in the
metadata database (``dag.test()`` runs the trigger in line) leaves no Hex run going.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from importlib.metadata import version
from pathlib import Path

import pytest
from dag_helpers import DagResult, collect, load_dag_bag, load_outside_dags_folder

from airflow_provider_hex.testing import HexSimulator
from airflow_provider_hex.testing.demo import DEMO_PROJECT_ID, SLOW_PROJECT_ID

pytestmark = [
    pytest.mark.airflow,
    # Airflow 3.3's dag.test() also parses the DAGs folder, with the 0.1.9-style example in it
    pytest.mark.filterwarnings("ignore:HexRunProjectOperator argument"),
]

AIRFLOW = tuple(int(part) for part in version("apache-airflow").split(".")[:2])
WRONG_TOKEN = "hxtp_" + "wrong0token1" * 4

DAG_FILE = """
from datetime import datetime

from airflow.sdk import DAG
from airflow_provider_hex.operators.hex import HexRunProjectOperator

with DAG({dag_id!r}, schedule=None, start_date=datetime(2025, 1, 1), catchup=False) as dag:
    HexRunProjectOperator(
        task_id="run_report",
        project_id={project_id!r},
        hex_conn_id={conn_id!r},
        deferrable={deferrable!r},
        poll_interval=0.2,
        retries=0,
    )
"""

RunDag = Callable[..., DagResult]


@pytest.fixture
def write_dag(tmp_path: Path) -> Callable[..., Path]:
    """Write a one-task DAG file; return its path."""

    def write(dag_id: str, project_id: str, conn_id: str, *, deferrable: bool = False) -> Path:
        path = tmp_path / f"{dag_id}.py"
        path.write_text(
            DAG_FILE.format(
                dag_id=dag_id, project_id=project_id, conn_id=conn_id, deferrable=deferrable
            )
        )
        return path

    return write


@pytest.fixture
def run_dag(airflow_db: Path, write_dag: Callable[..., Path]) -> RunDag:
    """Write a one-task DAG, load it as the DAG processor would and run it with dag.test()."""

    def run(dag_id: str, project_id: str, conn_id: str, *, deferrable: bool = False) -> DagResult:
        path = write_dag(dag_id, project_id, conn_id, deferrable=deferrable)
        return collect(load_outside_dags_folder(path, dag_id).test())

    return run


@pytest.fixture
def demo_sim() -> Iterator[HexSimulator]:
    """A demo simulator at 20x: its slow project's 62 s run takes about 3 s."""
    with HexSimulator(time_scale=20) as sim:
        yield sim


@pytest.fixture
def shown(capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> Callable[[], str]:
    """What the test's DAG run printed and logged so far (the task log's lines among it),
    with runs of spaces, line breaks and the frames of a wrapped traceback made one space."""

    def read() -> str:
        out = capfd.readouterr()
        # Airflow 3.0's dag.test() logs, at debug level, the request by which the task asks
        # it to mask the token (MaskSecret(value=...)): Airflow's, not the provider's.
        text = re.sub(r"MaskSecret\(value='[^']*'", "MaskSecret(", out.out + out.err + caplog.text)
        return re.sub(r"[\s\u2502]+", " ", text)

    return read


def active_runs(sim: HexSimulator) -> list[str]:
    """Ids of the simulator's runs that are still pending or running."""
    with sim.lock:
        run_ids = list(sim.state.runs)
    return [r for r in run_ids if sim.run_status(r) in ("PENDING", "RUNNING")]


def test_wrong_token_in_a_task_names_the_connection_host_and_fixes_not_the_token(
    demo_sim: HexSimulator,
    run_dag: RunDag,
    monkeypatch: pytest.MonkeyPatch,
    shown: Callable[[], str],
) -> None:
    conn = {"conn_type": "hex", "host": demo_sim.url, "password": WRONG_TOKEN}
    monkeypatch.setenv("AIRFLOW_CONN_HEX_WRONG", json.dumps(conn))

    result = run_dag("first_hour_wrong_token", DEMO_PROJECT_ID, "hex_wrong")

    text = shown()
    assert result.state == "failed"
    assert [r.status for r in demo_sim.requests] == [401]  # a 401 is not retried
    assert "HexAuthError" in text
    assert (
        f"Hex refused the API token of the Airflow connection 'hex_wrong' (host {demo_sim.url})"
        in text
    )
    assert "airflow connections test hex_wrong" in text
    assert "its host is the token's workspace" in text
    compact = text.replace(" ", "")  # a token broken over wrapped lines is found too
    assert WRONG_TOKEN[5:17] not in compact


def test_missing_connection_in_a_task_says_how_to_create_it(
    demo_sim: HexSimulator,
    run_dag: RunDag,
    monkeypatch: pytest.MonkeyPatch,
    shown: Callable[[], str],
) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_HEX_NOT_THERE", raising=False)

    result = run_dag("first_hour_missing_conn", DEMO_PROJECT_ID, "hex_not_there")

    text = shown()
    assert result.state == "failed"
    assert demo_sim.requests == []
    assert "The Hex connection 'hex_not_there' is not defined" in text
    assert "with conn_type 'hex'" in text
    assert 'AIRFLOW_CONN_HEX_NOT_THERE=\'{"conn_type": "hex"' in text
    assert "airflow connections add hex_not_there --conn-type hex" in text
    assert "Admin -> Connections" in text


@pytest.mark.parametrize(
    ("address", "part"),
    [
        (f"https://app.hex.tech/acme/hex/{DEMO_PROJECT_ID}/draft/logic", "/hex/"),
        (f"https://app.hex.tech/acme/app/{DEMO_PROJECT_ID}/latest", "/app/"),
    ],
    ids=["notebook", "published-app"],
)
def test_hex_address_as_project_id_says_which_part_is_the_id(
    airflow_db: Path, write_dag: Callable[..., Path], address: str, part: str
) -> None:
    bag = load_dag_bag(write_dag("first_hour_pasted_url", address, "hex_default"))

    (error,) = bag.import_errors.values()
    assert f"Invalid project_id={address!r}" in error
    assert f"the id is the part after {part}: {DEMO_PROJECT_ID!r}" in error


def test_dag_test_leaves_no_run_going_when_the_trigger_cannot_read_a_db_connection(
    demo_sim: HexSimulator,
    run_dag: RunDag,
    shown: Callable[[], str],
) -> None:
    from airflow.models import Connection
    from airflow.settings import Session

    session = Session()
    session.add(Connection(conn_id="hex_in_db", uri=demo_sim.airflow_connection_uri()))
    session.commit()
    try:
        result = run_dag("first_hour_db_conn", SLOW_PROJECT_ID, "hex_in_db", deferrable=True)
    finally:
        session.query(Connection).filter(Connection.conn_id == "hex_in_db").delete()
        session.commit()
        session.close()

    text = shown()
    assert demo_sim.count("POST", rf"/projects/{SLOW_PROJECT_ID}/runs$") == 1
    assert active_runs(demo_sim) == []
    if AIRFLOW >= (3, 3):  # the trigger, run in line, cannot read the DB connection
        assert result.state == "failed"
        assert demo_sim.count("DELETE", rf"/projects/{SLOW_PROJECT_ID}/runs/") == 1
        assert "could not read the Hex connection 'hex_in_db'" in text
        assert "AIRFLOW_CONN_HEX_IN_DB" in text
        assert "the run was cancelled, since nothing could watch it" in text
    else:  # Airflow 3.0 reads it there: the wait works and the slow run is waited for
        assert result.state == "success"
