"""Airflow names the run operators and the sensor need, from where each Airflow 3.x keeps them.

Airflow 3.2+ moved the task-facing exceptions to ``airflow.sdk.exceptions`` and warns on the
old ``airflow.exceptions`` names; 3.0 and 3.1 only have the old ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airflow.sdk.exceptions import (
        AirflowFailException as AirflowFailException,
    )
    from airflow.sdk.exceptions import (
        AirflowSensorTimeout as AirflowSensorTimeout,
    )
    from airflow.sdk.exceptions import (
        AirflowSkipException as AirflowSkipException,
    )
else:
    try:  # Airflow 3.2+
        from airflow.sdk.exceptions import (
            AirflowFailException,
            AirflowSensorTimeout,
            AirflowSkipException,
        )
    except ImportError:  # Airflow 3.0, 3.1
        from airflow.exceptions import (
            AirflowFailException,
            AirflowSensorTimeout,
            AirflowSkipException,
        )

try:
    from airflow.exceptions import (
        AirflowProviderDeprecationWarning as ProviderDeprecationWarning,
    )
except ImportError:  # pragma: no cover - every Airflow 3 has it; keep the import safe anyway
    ProviderDeprecationWarning = DeprecationWarning  # type: ignore[assignment,misc]

__all__ = [
    "AirflowFailException",
    "AirflowSensorTimeout",
    "AirflowSkipException",
    "ProviderDeprecationWarning",
]
