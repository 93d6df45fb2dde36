"""Apache Airflow provider for Hex.

Importing this package is cheap: it pulls in neither Airflow nor an HTTP client. Import the
hook, operators, sensor and trigger from their modules, for example
``from airflow_provider_hex.operators.hex import HexRunProjectOperator``.
"""

from __future__ import annotations

__version__ = "1.0.0"

__all__ = ["__version__"]
