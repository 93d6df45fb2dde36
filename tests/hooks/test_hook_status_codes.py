"""``status_code`` of every Hex API error is the HTTP status Hex answered (``status`` too).

``AirflowException`` declares ``status_code`` on the class (500); an error that only
inherited it would say 500 for Hex's 404.
"""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from hook_support import API, PROJECT, RUN

from airflow_provider_hex.exceptions import HexAPIError, HexResponseError
from airflow_provider_hex.hooks.hex import HexHook

STATUS_URL = f"{API}/projects/{PROJECT}/runs/{RUN}"


@pytest.mark.parametrize("status", [401, 403, 404, 422, 429, 500, 502])
def test_status_code_is_the_answered_status(hook: HexHook, requests_mock: Any, status: int) -> None:
    requests_mock.get(STATUS_URL, status_code=status, json={"reason": "no", "traceId": "t-1"})

    with pytest.raises(HexAPIError) as caught:
        hook.get_run_status(PROJECT, RUN)

    assert caught.value.status_code == status
    assert caught.value.status == status
    assert pickle.loads(pickle.dumps(caught.value)).status_code == status


def test_a_body_that_is_not_json_keeps_its_status_code(hook: HexHook, requests_mock: Any) -> None:
    requests_mock.get(STATUS_URL, status_code=200, text="<html>maintenance</html>")

    with pytest.raises(HexResponseError) as caught:
        hook.get_run_status(PROJECT, RUN)

    assert (caught.value.status_code, caught.value.status) == (200, 200)


def test_expanded_stats_asks_hex_for_the_state_events(hook: HexHook, requests_mock: Any) -> None:
    mocked = requests_mock.get(STATUS_URL, json={"runId": RUN, "status": "ERRORED"})

    hook.get_run_status(PROJECT, RUN)
    hook.get_run_status(PROJECT, RUN, expanded_stats=True)

    plain, expanded = mocked.request_history
    assert "enable-expanded-stats" not in plain.headers
    assert expanded.headers["enable-expanded-stats"] == "true"
