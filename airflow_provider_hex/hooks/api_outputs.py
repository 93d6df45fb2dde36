"""What Hex produced: chart images (of a run or of the draft), a SQL cell's output, and
signed URLs for embedded apps."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.hooks.availability import CELL_OUTPUT_NOTE, EMBED_NOTE, call_limited
from airflow_provider_hex.hooks.pagination import shape_error
from airflow_provider_hex.hooks.transport import HexRequest
from airflow_provider_hex.operations import CHART_IMAGE_GROUP, STATUS_GROUP
from airflow_provider_hex.output_types import CellOutput, ChartImage, EmbedUrl
from airflow_provider_hex.validation import (
    require_bool,
    require_json_object,
    require_uuid,
)

#: Smallest and largest chart image side Hex renders, in pixels.
MIN_IMAGE_SIDE = 100
MAX_IMAGE_SIDE = 2000
#: Scopes Hex documents for embedded apps.
EMBED_SCOPES = ("EXPORT_PDF", "EXPORT_CSV")
EMBED_THEMES = ("light", "dark")
#: Longest life Hex allows an embed URL before it is opened, in milliseconds.
MAX_EMBED_EXPIRY_MS = 300_000
_DISPLAY_OPTIONS = frozenset(
    {
        "theme",
        "showEmbeddedRunButton",
        "noEmbedHeaderPadding",
        "noEmbedBasePadding",
        "noEmbedOutline",
        "noEmbedFooter",
    }
)


def _side(argument: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise HexInvalidArgumentError(argument, value, "expected a whole number of pixels")
    if not MIN_IMAGE_SIDE <= value <= MAX_IMAGE_SIDE:
        raise HexInvalidArgumentError(
            argument, value, f"expected {MIN_IMAGE_SIDE} to {MAX_IMAGE_SIDE} pixels"
        )
    return value


def image_query(
    width: int | None, height: int | None, include_title: bool | None
) -> dict[str, Any]:
    """Check and build the query of a chart image request.

    Hex applies a size only when both sides are given, so one side alone is refused.
    """
    if (width is None) != (height is None):
        given, missing = ("width", "height") if width is not None else ("height", "width")
        raise HexInvalidArgumentError(
            missing, None, f"Hex applies a size only with both sides: give {missing} with {given}"
        )
    query: dict[str, Any] = {}
    if width is not None and height is not None:
        query["width"] = _side("width", width)
        query["height"] = _side("height", height)
    if include_title is not None:
        query["includeTitle"] = require_bool("include_title", include_title)
    return query


def decode_image(request: HexRequest, answer: Any) -> ChartImage:
    """Turn Hex's ``{imageBase64, mimeType, ...}`` into a :class:`ChartImage` with bytes."""
    text = answer.get("imageBase64") if isinstance(answer, dict) else None
    if not isinstance(text, str) or not text:
        raise shape_error(request, "a chart image", answer)
    try:
        image = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise shape_error(request, "a chart image in base64", answer) from None
    out = {k: v for k, v in answer.items() if k != "imageBase64"}
    out["image"] = image
    out.setdefault("mimeType", "image/png")
    return cast(ChartImage, out)


def _display_options(value: Any) -> dict[str, Any]:
    options = dict(require_json_object("display_options", value))
    unknown = set(options) - _DISPLAY_OPTIONS
    if unknown:
        raise HexInvalidArgumentError(
            "display_options",
            value,
            f"unknown keys {sorted(unknown)}; Hex documents " + ", ".join(sorted(_DISPLAY_OPTIONS)),
        )
    theme = options.get("theme")
    if theme is not None and theme not in EMBED_THEMES:
        raise HexInvalidArgumentError("display_options.theme", theme, "expected light or dark")
    for key in _DISPLAY_OPTIONS - {"theme"}:
        if key in options:
            require_bool(f"display_options.{key}", options[key])
    return options


def embed_body(
    *,
    user_attributes: Mapping[str, str] | None,
    scope: list[str] | None,
    input_params: Mapping[str, Any] | None,
    expires_in_ms: float | None,
    display_options: Mapping[str, Any] | None,
    test_mode: bool | None,
) -> dict[str, Any]:
    """Check and build the CreatePresignedUrl body."""
    body: dict[str, Any] = {}
    if user_attributes is not None:
        attributes = require_json_object("user_attributes", user_attributes)
        for key, value in attributes.items():
            if not isinstance(value, str):
                raise HexInvalidArgumentError(
                    f"user_attributes[{key!r}]", value, "Hex takes only string values here"
                )
        body["hexUserAttributes"] = attributes
    if scope is not None:
        if isinstance(scope, str) or not isinstance(scope, list | tuple):
            raise HexInvalidArgumentError("scope", scope, "expected a list")
        for item in scope:
            if item not in EMBED_SCOPES:
                raise HexInvalidArgumentError("scope", item, "expected EXPORT_PDF or EXPORT_CSV")
        body["scope"] = list(scope)
    if input_params is not None:
        body["inputParameters"] = require_json_object("input_params", input_params)
    if expires_in_ms is not None:
        if (
            isinstance(expires_in_ms, bool)
            or not isinstance(expires_in_ms, int | float)
            or not 0 < expires_in_ms <= MAX_EMBED_EXPIRY_MS
        ):
            raise HexInvalidArgumentError(
                "expires_in_ms", expires_in_ms, f"expected 1 to {MAX_EMBED_EXPIRY_MS} ms"
            )
        body["expiresIn"] = expires_in_ms
    if display_options is not None:
        body["displayOptions"] = _display_options(display_options)
    if test_mode is not None:
        body["testMode"] = require_bool("test_mode", test_mode)
    return body


