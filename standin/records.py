"""What the Bot API stand-in knows about its bot and what it records: constants, `Call`, `Sent`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from standin.wire import chat_key, param

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


def _bot_sender() -> dict[str, Any]:
    return {key: BOT_USER[key] for key in ("id", "is_bot", "first_name", "username")}


def _public(message: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in message.items() if not key.startswith("_")}
