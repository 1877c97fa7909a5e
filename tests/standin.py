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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

if __package__:
    from .standin_html import (ApiError, HttpError, ParseError, Upload, bad, bool_param,
                               chat_key, check_reply_markup, command_entities, error_payload,
                               http_response, int_param, json_param, param, parse_body,
                               read_request, utf16_len, visible_text)
else:  # tests/ itself is on sys.path (pytest without tests/__init__.py, or run as a script)
    from standin_html import (ApiError, HttpError, ParseError, Upload,  # type: ignore[no-redef]
                              bad, bool_param, chat_key, check_reply_markup, command_entities,
                              error_payload, http_response, int_param, json_param, param,
                              parse_body, read_request, utf16_len, visible_text)

T = TypeVar("T")
BOT_ID = 999000
BOT_USERNAME = "partnerbot_test_bot"
BOT_USER: dict[str, Any] = {
    "id": BOT_ID, "is_bot": True, "first_name": "Partnerbot", "username": BOT_USERNAME,
    "can_join_groups": True, "can_read_all_group_messages": False,
    "supports_inline_queries": True, "can_connect_to_business": False, "has_main_web_app": False,
}
DEFAULT_TOKEN = f"{BOT_ID}:AAH-standInTokenForPartnerbotTests01"
SEND_METHODS = frozenset({"sendMessage", "sendDocument"})
CHAT_ACTIONS = frozenset({"typing", "upload_photo", "record_video", "upload_video", "record_voice",
                          "upload_voice", "upload_document", "choose_sticker", "find_location",
                          "record_video_note", "upload_video_note"})
DEFAULT_UPDATES_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
BLOCKED = "Forbidden: bot was blocked by the user"
STALE_QUERY = "Bad Request: query is too old and response timeout expired or query ID is invalid"
CONFLICT = ("Conflict: terminated by other getUpdates request; make sure that only one bot "
            "instance is running")
_DEFAULT_DESCRIPTIONS = {400: "Bad Request", 401: "Unauthorized", 403: BLOCKED,
                         404: "Not Found", 409: "Conflict", 500: "Internal Server Error",
                         502: "Bad Gateway", 504: "Gateway Timeout"}
_API_PATH = re.compile(r"^/bot([^/]+)/([A-Za-z0-9_]+)/?$")
_FILE_PATH = re.compile(r"^/file/bot([^/]+)/(.+)$")
_DROP = object()  # handler result meaning "close the socket without answering"
_GONE = object()  # a long poll whose client disconnected before it was answered


@dataclass
class Call:
    """Every request received (also rejected ones). status 0 = connection dropped."""

    method: str
    params: dict[str, Any]
    status: int
    description: str | None
    ts: float  # time.monotonic()

    @property
    def chat_id(self) -> int | str | None:
        """The target chat as Telegram reads it, whether sent as form field or JSON."""
        return chat_key(param(self.params, "chat_id"))


@dataclass
class Sent:
    """An accepted outgoing (state-changing) call."""

    method: str
    chat_id: int | str | None
    text: str | None  # text or caption exactly as sent (HTML source)
    plain_text: str | None  # what the user sees (HTML parsed, stripped)
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    link_preview_options: dict[str, Any] | None
    link_preview_disabled: bool
    message_id: int | None
    document_name: str | None
    document_bytes: bytes | None
    params: dict[str, Any]
    ts: float  # time.monotonic()
    wall_time: float = field(default_factory=time.time)


@dataclass(frozen=True)
class RateViolation:
    ts: float
    method: str
    chat_id: int | str | None
    scope: str  # "global" or "chat"


