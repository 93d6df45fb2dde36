"""Hex's agent: start and continue threads, read them and their messages, list threads and
topics (sync, and async for the reads a waiting trigger makes).

Hex enables agent threads per organization: a 403 or 404 from these operations says that
is the likely cause. Thread starts and follow-ups take a kernel and share the
``hex-run-kernel`` limit with run starts; like run starts they are never sent twice after an
ambiguous failure, since a repeat would ask the agent twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.hooks.availability import (
    LIST_THREADS_NOTE,
    THREADS_NOTE,
    acall_limited,
    call_limited,
)
from airflow_provider_hex.hooks.pagination import Pager, shape_error
from airflow_provider_hex.hooks.transport import HexRequest
from airflow_provider_hex.operations import RUN_START_GROUP, STATUS_GROUP
from airflow_provider_hex.output_types import (
    Thread,
    ThreadMessage,
    ThreadSource,
    ThreadStarted,
    ThreadSummary,
    ThreadType,
    Topic,
)
from airflow_provider_hex.types import Page
from airflow_provider_hex.validation import (
    require_bool,
    require_enum,
    require_limit,
    require_text,
    require_uuid,
    require_uuids,
)

#: What a thread start or follow-up that got no answer may have done.
THREAD_MAY_HAVE_STARTED = (
    "the agent may have received the prompt; look at the workspace's threads (list_threads) "
    "before sending it again"
)
#: Largest page of GetThreadMessages.
MAX_MESSAGES_PAGE = 50


def _texts(argument: str, values: Any) -> list[str]:
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise HexInvalidArgumentError(argument, values, "expected a list of ids")
    return [require_text(f"{argument}[{i}]", v) for i, v in enumerate(values)]


def prompt_body(
    prompt: str,
    *,
    data_connection_id: str | None = None,
    table_ids: Sequence[str] | None = None,
    semantic_dataset_ids: Sequence[str] | None = None,
    semantic_view_ids: Sequence[str] | None = None,
    project_ids: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Check a prompt and what it refers to; build ``{"prompt", "attachments"?}``."""
    body: dict[str, Any] = {"prompt": require_text("prompt", prompt)}
    attachments: dict[str, Any] = {}
    if data_connection_id is not None:
        attachments["dataConnectionId"] = require_uuid("data_connection_id", data_connection_id)
    for key, argument, values in (
        ("tableIds", "table_ids", table_ids),
        ("semanticDatasetIds", "semantic_dataset_ids", semantic_dataset_ids),
        ("semanticViewIds", "semantic_view_ids", semantic_view_ids),
    ):
        if values is not None:
            attachments[key] = _texts(argument, values)
    if project_ids is not None:
        attachments["projectIds"] = require_uuids("project_ids", project_ids)
    if attachments:
        body["attachments"] = attachments
    return body


def thread_request(thread_id: str) -> HexRequest:
    """Build the GetThread request."""
    require_uuid("thread_id", thread_id)
    return HexRequest("GET", f"/threads/{thread_id}", rate_group=STATUS_GROUP)


def read_thread(request: HexRequest, answer: Any) -> Thread:
    """Check a GetThread answer has a status; return it as a :class:`Thread`."""
    if not isinstance(answer.get("status"), str):
        raise shape_error(request, "an agent thread", answer)
    return cast(Thread, answer)


def keyed_page(request: HexRequest, answer: Any, key: str) -> Page[Any]:
    """Read a cursor-paginated answer whose items are under ``key`` (not ``values``)."""
    items = answer.get(key) if isinstance(answer, dict) else None
    cursors = answer.get("pagination") if isinstance(answer, dict) else None
    if not isinstance(items, list) or not isinstance(cursors, dict | None):
        raise shape_error(request, f"a page of {key}", answer)
    cursors = cursors or {}
    return Page(values=items, after=cursors.get("after"), before=cursors.get("before"))


def _joined(argument: str, values: Sequence[str] | None) -> str | None:
    return None if values is None else ",".join(require_uuids(argument, values))


