"""The connection side of :class:`~airflow_provider_hex.hooks.hex.HexHook`.

Reads the Airflow connection once per hook, keeps one ``requests`` session per hook (so
calls reuse their connection) and one ``httpx.AsyncClient`` per event loop (so a thousand
triggers in one triggerer share a small connection pool), and hands every call to the
:class:`~airflow_provider_hex.hooks.transport.Transport`. A connection that is not defined,
and a token Hex refuses (401, 403), give errors that name the connection and say what to do
(see :mod:`~airflow_provider_hex.hooks.hints`).
"""

from __future__ import annotations

import asyncio
import weakref
from functools import cached_property
from typing import TYPE_CHECKING, Any, Self

from airflow.exceptions import AirflowNotFoundException  # type: ignore[attr-defined]

from airflow_provider_hex._compat import BaseHook, aget_connection
from airflow_provider_hex.exceptions import HexAuthError, HexPermissionError
from airflow_provider_hex.hooks.hints import missing_connection_message, refused_token_hint
from airflow_provider_hex.hooks.settings import HexSettings
from airflow_provider_hex.hooks.transport import HexRequest, Transport

if TYPE_CHECKING:
    import httpx
    import requests

_ASYNC_CLIENTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
    weakref.WeakKeyDictionary()
)


def _shared_async_client() -> httpx.AsyncClient:
    """The AsyncClient of the running event loop, made on first use.

    Every hook in a process that runs on this loop (a triggerer holds hundreds of triggers on
    one loop) shares it, and so shares its pool of keep-alive connections. Clients of loops
    that have closed are dropped.
    """
    import httpx

    loop = asyncio.get_running_loop()
    for old_loop in [old for old in list(_ASYNC_CLIENTS) if old.is_closed()]:
        _ASYNC_CLIENTS.pop(old_loop, None)
    client = _ASYNC_CLIENTS.get(loop)
    if client is None or client.is_closed:
        client = httpx.AsyncClient(
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=20),
            follow_redirects=False,
        )
        _ASYNC_CLIENTS[loop] = client
    return client


async def aclose_shared_client() -> None:
    """Close the running loop's shared AsyncClient (a later call makes a new one)."""
    client = _ASYNC_CLIENTS.pop(asyncio.get_running_loop(), None)
    if client is not None:
        await client.aclose()


class HexHookBase(BaseHook):
    """Connection handling shared by every Hex API method."""

    conn_name_attr = "hex_conn_id"
    default_conn_name = "hex_default"
    conn_type = "hex"
    hook_name = "Hex"

    def __init__(self, hex_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hex_conn_id = hex_conn_id
        self._settings: HexSettings | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(hex_conn_id={self.hex_conn_id!r})"

    # -- connection ------------------------------------------------------------------------

    @staticmethod
    def _settings_from(conn: Any) -> HexSettings:
        extra = conn.extra_dejson if hasattr(conn, "extra_dejson") else {}
        return HexSettings.from_connection(
            host=conn.host,
            port=conn.port,
            password=conn.password,
            extra=dict(extra or {}),
            conn_id=getattr(conn, "conn_id", None),
        )

    @property
    def settings(self) -> HexSettings:
        """Settings read from the Airflow connection (read once, then kept)."""
        if self._settings is None:
            try:
                conn = self.get_connection(self.hex_conn_id)
            except AirflowNotFoundException as err:
                raise self._missing_connection() from err
            self._settings = self._settings_from(conn)
        return self._settings

    async def asettings(self) -> HexSettings:
        """Read the settings like :attr:`settings`, without blocking the event loop."""
        if self._settings is None:
            try:
                conn = await aget_connection(self.hex_conn_id)
            except AirflowNotFoundException as err:
                raise self._missing_connection() from err
            self._settings = self._settings_from(conn)
        return self._settings

    def _missing_connection(self) -> Exception:
        """Airflow's not-found error for this hook's connection, saying how to create it."""
        return AirflowNotFoundException(missing_connection_message(self.hex_conn_id))

    @property
    def base_url(self) -> str:
        """The workspace URL, e.g. ``https://app.hex.tech``."""
        return self.settings.base_url

    @cached_property
    def transport(self) -> Transport:
        """The transport for this connection."""
        return Transport(self.settings)

    @cached_property
    def session(self) -> requests.Session:
        """The HTTP session this hook sends every sync request through."""
        import requests

        return requests.Session()

    def get_conn(self) -> requests.Session:
        """Return the hook's HTTP session (Airflow's hook protocol)."""
        return self.session

    def close(self) -> None:
        """Close the hook's HTTP session (a later call opens a new one)."""
        if "session" in self.__dict__:
            self.session.close()
            del self.__dict__["session"]

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- calls -----------------------------------------------------------------------------

    def _call(self, request: HexRequest) -> Any:
        try:
            return self.transport.send(self.session, request)
        except (HexAuthError, HexPermissionError) as err:
            self._name_connection(err)
            raise

    async def _acall(self, request: HexRequest) -> Any:
        await self.asettings()
        try:
            return await self.transport.asend(_shared_async_client(), request)
        except (HexAuthError, HexPermissionError) as err:
            self._name_connection(err)
            raise

    def _name_connection(self, err: HexAuthError | HexPermissionError) -> None:
        """Add to a refused token's error which connection and host it was, and what to check."""
        hint = refused_token_hint(self.hex_conn_id, self.settings.base_url, err.status)
        err.args = (f"{err.args[0] if err.args else err}. {hint}",)
