"""Pagers fetch every page lazily, follow both of Hex's pagination schemes, and stop."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from hook_support import API, PROJECT

from airflow_provider_hex.hooks.hex import HexHook

RUNS_URL = f"{API}/projects/{PROJECT}/runs"


def cursor_pages(requests_mock: Any, url: str, pages: list[list[str]]) -> None:
    """Serve ``pages`` of ids at ``url``, linked by cursors ``c1``, ``c2``…"""

    def answer(request: Any, context: Any) -> dict[str, Any]:
        after = request.qs.get("after", [None])[0]
        index = 0 if after is None else int(after[1:])
        last = index == len(pages) - 1
        return {
            "values": [{"id": i} for i in pages[index]],
            "pagination": {
                "after": None if last else f"c{index + 1}",
                "before": None if index == 0 else f"c{index - 1}",
            },
        }

    requests_mock.get(url, json=answer)


def offset_pages(requests_mock: Any, total: int, *, with_offset_in_url: bool = True) -> None:
    """Serve ``total`` runs at RUNS_URL with Hex's offset pagination (nextPage URLs)."""

    def answer(request: Any, context: Any) -> dict[str, Any]:
        limit = int(request.qs["limit"][0])
        offset = int(request.qs["offset"][0])
        runs = [{"runId": f"run-{i}"} for i in range(offset, min(total, offset + limit))]
        more = offset + limit < total
        next_query = f"limit={limit}&offset={offset + limit}" if with_offset_in_url else "x=1"
        return {
            "runs": runs,
            "nextPage": f"{RUNS_URL}?{next_query}" if more else None,
            "previousPage": f"{RUNS_URL}?limit={limit}&offset={max(0, offset - limit)}"
            if offset
            else None,
            "traceId": "t",
        }

    requests_mock.get(RUNS_URL, json=answer)


def sent_queries(requests_mock: Any) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(r.url).query) for r in requests_mock.request_history]


def test_cursor_list_iterates_every_page(hook: HexHook, requests_mock: Any) -> None:
    cursor_pages(requests_mock, f"{API}/projects", [["a", "b"], ["c", "d"], ["e"]])

    ids = [project["id"] for project in hook.list_projects(limit=2)]

    assert ids == ["a", "b", "c", "d", "e"]
    assert [q.get("after") for q in sent_queries(requests_mock)] == [None, ["c1"], ["c2"]]
    assert all(q["limit"] == ["2"] for q in sent_queries(requests_mock))


def test_cursor_list_fetches_next_page_only_when_iteration_reaches_it(
    hook: HexHook, requests_mock: Any
) -> None:
    cursor_pages(requests_mock, f"{API}/cells", [["a", "b"], ["c"]])

    pager = hook.list_cells(PROJECT, limit=2)
    assert requests_mock.call_count == 0

    items = iter(pager)
    assert next(items)["id"] == "a"
    assert next(items)["id"] == "b"
    assert requests_mock.call_count == 1
    assert next(items)["id"] == "c"
    assert requests_mock.call_count == 2
    with pytest.raises(StopIteration):
        next(items)
    assert requests_mock.call_count == 2


def test_page_returns_exactly_one_page(hook: HexHook, requests_mock: Any) -> None:
    cursor_pages(requests_mock, f"{API}/groups", [["a"], ["b"], ["c"]])

    first = hook.list_groups(limit=1).page()
    second = hook.list_groups(limit=1).page(after=first["after"])

    assert first == {"values": [{"id": "a"}], "after": "c1", "before": None}
    assert second == {"values": [{"id": "b"}], "after": "c2", "before": "c0"}
    assert requests_mock.call_count == 2


def test_cursor_list_stops_when_hex_repeats_a_cursor(hook: HexHook, requests_mock: Any) -> None:
    requests_mock.get(
        f"{API}/users", json={"values": [{"id": "a"}], "pagination": {"after": "same"}}
    )

    assert len(hook.list_users().all()) == 2  # the first page, then "same" once
    assert requests_mock.call_count == 2


def test_cursor_list_stops_on_an_empty_page(hook: HexHook, requests_mock: Any) -> None:
    requests_mock.get(f"{API}/collections", json={"values": [], "pagination": {"after": "more"}})

    assert hook.list_collections().all() == []
    assert requests_mock.call_count == 1


def test_project_runs_follow_next_page_offsets(hook: HexHook, requests_mock: Any) -> None:
    offset_pages(requests_mock, total=5)

    run_ids = [run["runId"] for run in hook.get_project_runs(PROJECT, limit=2)]

    assert run_ids == [f"run-{i}" for i in range(5)]
    assert [q["offset"] for q in sent_queries(requests_mock)] == [["0"], ["2"], ["4"]]


def test_project_runs_are_fetched_lazily(hook: HexHook, requests_mock: Any) -> None:
    offset_pages(requests_mock, total=4)

    runs = iter(hook.get_project_runs(PROJECT, limit=2))
    assert requests_mock.call_count == 0
    next(runs), next(runs)
    assert requests_mock.call_count == 1
    next(runs)
    assert requests_mock.call_count == 2


def test_project_runs_page_after_is_an_offset(hook: HexHook, requests_mock: Any) -> None:
    offset_pages(requests_mock, total=60)

    page = hook.get_project_runs(PROJECT, limit=10).page(after="50")

    assert [r["runId"] for r in page["values"]] == [f"run-{i}" for i in range(50, 60)]
    assert page["after"] is None
    assert page["before"] == "40"
    assert sent_queries(requests_mock) == [{"limit": ["10"], "offset": ["50"]}]


def test_project_runs_next_page_without_offset_continues_after_received(
    hook: HexHook, requests_mock: Any
) -> None:
    offset_pages(requests_mock, total=3, with_offset_in_url=False)

    assert len(hook.get_project_runs(PROJECT, limit=2).all()) == 3
    assert [q["offset"] for q in sent_queries(requests_mock)] == [["0"], ["2"]]
