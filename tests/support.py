"""Constants and store reads the tests share: ``from tests.support import ROOT, ...``;
conftest.py has fixtures."""
from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from bot.clock import STOCKHOLM
from bot.storage import Store

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = ROOT / "knowledge"
SHARED = ROOT.parent / "shared"
# The call closed on 15 March 2020; "today" for most tests is before that, unless a test says so.
BEFORE_DEADLINE = datetime(2020, 2, 1, 12, 0, tzinfo=STOCKHOLM)
AFTER_DEADLINE = datetime(2026, 12, 1, 12, 0, tzinfo=STOCKHOLM)


# ---- what the store wrote, for assertions ---------------------------------------------------
# The bot reads through Store's methods; tests check the rows themselves, on the store's own
# connection (so they see exactly what it committed), with these few reads.
class StoredDelivery(NamedTuple):
    status: str
    attempts: int
    updated_at: datetime


class StoredCase(NamedTuple):
    state: str
    note: str | None


async def stored(store: Store, sql: str, *params: object) -> list[sqlite3.Row]:
    return await store._read(sql, params)


async def delivery(store: Store, chat_id: int, key: str) -> StoredDelivery | None:
    rows = await stored(store, "SELECT status, attempts, updated_at FROM deliveries"
                               " WHERE chat_id = ? AND key = ?", chat_id, key)
    return StoredDelivery(str(rows[0][0]), int(rows[0][1]), datetime.fromisoformat(rows[0][2])) \
        if rows else None


async def delivery_status(store: Store, chat_id: int, key: str) -> str | None:
    found = await delivery(store, chat_id, key)
    return found.status if found else None


async def delivered_keys(store: Store, chat_id: int) -> list[str]:
    """Keys successfully sent to the chat, sorted."""
    rows = await stored(store, "SELECT key FROM deliveries WHERE chat_id = ? AND status = 'sent'"
                               " ORDER BY key", chat_id)
    return [str(r[0]) for r in rows]


async def stored_case(store: Store, case_id: int) -> StoredCase | None:
    rows = await stored(store, "SELECT state, note FROM cases WHERE id = ?", case_id)
    return StoredCase(str(rows[0][0]), rows[0][1]) if rows else None


async def active_chats(store: Store) -> list[int]:
    rows = await stored(store, "SELECT chat_id FROM subscribers WHERE active = 1 ORDER BY chat_id")
    return [int(r[0]) for r in rows]
