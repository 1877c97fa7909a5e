"""The Bot API methods the stand-in answers (`_m_<method>`), and how they validate requests.

A mixin of `StandIn` (standin/server.py), whose __init__ holds the state used here. Each
`_m_<method>` runs under the stand-in's lock and returns the JSON `result` or raises `ApiError`.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from standin.markup import ParseError, check_reply_markup, utf16_len, visible_text
from standin.records import BOT_ID, BOT_USER, CHAT_ACTIONS, STALE_QUERY, Sent, _bot_sender, _public
from standin.wire import ApiError, Upload, bad, bool_param, chat_key, int_param, json_param, param


class BotApiMixin:
    """Bot API methods: sending, editing, answering queries, commands, webhooks, chats."""

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

    def description(self, kind: str = "description", language_code: str = "") -> str | None:
        with self._lock:
            return self._descriptions.get((kind, language_code))
