"""A Telegram Bot API stand-in: an HTTP/1.1 server on 127.0.0.1 for tests and benchmarks.

The real python-telegram-bot `Bot`/`Application` talks to it through
`base_url=api.base_url` and `base_file_url=api.base_file_url`. It speaks the Bot API wire format
(`{"ok": true, "result": ...}` / `{"ok": false, "error_code": ..., "description": ...}`),
validates like Telegram, records every call, lets tests inject updates and switch on faults.

    async with StandIn() as api:            # inside the test's running event loop
        ...
    with StandIn.in_thread() as api:        # own loop in a background thread (subprocess bots)
        ...

All public methods are thread-safe. Only the standard library is used.
The class is put together from mixins, one per concern (see standin/__init__.py).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from standin.faults import FaultsMixin
from standin.inspection import InspectionMixin
from standin.methods import BotApiMixin
from standin.records import DEFAULT_TOKEN, Call, RateViolation, Sent
from standin.state import _GONE, UpdatesMixin
from standin.wire import (ApiError, HttpError, error_payload, http_response, parse_body,
                          read_request)

_API_PATH = re.compile(r"^/bot([^/]+)/([A-Za-z0-9_]+)/?$")
_FILE_PATH = re.compile(r"^/file/bot([^/]+)/(.+)$")
_DROP = object()  # handler result meaning "close the socket without answering"


class StandIn(UpdatesMixin, BotApiMixin, FaultsMixin, InspectionMixin):
    """The Bot API stand-in server.

    Public API: base_url / base_file_url / token; push_* to queue updates; block_chat,
    fail_next, set_random_faults, set_delay, enforce_rate_limit, drop_connection_next to
    inject faults; calls / sent / callback_answers / inline_answers / rate_violations,
    messages_to, updates_confirmed, max_in_any_window to inspect; wait_for(_sync) and
    wait_messages(_sync) to wait. `async with` runs it in the current loop, `with` (or
    `with StandIn.in_thread()`) in a background thread with its own loop.
    """

    def __init__(self, token: str = DEFAULT_TOKEN, host: str = "127.0.0.1", port: int = 0) -> None:
        self.token, self.host, self.port = token, host, port
        self._lock = threading.RLock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._conn_tasks: set[asyncio.Task[None]] = set()
        # requests answered per TCP connection, in the order the connections were opened
        self.requests_per_connection: list[int] = []
        self._update_event: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(100001)
        self._queue: list[dict[str, Any]] = []
        self._pushed: list[dict[str, Any]] = []
        self._confirmed = 0
        self._poll_generation = 0
        self._allowed: set[str] | None = None
        self._webhook_url = ""
        self._next_mid: dict[int | str, int] = {}
        self._messages: dict[tuple[int | str, int], dict[str, Any]] = {}
        self._chat_types: dict[int | str, str] = {}
        self._callbacks: dict[str, bool] = {}  # id -> answered
        self._inline_queries: dict[str, bool] = {}
        self._files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, bytes)
        self._calls: list[Call] = []
        self._sent: list[Sent] = []
        self._callback_answers: list[dict[str, Any]] = []
        self._inline_answers: list[dict[str, Any]] = []
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._menu_buttons: dict[int | str | None, dict[str, Any]] = {}
        self._descriptions: dict[tuple[str, str], str] = {}  # (kind, language_code) -> text
        self._member_status: dict[tuple[int | str, int], str] = {}  # (chat, user) -> status
        self._user_languages: dict[int, str] = {}
        # faults
        self._blocked: set[int | str] = set()
        self._fail_next: dict[str, deque[ApiError]] = {}
        self._drop_next: dict[str, deque[bool]] = {}
        self._rng = random.Random(0)
        self._rate_500 = self._rate_429 = 0.0
        self._random_retry_after = 1
        self._random_methods: frozenset[str] | None = None
        self._delay = 0.0
        self._delay_methods: frozenset[str] | None = None
        self._max_per_second: int | None = None
        self._per_chat_per_second: int | None = None
        self._rate_violations: list[RateViolation] = []
        self.internal_errors: list[str] = []  # unexpected exceptions while handling a request

    # ------------------------------------------------------------------ lifecycle
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    async def start(self) -> StandIn:
        self._loop = asyncio.get_running_loop()
        self._update_event = asyncio.Event()
        self._server = await asyncio.start_server(self._serve_connection, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        for task in list(self._conn_tasks):
            task.cancel()
        await asyncio.gather(*self._conn_tasks, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    async def __aenter__(self) -> StandIn:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @classmethod
    def in_thread(cls, **kwargs: Any) -> StandIn:
        """`with StandIn.in_thread() as api:` runs the server on its own loop in a thread."""
        return cls(**kwargs)

    def __enter__(self) -> StandIn:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # reported to the starting thread
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._thread = threading.Thread(target=run, name="telegram-standin", daemon=True)
        self._thread.start()
        if not ready.wait(10) or failure:
            raise RuntimeError("stand-in server did not start") from (failure or [None])[0]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._thread = None

    # ------------------------------------------------------------------ connection handling
    async def _serve_connection(self, reader: asyncio.StreamReader,
                                writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._conn_tasks.add(task)
        with self._lock:
            connection = len(self.requests_per_connection)
            self.requests_per_connection.append(0)
        try:
            while True:
                try:
                    request = await read_request(reader)
                except (HttpError, ValueError, asyncio.IncompleteReadError):
                    writer.write(http_response(400, b'{"ok":false,"error_code":400,'
                                                     b'"description":"Bad Request"}', False))
                    break
                if request is None:
                    break
                verb, target, headers, body = request
                with self._lock:
                    self.requests_per_connection[connection] += 1
                keep_alive = (headers.get("connection", "").lower() != "close"
                              and headers[":version"] == "HTTP/1.1")
                answer = await self._route(verb, target, headers, body, reader.at_eof)
                if answer is _DROP:
                    break
                status, payload, ctype = answer  # type: ignore[misc]
                writer.write(http_response(status, payload, keep_alive, ctype))
                await writer.drain()
                if not keep_alive:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:  # stop(); swallowed so asyncio logs no noise
            pass
        finally:
            self._conn_tasks.discard(task)
            writer.close()

    async def _route(self, verb: str, target: str, headers: dict[str, str], body: bytes,
                     client_gone: Callable[[], bool]) -> object:
        url = urlsplit(target)
        file_match = _FILE_PATH.match(url.path)
        if file_match is not None and verb in ("GET", "HEAD"):
            with self._lock:
                found = [data for path, data in self._files.values()
                         if path == unquote(file_match.group(2))]
            if found:
                return 200, found[0], "application/octet-stream"
        api_match = _API_PATH.match(url.path)
        if api_match is None or not re.fullmatch(r"\d+:[\w-]+", unquote(api_match.group(1))):
            return 404, json.dumps(error_payload(ApiError(404, "Not Found"))).encode(), \
                "application/json"
        params: dict[str, Any] = dict(parse_qsl(url.query, keep_blank_values=True))
        method = _METHODS.get(api_match.group(2).lower(), api_match.group(2))
        try:
            params.update(parse_body(headers, body))
            result = await self._call(method, params, client_gone)
        except ApiError as err:
            self._record_call(method, params, err.code, err.description)
            return err.code, json.dumps(error_payload(err)).encode(), "application/json"
        except Exception as exc:  # a stand-in bug or unparsable input: visible, not silent
            with self._lock:
                self.internal_errors.append(f"{method}: {exc!r}")
            self._record_call(method, params, 500, f"stand-in error: {exc!r}")
            err = ApiError(500, "Internal Server Error")
            return 500, json.dumps(error_payload(err)).encode(), "application/json"
        if result is _DROP or result is _GONE:
            gone = result is _GONE
            self._record_call(method, params, 499 if gone else 0,
                              "client closed the connection" if gone else "connection dropped")
            return _DROP
        self._record_call(method, params, 200, None)
        return 200, json.dumps({"ok": True, "result": result}, ensure_ascii=False).encode(), \
            "application/json"

    def _record_call(self, method: str, params: dict[str, Any], status: int,
                     description: str | None) -> None:
        with self._lock:
            self._calls.append(Call(method, params, status, description, time.monotonic()))

    async def _call(self, method: str, params: dict[str, Any],
                    client_gone: Callable[[], bool]) -> Any:
        if method not in _METHODS.values():
            raise ApiError(404, "Not Found")
        with self._lock:
            delay = self._delay if self._applies(self._delay_methods, method) else 0.0
        if delay > 0:
            await asyncio.sleep(delay)
        with self._lock:
            if self._take_drop(method, after_processing=False):
                return _DROP
            self._inject_fault(method)
        if method == "getUpdates":
            return await self._get_updates(params, client_gone)
        with self._lock:
            result = getattr(self, f"_m_{method}")(params)
            if self._take_drop(method, after_processing=True):
                return _DROP
            return result


_METHODS = {name[3:].lower(): name[3:] for name in dir(StandIn) if name.startswith("_m_")}
_METHODS["getupdates"] = "getUpdates"


def main() -> None:
    """Run a stand-alone stand-in until interrupted (`python -m standin`; manual experiments)."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args()

    async def serve() -> None:
        async with StandIn(port=args.port) as api:
            print(f"stand-in listening: base_url={api.base_url}", flush=True)
            await asyncio.Event().wait()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass

