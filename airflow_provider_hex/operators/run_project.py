"""Run a Hex project's published version from an Airflow task: ``HexRunProjectOperator``.

The operator and its whole lifecycle: it implements Airflow's ``ResumableJobMixin`` methods
(start a run, read a stored run's status, wait, give the result), so that on Airflow 3.3+ a
retry reattaches to the run an earlier try started; it waits in the worker (a poll loop
sharing its bookkeeping with the trigger,
:class:`~airflow_provider_hex.triggers.run_watch.RunWatch`) or, deferrable, in the
triggerer; both waits end with the same
:class:`~airflow_provider_hex.runs.RunEvent`, turned into the task's result in one place.
Its argument checks are in :mod:`airflow_provider_hex.operators.run_arguments`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, NoReturn, cast

from airflow.configuration import conf
from airflow.sdk import BaseOperator

from airflow_provider_hex._compat import (
    AirflowFailException,
    AirflowSkipException,
    ResumableJobMixin,
)
from airflow_provider_hex.exceptions import (
    HexAPIError,
    HexError,
    HexInvalidArgumentError,
    HexKernelLimitError,
    HexNotFoundError,
    HexRateLimitError,
)
from airflow_provider_hex.hooks.project_names import (
    PENDING_LOOKUP,
    check_project_reference,
    resolve_project,
)
from airflow_provider_hex.links import HexRunLink
from airflow_provider_hex.operators.charts import (
    check_charts_arguments,
    prepare_charts_folder,
    with_saved_charts,
)
from airflow_provider_hex.operators.run_arguments import (
    check_run_arguments,
    check_wait_arguments,
    take_legacy,
)
from airflow_provider_hex.runs import (
    RunEvent,
    RunRef,
    RunSummary,
    add_outlet_extra,
    event_for_run,
    resolve_run_event,
    summarize,
    with_timeline,
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
from airflow_provider_hex.validation import require_choice

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow.sdk import Context

    from airflow_provider_hex.hooks.hex import HexHook

__all__ = ["IF_ACTIVE_CHOICES", "HexRunProjectOperator"]


def _forget_run(context: Mapping[str, Any], key: str) -> None:
    """Drop the stored run once the task has its result, so that clearing the task later
    starts a fresh run instead of finding this finished one."""
    store = context.get("task_state_store")
    if store is not None:
        store.delete(key)


def _start_retry_wait(
    err: HexAPIError, attempt: int, *, poll_interval: float, max_poll_interval: float
) -> float:
    """Seconds to wait before trying again to start a run Hex refused (429, or 503 kernels).

    Hex's ``Retry-After`` when it sent one, else doubling from ``poll_interval`` up to
    ``max_poll_interval``.
    """
    if err.retry_after is not None and err.retry_after > 0:
        return float(err.retry_after)
    ceiling = max(poll_interval, max_poll_interval)
    return float(min(ceiling, poll_interval * 2.0 ** min(attempt, 30)))


def _wait_in_worker(
    hook: HexHook, watch: RunWatch, *, sleep: Callable[[float], None] = time.sleep
) -> RunEvent:
    """Poll the run until it ends, the deadline passes or reading keeps failing.

    Returns the final event; a ``timeout`` event leaves cancelling to the caller.
    """
    while True:
        if watch.expired():
            return watch.event("timeout", watch.timeout_message())
        try:
            run = hook.get_run_status(watch.project_id, watch.run_id, run_url=watch.run_url)
        except HexError as err:
            event = watch.on_error(err)
        else:
            event = watch.on_status(run)
        if event is not None:
            return event
        sleep(watch.next_interval())


def _add_timeline(hook: HexHook, event: RunEvent, log: Any) -> RunEvent:
    """Read a failed run once more with its state events, to explain the failure.

    Any other event is returned as it is; so is a failed one whose second read fails.
    """
    if event.get("status") != "failed":
        return event
    try:
        run = hook.get_run_status(
            event["project_id"], event["run_id"], run_url=event.get("run_url"), expanded_stats=True
        )
    except HexError as err:
        log.warning("Could not read the timeline of Hex run %s: %s", event.get("run_id"), err)
        return event
    return with_timeline(event, run)


#: What ``HexRunProjectOperator(if_active=...)`` may do when a run is already active.
IF_ACTIVE_CHOICES = ("start", "wait", "cancel", "skip")


def _json_or_value(value: Any) -> Any:
    """A template rendered without native objects gives a JSON string: read it back."""
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class HexRunProjectOperator(ResumableJobMixin, BaseOperator):
    """Run a Hex project's published version and (by default) wait for the run to end.

    As soon as the run starts the task pushes the XComs ``run_id``, ``run_url`` and
    ``project_id`` (the "Hex run" link reads ``run_url``, so it works while the task waits).
    The task returns a summary: ``project_id``, ``run_id``, ``run_url``, ``status``,
    ``start_time``, ``end_time``, ``elapsed_seconds``, ``project_version``; on success each
    Asset outlet's event gets ``run_id``, ``run_url`` and ``status`` in its extra.

    A run that ends ``ERRORED`` or ``UNABLE_TO_ALLOCATE_KERNEL`` fails the task (retries
    apply); ``KILLED`` fails it without retries, since someone cancelled the run. When Hex
    refuses to start the run for its rate limit (429) or kernel limit (503), the task keeps
    trying until ``timeout`` runs out (deferrable: without holding a worker). The POST that
    starts a run is never repeated after a failure that may have started one.

    When the project already has a PENDING or RUNNING run, ``if_active`` decides: ``"start"``
    (the default) starts another anyway; ``"wait"`` adopts the newest active run and waits
    for it as if the task had started it (no second run); ``"cancel"`` cancels the active
    runs, then starts one; ``"skip"`` starts nothing and skips the task. An adopted run is
    not cancelled on kill or timeout unless ``cancel_adopted=True``.

    Instead of ``project_id``, ``project_name`` names the project by its title; it is
    looked up when the task runs (never when the DAG is parsed), one listing per
    connection and process every few minutes.

    A run that ends in failure is explained in the task log and the exception: its status
    timeline, time spent per state, the notifications Hex delivered and the run URL.

    Retries: on Airflow 3.3+ the run is written to the task state store as it starts, so a
    retry after a worker crash finds the still-active (or completed) run and waits for it
    instead of starting another (``durable=False`` turns this off); after a timeout with
    ``cancel_on_timeout=False`` a retry likewise waits again for the same run. A run that
    ended in failure is not reused: the retry starts a new one. On Airflow 3.0-3.2 there is
    no task state store: every try starts a new run.

    :param project_id: the project's UUID (templated); or give ``project_name``.
    :param input_params: values for the published app's inputs, by variable name (templated).
    :param hex_conn_id: the Airflow connection to Hex.
    :param project_name: the project's title instead of its id (templated).
    :param include_archived_projects: let ``project_name`` match archived and trashed
        projects too.
    :param if_active: what to do when the project already has an active run: ``"start"``,
        ``"wait"``, ``"cancel"`` or ``"skip"``.
    :param cancel_adopted: cancel a run adopted with ``if_active="wait"`` on kill or
        timeout, like one the task started.
    :param view_id: run with a saved view's inputs; not with ``input_params`` (templated).
    :param dry_run: ask Hex to check the request without running the project.
    :param use_cached_sql_results: let the run use cached SQL results.
    :param update_published_results: update the published app's results (no input_params).
    :param update_cache: Hex's older cache flag (prefer the two options above).
    :param notifications: Hex notifications to deliver when the run ends (templated).
    :param wait_for_completion: wait for the run to end; False returns once it has started.
    :param deferrable: wait in the triggerer instead of the worker.
    :param poll_interval: seconds between status reads at first; the wait grows with the run.
    :param max_poll_interval: longest wait between two status reads, in seconds.
    :param timeout: seconds the task waits for the run (starting included); None: no limit.
    :param cancel_on_timeout: cancel the run when ``timeout`` runs out.
    :param synchronous: deprecated 0.1.9 name of ``wait_for_completion``.
    :param wait_seconds: deprecated 0.1.9 name of ``poll_interval``.
    :param kill_on_timeout: deprecated 0.1.9 name of ``cancel_on_timeout``.
    :param input_parameters: deprecated 0.1.9 name of ``input_params``.
    :param save_charts: after a completed run, save these chart cells' images of the run:
        a list of static ids, or ``{file name: static id}`` (templated); the result then has
        ``charts``, the saved files' paths. See :mod:`airflow_provider_hex.operators.charts`.
    :param charts_folder: the ``ObjectStoragePath`` (or URL) to save them in; checked
        writable before the run starts (templated).
    """

    template_fields: Sequence[str] = (
        "project_id",
        "project_name",
        "input_params",
        "notifications",
        "view_id",
        "save_charts",
        "charts_folder",
    )
    template_fields_renderers = {"input_params": "json", "notifications": "json"}
    operator_extra_links = (HexRunLink(),)
    ui_color = "#E8DEFF"

    #: The task state store key of the run a retry reattaches to (Airflow 3.3+).
    external_id_key = "hex_run"

    def __init__(
        self,
        project_id: str | None = None,
        input_params: dict[str, Any] | None = None,
        *,
        hex_conn_id: str = "hex_default",
        project_name: str | None = None,
        include_archived_projects: bool = False,
        if_active: str = "start",
        cancel_adopted: bool = False,
        view_id: str | None = None,
        dry_run: bool | None = None,
        use_cached_sql_results: bool | None = None,
        update_published_results: bool | None = None,
        update_cache: bool | None = None,
        notifications: list[dict[str, Any]] | None = None,
        wait_for_completion: bool = True,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        poll_interval: float = 5.0,
        max_poll_interval: float = 60.0,
        timeout: float | None = 3600.0,
        cancel_on_timeout: bool = True,
        synchronous: bool | None = None,
        wait_seconds: float | None = None,
        kill_on_timeout: bool | None = None,
        input_parameters: dict[str, Any] | None = None,
        save_charts: list[str] | dict[str, str] | None = None,
        charts_folder: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        # None until execute resolves project_name to the project's id.
        self.project_id = cast(str, project_id)
        self.project_name = project_name
        self.include_archived_projects = include_archived_projects
        self.if_active = if_active
        self.cancel_adopted = cancel_adopted
        self.save_charts = save_charts
        self.charts_folder = charts_folder
        self.input_params = take_legacy("input_parameters", input_parameters, input_params, None)
        self.hex_conn_id = hex_conn_id
        self.view_id = view_id
        self.hex_dry_run = dry_run  # BaseOperator.dry_run is a method
        self.use_cached_sql_results = use_cached_sql_results
        self.update_published_results = update_published_results
        self.update_cache = update_cache
        self.notifications = notifications
        self.wait_for_completion = take_legacy(
            "synchronous", synchronous, wait_for_completion, True
        )
        self.deferrable = deferrable
        self.poll_interval = take_legacy("wait_seconds", wait_seconds, poll_interval, 5.0)
        self.max_poll_interval = max_poll_interval
        self.timeout = timeout
        self.cancel_on_timeout = take_legacy(
            "kill_on_timeout", kill_on_timeout, cancel_on_timeout, True
        )
        check_wait_arguments(
            poll_interval=self.poll_interval,
            max_poll_interval=max_poll_interval,
            timeout=timeout,
            flags={
                "wait_for_completion": self.wait_for_completion,
                "deferrable": deferrable,
                "cancel_on_timeout": self.cancel_on_timeout,
                "include_archived_projects": include_archived_projects,
                "cancel_adopted": cancel_adopted,
            },
        )
        require_choice("if_active", if_active, IF_ACTIVE_CHOICES)
        check_project_reference(project_id, project_name)
        self._check_arguments(rendered=False)
        self._started_at = 0.0
        self._deadline: float | None = None
        self._start_attempt = 0
        self._run: RunRef | None = None
        self._pushed_run_id: str | None = None
        self._last_run: ProjectRun | RunStarted | None = None
        self._result: RunSummary | None = None

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
            event = _wait_in_worker(self.hook, watch)
        return self._finish(context, _add_timeline(self.hook, event, self.log))

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
        wait = _start_retry_wait(
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
            _forget_run(context, self.external_id_key)
        add_outlet_extra(context, self.outlets, summary)
        self.log.info(
            "Hex run %s: %s (%s)", summary["run_id"], summary["status"], summary["run_url"]
        )
        return summary

    def _check_arguments(self, *, rendered: bool) -> None:
        check_run_arguments(
            self.project_id if self.project_id is not None else PENDING_LOOKUP,
            self.input_params,
            view_id=self.view_id,
            notifications=self.notifications,
            options={
                "dry_run": self.hex_dry_run,
                "update_cache": self.update_cache,
                "update_published_results": self.update_published_results,
                "use_cached_sql_results": self.use_cached_sql_results,
            },
            rendered=rendered,
        )
        check_charts_arguments(
            self.save_charts,
            self.charts_folder,
            static=not rendered,
            wait_for_completion=self.wait_for_completion,
            dry_run=self.hex_dry_run,
        )

    # -- Airflow entry points -----------------------------------------------------------------

    def execute(self, context: Context) -> RunSummary:
        """Start the run (or find the one an earlier try started) and wait as configured."""
        self.input_params = _json_or_value(self.input_params)
        self.notifications = _json_or_value(self.notifications)
        try:
            self.project_id = resolve_project(
                self.hook,
                self.project_id,
                self.project_name,
                include_archived=self.include_archived_projects,
                log=self.log,
            )
            self._check_arguments(rendered=True)
            prepare_charts_folder(self.charts_folder)
        except HexInvalidArgumentError as err:  # retrying cannot fix an argument
            raise AirflowFailException(str(err)) from err
        self._started_at = time.time()
        self._deadline = None if self.timeout is None else self._started_at + self.timeout
        return self._with_charts(self.execute_resumable(context))

    def execute_start_retry(
        self,
        context: Context,
        event: dict[str, Any] | None = None,
        **state: Any,
    ) -> RunSummary:
        """Resume after waiting out Hex's refusal to start the run, and try again.

        The wait's state (deadline, when waiting began, attempts so far) comes back in the
        deferral's kwargs and, where those are not kept (``dag.test``), in the event.
        """
        state = state or (event if isinstance(event, dict) else {})
        self._started_at = float(state.get("started_at") or time.time())
        self._deadline = state.get("deadline")
        self._start_attempt = int(state.get("start_attempt") or 0)
        return self._with_charts(self.execute_resumable(context))

    def execute_complete(self, context: Context, event: dict[str, Any]) -> RunSummary:
        """Resume when the trigger's wait ends: return the summary or fail the task."""
        return self._with_charts(self._finish(context, event))

    def _with_charts(self, summary: Any) -> RunSummary:
        """The summary, with the saved charts' paths when ``save_charts`` asks for them."""
        return cast(
            RunSummary, with_saved_charts(self.hook, summary, self.save_charts, self.charts_folder)
        )

    # -- OpenLineage (used by apache-airflow-providers-openlineage when installed) -------------

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """The lineage of the finished run: the tables the project reads, the project itself."""
        return self._openlineage()

    def get_openlineage_facets_on_failure(self, task_instance: Any) -> Any:
        """The lineage of a run that failed (same datasets, the run's final status)."""
        return self._openlineage()

    def _openlineage(self) -> Any:
        ref = self._run
        project_id = ref.project_id if ref is not None else self.project_id
        if not project_id:  # never started: the project was not even found
            return None
        try:
            from airflow_provider_hex.lineage import operator_lineage

            return operator_lineage(
                self.hook,
                project_id,
                cast("dict[str, Any] | None", self._last_run),
                run_url=None if ref is None else ref.run_url,
            )
        except Exception as err:  # collecting lineage never fails the task
            self.log.warning(
                "Could not collect OpenLineage for Hex project %s: %s", project_id, err
            )
            return None

    def on_kill(self) -> None:
        """Cancel the run this task started, if it is still going."""
        ref = self._run
        if ref is None or self._result is not None:
            return
        if not self._may_cancel(ref):
            self.log.info(
                "The task was killed; leaving Hex run %s running: the task adopted it "
                "(cancel_adopted=False)",
                ref.run_id,
            )
            return
        self.log.info("The task was killed; cancelling Hex run %s", ref.run_id)
        try:
            ended = self.hook.cancel_or_read_run(ref.project_id, ref.run_id, run_url=ref.run_url)
        except Exception as err:
            self.log.warning("Could not cancel Hex run %s: %s", ref.run_id, err)
        else:
            if ended is not None:
                self.log.info("Hex run %s had already ended: %s", ref.run_id, ended.get("status"))