class ThreadsAPI:
    """Hex operations on agent threads and topics."""

    if TYPE_CHECKING:

        def _call(self, request: HexRequest) -> Any: ...

        async def _acall(self, request: HexRequest) -> Any: ...

    def create_thread(
        self,
        prompt: str,
        *,
        data_connection_id: str | None = None,
        table_ids: Sequence[str] | None = None,
        semantic_dataset_ids: Sequence[str] | None = None,
        semantic_view_ids: Sequence[str] | None = None,
        project_ids: Sequence[str] | None = None,
        project_id: str | None = None,
        new_project: bool | None = None,
        muted: bool | None = None,
    ) -> ThreadStarted:
        """Start an agent thread with a prompt (CreateThread); the agent answers later.

        Read the answer with :meth:`get_thread` once its status is no longer ``RUNNING``.
        Hex offers threads only to some organizations (a 403/404 says so), paces them with
        run starts (``hex-run-kernel``), and the POST is never repeated after an ambiguous
        failure: the error says the agent may have received the prompt.

        :param prompt: the question or task for the agent.
        :param data_connection_id: a data connection the prompt refers to.
        :param table_ids: tables the prompt refers to.
        :param semantic_dataset_ids: semantic datasets the prompt refers to.
        :param semantic_view_ids: semantic views the prompt refers to.
        :param project_ids: projects the prompt refers to.
        :param project_id: run the thread in this project's notebook.
        :param new_project: let the agent create a new project for its work.
        :param muted: do not notify anyone about the thread.
        """
        body = prompt_body(
            prompt,
            data_connection_id=data_connection_id,
            table_ids=table_ids,
            semantic_dataset_ids=semantic_dataset_ids,
            semantic_view_ids=semantic_view_ids,
            project_ids=project_ids,
        )
        if project_id is not None:
            body["projectId"] = require_uuid("project_id", project_id)
        for key, argument, value in (
            ("newProject", "new_project", new_project),
            ("muted", "muted", muted),
        ):
            if value is not None:
                body[key] = require_bool(argument, value)
        return self._send_prompt("/threads", body)

    def continue_thread(
        self,
        thread_id: str,
        prompt: str,
        *,
        data_connection_id: str | None = None,
        table_ids: Sequence[str] | None = None,
        semantic_dataset_ids: Sequence[str] | None = None,
        semantic_view_ids: Sequence[str] | None = None,
        project_ids: Sequence[str] | None = None,
    ) -> ThreadStarted:
        """Send a follow-up prompt to an idle thread (ContinueThread).

        Hex does not queue follow-ups: the thread must be ``IDLE`` (Hex answers 400
        otherwise). Paced and never repeated like :meth:`create_thread`; limited to the same
        organizations.
        """
        require_uuid("thread_id", thread_id)
        body = prompt_body(
            prompt,
            data_connection_id=data_connection_id,
            table_ids=table_ids,
            semantic_dataset_ids=semantic_dataset_ids,
            semantic_view_ids=semantic_view_ids,
            project_ids=project_ids,
        )
        return self._send_prompt(f"/threads/{thread_id}/followup", body)

    def _send_prompt(self, path: str, body: dict[str, Any]) -> ThreadStarted:
        """POST a prompt once (never again after an ambiguous failure); check the answer."""
        request = HexRequest(
            "POST",
            path,
            body=body,
            rate_group=RUN_START_GROUP,
            if_lost=THREAD_MAY_HAVE_STARTED,
        )
        answer = call_limited(self._call, request, THREADS_NOTE)
        if not isinstance(answer.get("threadId"), str):
            raise shape_error(request, "a thread id", answer)
        return cast(ThreadStarted, answer)

    def get_thread(self, thread_id: str) -> Thread:
        """Return a thread: its ``status`` (RUNNING, IDLE, ERROR), ``url`` and ``response``
        (GetThread)."""
        request = thread_request(thread_id)
        return read_thread(request, call_limited(self._call, request, THREADS_NOTE))

    async def aget_thread(self, thread_id: str) -> Thread:
        """Return a thread without blocking the event loop (async :meth:`get_thread`)."""
        request = thread_request(thread_id)
        return read_thread(request, await acall_limited(self._acall, request, THREADS_NOTE))

    def list_threads(
        self,
        *,
        source: ThreadSource | str | None = None,
        user_id: str | None = None,
        thread_type: ThreadType | str | None = None,
        num_days: int | None = None,
        has_feedback: bool | None = None,
        topic_ids: Sequence[str] | None = None,
        resource_ids: Sequence[str] | None = None,
        limit: int = 25,
    ) -> Pager[ThreadSummary]:
        """Threads of the workspace, newest first (ListThreads), fetched lazily.

        Hex answers only to users with the Manager role or higher (admins see every
        non-private thread, managers their own and those on projects they can open).

        :param source: only threads started from HEX, SLACK, MCP or PUBLIC_API.
        :param user_id: only threads of this user.
        :param thread_type: only THREADS, NOTEBOOK or MODELING threads.
        :param num_days: only threads of the last this many days.
        :param has_feedback: only threads with (or without) feedback.
        :param topic_ids: only threads about these topics.
        :param resource_ids: only threads that used these resources.
        :param limit: threads per page (1-100).
        """
        params: dict[str, Any] = {"limit": require_limit("limit", limit, 100)}
        if source is not None:
            params["source"] = require_enum("source", source, ThreadSource).value
        if user_id is not None:
            params["userId"] = require_uuid("user_id", user_id)
        if thread_type is not None:
            params["type"] = require_enum("thread_type", thread_type, ThreadType).value
        if num_days is not None:
            if isinstance(num_days, bool) or not isinstance(num_days, int) or num_days < 1:
                raise HexInvalidArgumentError("num_days", num_days, "expected a whole number >= 1")
            params["numDays"] = num_days
        if has_feedback is not None:
            params["hasFeedback"] = require_bool("has_feedback", has_feedback)
        params["topicIds"] = _joined("topic_ids", topic_ids)
        params["resourceIds"] = _joined("resource_ids", resource_ids)

        def fetch(after: str | None, before: str | None) -> Page[ThreadSummary]:
            request = HexRequest(
                "GET",
                "/threads",
                params={**params, "after": after, "before": before},
                rate_group=STATUS_GROUP,
            )
            answer = call_limited(self._call, request, LIST_THREADS_NOTE)
            return cast(Page[ThreadSummary], keyed_page(request, answer, "threads"))

        return Pager(fetch)

    def get_thread_messages(
        self,
        thread_id: str,
        *,
        full: bool = False,
        limit: int = 25,
        after: str | None = None,
        before: str | None = None,
    ) -> Page[ThreadMessage]:
        """Return one page of a thread's messages, oldest first within it (GetThreadMessages).

        Hex pages this list from the newest end: with no cursor the page holds the latest
        messages, ``before=page["before"]`` reads older ones and ``after`` newer ones. Each
        block's text starts with its author's role.

        :param full: add JSON records with the agent's thinking, tool calls and results.
        :param limit: blocks per page (1-50).
        """
        require_uuid("thread_id", thread_id)
        require_limit("limit", limit, MAX_MESSAGES_PAGE)
        if after is not None and before is not None:
            raise HexInvalidArgumentError("before", before, "give either after or before")
        request = HexRequest(
            "GET",
            f"/threads/{thread_id}/messages",
            params={
                "limit": limit,
                "full": require_bool("full", full),
                "after": None if after is None else require_text("after", after),
                "before": None if before is None else require_text("before", before),
            },
            rate_group=STATUS_GROUP,
        )
        answer = call_limited(self._call, request, THREADS_NOTE)
        return cast(Page[ThreadMessage], keyed_page(request, answer, "content"))

    def list_topics(self, *, limit: int = 25) -> Pager[Topic]:
        """Thread topics of the workspace, by name (ListTopics), fetched lazily."""
        require_limit("limit", limit, 100)

        def fetch(after: str | None, before: str | None) -> Page[Topic]:
            request = HexRequest(
                "GET",
                "/context/topics",
                params={"limit": limit, "after": after, "before": before},
                rate_group=STATUS_GROUP,
            )
            answer = call_limited(self._call, request, THREADS_NOTE)
            return cast(Page[Topic], keyed_page(request, answer, "topics"))

        return Pager(fetch)


__all__ = ["THREAD_MAY_HAVE_STARTED", "ThreadsAPI", "keyed_page", "prompt_body"]
