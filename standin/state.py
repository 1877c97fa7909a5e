"""The stand-in's chats, messages and update queue, and the push_* calls that inject updates.

A mixin of `StandIn` (standin/server.py), whose __init__ holds the state used here.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from standin.markup import command_entities
from standin.records import (BOT_ID, BOT_USERNAME, CONFLICT, DEFAULT_UPDATES_EXCLUDED, _bot_sender,
                             _public)
from standin.wire import ApiError, int_param, json_param, param

_GONE = object()  # a long poll whose client disconnected before it was answered


class UpdatesMixin:
    """Updates (getUpdates long polls), the chats and messages they carry, and injecting them."""

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

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        """getChatMember answers `status` ("creator", "administrator", "member", …)."""
        with self._lock:
            self._member_status[(chat_id, user_id)] = status

    def set_user_language(self, user_id: int, language_code: str) -> None:
        """The Telegram language of `user_id` in the updates pushed from now on."""
        with self._lock:
            self._user_languages[user_id] = language_code
