"""The one rule for "this value is still a template" (``validation.is_templated``), used by
every operator and the sensor to decide whether an argument is checked when the task is
built or only after rendering."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from airflow.sdk import DAG, task

from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.operators.hex import HexCancelRunOperator
from airflow_provider_hex.sensors.hex import HexRunSensor
from airflow_provider_hex.validation import is_templated


def an_xcom_arg() -> Any:
    with DAG("templated_rule"):

        @task
        def produce() -> str:
            return "x"

        return produce()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{{ ds }}", True),
        ("{% if x %}a{% endif %}", True),
        ("5a8591dd-4039-49df-9202-96385ba3eff8", False),
        ("{not-jinja}", False),
        (None, False),
        (3, False),
        (Path("/tmp/charts"), False),
        ({"day": "{{ ds }}"}, True),
        ({"day": "2026-01-01"}, False),
        (["a", ["{{ ds }}"]], True),
    ],
)
def test_which_values_wait_for_rendering(value: Any, expected: bool) -> None:
    assert is_templated(value) is expected


def test_an_xcom_arg_and_a_container_holding_one_wait_for_rendering() -> None:
    ref = an_xcom_arg()

    assert is_templated(ref) is True
    assert is_templated({"run": ref}) is True


@pytest.mark.parametrize("factory", [HexRunSensor, HexCancelRunOperator], ids=["sensor", "cancel"])
def test_sensor_and_cancel_operator_check_a_plain_run_id_and_skip_a_template(factory: Any) -> None:
    project = "5a8591dd-4039-49df-9202-96385ba3eff8"

    factory(task_id="templated", project_id=project, run_id="{{ ti.xcom_pull('run') }}")
    with pytest.raises(HexInvalidArgumentError, match="run_id"):
        factory(task_id="plain", project_id=project, run_id="not-a-uuid")
