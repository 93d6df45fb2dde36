"""Helpers for loading the example DAGs and reading what a ``dag.test()`` run left behind."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parents[2] / "example_dags"
#: Simulated seconds per real second: the demo project's 5 s run takes 0.5 s.
TIME_SCALE = 10.0
#: Poll every half second in tests instead of the examples' documented intervals.
FAST_POLL = 0.5


def load_dag_bag(path: Path) -> Any:
    """Parse one file (or folder) the way the DAG processor does and return the DagBag."""
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 3.0
        from airflow.models.dagbag import DagBag

    return DagBag(dag_folder=str(path))  # examples stay off: LOAD_EXAMPLES=False


@dataclass
class DagResult:
    """What one ``dag.test()`` run left behind in the metadata DB."""

    state: str
    states: dict[tuple[str, int], str]
    xcoms: dict[tuple[str, int, str], Any] = field(default_factory=dict)

    def xcom(self, task_id: str, key: str = "return_value", map_index: int = -1) -> Any:
        """Return one XCom value (KeyError when the task did not push it)."""
        return self.xcoms[(task_id, map_index, key)]

    def task_states(self, task_id: str) -> list[str]:
        """Return the states of a task's instances (several for a mapped task)."""
        return [state for (tid, _), state in sorted(self.states.items()) if tid == task_id]


def load_outside_dags_folder(path: Path, dag_id: str) -> Any:
    """Load a DAG from a file outside the DAGs folder, ready for ``dag.test()``.

    Airflow 3.3's ``dag.test()`` runs only a DAG serialized in the metadata DB under a DAG
    bundle, and finds it by parsing the bundles' folders; a DAG written by a test (in a
    temporary folder) is serialized here under the DAGs-folder bundle instead.
    """
    bag = load_dag_bag(path)
    assert bag.import_errors == {}, bag.import_errors
    sync_bag_to_db = _bag_writer()
    if sync_bag_to_db is None:  # Airflow 3.0: dag.test() serializes the DAG itself
        return bag.dags[dag_id]
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.settings import Session

    session = Session()
    DagBundlesManager().sync_bundles_to_db(session=session)
    session.commit()
    session.close()
    sync_bag_to_db(bag, "dags-folder", None)
    return bag.dags[dag_id]


def _bag_writer() -> Any:
    """Airflow's ``sync_bag_to_db`` (3.1: in ``airflow.models.dagbag``; 3.2+: in
    ``airflow.dag_processing.dagbag``), or None on Airflow 3.0, which has none."""
    try:
        from airflow.dag_processing.dagbag import sync_bag_to_db
    except ImportError:
        try:
            from airflow.models.dagbag import sync_bag_to_db  # type: ignore[attr-defined,no-redef]
        except ImportError:
            return None
    return sync_bag_to_db


def activate_assets_on_airflow_3_0(bag: Any) -> None:
    """Write the bag's DAGs to the metadata DB on Airflow 3.0, so their assets are active.

    A task refuses to run with an inactive asset among its outlets. Airflow 3.3's
    ``dag.test()`` writes the DAGs of the bundle first, which activates their assets; 3.0's
    does not (there the DAG processor does it), so a test does it for DAGs with outlets.
    """
    if _bag_writer() is not None:
        return
    if not any(task.outlets for dag in bag.dags.values() for task in dag.tasks):
        return
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.settings import Session

    session = Session()
    DagBundlesManager().sync_bundles_to_db(session=session)
    session.commit()
    session.close()
    bag.sync_to_db("dags-folder", None)


def speed_up(dag: Any) -> None:
    """Make Hex tasks poll quickly (their public poll_interval / poke_interval arguments)."""
    for task in dag.tasks:
        partial = getattr(task, "partial_kwargs", None)
        if isinstance(partial, dict):  # a mapped operator
            if "poll_interval" in partial or task.operator_name == "HexRunProjectOperator":
                partial["poll_interval"] = FAST_POLL
            continue
        if hasattr(task, "poll_interval"):
            task.poll_interval = FAST_POLL
        if task.task_type == "HexRunSensor":
            task.poke_interval = FAST_POLL


def collect(dag_run: Any) -> DagResult:
    from airflow.models.xcom import XComModel
    from airflow.settings import Session
    from sqlalchemy import select

    session = Session()
    try:
        states = {
            (ti.task_id, ti.map_index): str(ti.state)
            for ti in dag_run.get_task_instances(session=session)
        }
        rows = session.scalars(
            select(XComModel).where(
                XComModel.dag_id == dag_run.dag_id, XComModel.run_id == dag_run.run_id
            )
        ).all()
        xcoms = {(r.task_id, r.map_index, r.key): XComModel.deserialize_value(r) for r in rows}
    finally:
        session.close()
    return DagResult(str(dag_run.state), states, xcoms)
