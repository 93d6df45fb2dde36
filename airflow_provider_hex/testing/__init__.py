"""A stateful Hex API simulator for tests, demos and benchmarks (standard library only).

Production code never imports this package. Typical use::

    from airflow_provider_hex.testing import HexSimulator, RunScript, Fault

    with HexSimulator(time_scale=0) as sim:  # 0: the clock moves only on sim.advance()
        project_id = sim.add_project("Nightly", scripts=[RunScript(1, 5, "COMPLETED")])
        ...  # point a client at sim.url + "/api/v1" with sim.token
        sim.advance(6)

Demo ids live in :mod:`airflow_provider_hex.testing.demo`; the out-of-process control API
is described in :mod:`airflow_provider_hex.testing.control`.

Where Hex's behaviour is not documented, the simulator chooses (and tests) this:

* ``dryRun`` answers 201 with a real-looking run id whose status is COMPLETED at once; the
  run holds no kernel, is not counted in ``runs_started`` and is left out of GetProjectRuns.
* Unknown ``inputParams`` names fail the run with 422 (``notFound``) unless the project was
  added with ``input_params=None``; numbers must be JSON numbers; booleans may be JSON
  booleans or ``"true"``/``"false"``. ``viewId`` together with ``inputParams`` is a 400.
* CancelRun turns an active run KILLED (204); on a finished run it answers 422 (tsoa shape).
  GetProjectRuns on an unpublished project answers 422.
* ``projectVersion`` is an integer in RunProject's answer and a string in ProjectRun, as in
  the current OpenAPI document.
* 429 answers carry ``Retry-After`` in real seconds: whole seconds at ``time_scale=1``,
  a decimal such as ``"0.5"`` otherwise (an extension: parse it as a float). With a frozen
  clock (``time_scale=0``) the value is in simulated seconds. Requests refused by a limit
  do not use up any window. Faults fire before authentication and rate limiting.
* Every error body carries ``traceId`` (and every answer an ``x-trace-id`` header).
* Deactivating an already deactivated user answers 200 with the user again; the token's
  own user cannot be deactivated (400); deactivated users are not listed by ListUsers and
  are reported in sharing ``errors``.
* Public-web access above CAN_VIEW is refused in ``errors``; collection access must be
  NONE, MEMBER or MANAGER, and a ``members`` key (as in one Hex doc example) is a 400.
* PublishGuideDrafts with ``{}`` publishes nothing; an unknown guide id is a 404.
  DeleteGuideDraft removes a never-published guide entirely.
* Malformed ids (not UUIDs) are 400, unknown ids 404; unknown paths 404, wrong methods 405.
* Data connections keep the secrets they are given (``state.catalog.connection_secrets``)
  and never answer them. A schema or semantic status batch naming an unknown object or
  status is refused whole: 400 with one ``details`` entry per failure, nothing changed.
  GetQueriedTables on an unpublished project is a 422.
* IngestSemanticProject takes the zip as the ``file`` part of a ``multipart/form-data``
  body (anything else is a 415), reads datasets from the ``name`` entries under a YAML
  file's top-level ``semantic_models:``/``datasets:`` and views from ``metrics:``/``views:``,
  refuses a non-zip or an archive without any (400, fatal ``problems``), and answers under
  ``/v1/semantic-projects/...`` and ``/v1/semantic-models/...``; 3 a minute when rate
  limits are on.
* ExportProject writes the project's id, title, description, version and draft cells as
  ``.hex.yaml``; ``"latest"`` on a never-published project, or a version number above the
  project's, is a 404. ``disable_operation`` makes ExportProject, GetQueriedTables and the
  semantic operations answer 403, as in a workspace without them.
"""

from __future__ import annotations

from .faults import Fault
from .limits import RateLimits
from .models import RunScript
from .recorder import RecordedRequest
from .simulator import HexSimulator

__all__ = ["Fault", "HexSimulator", "RateLimits", "RecordedRequest", "RunScript"]
