"""The example DAG scheduled on Hex's runs: its asset carries the watcher, parsed offline."""

from __future__ import annotations

import importlib.util
import json
import socket

import pytest
from dag_helpers import EXAMPLES, load_dag_bag

from airflow_provider_hex.assets import hex_project_asset
from airflow_provider_hex.testing.demo import DEMO_PROJECT_ID
from airflow_provider_hex.triggers.project_runs import HexProjectRunEventTrigger

DAG_FILE = EXAMPLES / "example_hex_scheduled_on_hex.py"


def test_the_example_is_scheduled_on_the_projects_asset_and_its_watcher(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the example opened a network connection at parse time")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.delenv("HEX_PROJECT_ID", raising=False)

    bag = load_dag_bag(DAG_FILE)

    assert bag.import_errors == {}
    assert "example_hex_scheduled_on_hex" in bag.dags
    spec = importlib.util.spec_from_file_location("example_scheduled_on_hex", DAG_FILE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    asset = module.sales_report
    assert asset.uri == f"hex://app.hex.tech/projects/{DEMO_PROJECT_ID}"
    assert list(module.example_hex_scheduled_on_hex().timetable.asset_condition.objects) == [asset]
    (watcher,) = asset.watchers
    assert watcher.name == "sales_report_scheduled_refresh"
    trigger = watcher.trigger
    assert isinstance(trigger, HexProjectRunEventTrigger)
    path, kwargs = trigger.serialize()
    assert path == "airflow_provider_hex.triggers.project_runs.HexProjectRunEventTrigger"
    assert kwargs["project_id"] == DEMO_PROJECT_ID
    assert kwargs["run_triggers"] == ["SCHEDULED"]
    assert kwargs["statuses"] == ["COMPLETED"]
    assert "password" not in json.dumps(kwargs)


def test_hex_project_asset_passes_watchers_through() -> None:
    from airflow.sdk import AssetWatcher

    trigger = HexProjectRunEventTrigger(DEMO_PROJECT_ID, run_triggers="APP_REFRESH")
    watched = hex_project_asset(
        DEMO_PROJECT_ID, "eu.hex.tech", watchers=[AssetWatcher(name="w", trigger=trigger)]
    )
    plain = hex_project_asset(DEMO_PROJECT_ID, "eu.hex.tech")

    assert watched.uri == plain.uri == f"hex://eu.hex.tech/projects/{DEMO_PROJECT_ID}"
    assert [w.trigger for w in watched.watchers] == [trigger]
    assert plain.watchers == []
