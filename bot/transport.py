"""How the bot talks HTTP to the Bot API: JSON request bodies over one httpx client.

python-telegram-bot's own ``HTTPXRequest`` posts every call as an URL-encoded form, with each
object parameter JSON-encoded inside it. Every byte of a Swedish answer that is not ASCII or
a safe character (å, ä, ö, spaces, HTML tags) is then percent-encoded one byte at a time in
pure Python, and httpx parses the same URL string again for every call. The Bot API accepts
``application/json`` bodies just as well, so ordinary calls go out as one ``json.dumps`` of
the parameters; calls that upload a file (the /kalender .ics) still use multipart, exactly as
python-telegram-bot does. bench/conversation.py measured the difference (see the README).

Errors map to the same exceptions as ``HTTPXRequest`` (``TimedOut``, ``NetworkError``), so
retries and python-telegram-bot's error handling behave the same.
"""
from __future__ import annotations

import json

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_JSON_HEADERS = {"User-Agent": BaseRequest.USER_AGENT, "Content-Type": "application/json"}
_FORM_HEADERS = {"User-Agent": BaseRequest.USER_AGENT}
_MAX_CACHED_URLS = 256        # one per Bot API method in use; bounded all the same
# A timeout argument that was not given is BaseRequest.DEFAULT_NONE (a DefaultValue instance).
_NOT_GIVEN = type(BaseRequest.DEFAULT_NONE)


class JsonRequest(BaseRequest):
    """A ``BaseRequest`` (python-telegram-bot's extension point for networking) that sends
    JSON bodies. Timeouts and the connection pool mean the same as in ``HTTPXRequest``."""

    __slots__ = ("_client", "_client_kwargs", "_media_write_timeout", "_urls")

    def __init__(self, connection_pool_size: int = 8, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 pool_timeout: float | None = 1.0, media_write_timeout: float | None = 20.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._media_write_timeout = media_write_timeout
        self._client_kwargs = {
            "timeout": httpx.Timeout(connect=connect_timeout, read=read_timeout,
                                     write=write_timeout, pool=pool_timeout),
            "limits": httpx.Limits(max_connections=connection_pool_size),
            "transport": transport,
        }
        self._client = httpx.AsyncClient(**self._client_kwargs)
        self._urls: dict[str, httpx.URL] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._client.timeout.read

    async def initialize(self) -> None:
        if self._client.is_closed:
            self._client = httpx.AsyncClient(**self._client_kwargs)

    async def shutdown(self) -> None:
        if not self._client.is_closed:
            await self._client.aclose()

    def _url(self, url: str) -> httpx.URL:
        parsed = self._urls.get(url)
        if parsed is None:
            if len(self._urls) >= _MAX_CACHED_URLS:
                self._urls.clear()
            parsed = self._urls[url] = httpx.URL(url)
        return parsed

    def _timeout(self, read: object, write: object, connect: object, pool: object,
                 uploads: bool) -> httpx.Timeout:
        """The per-call timeouts; one that was not given keeps the client's own."""
        default = self._client.timeout
        if isinstance(write, _NOT_GIVEN):
            write = self._media_write_timeout if uploads else default.write
        return httpx.Timeout(
            connect=default.connect if isinstance(connect, _NOT_GIVEN) else connect,
            read=default.read if isinstance(read, _NOT_GIVEN) else read,
            write=write, pool=default.pool if isinstance(pool, _NOT_GIVEN) else pool)

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._client.is_closed:
            raise RuntimeError("This JsonRequest is not initialized!")
        uploads = request_data is not None and request_data.contains_files
        timeout = self._timeout(read_timeout, write_timeout, connect_timeout, pool_timeout,
                                uploads)
        try:
            if uploads:
                assert request_data is not None
                res = await self._client.request(
                    method, self._url(url), headers=_FORM_HEADERS, timeout=timeout,
                    files=request_data.multipart_data, data=request_data.json_parameters)
            else:
                body = json.dumps(request_data.parameters if request_data else {},
                                  ensure_ascii=False).encode()
                res = await self._client.request(method, self._url(url), headers=_JSON_HEADERS,
                                                 timeout=timeout, content=body)
        except httpx.TimeoutException as err:
            if isinstance(err, httpx.PoolTimeout):
                raise TimedOut(message="Pool timeout: every connection is busy; the request "
                                       "was not sent.") from err
            raise TimedOut from err
        except httpx.HTTPError as err:           # the base class: keep it last
            raise NetworkError(f"httpx.{err.__class__.__name__}: {err}") from err
        return res.status_code, res.content
