"""Wait for a Hex run that something else started: a given run, or a project's latest run."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, NoReturn, cast

from airflow.configuration import conf
from airflow.exceptions import AirflowException  # type: ignore[attr-defined]
from airflow.sdk import BaseSensorOperator, PokeReturnValue

from airflow_provider_hex._compat import (
    AirflowFailException,
    AirflowSensorTimeout,
    AirflowSkipException,
)
from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.hooks.project_names import check_project_reference, resolve_project
from airflow_provider_hex.links import HexRunLink
from airflow_provider_hex.runs import (
    RunEvent,
    RunRef,
    RunSummary,
    event_for_run,
    failure_lines,
    parse_event,
    summarize,
)
from airflow_provider_hex.triggers.hex import HexRunTrigger, HexWaitTrigger
from airflow_provider_hex.triggers.run_watch import DEFER_TIMEOUT_MARGIN
from airflow_provider_hex.types import ACTIVE_STATUSES, TERMINAL_STATUSES, ProjectRun, RunTrigger
from airflow_provider_hex.validation import is_templated, parse_moment, require_enum, require_uuid

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_hex.hooks.hex import HexHook

#: Runs read to find one that ended after ``finished_after`` (the newest ones).
FINISHED_AFTER_PAGE = 50


class HexRunSensor(BaseSensorOperator):
    """Wait for a Hex run to complete: a given run, or the project's latest run.

    Without ``run_id`` the sensor watches the newest run of the project (optionally only runs
    started a given way, e.g. ``run_trigger="SCHEDULED"`` for Hex's own scheduler); until the
    project has a run, it keeps waiting. It succeeds when the run is ``COMPLETED`` and returns
    the run summary; any other end fails it (``soft_fail=True`` skips instead). It never
    cancels the run it watches.

    Works in ``poke`` and ``reschedule`` mode, or ``deferrable`` (waiting in the triggerer).
    The run's ``run_id`` and ``run_url`` are pushed as XComs as soon as the run is known,
    which the "Hex run" link shows.

    :param project_id: the project's UUID (templated); or give ``project_name``.
    :param run_id: the run's UUID (templated); None watches the project's latest run.
    :param hex_conn_id: the Airflow connection to Hex.
    :param project_name: the project's title instead of its id (templated), looked up when
        the task runs.
    :param include_archived_projects: let ``project_name`` match archived and trashed
        projects too.
    :param run_trigger: with no ``run_id``, only consider runs started this way
        (``API``, ``SCHEDULED``, ``APP_REFRESH``).
    :param finished_after: with no ``run_id``, wait for a run that ended after this moment
        (templated; a datetime or an ISO 8601 string such as ``"{{ data_interval_end }}"``)
        and never pass on one that ended earlier: the newest run that ended after it
        decides, and a run still going is waited for. Without it the newest run decides,
        however old.
    :param deferrable: wait in the triggerer instead of the worker.
    :param poll_interval: another name for ``poke_interval`` (seconds between reads).
    :param max_poll_interval: longest wait between two reads when deferred, in seconds.
    """

    template_fields: Sequence[str] = ("project_id", "project_name", "run_id", "finished_after")
    operator_extra_links = (HexRunLink(),)
    ui_color = "#E8DEFF"

    def __init__(
        self,
        project_id: str | None = None,
        run_id: str | None = None,
        *,
        hex_conn_id: str = "hex_default",
        project_name: str | None = None,
        include_archived_projects: bool = False,
        run_trigger: RunTrigger | str | None = None,
        finished_after: datetime | str | None = None,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        poll_interval: float | None = None,
        max_poll_interval: float = 60.0,
        **kwargs: Any,
    ) -> None:
        if poll_interval is not None:
            given = kwargs.setdefault("poke_interval", poll_interval)
            if given != poll_interval:
                raise HexInvalidArgumentError(
                    "poll_interval", poll_interval, f"differs from poke_interval={given!r}"
                )
        super().__init__(**kwargs)
        # None until execute resolves project_name to the project's id.
        self.project_id = cast(str, project_id)
        self.project_name = project_name
        self.include_archived_projects = include_archived_projects
        self.run_id = run_id
        self.hex_conn_id = hex_conn_id
        self.run_trigger = None if run_trigger is None else str(run_trigger)
        self.finished_after = finished_after
        if finished_after is not None:
            if run_id is not None:
                raise HexInvalidArgumentError(
                    "finished_after", finished_after, "applies to the latest run: drop run_id"
                )
            if not is_templated(finished_after):
                parse_moment("finished_after", finished_after)
        self.deferrable = deferrable
        self.max_poll_interval = max_poll_interval
        if run_trigger is not None:
            require_enum("run_trigger", run_trigger, RunTrigger)
        check_project_reference(project_id, project_name)
        for name, value in (("project_id", project_id), ("run_id", run_id)):
            if value is not None and not is_templated(value):
                require_uuid(name, value)
        self._pushed_run_id: str | None = None
        self._run_url: str | None = None

    @cached_property
    def hook(self) -> HexHook:
        """The Hex hook of this task's connection."""
        from airflow_provider_hex.hooks.hex import HexHook

        return HexHook(self.hex_conn_id)

    # -- finding the run and reading its end ------------------------------------------------

    def _current_run(self) -> ProjectRun | None:
        """The watched run's status: the given run, or the project's newest run (or None)."""
        if self.run_id:
            return self.hook.get_run_status(self.project_id, self.run_id)
        if self.finished_after is not None:
            return self._run_finished_after(parse_moment("finished_after", self.finished_after))
        page = self.hook.get_project_runs(
            self.project_id, run_trigger=self.run_trigger, limit=1
        ).page()
        return page["values"][0] if page["values"] else None

    def _run_finished_after(self, moment: datetime) -> ProjectRun | None:
        """The newest run that ended after ``moment``; else a run still going, to wait for.

        A run still going is only waited for once ``moment`` has passed (it can then only
        end after it). Reads one page of the project's newest runs.
        """
        page = self.hook.get_project_runs(
            self.project_id, run_trigger=self.run_trigger, limit=FINISHED_AFTER_PAGE
        ).page()
        going = None
        for run in page["values"]:
            ended = run.get("endTime")
            if run.get("status") in TERMINAL_STATUSES and ended:
                if parse_moment("endTime", ended) > moment:
                    return run
            elif run.get("status") in ACTIVE_STATUSES and going is None:
                going = run
        if going is not None and moment <= datetime.now(UTC):
            return going
        self.log.info(
            "No run of project %s has ended after %s yet", self.project_id, moment.isoformat()
        )
        return None

    @property
    def hex_run_url(self) -> str | None:
        """The watched run's URL once this task has found the run, else None."""
        return self._run_url

    def _publish(self, context: Context, run: ProjectRun) -> None:
        self._run_url = run.get("runUrl")
        if self._pushed_run_id == run["runId"]:
            return
        context["ti"].xcom_push(key="run_id", value=run["runId"])
        context["ti"].xcom_push(key="run_url", value=run.get("runUrl"))
        self._pushed_run_id = run["runId"]
        self.log.info("Watching Hex run %s: %s", run["runId"], run.get("runUrl"))

    def _end(self, event: RunEvent) -> RunSummary:
        """Return the summary of a completed run, or raise what fails (or skips) the sensor."""
        kind = event["status"]
        if kind == "success":
            ref = RunRef(event["project_id"], event["run_id"], event.get("run_url"))
            return summarize(ref, event.get("run"))
        message = f"{event.get('message')}. Run: {event.get('run_url')}"
        if kind == "failed":
            lines = failure_lines(event)
            for line in lines:
                self.log.error("%s", line)
            raise AirflowFailException("\n".join([event.get("message") or "", *lines]))
        if kind == "timeout":
            raise AirflowSensorTimeout(message)
        raise AirflowException(message)

    # -- poke and reschedule modes ------------------------------------------------------------

    def poke(self, context: Context) -> bool | PokeReturnValue:
        """Read the watched run once: done (with its summary), not yet, or failed."""
        run = self._current_run()
        if run is None:
            self.log.info("Project %s has no run yet", self.project_id)
            return False
        self._publish(context, run)
        self.log.info("Hex run %s is %s", run["runId"], run.get("status"))
        event = event_for_run(self.project_id, run["runId"], run.get("runUrl"), run)
        if event is None:
            return False
        return PokeReturnValue(is_done=True, xcom_value=self._end(event))

    # -- deferrable mode ----------------------------------------------------------------------

    def _resolve_project(self) -> None:
        """Turn ``project_name`` into the project's id (once per task instance)."""
        if self.project_name is None or self.project_id is not None:
            return
        try:
            self.project_id = resolve_project(
                self.hook,
                None,
                self.project_name,
                include_archived=self.include_archived_projects,
                log=self.log,
            )
        except HexInvalidArgumentError as err:
            raise AirflowFailException(str(err)) from err

    def execute(self, context: Context) -> Any:
        """Poke or reschedule as configured, or wait in the triggerer when deferrable."""
        self._resolve_project()
        if not self.deferrable:
            return super().execute(context)
        return self.execute_wait_for_run(context, deadline=time.time() + float(self.timeout))

    def execute_wait_for_run(
        self,
        context: Context,
        event: Any = None,
        *,
        deadline: float | None = None,
        project_id: str | None = None,
    ) -> RunSummary:
        """Look for the run; finish if it has ended, else defer until it does.

        ``deadline`` (and the project's id, when it was looked up by name) come back in the
        deferral's kwargs or, where those are not kept (``dag.test``), in the timer's event.
        """
        carried = event if isinstance(event, dict) else {}
        self.project_id = project_id or carried.get("project_id") or self.project_id
        self._resolve_project()
        if deadline is None:
            deadline = float(carried.get("deadline") or time.time() + float(self.timeout))
        try:
            run = self._current_run()
            if run is None:
                self._defer_until_a_run_exists(deadline)
            self._publish(context, run)
            ended = event_for_run(self.project_id, run["runId"], run.get("runUrl"), run)
            if ended is not None:
                return self._end(ended)
        except (AirflowFailException, AirflowSensorTimeout) as err:
            if self.soft_fail:
                raise AirflowSkipException(f"Skipping (soft_fail): {err}") from err
            raise
        self.defer(
            trigger=HexRunTrigger(
                self.project_id,
                run["runId"],
                hex_conn_id=self.hex_conn_id,
                poll_interval=float(self.poke_interval),
                max_poll_interval=self.max_poll_interval,
                deadline=deadline,
                run_url=run.get("runUrl"),
                cancel_on_timeout=False,
                cancel_on_kill=False,
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=max(0.0, deadline - time.time()) + DEFER_TIMEOUT_MARGIN),
        )

    def _defer_until_a_run_exists(self, deadline: float) -> NoReturn:
        left = deadline - time.time()
        if left <= 0:
            raise AirflowSensorTimeout(f"Project {self.project_id} had no run before the timeout")
        self.log.info("Project %s has no run yet; looking again later", self.project_id)
        wait = min(float(self.poke_interval), left)
        state = {"deadline": deadline, "project_id": self.project_id}
        self.defer(
            trigger=HexWaitTrigger(time.time() + wait, state),
            method_name="execute_wait_for_run",
            kwargs=state,
            timeout=timedelta(seconds=wait + DEFER_TIMEOUT_MARGIN),
        )

    def execute_complete(self, context: Context, event: dict[str, Any]) -> RunSummary:
        """Resume when the trigger's wait ends."""
        self._run_url = event.get("run_url")
        try:
            ended = parse_event(event)
        except ValueError as err:
            raise AirflowException(f"Unexpected event from the Hex run trigger: {err}") from None
        return self._end(ended)


__all__ = [
    "HexRunSensor",
]
