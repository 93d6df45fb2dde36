"""Run Hex projects from Airflow tasks, and cancel runs.

``HexRunProjectOperator`` starts a run of a project's published version and waits for it in
the worker or, deferrable, in the triggerer; ``HexCancelRunOperator`` cancels a run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

from airflow.configuration import conf
from airflow.sdk import BaseOperator

from airflow_provider_hex._compat import AirflowFailException
from airflow_provider_hex.exceptions import HexInvalidArgumentError
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
from airflow_provider_hex.operators.run_project import HexRunLifecycle
from airflow_provider_hex.runs import RunSummary
from airflow_provider_hex.types import TERMINAL_STATUSES
from airflow_provider_hex.validation import is_templated, require_choice, require_uuid

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_hex.hooks.hex import HexHook

__all__ = ["IF_ACTIVE_CHOICES", "HexCancelRunOperator", "HexRunProjectOperator"]

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


class HexRunProjectOperator(HexRunLifecycle):
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
        self._deadline = None
        self._start_attempt = 0
        self._run = None
        self._pushed_run_id = None
        self._last_run = None
        self._result = None

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


class HexCancelRunOperator(BaseOperator):
    """Cancel a Hex run and return its final status.

    A run that has already ended is left as it is: the task succeeds, logs so, and returns
    the status the run ended with.

    :param project_id: the project's UUID (templated); or give ``project_name``.
    :param run_id: the run's UUID (templated), e.g. ``"{{ ti.xcom_pull('run', key='run_id') }}"``.
    :param hex_conn_id: the Airflow connection to Hex.
    :param wait_timeout: seconds to wait after cancelling for Hex to report the run ended.
    :param project_name: the project's title instead of its id (templated), looked up when
        the task runs.
    :param include_archived_projects: let ``project_name`` match archived and trashed
        projects too.
    """

    template_fields: Sequence[str] = ("project_id", "project_name", "run_id")
    ui_color = "#FFE1DE"

    def __init__(
        self,
        project_id: str | None = None,
        run_id: str | None = None,
        *,
        hex_conn_id: str = "hex_default",
        wait_timeout: float = 60.0,
        project_name: str | None = None,
        include_archived_projects: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.project_id = project_id
        self.project_name = project_name
        self.include_archived_projects = include_archived_projects
        self.run_id = run_id
        self.hex_conn_id = hex_conn_id
        self.wait_timeout = wait_timeout
        check_project_reference(project_id, project_name)
        if run_id is None:
            raise HexInvalidArgumentError("run_id", None, "pass the UUID of the run to cancel")
        for name, value in (("project_id", project_id), ("run_id", run_id)):
            if value is not None and not is_templated(value):
                require_uuid(name, value)

    @cached_property
    def hook(self) -> HexHook:
        """The Hex hook of this task's connection."""
        from airflow_provider_hex.hooks.hex import HexHook

        return HexHook(self.hex_conn_id)

    def execute(self, context: Context) -> str:
        """Cancel the run unless it has ended; return its final status."""
        try:
            project_id = resolve_project(
                self.hook,
                self.project_id,
                self.project_name,
                include_archived=self.include_archived_projects,
                log=self.log,
            )
            run_id = require_uuid("run_id", self.run_id)
            require_uuid("project_id", project_id)
        except HexInvalidArgumentError as err:
            raise AirflowFailException(str(err)) from err
        self.project_id = project_id
        run = self.hook.get_run_status(project_id, run_id)
        if run.get("status") not in TERMINAL_STATUSES:
            ended = self.hook.cancel_or_read_run(project_id, run_id, run_url=run.get("runUrl"))
            if ended is None:
                self.log.info("Cancelled Hex run %s: %s", run_id, run.get("runUrl"))
                return self._final_status()
            run = ended
        self.log.info(
            "Hex run %s had already ended with status %s; nothing to cancel",
            run_id,
            run.get("status"),
        )
        return str(run.get("status"))

    def _final_status(self) -> str:
        deadline = time.monotonic() + self.wait_timeout
        while True:
            status = str(
                self.hook.get_run_status(str(self.project_id), str(self.run_id)).get("status")
            )
            if status in TERMINAL_STATUSES or time.monotonic() >= deadline:
                return status
            time.sleep(1.0)
