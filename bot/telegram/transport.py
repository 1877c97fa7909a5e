"""How the bot talks HTTP to the Bot API: JSON bodies, one kept-alive connection per request
in flight.

Two costs of python-telegram-bot's own ``HTTPXRequest`` showed up in bench/conversation.py:

* It posts every call as an URL-encoded form. Every byte of a Swedish answer that is not
  ASCII-safe (å, ä, ö, spaces, HTML tags) is then percent-encoded one at a time in pure
  Python. The Bot API accepts ``application/json`` just as well, so ordinary calls are one
  ``json.dumps`` of the parameters; calls that upload a file (the /kalender .ics) still go
  out as multipart, exactly as python-telegram-bot sends them.
* httpcore's connection pool re-checks every idle connection, with a socket poll and a
  ``getpeername`` each, for every request it assigns (encode/httpcore#924, #1035; not fixed
  in 1.0.9), so each request costs more the more connections are open. Here each request in
  flight gets a client of its own with a single kept-alive connection, handed out from an idle
  stack (most recently used first); there is never another connection to check.

Errors map to the same exceptions as ``HTTPXRequest`` (``TimedOut``, ``NetworkError``), so
retries and python-telegram-bot's error handling behave the same; so do the timeouts,
including the pool timeout when every slot is busy.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
from collections import deque
from typing import Any

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

log = logging.getLogger(__name__)
_JSON_HEADERS = {"User-Agent": BaseRequest.USER_AGENT, "Content-Type": "application/json"}
_FORM_HEADERS = {"User-Agent": BaseRequest.USER_AGENT}
# A timeout argument that was not given is BaseRequest.DEFAULT_NONE (a DefaultValue instance).
_NOT_GIVEN = type(BaseRequest.DEFAULT_NONE)
_POOL_TIMEOUT = ("Pool timeout: every connection is busy, so the request was not sent to "
                 "Telegram.")


class JsonRequest(BaseRequest):
    """A ``BaseRequest`` (python-telegram-bot's extension point for networking) that sends JSON
    bodies over at most ``connection_pool_size`` connections, one per request in flight."""

    __slots__ = ("_clients", "_closed", "_idle", "_media_write_timeout", "_size",
                 "_ssl", "_transport", "_waiters", "timeouts")

    def __init__(self, connection_pool_size: int = 8, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 pool_timeout: float | None = 1.0, media_write_timeout: float | None = 20.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._size = connection_pool_size
        # The defaults for every call that does not name its own; may be replaced at any time.
        self.timeouts = httpx.Timeout(connect=connect_timeout, read=read_timeout,
                                      write=write_timeout, pool=pool_timeout)
        self._media_write_timeout = media_write_timeout
        self._transport = transport
        self._ssl: ssl.SSLContext | None = None       # shared by the clients; built once
        self._clients: list[httpx.AsyncClient] = []   # every open one, at most the size
        self._idle: list[httpx.AsyncClient] = []      # a stack: the most recently used on top
        self._waiters: deque[asyncio.Future[httpx.AsyncClient]] = deque()
        self._closed = True

    @property
    def read_timeout(self) -> float | None:
        return self.timeouts.read

    async def initialize(self) -> None:
        """Open the first client now, so a bad SSL or proxy setting fails at start-up."""
        if self._closed:
            self._closed = False
            self._idle.append(self._new_client())

    async def shutdown(self) -> None:
        self._closed = True
        clients, self._clients, self._idle = self._clients, [], []
        while self._waiters:
            self._waiters.popleft().cancel()
        for client in clients:
            try:
                await client.aclose()
            except Exception:  # noqa: BLE001 - close the others all the same
                log.debug("closing an HTTP client failed", exc_info=True)

    def _new_client(self) -> httpx.AsyncClient:
        if self._ssl is None:
            self._ssl = httpx.create_ssl_context()
        client = httpx.AsyncClient(
            timeout=self.timeouts, verify=self._ssl, transport=self._transport,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))
        self._clients.append(client)
        return client

    async def _acquire(self, pool_timeout: float | None) -> httpx.AsyncClient:
        """A client nobody else is using; waits (first come, first served) up to the pool
        timeout when all are busy.

        The most recently used client goes out first: its connection is the one most likely
        still open, and clients left idle let their connections expire instead of each being
        reused just often enough to need a new TLS handshake every time.
        """
        if not self._waiters:
            if self._idle:
                return self._idle.pop()
            if len(self._clients) < self._size:
                return self._new_client()
        waiter: asyncio.Future[httpx.AsyncClient] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(pool_timeout):
                return await waiter
        except BaseException as exc:
            if waiter.done() and not waiter.cancelled():
                self._release(waiter.result())      # handed over just as we gave up
            if isinstance(exc, TimeoutError):
                raise TimedOut(message=_POOL_TIMEOUT) from None
            raise
        finally:
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)

    def _release(self, client: httpx.AsyncClient) -> None:
        """Back to the first waiter, or onto the idle stack; a client from before a shutdown
        (closed, no longer ours) is dropped."""
        if self._closed or client.is_closed or not any(c is client for c in self._clients):
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(client)
                return
        self._idle.append(client)

    def _timeout(self, read: object, write: object, connect: object,
                 uploads: bool) -> httpx.Timeout:
        """The per-call timeouts; one that was not given keeps the default."""
        default = self.timeouts
        if isinstance(write, _NOT_GIVEN):
            write = self._media_write_timeout if uploads else default.write
        return httpx.Timeout(
            connect=default.connect if isinstance(connect, _NOT_GIVEN) else connect,  # type: ignore[arg-type]
            read=default.read if isinstance(read, _NOT_GIVEN) else read,  # type: ignore[arg-type]
            write=write, pool=default.pool)  # type: ignore[arg-type]

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._closed:
            raise RuntimeError("This JsonRequest is not initialized!")
        uploads = request_data is not None and request_data.contains_files
        timeout = self._timeout(read_timeout, write_timeout, connect_timeout, uploads)
        client = await self._acquire(
            self.timeouts.pool if isinstance(pool_timeout, _NOT_GIVEN) else pool_timeout)
        try:
            if uploads:
                assert request_data is not None
                res = await client.request(
                    method, url, headers=_FORM_HEADERS, timeout=timeout,
                    files=request_data.multipart_data, data=request_data.json_parameters)
            else:
                body = json.dumps(request_data.parameters if request_data else {},
                                  ensure_ascii=False).encode()
                res = await client.request(method, url, headers=_JSON_HEADERS,
                                           timeout=timeout, content=body)
        except httpx.TimeoutException as err:
            raise TimedOut from err
        except httpx.HTTPError as err:           # the base class: keep it last
            raise NetworkError(f"httpx.{err.__class__.__name__}: {err}") from err
        finally:
            self._release(client)
        return res.status_code, res.content
