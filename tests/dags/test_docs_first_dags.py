"""The first DAGs a reader copies, from the README and from getting-started, run as pasted.

Each is taken from its page, written to a file unchanged, checked for names it does not use,
loaded as the DAG processor would and run with ``dag.test()`` against the simulator, which
serves the project id the pages use as its demo project.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from dag_helpers import collect, load_outside_dags_folder

from airflow_provider_hex.testing import HexSimulator
from airflow_provider_hex.testing.demo import DEMO_PROJECT_ID

pytestmark = [
    pytest.mark.airflow,
    # Airflow 3.3's dag.test() also parses the DAGs folder, with the 0.1.9-style example in it
    pytest.mark.filterwarnings("ignore:HexRunProjectOperator argument"),
]

REPO = Path(__file__).resolve().parents[2]
# (page, the heading the DAG follows, its dag_id)
FIRST_DAGS = [
    ("README.md", "## A first DAG", "daily_sales"),
    ("docs/getting-started.md", "## 3. Your first DAG", "daily_sales"),
]


def first_python_block(page: str, heading: str) -> str:
    """The first ```python block after ``heading`` on ``page``, as written."""
    text = (REPO / page).read_text(encoding="utf-8")
    assert heading in text, f"{page} has no heading {heading!r}"
    after = text[text.index(heading) :]
    match = re.search(r"^```python\n(.*?)^```$", after, re.MULTILINE | re.DOTALL)
    assert match, f"{page} has no Python block after {heading!r}"
    return match.group(1)


@pytest.fixture
def hex_default(monkeypatch: pytest.MonkeyPatch) -> Iterator[HexSimulator]:
    """``hex_default`` on a demo simulator at 10x (the demo run takes half a second)."""
    with HexSimulator(time_scale=10) as sim:
        monkeypatch.setenv("AIRFLOW_CONN_HEX_DEFAULT", sim.airflow_connection_json())
        yield sim


@pytest.mark.parametrize(("page", "heading", "dag_id"), FIRST_DAGS, ids=["readme", "started"])
def test_first_dag_has_no_unused_names(page: str, heading: str, dag_id: str) -> None:
    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        pytest.skip("ruff is not installed next to this Python")
    checked = subprocess.run(
        [str(ruff), "check", "--isolated", "--select", "F", "--stdin-filename", "dag.py", "-"],
        input=first_python_block(page, heading),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout


@pytest.mark.parametrize(("page", "heading", "dag_id"), FIRST_DAGS, ids=["readme", "started"])
def test_first_dag_runs_as_pasted(
    airflow_db: Path,
    hex_default: HexSimulator,
    tmp_path: Path,
    page: str,
    heading: str,
    dag_id: str,
) -> None:
    path = tmp_path / f"{dag_id}.py"
    path.write_text(first_python_block(page, heading))

    dag = load_outside_dags_folder(path, dag_id)
    assert dag.start_date is not None
    result = collect(dag.test())

    assert result.state == "success", result.states
    summary = next(iter(result.xcoms[key] for key in result.xcoms if key[2] == "return_value"))
    assert summary["project_id"] == DEMO_PROJECT_ID
    assert summary["status"] == "COMPLETED"
    assert hex_default.count("POST", rf"/projects/{DEMO_PROJECT_ID}/runs$") == 1
