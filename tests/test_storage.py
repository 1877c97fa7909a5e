"""Store: real SQLite files in tmp_path; behaviour the bot and its operator rely on."""
from __future__ import annotations

import asyncio
import hashlib
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from bot.clock import parse_now
from bot.storage import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    StorageError,
    Store,
    StoreBusy,
    StoreUnwritable,
)
from tests.support import (
    active_chats,
    delivered_keys,
    delivery,
    delivery_status,
    stored,
    stored_case,
)

UTC = timezone.utc
Opener = Callable[..., Awaitable[Store]]
REPO = Path(__file__).resolve().parents[1]
T0 = parse_now("2020-03-15T09:00")  # Stockholm time


def at(text: str) -> datetime:
    return parse_now(text)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "nested" / "partnerbot.db"  # parent directories do not exist


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[Store]:
    s = await Store.open(db_path)
    yield s
    await s.close()


@pytest.fixture
async def open_store() -> AsyncIterator[Opener]:
    """Store.open that closes every store at teardown, even when the test fails (an open
    aiosqlite connection keeps a non-daemon thread alive and would hang the test run)."""
    opened: list[Store] = []

    async def _open(path: Path, **kwargs: Any) -> Store:
        s = await Store.open(path, **kwargs)
        opened.append(s)
        return s

    yield _open
    for s in opened:
        await s.close()


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def snapshot(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in directory.iterdir()}


async def collect(it: AsyncIterator[object]) -> list[object]:
    return [x async for x in it]


# -- opening, schema, migrations -----------------------------------------------------------

