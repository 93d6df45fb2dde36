"""Agent threads and topics: CreateThread, ContinueThread, GetThread, ListThreads,
GetThreadMessages and ListTopics (see :mod:`airflow_provider_hex.testing.agent`)."""

from __future__ import annotations

from typing import Any

from airflow_provider_hex.testing.agent import AgentThread, answer_for
from airflow_provider_hex.testing.clock import iso
from airflow_provider_hex.testing.errors import ApiError, ErrorStyle
from airflow_provider_hex.testing.limits import HEX_API, RUN_KERNEL
from airflow_provider_hex.testing.pagination import decode_cursor, encode_cursor, paginate
from airflow_provider_hex.testing.params import (
    bad,
    body_object,
    get_bool,
    get_obj,
    get_str,
    query_bool,
    query_enum,
    query_int,
    query_value,
    require_uuid,
)
from airflow_provider_hex.testing.router import Request, Response, Route
from airflow_provider_hex.testing.state import Workspace, new_id

_LIST_ROLES = frozenset({"ADMIN", "MANAGER"})
_ATTACHMENT_LISTS = ("tableIds", "semanticDatasetIds", "semanticViewIds", "projectIds")


def _require_enabled(ws: Workspace) -> None:
    if not ws.agent.enabled:
        raise ApiError(403, "Agent threads are not available for this organization")


def _thread(ws: Workspace, thread_id: str) -> AgentThread:
    _require_enabled(ws)
    key = require_uuid(thread_id, "threadId")
    thread = ws.agent.threads.get(key)
    if thread is None:
        raise ApiError(404, f"Thread {thread_id} not found")
    return thread


def _url(ws: Workspace, thread: AgentThread) -> str:
    return f"{ws.base_url}/threads/{thread.id}"


def _attachments(body: dict[str, Any]) -> dict[str, Any]:
    attachments = get_obj(body, "attachments")
    if attachments.get("dataConnectionId") is not None:
        require_uuid(attachments["dataConnectionId"], "attachments.dataConnectionId")
    for key in _ATTACHMENT_LISTS:
        values = attachments.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise bad(f"attachments.{key} must be an array of strings")
    return attachments


def _common(ws: Workspace, thread: AgentThread) -> dict[str, Any]:
    now = ws.now()
    first = thread.turns[0].prompt
    return {
        "title": first[:60],
        "creditsUsed": float(len(thread.turns)),
        "topics": ws.agent.topics_of(thread),
        "warnings": [],
        "feedback": [],
        "warningsGeneratedAt": None,
        "threadSummary": None,
        "threadIntent": None,
        "model": "Auto",
        "auto": True,
        "effectiveModel": "simulated-agent",
        "effortLevel": None,
        "userId": thread.user_id,
        "type": thread.type,
        "source": thread.source,
        "createdAt": iso(thread.created_at),
        "updatedAt": iso(thread.updated_at(now)),
        "sensitive": False,
        "url": _url(ws, thread),
    }


def thread_json(ws: Workspace, thread: AgentThread) -> dict[str, Any]:
    """The GetThread answer: status, and the latest answer or error once the agent is done."""
    now = ws.now()
    status = thread.status(now)
    last = thread.turns[-1]
    response: list[dict[str, Any]] | None = None
    error = None
    if status == "IDLE":
        response = [{"type": "text", "text": answer_for(last.prompt)}]
        if thread.project_id is not None:
            response.append({"type": "project", "id": thread.project_id, "title": None})
    elif status == "ERROR":
        error = {"type": "AGENT_ERROR", "message": "The simulated agent failed on this prompt"}
    resources = (
        [{"id": thread.project_id, "resourceType": "PROJECT", "name": "project"}]
        if thread.project_id
        else []
    )
    body = _common(ws, thread)
    body.update(
        {
            "threadId": thread.id,
            "status": status,
            "error": error,
            "resources": resources,
            "response": response,
        }
    )
    return body


def _messages(ws: Workspace, thread: AgentThread, full: bool) -> list[dict[str, Any]]:
    now = ws.now()
    blocks: list[dict[str, Any]] = []
    for turn in thread.turns:
        blocks.append(
            {"type": "text", "text": f"User: {turn.prompt}", "createdAt": iso(turn.asked_at)}
        )
        if turn.status(now) == "IDLE":
            text = f"Assistant: {answer_for(turn.prompt)}"
        elif turn.status(now) == "ERROR":
            text = "[error] Assistant: The simulated agent failed on this prompt"
        else:
            continue
        blocks.append({"type": "text", "text": text, "createdAt": iso(turn.done_at)})
        if full:
            record = f'{{"role": "assistant", "prompt": {turn.prompt!r}}}'
            blocks.append({"type": "text", "text": record, "createdAt": iso(turn.done_at)})
    return blocks