# ----------------------------------------------------------------------------- the stand-in
class StandIn:
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

    @staticmethod
    def _applies(methods: frozenset[str] | None, method: str) -> bool:
        return method != "getUpdates" if methods is None else method in methods

    def _take_drop(self, method: str, after_processing: bool) -> bool:
        """Consume a pending connection drop of the given kind for `method`, if any."""
        for key in (method, "*"):
            queue = self._drop_next.get(key)
            if queue and (key != "*" or method != "getUpdates"):
                if queue[0] is after_processing:
                    queue.popleft()
                    return True
                return False
        return False

    def _inject_fault(self, method: str) -> None:
        for key in (method, "*"):
            queue = self._fail_next.get(key)
            if queue and (key != "*" or method != "getUpdates"):
                raise queue.popleft()
        if self._applies(self._random_methods, method) and (self._rate_500 or self._rate_429):
            roll = self._rng.random()
            if roll < self._rate_500:
                raise ApiError(500, "Internal Server Error")
            if roll < self._rate_500 + self._rate_429:
                retry = self._random_retry_after
                raise ApiError(429, f"Too Many Requests: retry after {retry}", retry)

    # ------------------------------------------------------------------ updates
    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        allowed = self._allowed
        kept = []
        for update in self._queue:
            kind = next(key for key in update if key != "update_id")
            if (kind in allowed) if allowed else (kind not in DEFAULT_UPDATES_EXCLUDED):
                kept.append(update)
        self._queue = kept
        return kept[:limit]

    def _confirm(self, offset: int | None) -> None:
        if offset is None or offset == 0:
            return
        if offset < 0:  # the last -offset updates are kept
            self._queue = self._queue[offset:]
            return
        self._queue = [u for u in self._queue if u["update_id"] >= offset]
        self._confirmed = max(self._confirmed, offset)

    async def _get_updates(self, params: dict[str, Any],
                           client_gone: Callable[[], bool]) -> Any:
        assert self._loop is not None and self._update_event is not None
        limit = min(max(int_param(params, "limit") or 100, 1), 100)
        timeout = max(float(param(params, "timeout") or 0), 0.0)
        allowed = json_param(params, "allowed_updates")
        with self._lock:
            if self._webhook_url:
                raise ApiError(409, "Conflict: can't use getUpdates method while webhook is "
                                    "active; use deleteWebhook to delete the webhook first")
            if isinstance(allowed, list):
                self._allowed = set(allowed) or None
            self._confirm(int_param(params, "offset"))
            self._poll_generation += 1
            generation = self._poll_generation
        self._update_event.set()  # an older long poll wakes up and answers 409
        deadline = self._loop.time() + timeout
        while True:
            self._update_event.clear()
            if client_gone():  # e.g. PTB cancelled its poll on shutdown, or a kill -9
                return _GONE
            with self._lock:
                if generation != self._poll_generation:
                    raise ApiError(409, CONFLICT)
                batch = self._deliverable(limit)
            remaining = deadline - self._loop.time()
            if batch or remaining <= 0:
                return batch
            try:
                await asyncio.wait_for(self._update_event.wait(), remaining)
            except TimeoutError:
                pass

    def _enqueue(self, update: dict[str, Any]) -> int:
        with self._lock:
            update.setdefault("update_id", next(self._update_ids))
            self._queue.append(update)
            self._pushed.append(update)
        loop, event = self._loop, self._update_event
        if loop is not None and event is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:
                pass
        return int(update["update_id"])

    # ------------------------------------------------------------------ chats and messages
    def _chat(self, chat_id: int | str) -> dict[str, Any]:
        kind = self._chat_types.get(chat_id)
        if kind is None:
            kind = ("private" if isinstance(chat_id, int) and chat_id > 0
                    else "supergroup" if str(chat_id).startswith("-100") else
                    "group" if isinstance(chat_id, int) else "channel")
        chat: dict[str, Any] = {"id": chat_id, "type": kind}
        if kind == "private":
            chat["first_name"] = "Testare"
        else:
            chat["title"] = f"Testgrupp {chat_id}"
        return chat

    def _new_message(self, chat_id: int | str, sender: dict[str, Any] | None,
                     **fields: Any) -> dict[str, Any]:
        mid = self._next_mid.get(chat_id, 0) + 1
        self._next_mid[chat_id] = mid
        message = {"message_id": mid, "date": int(time.time()), "chat": self._chat(chat_id)}
        if sender is not None:
            message["from"] = sender
        message.update({key: value for key, value in fields.items() if value is not None})
        self._messages[(chat_id, mid)] = message
        return message

    def _user(self, user_id: int, username: str | None = None) -> dict[str, Any]:
        user = {"id": user_id, "is_bot": False, "first_name": "Testare",
                "language_code": self._user_languages.get(user_id, "sv")}
        if username:
            user["username"] = username
        return user

    def _last_bot_message(self, chat_id: int | str) -> dict[str, Any] | None:
        mids = [mid for (cid, mid), msg in self._messages.items()
                if cid == chat_id and msg.get("from", {}).get("id") == BOT_ID]
        return self._messages[(chat_id, max(mids))] if mids else None

    def _user_message(self, chat_id: int, chat_type: str, user_id: int | None,
                      username: str | None, **fields: Any) -> dict[str, Any]:
        with self._lock:
            self._chat_types[chat_id] = chat_type
            uid = user_id if user_id is not None else (chat_id if chat_id > 0 else 4242)
            return self._new_message(chat_id, self._user(uid, username), **fields)

    # ------------------------------------------------------------------ injecting updates
    def push_message(self, chat_id: int, text: str, *, user_id: int | None = None,
                     chat_type: str = "private", username: str | None = None,
                     reply_to_bot: bool = False, entities: list[dict[str, Any]] | None = None,
                     edited: bool = False, reply_to_message_id: int | None = None) -> int:
        """Queue a text message from a user; returns the update_id. ``reply_to_bot`` replies to
        the bot's latest message in the chat, ``reply_to_message_id`` to that message."""
        if entities is None:
            entities = command_entities(text, BOT_USERNAME)
        reply_to = None
        if reply_to_message_id is not None:
            with self._lock:
                reply_to = _public(self._messages[(chat_id, reply_to_message_id)])
        elif reply_to_bot:
            with self._lock:
                reply_to = _public(self._last_bot_message(chat_id)
                                   or self._new_message(chat_id, _bot_sender(), text="…"))
        if edited:  # edits the user's latest text message in the chat (or a new one)
            with self._lock:
                uid = user_id if user_id is not None else (chat_id if chat_id > 0 else 4242)
                mids = [mid for (cid, mid), msg in self._messages.items() if cid == chat_id
                        and msg.get("from", {}).get("id") == uid and "text" in msg]
                if mids:
                    message = self._messages[(chat_id, max(mids))]
                    message.update(text=text, entities=entities or None)
                else:
                    message = self._user_message(chat_id, chat_type, user_id, username,
                                                 text=text, entities=entities or None)
                message = {k: v for k, v in message.items() if v is not None}
                return self._enqueue({"edited_message": {**message, "edit_date": int(time.time())}})
        message = self._user_message(chat_id, chat_type, user_id, username, text=text,
                                     entities=entities or None, reply_to_message=reply_to)
        return self._enqueue({"message": message})

    def push_sticker(self, chat_id: int, *, emoji: str = "👍", user_id: int | None = None,
                     chat_type: str = "private") -> int:
        sticker = {**self._file_fields("sticker"), "width": 512, "height": 512,
                   "is_animated": False, "is_video": False, "type": "regular", "emoji": emoji}
        return self._enqueue({"message": self._user_message(
            chat_id, chat_type, user_id, None, sticker=sticker)})

    def push_photo(self, chat_id: int, *, caption: str | None = None, user_id: int | None = None,
                   chat_type: str = "private") -> int:
        photo = [{**self._file_fields("photo"), "width": w, "height": w} for w in (90, 800)]
        return self._enqueue({"message": self._user_message(
            chat_id, chat_type, user_id, None, photo=photo, caption=caption)})

    def push_voice(self, chat_id: int, *, duration: int = 3, user_id: int | None = None,
                   chat_type: str = "private") -> int:
        voice = {**self._file_fields("voice"), "duration": duration, "mime_type": "audio/ogg"}
        return self._enqueue({"message": self._user_message(
            chat_id, chat_type, user_id, None, voice=voice)})

    def push_document(self, chat_id: int, *, file_name: str = "dokument.pdf",
                      content: bytes = b"%PDF-1.4 stand-in", mime_type: str = "application/pdf",
                      caption: str | None = None, user_id: int | None = None,
                      chat_type: str = "private") -> int:
        document = {**self._file_fields("document", file_name, content),
                    "file_name": file_name, "mime_type": mime_type}
        return self._enqueue({"message": self._user_message(
            chat_id, chat_type, user_id, None, document=document, caption=caption)})

    def push_callback(self, chat_id: int, data: str, *, user_id: int | None = None,
                      message_id: int | None = None) -> str:
        """Queue a callback query (button press); returns its id."""
        with self._lock:
            message = (self._messages.get((chat_id, message_id)) if message_id is not None
                       else self._last_bot_message(chat_id))
            if message is None:
                message = self._new_message(chat_id, _bot_sender(), text="…")
            message = _public(message)
            query_id = str(7700000000 + next(self._ids))
            self._callbacks[query_id] = False
            uid = user_id if user_id is not None else (chat_id if chat_id > 0 else 4242)
        self._enqueue({"callback_query": {"id": query_id, "from": self._user(uid),
                                          "chat_instance": str(-chat_id), "message": message,
                                          "data": data}})
        return query_id

    def push_inline_query(self, user_id: int, query: str, *, offset: str = "") -> str:
        """Queue an inline query; returns its id."""
        with self._lock:
            query_id = str(8800000000 + next(self._ids))
            self._inline_queries[query_id] = False
        self._enqueue({"inline_query": {"id": query_id, "from": self._user(user_id),
                                        "query": query, "offset": offset,
                                        "chat_type": "sender"}})
        return query_id

    def push_channel_post(self, chat_id: int, text: str) -> int:
        with self._lock:
            self._chat_types[chat_id] = "channel"
            message = self._new_message(chat_id, None, text=text,
                                        sender_chat=self._chat(chat_id))
        return self._enqueue({"channel_post": message})

    def push_raw(self, update: dict[str, Any]) -> int:
        """Queue any update dict (update_id is added when missing); returns the update_id."""
        return self._enqueue(dict(update))

    def _file_fields(self, kind: str, name: str = "", content: bytes = b"x" * 64) -> dict[str, Any]:
        with self._lock:
            number = next(self._ids)
            file_id = f"{kind.upper()}-{number:08d}"
            suffix = f".{name.rsplit('.', 1)[-1]}" if "." in name else ""
            self._files[file_id] = (f"{kind}s/file_{number}{suffix}", content)
        return {"file_id": file_id, "file_unique_id": f"u{number}", "file_size": len(content)}

    # ------------------------------------------------------------------ validation helpers
    def _text(self, params: dict[str, Any], key: str, limit: int, empty_error: str | None,
              long_error: str) -> tuple[str | None, str | None]:
        raw = param(params, key)
        if isinstance(raw, Upload):
            raise bad(f"{key} must be a string")
        if raw is None and empty_error is None:
            return None, None
        try:
            plain = visible_text(raw or "", param(params, "parse_mode"))  # type: ignore[arg-type]
        except ParseError as exc:
            raise bad(str(exc)) from None
        if not plain and empty_error is not None:
            raise bad(empty_error)
        if utf16_len(plain) > limit:
            raise bad(long_error)
        return raw, plain

    def _markup(self, params: dict[str, Any]) -> dict[str, Any] | None:
        if params.get("reply_markup") in (None, ""):
            return None
        try:
            markup = json_param(params, "reply_markup")
        except ApiError:
            raise bad("can't parse reply keyboard markup JSON object") from None
        try:
            check_reply_markup(markup)
        except ParseError as exc:
            raise bad(str(exc)) from None
        return markup  # type: ignore[no-any-return]

    def _target_chat(self, params: dict[str, Any]) -> int | str:
        chat_id = chat_key(param(params, "chat_id"))
        if chat_id is None:
            raise bad("chat_id is empty")
        return chat_id

    def _check_blocked(self, chat_id: int | str) -> None:
        if chat_id in self._blocked:
            if isinstance(chat_id, int) and chat_id < 0:
                raise ApiError(403, "Forbidden: bot was kicked from the group chat")
            raise ApiError(403, BLOCKED)

    def _check_rate(self, method: str, chat_id: int | str) -> None:
        now = time.monotonic()
        recent = [s for s in self._sent[-2000:] if s.method in SEND_METHODS and now - s.ts < 1.0]
        scope = None
        if self._max_per_second is not None and len(recent) >= self._max_per_second:
            scope = "global"
        elif (self._per_chat_per_second is not None and sum(
                1 for s in recent if s.chat_id == chat_id) >= self._per_chat_per_second):
            scope = "chat"
        if scope is not None:
            self._rate_violations.append(RateViolation(now, method, chat_id, scope))
            raise ApiError(429, "Too Many Requests: retry after 1", 1)

    def _record_sent(self, method: str, params: dict[str, Any], **fields: Any) -> Sent:
        preview = json_param(params, "link_preview_options")
        record = Sent(
            method=method, chat_id=chat_key(param(params, "chat_id")),
            text=fields.get("text"), plain_text=fields.get("plain_text"),
            parse_mode=param(params, "parse_mode"), reply_markup=fields.get("reply_markup"),
            link_preview_options=preview if isinstance(preview, dict) else None,
            link_preview_disabled=bool(isinstance(preview, dict) and preview.get("is_disabled"))
            or bool_param(params, "disable_web_page_preview"),
            message_id=fields.get("message_id"), document_name=fields.get("document_name"),
            document_bytes=fields.get("document_bytes"), params=params, ts=time.monotonic())
        self._sent.append(record)
        return record

    def _stored_message(self, params: dict[str, Any], missing: str) -> dict[str, Any]:
        key = (self._target_chat(params), int_param(params, "message_id") or 0)
        message = self._messages.get(key)
        if message is None:
            raise bad(missing)
        return message

    # ------------------------------------------------------------------ Bot API methods
    def _m_getMe(self, params: dict[str, Any]) -> Any:
        return dict(BOT_USER)

    def _m_logOut(self, params: dict[str, Any]) -> Any:
        self._record_sent("logOut", params)
        return True

    def _m_close(self, params: dict[str, Any]) -> Any:
        self._record_sent("close", params)
        return True

    def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        url = param(params, "url") or ""
        if url and not url.startswith("https://"):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        self._webhook_url = url
        self._poll_generation += 1  # a running long poll is terminated
        if self._update_event is not None:
            self._update_event.set()  # handlers run on the server's loop
        self._record_sent("setWebhook", params)
        return True

    def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self._webhook_url = ""
        if bool_param(params, "drop_pending_updates"):
            if self._queue:
                self._confirmed = max(self._confirmed, self._queue[-1]["update_id"] + 1)
            self._queue = []
        self._record_sent("deleteWebhook", params)
        return True

    def _m_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        return {"url": self._webhook_url, "has_custom_certificate": False,
                "pending_update_count": len(self._queue)}

    def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = self._target_chat(params)
        text, plain = self._text(params, "text", 4096, "message text is empty",
                                 "message is too long")
        markup = self._markup(params)
        json_param(params, "link_preview_options")
        self._check_blocked(chat_id)
        self._check_rate("sendMessage", chat_id)
        inline = markup if markup and "inline_keyboard" in markup else None
        reply_to = self._reply_target(chat_id, params)
        message = self._new_message(chat_id, _bot_sender(), text=plain, reply_markup=inline,
                                    reply_to_message=reply_to)
        message["_source"] = (text, param(params, "parse_mode"))
        self._record_sent("sendMessage", params, text=text, plain_text=plain,
                          reply_markup=markup, message_id=message["message_id"])
        return _public(message)

    def _m_sendDocument(self, params: dict[str, Any]) -> Any:
        chat_id = self._target_chat(params)
        document = params.get("document")
        if document in (None, ""):
            raise bad("there is no document in the request")
        caption, plain = self._text(params, "caption", 1024, None, "message caption is too long")
        markup = self._markup(params)
        if isinstance(document, Upload):
            if not document.content:
                raise bad("file must be non-empty")
            if len(document.content) > 50 * 1024 * 1024:
                raise ApiError(413, "Request Entity Too Large")
            name, content, mime = document.filename, document.content, document.content_type
        else:
            name, content, mime = str(document).rsplit("/", 1)[-1], None, "application/octet-stream"
        self._check_blocked(chat_id)
        self._check_rate("sendDocument", chat_id)
        doc = {**self._file_fields("document", name, content or b""), "file_name": name,
               "mime_type": mime}
        inline = markup if markup and "inline_keyboard" in markup else None
        message = self._new_message(chat_id, _bot_sender(), document=doc, caption=plain or None,
            reply_markup=inline)
        self._record_sent("sendDocument", params, text=caption, plain_text=plain,
                          reply_markup=markup, message_id=message["message_id"],
                          document_name=name, document_bytes=content)
        return _public(message)

    def _m_editMessageText(self, params: dict[str, Any]) -> Any:
        text, plain = self._text(params, "text", 4096, "message text is empty",
                                 "message is too long")
        markup = self._markup(params)
        if param(params, "inline_message_id"):
            self._record_sent("editMessageText", params, text=text, plain_text=plain,
                              reply_markup=markup)
            return True
        message = self._stored_message(params, "message to edit not found")
        self._check_blocked(message["chat"]["id"])
        if message.get("from", {}).get("id") != BOT_ID or "text" not in message:
            raise bad("message can't be edited")
        inline = markup if markup and "inline_keyboard" in markup else None
        source = (text, param(params, "parse_mode"))
        if message.get("_source") == source and message.get("reply_markup") == inline:
            raise bad("message is not modified: specified new message content and reply "
                       "markup are exactly the same as a current content and reply markup "
                       "of the message")
        message.update(text=plain, _source=source, edit_date=int(time.time()))
        message.pop("reply_markup", None)
        if inline:
            message["reply_markup"] = inline
        self._record_sent("editMessageText", params, text=text, plain_text=plain,
                          reply_markup=markup, message_id=message["message_id"])
        return _public(message)

    def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        markup = self._markup(params)
        if param(params, "inline_message_id"):
            self._record_sent("editMessageReplyMarkup", params, reply_markup=markup)
            return True
        message = self._stored_message(params, "message to edit not found")
        self._check_blocked(message["chat"]["id"])
        if message.get("from", {}).get("id") != BOT_ID:
            raise bad("message can't be edited")
        if message.get("reply_markup") == markup:
            raise bad("message is not modified: specified new message content and reply "
                       "markup are exactly the same as a current content and reply markup "
                       "of the message")
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        self._record_sent("editMessageReplyMarkup", params, reply_markup=markup,
                          message_id=message["message_id"])
        return _public(message)

    def _m_deleteMessage(self, params: dict[str, Any]) -> Any:
        message = self._stored_message(params, "message to delete not found")
        del self._messages[(message["chat"]["id"], message["message_id"])]
        self._record_sent("deleteMessage", params, message_id=message["message_id"])
        return True

    def _m_sendChatAction(self, params: dict[str, Any]) -> Any:
        chat_id = self._target_chat(params)
        if param(params, "action") not in CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        self._check_blocked(chat_id)
        self._record_sent("sendChatAction", params, text=param(params, "action"))
        return True

    def _m_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        query_id = param(params, "callback_query_id") or ""
        if self._callbacks.get(query_id, True):
            raise bad(STALE_QUERY.removeprefix("Bad Request: "))
        text = param(params, "text")
        if text is not None and len(text) > 200:
            raise bad("MESSAGE_TOO_LONG")
        self._callbacks[query_id] = True
        answer = {"callback_query_id": query_id, "text": text,
                  "show_alert": bool_param(params, "show_alert"), "url": param(params, "url"),
                  "cache_time": int_param(params, "cache_time"), "ts": time.monotonic()}
        self._callback_answers.append(answer)
        self._record_sent("answerCallbackQuery", params, text=text)
        return True

    def _m_answerInlineQuery(self, params: dict[str, Any]) -> Any:
        query_id = param(params, "inline_query_id") or ""
        if self._inline_queries.get(query_id, True):
            raise bad(STALE_QUERY.removeprefix("Bad Request: "))
        results = json_param(params, "results")
        if not isinstance(results, list):
            raise bad("can't parse inline query results JSON object")
        if len(results) > 50:
            raise bad("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            result_id = str(result.get("id", "")) if isinstance(result, dict) else ""
            if not result_id or len(result_id.encode("utf-8")) > 64:
                raise bad("RESULT_ID_INVALID")
            if result_id in seen:
                raise bad("RESULT_ID_DUPLICATE")
            seen.add(result_id)
            content = result.get("input_message_content")
            if isinstance(content, dict) and "message_text" in content:
                self._text(content, "message_text", 4096, "MESSAGE_EMPTY", "MESSAGE_TOO_LONG")
            if "reply_markup" in result:
                self._markup({"reply_markup": result["reply_markup"]})
        self._inline_queries[query_id] = True
        answer = {"inline_query_id": query_id, "results": results,
                  "cache_time": int_param(params, "cache_time"),
                  "is_personal": bool_param(params, "is_personal"),
                  "next_offset": param(params, "next_offset"),
                  "button": json_param(params, "button"),
                  "ts": time.monotonic()}
        self._inline_answers.append(answer)
        self._record_sent("answerInlineQuery", params)
        return True

    def _commands_key(self, params: dict[str, Any]) -> tuple[str, str]:
        scope = json_param(params, "scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), param(params, "language_code") or ""

    def _m_setMyCommands(self, params: dict[str, Any]) -> Any:
        commands = json_param(params, "commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad("can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict) or not re.fullmatch(
                    r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[self._commands_key(params)] = commands
        self._record_sent("setMyCommands", params)
        return True

    def _m_getMyCommands(self, params: dict[str, Any]) -> Any:
        return self._commands.get(self._commands_key(params), [])

    def _m_deleteMyCommands(self, params: dict[str, Any]) -> Any:
        self._commands.pop(self._commands_key(params), None)
        self._record_sent("deleteMyCommands", params)
        return True

    def _m_setChatMenuButton(self, params: dict[str, Any]) -> Any:
        button = json_param(params, "menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in ("default", "commands",
                                                                      "web_app"):
            raise bad("can't parse menu button JSON object")
        self._menu_buttons[chat_key(param(params, "chat_id"))] = button
        self._record_sent("setChatMenuButton", params)
        return True

    def _m_getChatMenuButton(self, params: dict[str, Any]) -> Any:
        return self._menu_buttons.get(chat_key(param(params, "chat_id")), {"type": "commands"})

    def _m_getChat(self, params: dict[str, Any]) -> Any:
        return {**self._chat(self._target_chat(params)), "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                        "unique_gifts": False, "premium_subscription": False,
                                        "gifts_from_channels": False}}

    def _m_getFile(self, params: dict[str, Any]) -> Any:
        file_id = param(params, "file_id") or ""
        if file_id not in self._files:
            raise bad("invalid file_id")
        path, content = self._files[file_id]
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(content),
                "file_path": path}

    def _reply_target(self, chat_id: int | str, params: dict[str, Any]) -> dict[str, Any] | None:
        """The message a reply_parameters names, as Telegram embeds it in the reply."""
        wanted = json_param(params, "reply_parameters")
        if not isinstance(wanted, dict):
            return None
        original = self._messages.get((chat_key(wanted.get("chat_id")) or chat_id,
                                       int(wanted.get("message_id") or 0)))
        if original is None:
            if wanted.get("allow_sending_without_reply"):
                return None
            raise bad("message to be replied not found")
        return {k: v for k, v in _public(original).items() if k != "reply_to_message"}

    def _m_getChatMember(self, params: dict[str, Any]) -> Any:
        chat_id = self._target_chat(params)
        user_id = int_param(params, "user_id") or 0
        status = self._member_status.get((chat_id, user_id), "member")
        member: dict[str, Any] = {"status": status, "user": self._user(user_id)}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update({flag: True for flag in (
                "can_be_edited", "can_manage_chat", "can_delete_messages",
                "can_manage_video_chats", "can_restrict_members", "can_promote_members",
                "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
                "can_delete_stories")}, is_anonymous=False, can_be_edited=False)
        return member

    def _m_setMyDescription(self, params: dict[str, Any]) -> Any:
        return self._set_description("description", params, 512)

    def _m_setMyShortDescription(self, params: dict[str, Any]) -> Any:
        return self._set_description("short_description", params, 120)

    def _set_description(self, kind: str, params: dict[str, Any], limit: int) -> Any:
        text = param(params, kind) or ""
        if len(text) > limit:
            raise bad(f"BOT_{kind.upper()}_TOO_LONG".replace("SHORT_DESCRIPTION", "ABOUT"))
        self._descriptions[(kind, param(params, "language_code") or "")] = text
        self._record_sent(f"setMy{''.join(w.title() for w in kind.split('_'))}", params)
        return True

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        """getChatMember answers `status` ("creator", "administrator", "member", …)."""
        with self._lock:
            self._member_status[(chat_id, user_id)] = status

    def set_user_language(self, user_id: int, language_code: str) -> None:
        """The Telegram language of `user_id` in the updates pushed from now on."""
        with self._lock:
            self._user_languages[user_id] = language_code

    def description(self, kind: str = "description", language_code: str = "") -> str | None:
        with self._lock:
            return self._descriptions.get((kind, language_code))

    # ------------------------------------------------------------------ faults (thread-safe)
    def block_chat(self, chat_id: int | str) -> None:
        """Sends/edits to `chat_id` get 403 "Forbidden: bot was blocked by the user"."""
        with self._lock:
            self._blocked.add(chat_key(chat_id))  # type: ignore[arg-type]

    def unblock_chat(self, chat_id: int | str) -> None:
        with self._lock:
            self._blocked.discard(chat_key(chat_id))  # type: ignore[arg-type]

    def fail_next(self, method: str, code: int = 500, count: int = 1, *,
                  description: str | None = None, retry_after: int = 1) -> None:
        """The next `count` calls of `method` ("*" = any but getUpdates) fail with `code`."""
        if code == 429:
            error = ApiError(429, description or f"Too Many Requests: retry after {retry_after}",
                             retry_after)
        else:
            error = ApiError(code, description or _DEFAULT_DESCRIPTIONS.get(code)
                             or f"Error {code}")
        with self._lock:
            self._fail_next.setdefault(method, deque()).extend([error] * count)

    def set_random_faults(self, rate_500: float = 0.02, rate_429: float = 0.01,
                          retry_after: int = 1, seed: int | None = None,
                          methods: Iterable[str] | None = None) -> None:
        """Random 500/429 answers; methods=None means every method except getUpdates."""
        with self._lock:
            self._rate_500, self._rate_429 = rate_500, rate_429
            self._random_retry_after = retry_after
            self._rng = random.Random(seed)
            self._random_methods = frozenset(methods) if methods is not None else None

    def set_delay(self, seconds: float, methods: Iterable[str] | None = None) -> None:
        """Answer after `seconds`; methods=None means every method except getUpdates."""
        with self._lock:
            self._delay = seconds
            self._delay_methods = frozenset(methods) if methods is not None else None

    def enforce_rate_limit(self, max_per_second: int | None = 30,
                           per_chat_per_second: int | None = None) -> None:
        """429 (retry_after=1) for sends over the limits in a sliding one-second window."""
        with self._lock:
            self._max_per_second, self._per_chat_per_second = max_per_second, per_chat_per_second

    def drop_connection_next(self, method: str, *, count: int = 1,
                             after_processing: bool = False) -> None:
        """Close the socket instead of answering the next `count` calls of `method`.

        after_processing=True performs the call first (e.g. the message is sent) and then
        drops the answer, like a reply lost on the network.
        """
        with self._lock:
            self._drop_next.setdefault(method, deque()).extend([after_processing] * count)

    # ------------------------------------------------------------------ inspection
    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    @property
    def sent(self) -> list[Sent]:
        with self._lock:
            return list(self._sent)

    @property
    def callback_answers(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._callback_answers)

    @property
    def inline_answers(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._inline_answers)

    @property
    def rate_violations(self) -> list[RateViolation]:
        with self._lock:
            return list(self._rate_violations)

    @property
    def pushed_updates(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._pushed)

    def commands(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list[Any]:
        with self._lock:
            return list(self._commands.get(self._commands_key(
                {"scope": scope, "language_code": language_code}), []))

    @property
    def menu_buttons(self) -> dict[int | str | None, dict[str, Any]]:
        with self._lock:
            return dict(self._menu_buttons)

    def messages_to(self, chat_id: int | str) -> list[Sent]:
        """Accepted sendMessage/sendDocument calls to `chat_id`, oldest first."""
        key = chat_key(chat_id)
        with self._lock:
            return [s for s in self._sent if s.method in SEND_METHODS and s.chat_id == key]

    def updates_confirmed(self) -> int:
        """The highest getUpdates offset received: every update_id below it is confirmed."""
        with self._lock:
            return self._confirmed

    def pending_updates(self) -> int:
        with self._lock:
            return len(self._queue)

    def max_in_any_window(self, seconds: float = 1.0, chat_id: int | str | None = None) -> int:
        """Most accepted sends (sendMessage/sendDocument) inside any window of `seconds`."""
        key = chat_key(chat_id)
        with self._lock:
            times = sorted(s.ts for s in self._sent if s.method in SEND_METHODS
                           and (key is None or s.chat_id == key))
        best, start = 0, 0
        for end, ts in enumerate(times):
            while ts - times[start] >= seconds:
                start += 1
            best = max(best, end - start + 1)
        return best

    def clear_records(self) -> None:
        """Forget recorded calls, sends, answers and violations (state and faults stay)."""
        with self._lock:
            self._calls.clear()
            self._sent.clear()
            self._callback_answers.clear()
            self._inline_answers.clear()
            self._rate_violations.clear()

    # ------------------------------------------------------------------ waiting helpers
    async def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0,
                       interval: float = 0.01) -> T:
        """Poll `predicate()` until truthy; return its value or raise TimeoutError."""
        deadline = time.monotonic() + timeout
        while not (value := predicate()):
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition not met within {timeout}s; {self._recent()}")
            await asyncio.sleep(interval)
        return value

    def wait_for_sync(self, predicate: Callable[[], T], timeout: float = 5.0,
                      interval: float = 0.01) -> T:
        """Blocking variant of wait_for (not from the stand-in's own loop thread)."""
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not None and running is self._loop:
            raise RuntimeError("wait_for_sync would block the stand-in's loop; use wait_for")
        deadline = time.monotonic() + timeout
        while not (value := predicate()):
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition not met within {timeout}s; {self._recent()}")
            time.sleep(interval)
        return value

    async def wait_messages(self, chat_id: int | str, n: int = 1,
                            timeout: float = 5.0) -> list[Sent]:
        """Wait until at least `n` messages were sent to `chat_id`; return them all."""
        return await self.wait_for(
            lambda: (msgs if len(msgs := self.messages_to(chat_id)) >= n else None), timeout)

    def wait_messages_sync(self, chat_id: int | str, n: int = 1,
                           timeout: float = 5.0) -> list[Sent]:
        return self.wait_for_sync(
            lambda: (msgs if len(msgs := self.messages_to(chat_id)) >= n else None), timeout)

    def _recent(self) -> str:
        calls = [c for c in self.calls if c.method != "getUpdates"][-5:]
        return "last calls: " + (", ".join(f"{c.method}->{c.status}" for c in calls) or "none")


def _bot_sender() -> dict[str, Any]:
    return {key: BOT_USER[key] for key in ("id", "is_bot", "first_name", "username")}


def _public(message: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in message.items() if not key.startswith("_")}


_METHODS = {name[3:].lower(): name[3:] for name in dir(StandIn) if name.startswith("_m_")}
_METHODS["getupdates"] = "getUpdates"


def main() -> None:
    """Run a stand-alone stand-in until interrupted (for manual experiments and benchmarks)."""
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


if __name__ == "__main__":
    main()