async def test_open_creates_directory_and_marks_the_file(store: Store, db_path: Path) -> None:
    assert db_path.is_file()
    con = raw(db_path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 1
    assert con.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_schema WHERE type='table'")}
    assert {"subscribers", "deliveries", "broadcasts", "unanswered", "question_days"} <= tables
    con.close()


async def test_migrations_are_idempotent_across_reopen(open_store: Opener,
                                                       db_path: Path) -> None:
    s = await open_store(db_path)
    await s.subscribe(1, "sv", T0)
    await s.close()
    con = raw(db_path)
    schema_sql = "SELECT type, name, sql FROM sqlite_schema ORDER BY name"
    schema_before = con.execute(schema_sql).fetchall()
    con.close()
    for _ in range(3):
        s = await open_store(db_path)
        assert (await s.get_subscriber(1)) is not None
        assert await s.count_active() == 1
        await s.close()
    con = raw(db_path)
    assert con.execute(schema_sql).fetchall() == schema_before
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    con.close()


async def test_an_empty_file_or_empty_sqlite_db_is_adopted(open_store: Opener,
                                                           tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    blank = tmp_path / "blank.db"
    con = raw(blank)
    con.execute("VACUUM")  # writes a valid one-page database with no tables
    con.close()
    assert blank.stat().st_size > 0
    for path in (empty, blank):
        s = await open_store(path)
        assert await s.subscribe(7, "en", T0) is True
        await s.close()
        assert raw(path).execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


@pytest.mark.parametrize("kind", ["random", "text", "tiny", "damaged_pages", "bad_freelist"])
async def test_corrupt_file_is_refused_and_left_untouched(open_store: Opener, tmp_path: Path,
                                                          kind: str) -> None:
    path = tmp_path / "bad.db"
    if kind in ("damaged_pages", "bad_freelist"):
        s = await open_store(path)
        for i in range(300):
            await s.subscribe(i, "sv", T0)
        await s.close()
        data = bytearray(path.read_bytes())
        if kind == "damaged_pages":
            data[4096 * 2:4096 * 3] = os.urandom(4096)  # a b-tree page turned to noise
        else:
            data[36:40] = (5).to_bytes(4, "big")  # header claims 5 free pages; there are none
        path.write_bytes(bytes(data))
    else:
        content = {"random": os.urandom(64 * 1024), "text": b"chat_id,language\n1,sv\n" * 50,
                   "tiny": b"x"}[kind]
        path.write_bytes(content)
    before = snapshot(tmp_path)
    with pytest.raises(StorageError) as err:
        await open_store(path)
    assert str(path) in str(err.value)
    assert not isinstance(err.value, (StoreBusy, StoreUnwritable))
    if kind in ("damaged_pages", "bad_freelist"):
        # SQLite may add its -wal/-shm side files; the database file itself must not change.
        assert snapshot(tmp_path)[path.name] == before[path.name]
    else:
        assert snapshot(tmp_path) == before  # byte-for-byte, and no side files created


@pytest.mark.parametrize("app_id", [0, 0x12345678])
async def test_foreign_sqlite_database_is_refused_and_left_untouched(
        open_store: Opener, tmp_path: Path, app_id: int) -> None:
    path = tmp_path / "other-app.sqlite"
    con = raw(path)
    con.execute(f"PRAGMA application_id = {app_id}")
    con.execute("CREATE TABLE foo (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("INSERT INTO foo (name) VALUES ('keep me')")
    con.close()
    before = snapshot(tmp_path)
    with pytest.raises(StorageError, match="another application") as err:
        await open_store(path)
    assert str(path) in str(err.value)
    assert snapshot(tmp_path) == before


async def test_foreign_wal_database_with_tables_is_refused(open_store: Opener,
                                                           tmp_path: Path) -> None:
    path = tmp_path / "wal-app.db"
    con = raw(path)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("CREATE TABLE foo (x)")
    con.close()
    before = path.read_bytes()
    with pytest.raises(StorageError, match="foo"):
        await open_store(path)
    assert path.read_bytes() == before


async def test_newer_schema_is_refused(open_store: Opener, db_path: Path) -> None:
    s = await open_store(db_path)
    await s.close()
    con = raw(db_path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.close()
    before = db_path.read_bytes()
    with pytest.raises(StorageError, match="upgrade Partnerbot"):
        await open_store(db_path)
    assert db_path.read_bytes() == before


async def test_directory_path_is_refused(open_store: Opener, tmp_path: Path) -> None:
    with pytest.raises(StorageError, match=str(tmp_path)):
        await open_store(tmp_path)


# -- subscribers ---------------------------------------------------------------------------

async def test_subscribe_unsubscribe_resubscribe(store: Store) -> None:
    assert await store.subscribe(42, "sv", at("2020-03-01T10:00")) is True
    sub = await store.get_subscriber(42)
    assert sub is not None and sub.active and sub.language == "sv"
    assert sub.subscribed_at == at("2020-03-01T10:00")
    assert sub.subscribed_at.utcoffset() == timedelta(0)
    assert sub.unsubscribed_at is None

    assert await store.subscribe(42, "en", at("2020-03-02T10:00")) is False  # already active
    sub = await store.get_subscriber(42)
    assert sub is not None and sub.language == "en" and sub.subscribed_at == at("2020-03-01T10:00")

    assert await store.unsubscribe(42, at("2020-03-03T10:00")) is True
    assert await store.unsubscribe(42, at("2020-03-04T10:00")) is False
    sub = await store.get_subscriber(42)
    assert sub is not None and not sub.active and sub.unsubscribed_at == at("2020-03-03T10:00")
    assert await store.count_active() == 0

    assert await store.subscribe(42, "sv", at("2020-03-05T10:00")) is True  # re-activated
    sub = await store.get_subscriber(42)
    assert sub is not None and sub.active and sub.unsubscribed_at is None
    assert sub.subscribed_at == at("2020-03-05T10:00")
    assert await store.count_active() == 1
    assert await store.get_subscriber(43) is None
    assert await store.unsubscribe(43, T0) is False


async def test_deactivate_after_block(store: Store) -> None:
    await store.subscribe(5, "sv", T0)
    await store.deactivate(5, T0 + timedelta(days=1))
    sub = await store.get_subscriber(5)
    assert sub is not None and not sub.active
    assert await active_chats(store) == []


async def test_bad_input_is_rejected(store: Store) -> None:
    with pytest.raises(ValueError):
        await store.subscribe(1, "de", T0)
    with pytest.raises(ValueError, match="naive"):
        await store.subscribe(1, "sv", datetime(2020, 3, 15, 9, 0))
    with pytest.raises(ValueError):
        await store.finish(1, "k", "delivered", T0)
    assert await store.count_active() == 0


async def test_concurrent_writers_on_one_store(store: Store) -> None:
    results = await asyncio.gather(*(store.subscribe(i, "sv", T0) for i in range(200)),
                                   *(store.claim(i, "k", T0) for i in range(200)))
    assert all(results)
    assert await store.count_active() == 200
    assert (await store.count_deliveries("k")) == {"pending": 200}


async def test_recipients_of_20000_rows_in_order(store: Store, db_path: Path) -> None:
    ids = list(range(-10_000, 10_000))  # group chats have negative ids
    # Bulk-load through a second connection to keep the test fast; the Store reads it back.
    con = raw(db_path)
    con.execute("BEGIN")
    con.executemany("INSERT INTO subscribers VALUES (?, 'sv', ?, ?, NULL)",
                    [(i, "2020-03-01T00:00:00.000000+00:00", 0 if i % 1000 == 7 else 1)
                     for i in ids])
    con.execute("COMMIT")
    con.close()
    expected = [i for i in ids if i % 1000 != 7]
    got = [chat async for chat, _ in store.recipient_languages("k", batch=1000)]
    assert got == expected
    assert await store.count_active() == len(expected)
    assert [chat async for chat, _ in store.recipient_languages("k", batch=7)] == expected


async def test_recipients_are_read_lazily_page_by_page(store: Store) -> None:
    for i in range(1, 6):
        await store.subscribe(i, "sv", T0)
    it = store.recipient_languages("k", batch=2)
    seen = [(await it.__anext__())[0]]
    await store.subscribe(100, "en", T0)  # arrives while we iterate: a later page sees it
    await store.unsubscribe(5, T0)        # leaves before its page is read
    seen += [chat async for chat, _ in it]
    assert seen == [1, 2, 3, 4, 100]


# -- deliveries ----------------------------------------------------------------------------

async def test_claim_and_finish(store: Store) -> None:
    key = "reminder:2020-03-15:d7"
    assert await delivery_status(store, 1, key) is None
    assert await store.claim(1, key, T0) is True
    assert await delivery_status(store, 1, key) == "pending"
    await store.finish(1, key, "sent", T0)
    assert await store.claim(1, key, T0) is False
    assert await delivery_status(store, 1, key) == "sent"
    await store.finish(1, key, "failed", T0)  # a sent message can never become unsent
    assert await delivery_status(store, 1, key) == "sent"

    assert await store.claim(2, key, T0) is True
    await store.finish(2, key, "blocked", T0)
    assert await store.claim(2, key, T0) is False

    assert await store.claim(3, key, T0) is True
    await store.finish(3, key, "failed", T0)
    assert await store.claim(3, key, T0 + timedelta(minutes=5)) is True  # failed: retry
    d = await delivery(store, 3, key)
    assert d is not None and (d.status, d.attempts) == ("pending", 2)
    assert d.updated_at == T0 + timedelta(minutes=5)
    assert await store.claim(1, "other-key", T0) is True  # keys are independent


async def test_pending_left_by_a_crash_is_reclaimed(open_store: Opener, db_path: Path) -> None:
    s = await open_store(db_path)
    assert await s.claim(9, "broadcast:1", T0) is True
    await s.close()  # "crash" before finish()
    s = await open_store(db_path)
    assert await s.claim(9, "broadcast:1", T0 + timedelta(minutes=1)) is True
    d = await delivery(s, 9, "broadcast:1")
    assert d is not None and (d.status, d.attempts) == ("pending", 2)
    await s.finish(9, "broadcast:1", "sent", T0)
    assert await delivered_keys(s, 9) == ["broadcast:1"]
    await s.close()


async def test_recipients_exclude_sent_blocked_inactive(store: Store) -> None:
    key = "reminder:2020-03-15:d7"
    for chat in (-100123, 1, 2, 3, 4, 5, 6):
        await store.subscribe(chat, "sv", at("2020-03-01T12:00"))
    await store.claim(1, key, T0)
    await store.finish(1, key, "sent", T0)
    await store.claim(2, key, T0)
    await store.finish(2, key, "blocked", T0)
    await store.claim(3, key, T0)
    await store.finish(3, key, "failed", T0)   # still owed
    await store.claim(4, key, T0)              # pending: still owed
    await store.unsubscribe(5, T0)
    await store.claim(6, "another", T0)
    await store.finish(6, "another", "sent", T0)
    for batch in (1, 2, 1000):
        assert await collect(store.recipients(key, batch=batch)) == [-100123, 3, 4, 6]


async def test_recipients_honour_subscribed_before(store: Store) -> None:
    await store.subscribe(1, "sv", at("2020-03-01T12:00"))
    await store.subscribe(2, "sv", at("2020-03-10T12:00"))
    await store.subscribe(3, "sv", at("2020-03-10T12:00:00.000001"))
    cutoff = at("2020-03-10T11:00+00:00")  # == 12:00 Stockholm: inclusive boundary
    assert await collect(store.recipients("k", subscribed_before=cutoff)) == [1, 2]
    assert await collect(store.recipients("k")) == [1, 2, 3]


async def test_recipients_while_sending(store: Store) -> None:
    for chat in range(50):
        await store.subscribe(chat, "sv", T0)
    sent = []
    async for chat in store.recipients("broadcast:1", batch=7):
        assert await store.claim(chat, "broadcast:1", T0)
        await store.finish(chat, "broadcast:1", "sent", T0)
        sent.append(chat)
    assert sent == list(range(50))
    assert await collect(store.recipients("broadcast:1")) == []
    assert await store.count_deliveries("broadcast:1") == {"sent": 50}


# -- GDPR ----------------------------------------------------------------------------------

async def test_forget_chat_leaves_nothing_about_the_chat(store: Store, db_path: Path) -> None:
    await store.subscribe(77, "sv", T0)
    await store.subscribe(78, "en", T0)
    for chat in (77, 78):
        await store.claim(chat, "reminder:a", T0)
        await store.finish(chat, "reminder:a", "sent", T0)
        await store.claim(chat, "broadcast:1", T0)
    await store.record_questions([], [("Hur söker man?", T0)])
    await store.record_questions([(T0, 1)], [])
    case, _ = await store.open_case("77:m5", 77, "sv", "Vad kostar det?", T0)   # issue 12
    await store.link_case_message(-100123, 9, case.id)
    await store.link_case_message(77, 12, case.id)
    await store.add_case_answer(case.id, "staff", "Fråga ICLD.", T0)

    report = await store.chat_report(77)
    assert report["subscriber"]["chat_id"] == 77 and len(report["deliveries"]) == 2
    assert [c["question"] for c in report["cases"]] == ["Vad kostar det?"]

    assert await store.forget_chat(77) == 4
    assert await store.chat_report(77) == {"subscriber": None, "deliveries": [], "cases": []}
    assert await store.case_for_message(-100123, 9) is None
    assert await store.get_subscriber(77) is None
    con = raw(db_path)
    for (table,) in con.execute("SELECT name FROM sqlite_schema WHERE type = 'table'"):
        columns = [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
        if "chat_id" in columns:
            count = con.execute(f"SELECT COUNT(*) FROM {table} WHERE chat_id = 77").fetchone()
            assert count == (0,), table
        else:  # tables without a chat column must not contain the chat id anywhere
            for row in con.execute(f"SELECT * FROM {table}"):
                assert "77" not in " ".join(map(str, row)), (table, row)
    con.close()
    assert (await store.get_subscriber(78)) is not None  # others untouched
    assert await delivered_keys(store, 78) == ["reminder:a"]
    assert await store.forget_chat(77) == 0


async def test_questions_are_not_linked_to_any_chat(store: Store, db_path: Path) -> None:
    con = raw(db_path)
    for table in ("unanswered", "question_days", "broadcasts"):
        columns = {r[1] for r in con.execute(f"PRAGMA table_info({table})")}
        assert not columns & {"chat_id", "user_id", "username", "name"}, table
    con.close()


async def test_chat_report_lists_everything_stored(store: Store) -> None:
    await store.subscribe(5, "en", at("2020-03-01T10:00"))
    await store.claim(5, "reminder:x", at("2020-03-02T10:00"))
    await store.finish(5, "reminder:x", "sent", at("2020-03-02T10:00:05"))
    report = await store.chat_report(5)
    assert report == {
        "subscriber": {"chat_id": 5, "language": "en", "active": True,
                       "subscribed_at": "2020-03-01T09:00:00.000000+00:00",
                       "unsubscribed_at": None},
        "deliveries": [{"key": "reminder:x", "status": "sent", "attempts": 1,
                        "updated_at": "2020-03-02T09:00:05.000000+00:00"}],
        "cases": [],
    }


# -- questions -----------------------------------------------------------------------------

async def test_unanswered_grouped_and_ordered_by_frequency(store: Store) -> None:
    asks = [("Kan vi söka med Kenya?", "2020-03-01T10:00"),
            ("kan vi  söka med KENYA?", "2020-03-02T10:00"),
            ("Vad kostar det?", "2020-03-03T10:00"),
            ("  Kan vi söka med kenya? ", "2020-03-04T10:00"),
            ("Får man ha två partner?", "2020-03-05T10:00"),
            ("får man ha två partner?", "2020-03-06T10:00"),
            ("   ", "2020-03-07T10:00")]  # blank: ignored
    for text, when in asks:
        await store.record_questions([], [(text, at(when))])
    top = await store.top_unanswered()
    assert [(t.casefold(), n) for t, n, _ in top] == [
        ("kan vi söka med kenya?", 3), ("får man ha två partner?", 2), ("vad kostar det?", 1)]
    assert top[0][0] == "Kan vi söka med kenya?"  # latest wording, whitespace tidied
    assert top[0][2] == at("2020-03-04T10:00")
    assert len(await store.top_unanswered(limit=1)) == 1
    assert await store.prune(at("2020-03-04T00:00")) == 3
    assert [(t.casefold(), n) for t, n, _ in await store.top_unanswered()] == [
        ("får man ha två partner?", 2), ("kan vi söka med kenya?", 1)]


async def test_question_counter_uses_the_stockholm_day(store: Store) -> None:
    await store.record_questions([(datetime(2020, 3, 14, 22, 59, tzinfo=UTC), 1)], [])  # 23:59 CET, 14th
    await store.record_questions([(datetime(2020, 3, 14, 23, 30, tzinfo=UTC), 1)], [])  # 00:30 CET, 15th
    await store.record_questions([(at("2020-03-15T23:59"), 1)], [])
    await store.record_questions([(datetime(2020, 6, 30, 22, 30, tzinfo=UTC), 1)], [])  # 00:30 CEST, 1 July
    assert await store.questions_on(date(2020, 3, 14)) == 1
    assert await store.questions_on(date(2020, 3, 15)) == 2
    assert await store.questions_on(date(2020, 6, 30)) == 0
    assert await store.questions_on(date(2020, 7, 1)) == 1
    assert (await stored(store, "SELECT SUM(count) FROM question_days"))[0][0] == 4


# -- broadcasts and stats ------------------------------------------------------------------

async def test_broadcast_lifecycle(store: Store) -> None:
    first = await store.create_broadcast("Hej! Ansökan stänger snart.", T0)
    second = await store.create_broadcast("Påminnelse", T0 + timedelta(hours=1))
    assert second > first
    assert [(b.id, b.text) for b in await store.unfinished_broadcasts()] == [
        (first, "Hej! Ansökan stänger snart."), (second, "Påminnelse")]
    await store.finish_broadcast(first, T0 + timedelta(hours=2))
    assert [b.id for b in await store.unfinished_broadcasts()] == [second]


async def test_counts(store: Store) -> None:
    await store.subscribe(1, "sv", T0)
    await store.subscribe(2, "sv", T0)
    await store.unsubscribe(2, T0)
    await store.claim(1, "k", T0)
    await store.claim(2, "k", T0)
    await store.finish(2, "k", "failed", T0)
    assert await store.count_active() == 1
    assert await store.count_deliveries("k") == {"pending": 1, "failed": 1}


# -- locking, read-only, disk full -------------------------------------------------------

def _hold_exclusive(path: Path, seconds: float, ready: threading.Event) -> None:
    con = sqlite3.connect(path, isolation_level=None, timeout=0)
    con.execute("BEGIN EXCLUSIVE")
    ready.set()
    time.sleep(seconds)
    con.execute("COMMIT")
    con.close()


async def _locked_for(path: Path, seconds: float) -> threading.Thread:
    ready = threading.Event()
    holder = threading.Thread(target=_hold_exclusive, args=(path, seconds, ready))
    holder.start()
    assert await asyncio.to_thread(ready.wait, 5)
    return holder


async def test_waits_for_a_short_lock(open_store: Opener, db_path: Path) -> None:
    s = await open_store(db_path, busy_timeout=3)
    holder = await _locked_for(db_path, 0.5)
    started = time.monotonic()
    assert await s.subscribe(1, "sv", T0) is True
    waited = time.monotonic() - started
    await asyncio.to_thread(holder.join)
    assert waited >= 0.3  # it really did wait for the other writer
    assert await s.count_active() == 1
    await s.close()


async def test_long_lock_raises_store_busy(open_store: Opener, db_path: Path) -> None:
    s = await open_store(db_path, busy_timeout=0.2)
    await s.subscribe(1, "sv", T0)
    holder = await _locked_for(db_path, 2.0)
    try:
        assert await s.count_active() == 1  # reading still works during the lock (WAL)
        started = time.monotonic()
        with pytest.raises(StoreBusy) as err:
            await s.subscribe(2, "sv", T0)
        assert time.monotonic() - started < 1.5
        assert str(db_path) in str(err.value) and "locked" in str(err.value)
        with pytest.raises(StoreBusy):
            await s.claim(1, "k", T0)
    finally:
        await asyncio.to_thread(holder.join)
    assert await s.subscribe(2, "sv", T0) is True  # usable again once the lock is gone
    await s.close()


async def test_read_only_store_refuses_writes(open_store: Opener, db_path: Path) -> None:
    s = await open_store(db_path)
    await s.subscribe(1, "sv", T0)
    await s.close()
    before = db_path.read_bytes()
    ro = await open_store(db_path, read_only=True)
    assert await ro.count_active() == 1
    with pytest.raises(StoreUnwritable) as err:
        await ro.subscribe(2, "sv", T0)
    assert str(db_path) in str(err.value)
    with pytest.raises(StoreUnwritable):
        await ro.record_questions([(T0, 1)], [])
    assert await ro.count_active() == 1
    await ro.close()
    assert db_path.read_bytes() == before


async def test_read_only_open_of_missing_file_fails(open_store: Opener,
                                                    tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="no Partnerbot database"):
        await open_store(tmp_path / "missing.db", read_only=True)
    assert not (tmp_path / "missing.db").exists()


_DISK_FULL_SCRIPT = """
import asyncio, resource, signal, sys
from datetime import datetime, timezone
from bot.storage import Store, StoreUnwritable
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead

async def main() -> None:
    store = await Store.open(sys.argv[1])
    try:
        now = datetime(2020, 3, 15, tzinfo=timezone.utc)
        await store.subscribe(1, "sv", now)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, resource.RLIM_INFINITY))
        try:
            for i in range(100_000):
                await store.record_questions([], [(f"question {i} " + "x" * 400, now)])
        except StoreUnwritable as exc:
            print("UNWRITABLE", exc)
            print("ACTIVE", await store.count_active())
    finally:
        await store.close()

asyncio.run(main())
"""


def test_disk_full_raises_store_unwritable(tmp_path: Path) -> None:
    # A file-size limit makes writes fail even for root, like a full disk.
    path = tmp_path / "full.db"
    done = subprocess.run([sys.executable, "-c", _DISK_FULL_SCRIPT, str(path)], cwd=REPO,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    assert f"UNWRITABLE {path}: " in done.stdout
    assert "ACTIVE 1" in done.stdout  # what was committed before is still readable


# -- backup --------------------------------------------------------------------------------

async def test_backup_while_another_connection_writes(open_store: Opener, store: Store,
                                                      db_path: Path, tmp_path: Path) -> None:
    for chat in range(500):
        await store.subscribe(chat, "sv", T0)
    stop = threading.Event()
    written = []

    def writer() -> None:
        con = sqlite3.connect(db_path, isolation_level=None, timeout=5)
        i = 0
        while not stop.is_set() and i < 20_000:
            con.execute("INSERT INTO unanswered (text, norm, asked_at) VALUES (?, ?, ?)",
                        (f"q{i}", f"q{i}", "2020-03-15T08:00:00.000000+00:00"))
            i += 1
            written.append(i)
            time.sleep(0.001)  # a busy but fair writer: SQLite's busy handler polls
        con.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 50:
            await asyncio.sleep(0.01)
        dest = tmp_path / "backups" / "2020-03-15.db"
        await asyncio.gather(store.backup(dest), store.subscribe(10_000, "en", T0))
    finally:
        stop.set()
        await asyncio.to_thread(thread.join)
    assert not dest.with_name(dest.name + ".partial").exists()
    con = raw(dest)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one standalone file
    assert con.execute("SELECT COUNT(*) FROM unanswered").fetchone()[0] >= 50
    con.close()
    restored = await open_store(dest)  # a backup opens as a normal Partnerbot database
    assert await restored.count_active() in (500, 501)
    assert (await restored.get_subscriber(499)) is not None
    await restored.close()


async def test_backup_refuses_to_overwrite_the_live_file(store: Store, db_path: Path) -> None:
    await store.subscribe(1, "sv", T0)
    with pytest.raises(StorageError, match="onto itself"):
        await store.backup(db_path)
    assert await store.count_active() == 1


# -- cases (issue 12: a person to ask) ---------------------------------------------------------

async def test_cases_one_per_token_scrubbed_listed_open_first_and_pruned_after_closing(
        store: Store) -> None:
    first, new = await store.open_case("5:m1", 5, "sv", "Ring mig på 070-123 45 67", T0)
    again, new2 = await store.open_case("5:m1", 5, "sv", "något annat", T0)
    assert new and not new2 and again.id == first.id and first.question == "Ring mig på [telefon]"
    second, _ = await store.open_case("6:m1", 6, "en", "Older?", T0 - timedelta(hours=1))
    third, _ = await store.open_case("7:u3", 7, "sv", "Third", T0 + timedelta(hours=1))
    await store.add_case_answer(second.id, "staff", "Yes.", T0)                # 1 h to answer
    await store.add_case_answer(third.id, "staff", "Ja.", T0 + timedelta(hours=4))   # 3 h
    assert [c.id for c in await store.list_cases()] == [first.id, second.id, third.id]
    assert [c.state for c in await store.list_cases()] == ["open", "answered", "answered"]
    assert await store.case_stats() == (1, timedelta(hours=2))               # median of 1 h, 3 h
    assert await store.close_case(second.id, T0) and not await store.close_case(second.id, T0)
    assert await store.prune(T0 + timedelta(days=1) - timedelta(days=90)) == 0
    assert await store.prune(T0 + timedelta(days=91) - timedelta(days=90)) == 1
    assert await stored_case(store, second.id) is None and await stored_case(store, first.id) is not None
