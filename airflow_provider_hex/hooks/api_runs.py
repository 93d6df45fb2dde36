"""Project runs: start, read, list and cancel them (sync and async)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qs, urlsplit

from airflow_provider_hex.exceptions import HexInvalidArgumentError, HexInvalidInputError
from airflow_provider_hex.hooks.pagination import Pager, shape_error
from airflow_provider_hex.hooks.transport import HexRequest
from airflow_provider_hex.operations import RUN_START_GROUP, STATUS_GROUP
from airflow_provider_hex.types import (
    TERMINAL_STATUSES,
    NotificationType,
    Page,
    ProjectRun,
    RunStarted,
    RunStatus,
    RunTrigger,
)
from airflow_provider_hex.validation import (
    require_bool,
    require_enum,
    require_json_object,
    require_limit,
    require_offset,
    require_text,
    require_uuid,
    require_uuids,
)

_SCREENSHOT_FORMATS = ("png", "pdf")
#: What a RunProject call that got no answer may have done.
RUN_MAY_HAVE_STARTED = (
    "a run may have started; check the project's runs (get_project_runs) before starting another"
)
_NOTIFICATION_KEYS = frozenset(
    {
        "type",
        "includeSuccessScreenshot",
        "screenshotFormat",
        "slackChannelIds",
        "userIds",
        "groupIds",
        "subject",
        "body",
    }
)


def _notification(index: int, value: Any) -> dict[str, Any]:
    name = f"notifications[{index}]"
    if not isinstance(value, Mapping):
        raise HexInvalidArgumentError(name, value, "expected a dict")
    unknown = set(value) - _NOTIFICATION_KEYS
    if unknown:
        raise HexInvalidArgumentError(name, value, f"unknown keys {sorted(unknown)}")
    out = dict(value)
    out["type"] = require_enum(f"{name}.type", value.get("type"), NotificationType).value
    out.setdefault("includeSuccessScreenshot", False)
    if not isinstance(out["includeSuccessScreenshot"], bool):
        raise HexInvalidArgumentError(
            f"{name}.includeSuccessScreenshot",
            out["includeSuccessScreenshot"],
            "expected true or false",
        )
    if "screenshotFormat" in out and out["screenshotFormat"] not in _SCREENSHOT_FORMATS:
        raise HexInvalidArgumentError(
            f"{name}.screenshotFormat", out["screenshotFormat"], "expected png or pdf"
        )
    for key in ("userIds", "groupIds"):
        if key in out:
            out[key] = require_uuids(f"{name}.{key}", out[key])
    if "slackChannelIds" in out:
        channels = out["slackChannelIds"]
        if not isinstance(channels, list) or not all(isinstance(c, str) and c for c in channels):
            raise HexInvalidArgumentError(
                f"{name}.slackChannelIds", channels, "expected a list of Slack channel ids"
            )
    if not any(out.get(k) for k in ("slackChannelIds", "userIds", "groupIds")):
        raise HexInvalidArgumentError(
            name, value, "names no recipient (slackChannelIds, userIds or groupIds)"
        )
    return out


def run_project_request(
    project_id: str,
    input_params: Mapping[str, Any] | None = None,
    *,
    dry_run: bool | None = None,
    update_cache: bool | None = None,
    notifications: Sequence[Mapping[str, Any]] | None = None,
    update_published_results: bool | None = None,
    use_cached_sql_results: bool | None = None,
    view_id: str | None = None,
) -> HexRequest:
    """Build (and check) the RunProject request."""
    require_uuid("project_id", project_id)
    body: dict[str, Any] = {}
    if input_params is not None:
        params = require_json_object("input_params", input_params)
        if params:
            body["inputParams"] = params
    if view_id is not None:
        if body.get("inputParams"):
            raise HexInvalidArgumentError(
                "view_id",
                view_id,
                "Hex refuses view_id together with input_params; pass one of them",
            )
        body["viewId"] = require_text("view_id", view_id)
    if update_published_results and body.get("inputParams"):
        raise HexInvalidArgumentError(
            "update_published_results",
            True,
            "Hex cannot update published results of a run with custom input_params",
        )
    for key, name, value in (
        ("dryRun", "dry_run", dry_run),
        ("updateCache", "update_cache", update_cache),
        ("updatePublishedResults", "update_published_results", update_published_results),
        ("useCachedSqlResults", "use_cached_sql_results", use_cached_sql_results),
    ):
        if value is not None:
            body[key] = require_bool(name, value)
    if notifications is not None:
        if isinstance(notifications, str | bytes | Mapping) or not isinstance(
            notifications, Sequence
        ):
            raise HexInvalidArgumentError("notifications", notifications, "expected a list")
        body["notifications"] = [_notification(i, n) for i, n in enumerate(notifications)]
    return HexRequest(
        "POST",
        f"/projects/{project_id}/runs",
        body=body,
        rate_group=RUN_START_GROUP,
        if_lost=RUN_MAY_HAVE_STARTED,
    )


#: The header that makes GetRunStatus include the run's state events.
EXPANDED_STATS_HEADER = ("enable-expanded-stats", "true")


def run_status_request(
    project_id: str, run_id: str, run_url: str | None = None, *, expanded_stats: bool = False
) -> HexRequest:
    """Build the GetRunStatus request (with the run's state events if ``expanded_stats``)."""
    require_uuid("project_id", project_id)
    require_uuid("run_id", run_id)
    return HexRequest(
        "GET",
        f"/projects/{project_id}/runs/{run_id}",
        rate_group=STATUS_GROUP,
        run_url=run_url,
        headers=(EXPANDED_STATS_HEADER,) if require_bool("expanded_stats", expanded_stats) else (),
    )


def project_runs_request(
    project_id: str,
    *,
    limit: int = 25,
    offset: int = 0,
    status: RunStatus | str | None = None,
    run_trigger: RunTrigger | str | None = None,
) -> HexRequest:
    """Build one page of GetProjectRuns."""
    require_uuid("project_id", project_id)
    require_limit("limit", limit, 100)
    params: dict[str, Any] = {"limit": limit, "offset": require_offset("offset", offset)}
    if status is not None:
        params["statusFilter"] = require_enum("status", status, RunStatus).value
    if run_trigger is not None:
        params["runTriggerFilter"] = require_enum("run_trigger", run_trigger, RunTrigger).value
    return HexRequest("GET", f"/projects/{project_id}/runs", params=params, rate_group=STATUS_GROUP)


def cancel_run_request(project_id: str, run_id: str, run_url: str | None = None) -> HexRequest:
    """Build the CancelRun request (safe to repeat: cancelling twice cancels once)."""
    require_uuid("project_id", project_id)
    require_uuid("run_id", run_id)
    return HexRequest(
        "DELETE", f"/projects/{project_id}/runs/{run_id}", run_url=run_url, expect_object=False
    )


def _offset_of(url: Any) -> str | None:
    if not isinstance(url, str) or not url:
        return None
    found = parse_qs(urlsplit(url).query).get("offset")
    return found[0] if found and found[0].isdigit() else None


def _ended(refusal: HexInvalidInputError, run: ProjectRun) -> ProjectRun:
    """The run Hex refused to cancel, if it has ended; else the refusal stands."""
    if run.get("status") in TERMINAL_STATUSES:
        return run
    raise refusal


def runs_page(request: HexRequest, answer: Any, offset: int) -> Page[ProjectRun]:
    """Turn a GetProjectRuns answer into a :class:`Page` whose cursors are offsets.

    The next cursor is the ``offset`` of Hex's ``nextPage`` URL (or, if that URL has none,
    this offset plus the runs received); None when ``nextPage`` is null.
    """
    runs = answer.get("runs") if isinstance(answer, dict) else None
    if not isinstance(runs, list):
        raise shape_error(request, "a page of runs", answer)
    next_url = answer.get("nextPage")
    after = (_offset_of(next_url) or str(offset + len(runs))) if next_url else None
    before = _offset_of(answer.get("previousPage"))
    if answer.get("previousPage") and before is None:
        before = str(max(0, offset - len(runs)))
    return Page(values=cast(list[ProjectRun], runs), after=after, before=before)


class RunsAPI:
    """Hex operations on project runs."""

    if TYPE_CHECKING:

        def _call(self, request: HexRequest) -> Any: ...

        async def _acall(self, request: HexRequest) -> Any: ...

    def run_project(
        self,
        project_id: str,
        input_params: Mapping[str, Any] | None = None,
        *,
        dry_run: bool | None = None,
        update_cache: bool | None = None,
        notifications: Sequence[Mapping[str, Any]] | None = None,
        update_published_results: bool | None = None,
        use_cached_sql_results: bool | None = None,
        view_id: str | None = None,
    ) -> RunStarted:
        """Start a run of the project's latest published version (RunProject).

        Never repeated after an ambiguous failure (no answer, a reset, 500/502/504): Hex has
        no idempotency key and would start a second run, so the error is raised and says a
        run may have started. Only failures where nothing started are retried: a refused or
        timed-out connect, 429 and 503.

        :param project_id: the project's UUID.
        :param input_params: values for the published app's inputs, by variable name.
        :param dry_run: validate the call without running the project.
        :param update_cache: deprecated by Hex; prefer the two options below.
        :param notifications: Hex notifications to deliver when the run ends.
        :param update_published_results: update the published app's cached results.
        :param use_cached_sql_results: let the run use cached SQL results.
        :param view_id: run with a saved view's inputs (not together with input_params).
        """
        return cast(
            RunStarted,
            self._call(
                run_project_request(
                    project_id,
                    input_params,
                    dry_run=dry_run,
                    update_cache=update_cache,
                    notifications=notifications,
                    update_published_results=update_published_results,
                    use_cached_sql_results=use_cached_sql_results,
                    view_id=view_id,
                )
            ),
        )

    def get_run_status(
        self,
        project_id: str,
        run_id: str,
        *,
        run_url: str | None = None,
        expanded_stats: bool = False,
    ) -> ProjectRun:
        """Return a run's status (GetRunStatus); ``run_url`` is only quoted in errors.

        :param expanded_stats: also ask for the run's ``stateEvents`` (its status timeline)
            and ``flagConfigOverride``, which Hex sends only when asked.
        """
        request = run_status_request(project_id, run_id, run_url, expanded_stats=expanded_stats)
        return cast(ProjectRun, self._call(request))

    async def aget_run_status(
        self,
        project_id: str,
        run_id: str,
        *,
        run_url: str | None = None,
        expanded_stats: bool = False,
    ) -> ProjectRun:
        """Return a run's status without blocking the event loop (async :meth:`get_run_status`)."""
        request = run_status_request(project_id, run_id, run_url, expanded_stats=expanded_stats)
        return cast(ProjectRun, await self._acall(request))

    def get_project_runs(
        self,
        project_id: str,
        *,
        status: RunStatus | str | None = None,
        run_trigger: RunTrigger | str | None = None,
        limit: int = 25,
    ) -> Pager[ProjectRun]:
        """Runs of a project, newest first (GetProjectRuns), fetched lazily.

        Iterate the result for every run, or call ``.page()`` (``.page(after="50")`` for the
        page at offset 50) for one page.
        """
        project_runs_request(project_id, limit=limit, status=status, run_trigger=run_trigger)

        def fetch(after: str | None, before: str | None) -> Page[ProjectRun]:
            offset = require_offset("after" if after else "before", after or before or 0)
            request = project_runs_request(
                project_id, limit=limit, offset=offset, status=status, run_trigger=run_trigger
            )
            return runs_page(request, self._call(request), offset)

        return Pager(fetch)

    async def aget_project_runs(
        self,
        project_id: str,
        *,
        status: RunStatus | str | None = None,
        run_trigger: RunTrigger | str | None = None,
        limit: int = 25,
        offset: int = 0,
    ) -> Page[ProjectRun]:
        """Return one page of a project's runs without blocking the event loop."""
        request = project_runs_request(
            project_id, limit=limit, offset=offset, status=status, run_trigger=run_trigger
        )
        return runs_page(request, await self._acall(request), offset)

    def cancel_run(self, project_id: str, run_id: str, *, run_url: str | None = None) -> None:
        """Cancel a run (CancelRun). Hex refuses (422) to cancel a run that has ended."""
        self._call(cancel_run_request(project_id, run_id, run_url))

    async def acancel_run(
        self, project_id: str, run_id: str, *, run_url: str | None = None
    ) -> None:
        """Cancel a run without blocking the event loop (async :meth:`cancel_run`)."""
        await self._acall(cancel_run_request(project_id, run_id, run_url))

    def cancel_or_read_run(
        self, project_id: str, run_id: str, *, run_url: str | None = None
    ) -> ProjectRun | None:
        """Cancel a run; if Hex refuses because it has already ended, return its final status.

        Returns None when the cancel went through. Hex answers 422 to cancelling a run that
        has ended; that refusal for a run that has not ended, and any other, is raised.
        """
        try:
            self.cancel_run(project_id, run_id, run_url=run_url)
        except HexInvalidInputError as refusal:
            return _ended(refusal, self.get_run_status(project_id, run_id, run_url=run_url))
        return None

    async def acancel_or_read_run(
        self, project_id: str, run_id: str, *, run_url: str | None = None
    ) -> ProjectRun | None:
        """Async :meth:`cancel_or_read_run`, without blocking the event loop."""
        try:
            await self.acancel_run(project_id, run_id, run_url=run_url)
        except HexInvalidInputError as refusal:
            return _ended(refusal, await self.aget_run_status(project_id, run_id, run_url=run_url))
        return None
