"""Ask Hex's agent a question from a DAG: :class:`HexAgentThreadOperator`."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, NoReturn

from airflow.configuration import conf
from airflow.exceptions import AirflowException  # type: ignore[attr-defined]

from airflow_provider_hex._compat import AirflowFailException
from airflow_provider_hex.exceptions import HexError, HexInvalidArgumentError
from airflow_provider_hex.operators._common import HexBaseOperator, check_arguments
from airflow_provider_hex.output_types import ThreadStatus
from airflow_provider_hex.triggers.agent_thread import HexThreadTrigger, ThreadWatch
from airflow_provider_hex.triggers.run_watch import DEFER_TIMEOUT_MARGIN
from airflow_provider_hex.validation import require_text, require_uuid, require_uuids

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_hex.output_types import Thread


def _require_prompts(argument: str, value: Any) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise HexInvalidArgumentError(argument, value, "expected a list of prompts")
    return [require_text(f"{argument}[{i}]", item) for i, item in enumerate(value)]


def _answer_text(thread: dict[str, Any] | None) -> str:
    """The text blocks of the agent's response, joined by blank lines."""
    blocks = (thread or {}).get("response") or []
    return "\n\n".join(
        str(block.get("text", "")) for block in blocks if block.get("type") == "text"
    ).strip()


