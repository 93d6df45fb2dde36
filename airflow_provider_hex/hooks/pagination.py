"""Lazy iteration over Hex's paginated lists.

Hex pages most lists with opaque ``after``/``before`` cursors and project runs with an
``offset``. A :class:`Pager` hides both: iterate it for every item, fetched a page at a time
as you go, or call :meth:`Pager.page` for exactly one page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from airflow_provider_hex.exceptions import HexResponseError
from airflow_provider_hex.hooks.transport import HexRequest
from airflow_provider_hex.types import Page

T = TypeVar("T")

#: Fetches one page: (after, before) -> Page. For offset lists ``after`` is the offset.
PageFetcher = Callable[[str | None, str | None], Page[T]]


class Pager(Generic[T]):
    """Every item of a Hex list, fetched lazily page by page.

    Nothing is sent until the pager is iterated (or :meth:`page` is called); each further
    page is fetched only when iteration reaches it.
    """

    def __init__(self, fetch: PageFetcher[T], *, max_items: int | None = None) -> None:
        self._fetch = fetch
        self._max_items = max_items

    def page(self, after: str | None = None, before: str | None = None) -> Page[T]:
        """Fetch one page, starting after (or before) the given cursor."""
        return self._fetch(after, before)

    def pages(self) -> Iterator[Page[T]]:
        """Yield pages from the first until Hex reports no next cursor."""
        after: str | None = None
        seen: set[str] = set()
        while True:
            page = self._fetch(after, None)
            yield page
            after = page["after"]
            if not after or not page["values"] or after in seen:
                return
            seen.add(after)

    def __iter__(self) -> Iterator[T]:
        count = 0
        for page in self.pages():
            for item in page["values"]:
                if self._max_items is not None and count >= self._max_items:
                    return
                yield item
                count += 1

    def all(self) -> list[T]:
        """Fetch every page and return all items as a list."""
        return list(self)


def shape_error(request: HexRequest, expected: str, answer: Any) -> HexResponseError:
    """Build the error for a success answer whose JSON lacks what Hex documents."""
    text = repr(answer)[:200]
    return HexResponseError(
        f"Hex {request.method} {request.path} answered with JSON that is not {expected}: {text}",
        status=200,
        method=request.method,
        path=request.path,
        body=text,
    )


def values_page(request: HexRequest, answer: Any) -> Page[Any]:
    """Read a cursor-paginated answer (``{"values": [...], "pagination": {...}}``)."""
    values = answer.get("values") if isinstance(answer, dict) else None
    cursors = answer.get("pagination") if isinstance(answer, dict) else None
    if not isinstance(values, list) or not isinstance(cursors, dict | None):
        raise shape_error(request, "a page of values", answer)
    cursors = cursors or {}
    return Page(values=values, after=cursors.get("after"), before=cursors.get("before"))


def cursor_pager(
    call: Callable[[HexRequest], Any],
    path: str,
    params: dict[str, Any],
    *,
    limit: int,
    rate_group: str | None = None,
) -> Pager[Any]:
    """Make a :class:`Pager` over the cursor-paginated list at ``path``."""

    def fetch(after: str | None, before: str | None) -> Page[Any]:
        query = {**params, "limit": limit, "after": after, "before": before}
        request = HexRequest("GET", path, params=query, rate_group=rate_group)
        return values_page(request, call(request))

    return Pager(fetch)