class OutputsAPI:
    """Hex operations that read what a project produced."""

    if TYPE_CHECKING:

        def _call(self, request: HexRequest) -> Any: ...

    def get_chart_image_from_run(
        self,
        project_id: str,
        run_id: str,
        static_id: str,
        *,
        width: int | None = None,
        height: int | None = None,
        include_title: bool | None = None,
    ) -> ChartImage:
        """Return a chart cell's PNG as rendered by a completed run (GetChartImageFromRun).

        Only chart cells that ran without error have an image. Hex limits chart images to
        20 a minute (``hex-chart-image``); the shared budget paces them.

        :param project_id: the project's UUID.
        :param run_id: the run's UUID.
        :param static_id: the chart cell's static id, which stays the same across versions.
        :param width: image width in pixels (100-2000), together with ``height``.
        :param height: image height in pixels (100-2000), together with ``width``.
        :param include_title: draw the chart's title in the image.
        :return: the image's bytes under ``image``, its ``mimeType`` and the ids.
        """
        require_uuid("project_id", project_id)
        require_uuid("run_id", run_id)
        require_uuid("static_id", static_id)
        path = f"/projects/{project_id}/runs/{run_id}/cells/{static_id}/image"
        return self._chart_image(path, image_query(width, height, include_title))

    def get_chart_image_from_logic(
        self,
        cell_id: str,
        *,
        width: int | None = None,
        height: int | None = None,
        include_title: bool | None = None,
    ) -> ChartImage:
        """Return a chart cell's PNG from the draft's notebook session (GetChartImageFromLogic).

        The cell must have run in the draft and not be in error. Paced like
        :meth:`get_chart_image_from_run` (20 a minute).

        :param cell_id: the chart cell's id, or its static id (resolved in the draft).
        :param width: image width in pixels (100-2000), together with ``height``.
        :param height: image height in pixels (100-2000), together with ``width``.
        :param include_title: draw the chart's title in the image.
        """
        require_uuid("cell_id", cell_id)
        return self._chart_image(
            f"/cells/{cell_id}/image", image_query(width, height, include_title)
        )

    def _chart_image(self, path: str, query: dict[str, Any]) -> ChartImage:
        request = HexRequest("GET", path, params=query, rate_group=CHART_IMAGE_GROUP)
        return decode_image(request, self._call(request))

    def get_cell_output(self, cell_id: str) -> CellOutput:
        """Return a SQL cell's latest output preview in the draft session (GetCellOutput).

        **Unstable**: Hex may change this operation without notice. A 403 or 404 says that
        the workspace may not have it.

        :param cell_id: the SQL cell's id or static id.
        :return: the cell and its ``result``: a table (columns, rows as strings) or the
            cell's error (``type`` ``"cell_run_error"``).
        """
        require_uuid("cell_id", cell_id)
        request = HexRequest("GET", f"/cells/{cell_id}/output", rate_group=STATUS_GROUP)
        answer = call_limited(self._call, request, CELL_OUTPUT_NOTE)
        if not isinstance(answer.get("result"), dict):
            raise shape_error(request, "a cell output", answer)
        return cast(CellOutput, answer)

    def create_presigned_url(
        self,
        project_id: str,
        *,
        user_attributes: Mapping[str, str] | None = None,
        scope: list[str] | None = None,
        input_params: Mapping[str, Any] | None = None,
        expires_in_ms: float | None = None,
        display_options: Mapping[str, Any] | None = None,
        test_mode: bool | None = None,
    ) -> EmbedUrl:
        """Create a single-use signed URL of the project's app for embedding (CreatePresignedUrl).

        Only workspaces with embedding enabled have it; a 403 or 404 says so. The URL is a
        credential for one viewer: hand it to the iframe, do not log or store it.

        :param project_id: the project's UUID.
        :param user_attributes: string values for ``hex_user_attributes`` in the app.
        :param scope: extra permissions: ``EXPORT_PDF`` and/or ``EXPORT_CSV``.
        :param input_params: default values of the app's inputs, by name.
        :param expires_in_ms: how long the URL may wait before it is opened (Hex's default
            15000, at most 300000).
        :param display_options: ``theme`` (light/dark) and Hex's boolean display flags.
        :param test_mode: check the call without running the app or counting usage.
        """
        require_uuid("project_id", project_id)
        body = embed_body(
            user_attributes=user_attributes,
            scope=scope,
            input_params=input_params,
            expires_in_ms=expires_in_ms,
            display_options=display_options,
            test_mode=test_mode,
        )
        # Safe to repeat: an unused signed URL expires on its own.
        request = HexRequest("POST", f"/embedding/createPresignedUrl/{project_id}", body=body)
        answer = call_limited(self._call, request, EMBED_NOTE)
        if not isinstance(answer.get("url"), str) or not answer["url"]:
            raise shape_error(request, "a signed URL", answer)
        return cast(EmbedUrl, answer)


__all__ = ["OutputsAPI", "decode_image", "embed_body", "image_query"]
