"""How the run operator starts, tracks, waits for and finishes a Hex run.

:class:`HexRunLifecycle` is the private base of
:class:`~airflow_provider_hex.operators.hex.HexRunProjectOperator`: it implements Airflow's
``ResumableJobMixin`` methods (start a run, read a stored run's status, wait, give the
result), so that on Airflow 3.3+ a retry reattaches to the run an earlier try started.
The operator module keeps the arguments and Airflow's entry points.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, NoReturn, cast

from airflow.sdk import BaseOperator

from airflow_provider_hex._compat import (
    AirflowFailException,
    AirflowSkipException,
    ResumableJobMixin,
)
from airflow_provider_hex.exceptions import (
    HexKernelLimitError,
    HexNotFoundError,
    HexRateLimitError,
)
from airflow_provider_hex.operators._run_wait import (
    add_timeline,
    start_retry_wait,
    wait_in_worker,
)
from airflow_provider_hex.runs import (
    RunRef,
    RunSummary,
    add_outlet_extra,
    event_for_run,
    resolve_run_event,
    summarize,
)
from airflow_provider_hex.triggers.hex import HexRunTrigger, HexWaitTrigger
from airflow_provider_hex.triggers.run_watch import (
    DEFAULT_MAX_TRANSIENT_ERRORS,
    DEFER_TIMEOUT_MARGIN,
    RunWatch,
)
from airflow_provider_hex.types import (
    ACTIVE_STATUSES,
    SUCCESS_STATUSES,
    ProjectRun,
    RunStarted,
    RunStatus,
)

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_hex.hooks.hex import HexHook


def forget_run(context: Mapping[str, Any], key: str) -> None:
    """Drop the stored run once the task has its result, so that clearing the task later
    starts a fresh run instead of finding this finished one."""
    store = context.get("task_state_store")
    if store is not None:
        store.delete(key)


class HexRunLifecycle(ResumableJobMixin, BaseOperator):
    """Start, track, wait for and finish one Hex run per task (see the operator)."""

    external_id_key = "hex_run"

    # Set by the operator's __init__ (arguments) and by execute (the wait's clock).
    hex_conn_id: str
    project_id: str
    input_params: dict[str, Any] | None
    view_id: str | None
    hex_dry_run: bool | None
    use_cached_sql_results: bool | None
    update_published_results: bool | None
    update_cache: bool | None
    notifications: list[dict[str, Any]] | None
    wait_for_completion: bool
    deferrable: bool
    poll_interval: float
    max_poll_interval: float
    timeout: float | None
    cancel_on_timeout: bool
    if_active: str
    cancel_adopted: bool
    _started_at: float
    _deadline: float | None
    _start_attempt: int
    _run: RunRef | None
    _pushed_run_id: str | None
    _last_run: ProjectRun | RunStarted | None
    _result: RunSummary | None

    @property
    def hex_run_url(self) -> str | None:
        """The URL of the run this task started or found, once there is one, else None."""
        return None if self._run is None else self._run.run_url

    @cached_property
    def hook(self) -> HexHook:
        """The Hex hook of this task's connection."""
        from airflow_provider_hex.hooks.hex import HexHook

        return HexHook(self.hex_conn_id)

    # -- ResumableJobMixin --------------------------------------------------------------------

    def submit_job(self, context: Context) -> Any:
        """Start the run (waiting out rate and kernel limits) and publish its id and URL.

        First applies ``if_active`` to the project's active runs: adopt the newest one
        instead of starting (``wait``), cancel them (``cancel``) or skip the task (``skip``).
        """
        adopted = self._apply_if_active()
        if adopted is not None:
            self._last_run = adopted
            ref = RunRef(
                adopted.get("projectId") or self.project_id,
                adopted["runId"],
                adopted.get("runUrl"),
                adopted=True,
            )
            self._attach(context, ref)
            return ref.to_json()
        started = self._start_run()
        self._last_run = started
        ref = RunRef(
            started.get("projectId") or self.project_id, started["runId"], started.get("runUrl")
        )
        self._attach(context, ref)
        return ref.to_json()

    def get_job_status(self, external_id: Any, context: Context) -> str:
        """Read the status of the run an earlier try stored ("" when it is not usable)."""
        ref = RunRef.from_json(external_id)
        if ref is None or ref.project_id != self.project_id:
            self.log.info("Stored run %r is not a run of project %s", external_id, self.project_id)
            return ""
        try:
            run = self.hook.get_run_status(ref.project_id, ref.run_id, run_url=ref.run_url)
        except HexNotFoundError:
            self.log.info("Hex no longer knows the stored run %s", ref.run_id)
            return ""
        self._last_run = run
        return str(run.get("status") or "")

    def is_job_active(self, status: str) -> bool:
        """Whether a stored run is still going (a retry then waits for it)."""
        return status in ACTIVE_STATUSES

    def is_job_succeeded(self, status: str) -> bool:
        """Whether a stored run completed (a retry then returns its summary)."""
        return status in SUCCESS_STATUSES

    def poll_until_complete(self, external_id: Any, context: Context) -> RunSummary:  # type: ignore[override]
        """Wait for the run as configured: not at all, in the worker, or in the triggerer."""
        ref = self._ref(external_id)
        self._attach(context, ref)
        if not self.wait_for_completion:
            self.log.info("Not waiting for Hex run %s (wait_for_completion=False)", ref.run_id)
            return self._succeed(context, summarize(ref, self._last_run, status=RunStatus.PENDING))
        watch = RunWatch(
            ref.project_id,
            ref.run_id,
            ref.run_url,
            poll_interval=self.poll_interval,
            max_poll_interval=self.max_poll_interval,
            deadline=self._deadline,
            started_at=self._started_at,
            max_transient_errors=DEFAULT_MAX_TRANSIENT_ERRORS,
            log=self.log,
        )
        if self.deferrable:
            event = watch.on_status(
                self.hook.get_run_status(ref.project_id, ref.run_id, run_url=ref.run_url)
            )
            if event is None:
                self._defer_to_trigger(watch, ref)
        else:
            event = wait_in_worker(self.hook, watch)
        return self._finish(context, add_timeline(self.hook, event, self.log))

    def get_job_result(self, external_id: Any, context: Context) -> RunSummary:
        """The summary of the run, including one an earlier try saw complete."""
        if self._result is not None:
            return self._result
        ref = self._ref(external_id)
        self._attach(context, ref)
        event = event_for_run(
            ref.project_id, ref.run_id, ref.run_url, cast(ProjectRun, self._last_run)
        )
        return self._finish(context, event or {"status": "unknown"})

    # -- steps --------------------------------------------------------------------------------

    def _ref(self, external_id: Any) -> RunRef:
        ref = RunRef.from_json(external_id)
        if ref is None:
            raise AirflowFailException(f"Not a Hex run reference: {external_id!r}")
        return ref

    def _active_runs(self) -> list[ProjectRun]:
        """The project's PENDING and RUNNING runs, the newest first (PENDING ones lead)."""
        found: list[ProjectRun] = []
        for status in (RunStatus.PENDING, RunStatus.RUNNING):
            found.extend(self.hook.get_project_runs(self.project_id, status=status, limit=100))
        return found

    def _apply_if_active(self) -> ProjectRun | None:
        """Act on the project's active runs as ``if_active`` says; return a run to adopt."""
        if self.if_active == "start":
            return None
        active = self._active_runs()
        if not active:
            self.log.info("Project %s has no active run; starting one", self.project_id)
            return None
        newest = active[0]
        others = f" (and {len(active) - 1} more)" if len(active) > 1 else ""
        described = f"{newest['runId']} ({newest.get('status')}){others}: {newest.get('runUrl')}"
        if self.if_active == "skip":
            raise AirflowSkipException(
                f"Project {self.project_id} already has an active Hex run {described}; "
                "started nothing (if_active='skip')"
            )
        if self.if_active == "wait":
            self.log.info("Adopting the active Hex run %s (if_active='wait')", described)
            return newest
        for run in active:
            self.log.info("Cancelling active Hex run %s (if_active='cancel')", run["runId"])
            ended = self.hook.cancel_or_read_run(
                self.project_id, run["runId"], run_url=run.get("runUrl")
            )
            if ended is not None:
                self.log.info("Hex run %s had already ended: %s", run["runId"], ended["status"])
        return None

    def _may_cancel(self, ref: RunRef | None) -> bool:
        """Whether the task may cancel ``ref`` on kill or timeout (adopted runs: if asked)."""
        return ref is not None and (not ref.adopted or self.cancel_adopted)

    def _start_run(self) -> RunStarted:
        """Send RunProject once; wait and send it again only if Hex said it started nothing."""
        while True:
            try:
                return self.hook.run_project(
                    self.project_id,
                    self.input_params,
                    dry_run=self.hex_dry_run,
                    update_cache=self.update_cache,
                    notifications=self.notifications,
                    update_published_results=self.update_published_results,
                    use_cached_sql_results=self.use_cached_sql_results,
                    view_id=self.view_id,
                )
            except (HexRateLimitError, HexKernelLimitError) as err:
                self._wait_before_start_retry(err)

    def _wait_before_start_retry(self, err: HexRateLimitError | HexKernelLimitError) -> None:
        wait = start_retry_wait(
            err,
            self._start_attempt,
            poll_interval=self.poll_interval,
            max_poll_interval=self.max_poll_interval,
        )
        left = None if self._deadline is None else self._deadline - time.time()
        if left is not None and left <= 0:
            raise AirflowFailException(
                f"Hex kept refusing to start project {self.project_id} until the timeout of "
                f"{self.timeout:g}s ran out: {err}"
            ) from err
        wait = wait if left is None else min(wait, left)
        why = "rate limit" if isinstance(err, HexRateLimitError) else "running-kernel limit"
        self.log.warning(
            "Hex refused to start project %s (%s; nothing was started). Trying again in %.0fs "
            "(%s before the timeout): %s",
            self.project_id,
            why,
            wait,
            "no limit" if left is None else f"{left:.0f}s",
            err,
        )
        self._start_attempt += 1
        if self.deferrable:
            state = {
                "deadline": self._deadline,
                "started_at": self._started_at,
                "start_attempt": self._start_attempt,
            }
            self.defer(
                trigger=HexWaitTrigger(time.time() + wait, state),
                method_name="execute_start_retry",
                kwargs=state,
                timeout=timedelta(seconds=wait + DEFER_TIMEOUT_MARGIN),
            )
        time.sleep(wait)

    def _attach(self, context: Context, ref: RunRef) -> None:
        """Make ``ref`` this task's run: remember it and push its XComs (once per try)."""
        self._run = ref
        if self._pushed_run_id == ref.run_id:
            return
        ti = context["ti"]
        ti.xcom_push(key="run_id", value=ref.run_id)
        ti.xcom_push(key="run_url", value=ref.run_url)
        ti.xcom_push(key="project_id", value=ref.project_id)
        self._pushed_run_id = ref.run_id
        self.log.info("Hex run %s of project %s: %s", ref.run_id, ref.project_id, ref.run_url)

    def _defer_to_trigger(self, watch: RunWatch, ref: RunRef) -> NoReturn:
        timeout = None
        if self._deadline is not None:
            left = max(0.0, self._deadline - time.time())
            timeout = timedelta(seconds=left + DEFER_TIMEOUT_MARGIN)
        self.defer(
            trigger=HexRunTrigger(
                watch.project_id,
                watch.run_id,
                hex_conn_id=self.hex_conn_id,
                poll_interval=self.poll_interval,
                max_poll_interval=self.max_poll_interval,
                deadline=self._deadline,
                run_url=watch.run_url,
                cancel_on_timeout=self.cancel_on_timeout and self._may_cancel(ref),
                started_at=self._started_at,
                cancel_on_kill=self._may_cancel(ref),
            ),
            method_name="execute_complete",
            timeout=timeout,
        )

    def _finish(self, context: Context, event: Mapping[str, Any]) -> RunSummary:
        """Turn the end of the wait into the task's result (see resolve_run_event)."""
        ended = RunRef.from_json(event)
        if ended is not None and (self._run is None or self._run.run_id != ended.run_id):
            self._run = ended
        if isinstance(event.get("run"), dict):
            self._last_run = event["run"]  # the run as it ended, for lineage
        summary = resolve_run_event(
            event,
            cancel_on_timeout=self.cancel_on_timeout and self._may_cancel(self._run),
            cancel=lambda ref: self.hook.cancel_or_read_run(
                ref.project_id, ref.run_id, run_url=ref.run_url
            ),
            log=self.log,
        )
        return self._succeed(context, summary)

    def _succeed(self, context: Context, summary: RunSummary) -> RunSummary:
        self._result = summary
        if self.durable:
            forget_run(context, self.external_id_key)
        add_outlet_extra(context, self.outlets, summary)
        self.log.info(
            "Hex run %s: %s (%s)", summary["run_id"], summary["status"], summary["run_url"]
        )
        return summary