def create_thread(ws: Workspace, req: Request) -> Response:
    """POST /v1/threads: start a thread; the agent works on the prompt for a while."""
    _require_enabled(ws)
    body = body_object(req.body)
    prompt = str(get_str(body, "prompt", min_length=1))
    attachments = _attachments(body)
    project_id = body.get("projectId")
    if project_id is not None:
        project_id = ws.project(project_id).id
    get_bool(body, "newProject", False)
    now = ws.now()
    thread = AgentThread(
        new_id(),
        ws.token_user_id,
        now,
        project_id=project_id,
        muted=get_bool(body, "muted", False),
        attachments=[attachments] if attachments else [],
    )
    ws.agent.ask(thread, prompt, now)
    ws.agent.threads[thread.id] = thread
    ws.counters["threads_started"] += 1
    return Response(
        200,
        {
            "threadId": thread.id,
            "url": _url(ws, thread),
            "createdAt": iso(now),
            "projectId": project_id,
        },
    )


def continue_thread(ws: Workspace, req: Request) -> Response:
    """POST /v1/threads/{id}/followup: a follow-up, refused (400) while the agent works."""
    thread = _thread(ws, req.params["id"])
    body = body_object(req.body)
    prompt = str(get_str(body, "prompt", min_length=1))
    attachments = _attachments(body)
    if thread.status(ws.now()) == "RUNNING":
        raise bad("The thread must be idle before a follow-up can be sent")
    ws.agent.ask(thread, prompt, ws.now())
    if attachments:
        thread.attachments.append(attachments)
    return Response(200, {"threadId": thread.id, "url": _url(ws, thread)})


def get_thread(ws: Workspace, req: Request) -> Response:
    """GET /v1/threads/{id}."""
    return Response(200, thread_json(ws, _thread(ws, req.params["id"])))


def list_threads(ws: Workspace, req: Request) -> Response:
    """GET /v1/threads: newest first; only for managers and admins."""
    _require_enabled(ws)
    owner = ws.users.get(ws.token_user_id)
    if owner is not None and owner.role not in _LIST_ROLES:
        raise ApiError(403, "Listing threads requires the Manager role or higher")
    query = req.query
    source = query_enum(query, "source", ("HEX", "SLACK", "MCP", "PUBLIC_API"), None)
    kind = query_enum(query, "type", ("THREADS", "NOTEBOOK", "MODELING"), None)
    user_id = query_value(query, "userId")
    num_days = query_int(query, "numDays", 0, 1, None) if query_value(query, "numDays") else 0
    topic_ids = [t for t in (query_value(query, "topicIds") or "").split(",") if t]
    now = ws.now()
    # Newest first; threads started at the same simulated moment: the later one first.
    threads = sorted(
        reversed(list(ws.agent.threads.values())), key=lambda t: t.created_at, reverse=True
    )
    threads = [
        t
        for t in threads
        if (source is None or t.source == source)
        and (kind is None or t.type == kind)
        and (user_id is None or t.user_id == user_id)
        and (not num_days or t.created_at >= now - num_days * 86400)
        and (not topic_ids or {x["id"] for x in ws.agent.topics_of(t)} & set(topic_ids))
    ]

    def render(thread: AgentThread) -> dict[str, Any]:
        return {**_common(ws, thread), "id": thread.id, "orgId": ws.org_id}

    page = paginate(threads, query, render)
    return Response(200, {"threads": page["values"], "pagination": page["pagination"]})


def thread_messages(ws: Workspace, req: Request) -> Response:
    """GET /v1/threads/{threadId}/messages: the latest page unless a cursor says otherwise."""
    thread = _thread(ws, req.params["threadId"])
    blocks = _messages(ws, thread, query_bool(req.query, "full"))
    limit = query_int(req.query, "limit", 25, 1, 50)
    after, before = query_value(req.query, "after"), query_value(req.query, "before")
    if after and before:
        raise bad("pass either after or before, not both")
    if after:
        start = min(decode_cursor(after), len(blocks))
        end = min(start + limit, len(blocks))
    else:
        end = min(decode_cursor(before), len(blocks)) if before else len(blocks)
        start = max(0, end - limit)
    return Response(
        200,
        {
            "content": blocks[start:end],
            "pagination": {
                "after": encode_cursor(end) if end < len(blocks) else None,
                "before": encode_cursor(start) if start > 0 else None,
            },
        },
    )


def list_topics(ws: Workspace, req: Request) -> Response:
    """GET /v1/context/topics: the workspace's topics by name."""
    _require_enabled(ws)
    topics = sorted(ws.agent.topics.items(), key=lambda item: item[1])
    page = paginate(topics, req.query, lambda item: {"id": item[0], "name": item[1]})
    return Response(200, {"topics": page["values"], "pagination": page["pagination"]})


_CODE = ErrorStyle.CODE
ROUTES = [
    Route("POST", "/api/v1/threads", create_thread, "CreateThread", _CODE, (RUN_KERNEL,)),
    Route("GET", "/api/v1/threads", list_threads, "ListThreads", _CODE, (HEX_API,)),
    Route("GET", "/api/v1/threads/{id}", get_thread, "GetThread", _CODE, (HEX_API,)),
    Route(
        "GET",
        "/api/v1/threads/{threadId}/messages",
        thread_messages,
        "GetThreadMessages",
        _CODE,
        (HEX_API,),
    ),
    Route(
        "POST",
        "/api/v1/threads/{id}/followup",
        continue_thread,
        "ContinueThread",
        _CODE,
        (RUN_KERNEL,),
    ),
    Route("GET", "/api/v1/context/topics", list_topics, "ListTopics", _CODE, (HEX_API,)),
]