class HexAgentThreadOperator(HexBaseOperator):
    """Ask Hex's agent a question in a new thread, send any follow-ups, return the answers.

    The task starts a thread with ``prompt`` (CreateThread) and pushes ``thread_id`` and
    ``thread_url`` as XComs at once (and ``answer`` at the end). It waits until the agent
    is done (GetThread: no longer ``RUNNING``), in the worker or, with ``deferrable=True``,
    in the triggerer through
    :class:`~airflow_provider_hex.triggers.agent_thread.HexThreadTrigger`; then it sends
    each of ``follow_ups`` in turn (ContinueThread; Hex takes one only when the thread is idle)
    and waits again. It returns::

        {"thread_id", "url", "status": "IDLE", "answer": <the last answer's text>,
         "answers": [<one text per prompt>], "response": <the last answer's blocks>,
         "prompts": [<every prompt sent>]}

    A thread that ends in ``ERROR`` fails the task with Hex's error type and message. Hex
    cannot cancel threads: when ``timeout`` runs out, the task fails and the agent may still
    finish (the error gives the thread's URL). Starting a thread and sending a follow-up are
    never repeated after an ambiguous failure (the agent would be asked twice); a retry of
    the task starts a new thread.

    Hex offers agent threads only to some organizations; a 403 or 404 says so.

    :param prompt: the question or task for the agent (templated).
    :param follow_ups: prompts to send one after another, each once the agent has answered
        the one before (templated).
    :param project_ids: projects the prompt refers to (templated).
    :param data_connection_id: a data connection the prompt refers to (templated).
    :param project_id: run the thread in this project's notebook (templated).
    :param hex_conn_id: the Airflow connection to Hex.
    :param deferrable: wait in the triggerer instead of the worker.
    :param poll_interval: seconds between two reads of the thread.
    :param timeout: seconds the task waits for all answers; None: no limit.
    """

    template_fields: Sequence[str] = (
        "prompt",
        "follow_ups",
        "project_ids",
        "data_connection_id",
        "project_id",
    )
    output_keys = ("answer",)
    ui_color = "#E0F0FF"

    def __init__(
        self,
        prompt: str,
        *,
        follow_ups: list[str] | None = None,
        project_ids: list[str] | None = None,
        data_connection_id: str | None = None,
        project_id: str | None = None,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        poll_interval: float = 5.0,
        timeout: float | None = 1800.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.prompt = prompt
        self.follow_ups = follow_ups
        self.project_ids = project_ids
        self.data_connection_id = data_connection_id
        self.project_id = project_id
        self.deferrable = deferrable
        self.poll_interval = poll_interval
        self.timeout = timeout
        if isinstance(poll_interval, bool) or not isinstance(poll_interval, int | float):
            raise HexInvalidArgumentError("poll_interval", poll_interval, "expected seconds > 0")
        if poll_interval <= 0:
            raise HexInvalidArgumentError("poll_interval", poll_interval, "expected seconds > 0")
        if timeout is not None and (
            isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0
        ):
            raise HexInvalidArgumentError("timeout", timeout, "expected seconds > 0, or None")
        self._check(static=True)

    def _check(self, *, static: bool) -> None:
        check_arguments(
            [
                (require_text, "prompt", self.prompt),
                (_require_prompts, "follow_ups", self.follow_ups),
                (require_uuids, "project_ids", self.project_ids),
                (require_uuid, "data_connection_id", self.data_connection_id),
                (require_uuid, "project_id", self.project_id),
            ],
            static=static,
        )
        if self.prompt is None:
            raise HexInvalidArgumentError("prompt", None, "expected a non-empty string")

    # -- Airflow entry points -----------------------------------------------------------------

    def execute(self, context: Context) -> dict[str, Any]:
        """Start the thread and wait for every answer as configured."""
        try:
            self._check(static=False)
        except HexInvalidArgumentError as err:  # retrying cannot fix an argument
            raise AirflowFailException(str(err)) from err
        started = self.hook.create_thread(
            self.prompt,
            project_ids=self.project_ids,
            data_connection_id=self.data_connection_id,
            project_id=self.project_id,
        )
        thread_id, url = started["threadId"], started.get("url")
        ti = context.get("ti")
        if ti is not None:
            ti.xcom_push(key="thread_id", value=thread_id)
            ti.xcom_push(key="thread_url", value=url)
        self.log.info("Started Hex agent thread %s: %s", thread_id, url)
        deadline = None if self.timeout is None else time.time() + self.timeout
        state = {"step": 0, "answers": [], "deadline": deadline}
        return self._wait(context, ThreadWatch(thread_id, url, deadline=deadline, state=state))

    def execute_complete(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        """Resume when the trigger's wait ends: follow up, finish or fail."""
        state = dict(event.get("state") or {})
        watch = ThreadWatch(
            str(event.get("thread_id")),
            event.get("url"),
            deadline=state.get("deadline"),
            state=state,
        )
        return self._after_wait(context, watch, event)

    # -- steps --------------------------------------------------------------------------------

    def _wait(self, context: Context, watch: ThreadWatch) -> dict[str, Any]:
        """Wait for the agent's current answer, in the worker or deferred."""
        while True:
            thread: Thread | None = None
            try:
                thread = self.hook.get_thread(watch.thread_id)
            except HexError as err:
                event = watch.on_error(err)
            else:
                event = watch.on_thread(thread)
            if event is None and watch.expired():
                event = watch.event("timeout", watch.timeout_message(), thread)
            if event is not None:
                return self._after_wait(context, watch, event)
            if self.deferrable:
                self._defer(watch)
            left = watch.remaining()
            time.sleep(self.poll_interval if left is None else min(self.poll_interval, left))

    def _defer(self, watch: ThreadWatch) -> NoReturn:
        left = watch.remaining()
        self.defer(
            trigger=HexThreadTrigger(
                watch.thread_id,
                hex_conn_id=self.hex_conn_id,
                poll_interval=self.poll_interval,
                deadline=watch.deadline,
                url=watch.url,
                state=watch.state,
            ),
            method_name="execute_complete",
            timeout=None if left is None else timedelta(seconds=left + DEFER_TIMEOUT_MARGIN),
        )

    def _after_wait(
        self, context: Context, watch: ThreadWatch, event: dict[str, Any]
    ) -> dict[str, Any]:
        """Fail on anything but an answer; send the next follow-up, or return the result."""
        if event.get("status") != "answered":
            raise AirflowException(str(event.get("message")))
        thread = event.get("thread") or {}
        state = watch.state
        answers = [*state.get("answers", []), _answer_text(thread)]
        step = int(state.get("step", 0))
        follow_ups = list(self.follow_ups or [])
        if step < len(follow_ups):
            prompt = follow_ups[step]
            self.hook.continue_thread(watch.thread_id, prompt)
            self.log.info(
                "Sent follow-up %d of %d to Hex thread %s",
                step + 1,
                len(follow_ups),
                watch.thread_id,
            )
            watch.state = {**state, "step": step + 1, "answers": answers}
            return self._wait(context, watch)
        self.log.info("Hex's agent answered in thread %s: %s", watch.thread_id, watch.url)
        result = {
            "thread_id": watch.thread_id,
            "url": watch.url,
            "status": str(ThreadStatus.IDLE),
            "answer": answers[-1],
            "answers": answers,
            "response": thread.get("response") or [],
            "prompts": [self.prompt, *follow_ups],
        }
        return self.push_outputs(context, result)


__all__ = ["HexAgentThreadOperator"]
