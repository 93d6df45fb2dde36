"""Cancel a Hex run from an Airflow task: ``HexCancelRunOperator``."""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from airflow_provider_hex._compat import AirflowFailException
from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.hooks.project_names import (
    check_project_reference,
    resolve_project,
)
from airflow_provider_hex.types import TERMINAL_STATUSES
from airflow_provider_hex.validation import is_templated, require_uuid

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_hex.hooks.hex import HexHook

__all__ = ["HexCancelRunOperator"]


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
