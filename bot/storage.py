"""The one module that owns all SQL: subscribers, delivery ledger, broadcasts, question stats.

GDPR: only Telegram chat ids, a language code and timestamps are stored about a chat. Question
texts (unanswered, 👎 feedback) and counters are never linked to a chat, and a text is scrubbed
of phone numbers, e-mail addresses, names… (`bot.privacy.scrub`) before it is written; `prune`
removes texts older than the retention period. `forget_chat` erases a chat fully.
Times are stored as fixed-width UTC ISO-8601 text, so text order is time order.
"""
from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

import aiosqlite

from bot.answers.normalize import MAX_QUESTION_CHARS  # a stored question: what the engine reads
from bot.clock import local_day, to_utc
from bot.privacy import scrub

APPLICATION_ID = 0x50544E42  # "PTNB" in PRAGMA application_id marks a Partnerbot database
SQLITE_MAGIC = b"SQLite format 3\x00"
LANGUAGES = ("sv", "en")
MAX_CASE_CHARS = 2000      # a question handed to a person may be longer than a logged one

# Append-only: entry i upgrades user_version i -> i+1. Never edit a shipped entry.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        "CREATE TABLE subscribers (chat_id INTEGER PRIMARY KEY,"
        " language TEXT NOT NULL CHECK (language IN ('sv', 'en')),"
        " subscribed_at TEXT NOT NULL, active INTEGER NOT NULL CHECK (active IN (0, 1)),"
        " unsubscribed_at TEXT)",
        "CREATE TABLE deliveries (chat_id INTEGER NOT NULL, key TEXT NOT NULL,"
        " status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'blocked', 'failed')),"
        " attempts INTEGER NOT NULL, updated_at TEXT NOT NULL,"
        " PRIMARY KEY (chat_id, key)) WITHOUT ROWID",
        "CREATE INDEX deliveries_key_status ON deliveries (key, status)",
        # AUTOINCREMENT: a broadcast id (used in delivery keys) is never reused.
        "CREATE TABLE broadcasts (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL,"
        " created_at TEXT NOT NULL, finished_at TEXT)",
        "CREATE TABLE unanswered (id INTEGER PRIMARY KEY, text TEXT NOT NULL,"
        " norm TEXT NOT NULL, asked_at TEXT NOT NULL)",
        "CREATE INDEX unanswered_norm ON unanswered (norm)",
        "CREATE TABLE question_days (day TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID",
    ),
    (   # 2: one delivery pass at a time across processes (the bot and `send-reminders`)
        "CREATE TABLE leases (name TEXT PRIMARY KEY, owner TEXT NOT NULL,"
        " expires_at TEXT NOT NULL) WITHOUT ROWID",
    ),
    (   # 3: 👎 on an answer (question scrubbed, which answer; never who), and pruning by age
        "CREATE TABLE feedback (id INTEGER PRIMARY KEY, text TEXT NOT NULL, norm TEXT NOT NULL,"
        " answer TEXT NOT NULL, asked_at TEXT NOT NULL)",
        "CREATE INDEX feedback_asked_at ON feedback (asked_at)",
        "CREATE INDEX unanswered_asked_at ON unanswered (asked_at)",
    ),
    (   # 4: questions handed to a person (PARTNERBOT_HANDOFF_CHAT). The chat id only routes the
        # answers back; the question is scrubbed. `token` makes a second confirm press no second
        # case. case_messages maps the posts in the staff group and the relayed answers in the
        # user's chat to their case, so replies to either find it.
        "CREATE TABLE cases (id INTEGER PRIMARY KEY AUTOINCREMENT, token TEXT NOT NULL UNIQUE,"
        " chat_id INTEGER NOT NULL, language TEXT NOT NULL CHECK (language IN ('sv', 'en')),"
        " question TEXT NOT NULL, asked_at TEXT NOT NULL,"
        " state TEXT NOT NULL CHECK (state IN ('open', 'answered', 'closed')),"
        " answered_at TEXT, closed_at TEXT, note TEXT)",
        "CREATE INDEX cases_chat ON cases (chat_id)",
        "CREATE INDEX cases_state ON cases (state, asked_at)",
        "CREATE TABLE case_answers (id INTEGER PRIMARY KEY,"
        " case_id INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,"
        " author TEXT NOT NULL CHECK (author IN ('staff', 'user')), text TEXT NOT NULL,"
        " at TEXT NOT NULL)",
        "CREATE INDEX case_answers_case ON case_answers (case_id)",
        "CREATE TABLE case_messages (chat_id INTEGER NOT NULL, message_id INTEGER NOT NULL,"
        " case_id INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,"
        " PRIMARY KEY (chat_id, message_id)) WITHOUT ROWID",
        "CREATE INDEX case_messages_case ON case_messages (case_id)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


class StorageError(Exception):
    """A plain-English operator message that names the database file."""


class StoreBusy(StorageError):
    """The database stayed locked by another connection longer than the busy timeout."""


class StoreUnwritable(StorageError):
    """The database cannot be written: read-only file/connection, disk full or I/O error."""


@dataclass(frozen=True)
class Subscriber:
    chat_id: int
    language: str
    subscribed_at: datetime
    active: bool
    unsubscribed_at: datetime | None


class DeliveryStatus(StrEnum):
    """A delivery row's state; the values are what the database stores (and checks)."""
    PENDING = "pending"      # claimed, being sent (or the process died while sending)
    SENT = "sent"
    BLOCKED = "blocked"      # the user blocked the bot: deactivated, never retried
    FAILED = "failed"        # not delivered: the next pass retries it


FINAL = frozenset({DeliveryStatus.SENT, DeliveryStatus.BLOCKED, DeliveryStatus.FAILED})


@dataclass(frozen=True)
class Broadcast:
    id: int
    text: str
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class Case:
    """A question handed to a person. ``chat_id`` is only for routing the answers back."""
    id: int
    chat_id: int
    language: str
    question: str
    asked_at: datetime
    state: str                      # 'open' | 'answered' | 'closed'
    answered_at: datetime | None    # the first staff answer
    closed_at: datetime | None
    note: str | None


@dataclass(frozen=True)
class CaseAnswer:
    author: str                     # 'staff' | 'user' (a user's reply to a relayed answer)
    text: str
    at: datetime


class _Result(NamedTuple):
    rows: list[sqlite3.Row]
    rowcount: int
    lastrowid: int | None


def _ts(dt: datetime) -> str:
    return to_utc(dt).isoformat(timespec="microseconds")


def _dt(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def _uri(path: Path, mode: str) -> str:
    return f"file:{quote(str(path.absolute()))}?mode={mode}"


def _translate(path: Path, exc: sqlite3.Error, busy_timeout: float) -> StorageError | None:
    """Map a sqlite3 error to our exceptions; None means "a bug, re-raise as is"."""
    if isinstance(exc, (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError)):
        return None
    name = getattr(exc, "sqlite_errorname", "") or ""
    msg = str(exc).lower()
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in msg or "busy" in msg:
        return StoreBusy(f"{path}: the database is locked by another program and stayed locked "
                         f"longer than the busy timeout ({busy_timeout:g} s); is a second "
                         "Partnerbot or a backup tool using the same file?")
    if name.startswith("SQLITE_READONLY") or "readonly" in msg:
        return StoreUnwritable(f"{path}: cannot write to the database ({exc}); check that the "
                               "file and its directory are writable")
    if name.startswith("SQLITE_FULL") or "disk is full" in msg:
        return StoreUnwritable(f"{path}: the disk is full, nothing was saved; free some space")
    if name.startswith("SQLITE_IOERR") or "disk i/o error" in msg:
        return StoreUnwritable(f"{path}: disk I/O error while using the database ({exc}); "
                               "check the disk and free space")
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return StorageError(f"{path}: the database file is damaged ({exc}); restore a backup")
    if name.startswith("SQLITE_CANTOPEN"):
        return StorageError(f"{path}: cannot open or create the database file ({exc})")
    return StorageError(f"{path}: database error: {exc}")


def _classify(path: Path, app_id: int, version: int, tables: Sequence[str] | None) -> None:
    """Refuse a database that is not (an empty one or) Partnerbot's own."""
    if app_id == APPLICATION_ID:
        if version > SCHEMA_VERSION:
            raise StorageError(f"{path}: the database has schema version {version}, but this "
                               f"Partnerbot only knows up to {SCHEMA_VERSION}; upgrade Partnerbot")
        return
    if app_id == 0 and version == 0 and tables is not None and not tables:
        return  # an empty SQLite file: safe to initialise
    what = "" if tables is None else f", tables: {', '.join(tables[:5])}"
    raise StorageError(f"{path}: this is a SQLite database of another application "
                       f"(application_id={app_id}, user_version={version}{what}); "
                       "Partnerbot will not modify it. Point PARTNERBOT_DB at another file.")


async def _sql_header(db: aiosqlite.Connection) -> tuple[int, int, list[str]]:
    app_id = (await db.execute_fetchall("PRAGMA application_id"))[0][0]  # type: ignore[index]
    version = (await db.execute_fetchall("PRAGMA user_version"))[0][0]  # type: ignore[index]
    rows = await db.execute_fetchall(
        "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
    return int(app_id), int(version), [str(r[0]) for r in rows]


async def _inspect(path: Path, busy_timeout: float) -> None:
    """Check an existing file without writing it; raise StorageError unless safe to open.

    The 100-byte file header is read directly first, so a non-SQLite file or another
    application's database is refused before SQLite touches it. Otherwise a read-only
    (mode=ro) connection lists the tables and runs PRAGMA quick_check.
    """
    try:
        with path.open("rb") as fh:
            header = fh.read(100)
    except OSError as exc:
        raise StorageError(f"{path}: cannot read the database file ({exc.strerror})") from exc
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        raise StorageError(f"{path}: this file is not a SQLite database (corrupt or some other "
                           "kind of file); Partnerbot will not touch it. Restore a backup or "
                           "point PARTNERBOT_DB at another file.")
    version = int.from_bytes(header[60:64], "big", signed=True)
    app_id = int.from_bytes(header[68:72], "big", signed=True)
    if app_id != APPLICATION_ID and (app_id, version) != (0, 0):
        _classify(path, app_id, version, None)
    try:
        async with aiosqlite.connect(_uri(path, "ro"), uri=True, timeout=busy_timeout) as ro:
            _classify(path, *await _sql_header(ro))
            check = [str(r[0]) for r in await ro.execute_fetchall("PRAGMA quick_check")]
    except sqlite3.Error as exc:
        raise (_translate(path, exc, busy_timeout) or StorageError(f"{path}: {exc}")) from exc
    if check != ["ok"]:
        raise StorageError(f"{path}: the database file is corrupt ({'; '.join(check[:3])}); "
                           "Partnerbot will not modify it. Restore a backup.")


class Store:
    """One aiosqlite connection; an asyncio.Lock keeps each statement/transaction whole."""

    def __init__(self, db: aiosqlite.Connection, path: Path, busy_timeout: float) -> None:
        self._db = db
        self._path = path
        self._busy_timeout = busy_timeout
        self._lock = asyncio.Lock()
        self._closed = False

    @classmethod
    async def open(cls, path: str | Path, *, busy_timeout: float = 5.0,
                   read_only: bool = False) -> Store:
        """Open (creating file and parent directory if missing) and migrate the database.

        read_only=True opens an existing, current database for reports; writes then raise
        StoreUnwritable. A foreign, corrupt or non-SQLite file raises StorageError untouched.
        """
        if busy_timeout < 0:
            raise ValueError("busy_timeout must be >= 0 seconds")
        p = Path(path).expanduser()
        if p.is_dir():
            raise StorageError(f"{p}: is a directory, not a database file")
        if p.exists() and p.stat().st_size > 0:
            await _inspect(p, busy_timeout)
        elif read_only:
            raise StorageError(f"{p}: no Partnerbot database here yet (file missing or empty)")
        else:
            try:
                p.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreUnwritable(f"{p}: cannot create the directory {p.parent} "
                                      f"({exc.strerror})") from exc
        try:
            db = await aiosqlite.connect(_uri(p, "ro" if read_only else "rwc"), uri=True,
                                         timeout=busy_timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise (_translate(p, exc, busy_timeout) or StorageError(f"{p}: {exc}")) from exc
        db.row_factory = sqlite3.Row
        store = cls(db, p, busy_timeout)
        try:
            await store._setup(read_only)
        except BaseException:
            await store.close()
            raise
        return store

    async def _setup(self, read_only: bool) -> None:
        await self._execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
        await self._execute("PRAGMA foreign_keys = ON")
        if read_only:
            await self._execute("PRAGMA query_only = ON")
            app_id, version, tables = await self._header()
            _classify(self._path, app_id, version, tables)
            if app_id != APPLICATION_ID or version != SCHEMA_VERSION:
                raise StorageError(f"{self._path}: database not initialised or not migrated to "
                                   f"schema {SCHEMA_VERSION}; start the bot once to migrate it")
            return
        # synchronous=NORMAL is the documented safe pairing with WAL: a crash of the bot loses
        # nothing committed; only a power cut/OS crash can drop the last commits (at worst a
        # reminder is sent twice), never corrupt the file. FULL would fsync every claim/finish.
        await self._execute("PRAGMA synchronous = NORMAL")
        async with self._transaction():
            app_id, version, tables = await self._header()
            _classify(self._path, app_id, version, tables)  # again, now under the write lock
            for statements in MIGRATIONS[version:]:
                for sql in statements:
                    await self._execute(sql)
            if version != SCHEMA_VERSION:
                await self._execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            if app_id != APPLICATION_ID:
                await self._execute(f"PRAGMA application_id = {APPLICATION_ID}")
        # WAL (persistent in the file) only after the file is marked as ours: readers such as
        # backups and reports never block the bot's writes, and vice versa.
        await self._execute("PRAGMA journal_mode = WAL")

    async def _header(self) -> tuple[int, int, list[str]]:
        try:
            return await _sql_header(self._db)
        except sqlite3.Error as exc:
            raise (self._error(exc) or exc) from exc

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await self._db.close()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- the single place where SQL is executed -------------------------------------------
    def _error(self, exc: sqlite3.Error) -> StorageError | None:
        return _translate(self._path, exc, self._busy_timeout)

    @contextmanager
    def _mapped_errors(self) -> Iterator[None]:
        """sqlite3 errors as our StorageError kinds; bugs (None from _error) stay as they are."""
        try:
            yield
        except sqlite3.Error as exc:
            mapped = self._error(exc)
            if mapped is None:
                raise
            raise mapped from exc

    async def _execute(self, sql: str, params: Sequence[Any] = ()) -> _Result:
        """Run one statement (caller holds the lock); map sqlite3 errors, retry nothing."""
        with self._mapped_errors():
            cursor = await self._db.execute(sql, params)
            try:
                rows = list(await cursor.fetchall())
                return _Result(rows, cursor.rowcount, cursor.lastrowid)
            finally:
                await cursor.close()

    async def _execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """One statement for many rows in a single call to the database thread."""
        with self._mapped_errors():
            cursor = await self._db.executemany(sql, rows)
            await cursor.close()

    async def _read(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        async with self._lock:
            return (await self._execute(sql, params)).rows

    async def _write_statement(self, sql: str, params: Sequence[Any] = ()) -> _Result:
        """A single-statement write: atomic by itself in autocommit mode."""
        async with self._lock:
            return await self._execute(sql, params)

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[None]:
        """A multi-statement write transaction (BEGIN IMMEDIATE waits up to busy_timeout)."""
        async with self._lock:
            await self._execute("BEGIN IMMEDIATE")
            try:
                yield
                await self._execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    try:
                        await self._execute("ROLLBACK")
                    except StorageError:
                        pass  # the original error is the one worth reporting
                raise

    # -- subscribers ------------------------------------------------------------------------
    async def subscribe(self, chat_id: int, language: str, now: datetime) -> bool:
        """Subscribe or re-activate (True); an active chat only gets its language updated."""
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}, got {language!r}")
        ts = _ts(now)
        async with self._transaction():
            rows = (await self._execute(
                "SELECT active FROM subscribers WHERE chat_id = ?", (chat_id,))).rows
            if rows and rows[0][0]:
                await self._execute("UPDATE subscribers SET language = ? WHERE chat_id = ?",
                                    (language, chat_id))
                return False
            await self._execute(
                "INSERT INTO subscribers (chat_id, language, subscribed_at, active,"
                " unsubscribed_at) VALUES (?, ?, ?, 1, NULL) ON CONFLICT (chat_id) DO UPDATE"
                " SET language = excluded.language, subscribed_at = excluded.subscribed_at,"
                " active = 1, unsubscribed_at = NULL", (chat_id, language, ts))
            return True

    async def set_language(self, chat_id: int, language: str) -> bool:
        """The subscriber's language follows the user's latest choice; True if it changed."""
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}, got {language!r}")
        result = await self._write_statement(
            "UPDATE subscribers SET language = ? WHERE chat_id = ?"
            " AND language <> ?", (language, chat_id, language))
        return result.rowcount == 1

    async def unsubscribe(self, chat_id: int, now: datetime) -> bool:
        """Mark inactive; True if the chat was active."""
        result = await self._write_statement(
            "UPDATE subscribers SET active = 0, unsubscribed_at = ?"
            " WHERE chat_id = ? AND active = 1", (_ts(now), chat_id))
        return result.rowcount == 1

    async def deactivate(self, chat_id: int, now: datetime) -> None:
        """The user blocked the bot (Telegram 403): stop sending to the chat."""
        await self.unsubscribe(chat_id, now)

    async def get_subscriber(self, chat_id: int) -> Subscriber | None:
        rows = await self._read("SELECT * FROM subscribers WHERE chat_id = ?", (chat_id,))
        return _subscriber(rows[0]) if rows else None

    async def count_active(self) -> int:
        return int((await self._read("SELECT COUNT(*) FROM subscribers WHERE active = 1"))[0][0])

    async def _pages(self, sql: str, params: tuple[Any, ...],
                     batch: int) -> AsyncIterator[sqlite3.Row]:
        """Keyset pages over chat_id; the lock is not held while the caller handles a row."""
        if batch < 1:
            raise ValueError("batch must be >= 1")
        after, op = -(2**63), ">="
        while True:
            rows = await self._read(sql.format(op), (*params, after, batch))
            for row in rows:
                yield row
            if len(rows) < batch:
                return
            after, op = rows[-1]["chat_id"], ">"

    async def forget_chat(self, chat_id: int) -> int:
        """Erase the subscriber row, every delivery and every case of the chat (with their
        answers and message links); returns rows deleted."""
        async with self._transaction():
            gone = (await self._execute("DELETE FROM deliveries WHERE chat_id = ?",
                                        (chat_id,))).rowcount
            gone += (await self._execute("DELETE FROM cases WHERE chat_id = ?",
                                         (chat_id,))).rowcount
            gone += (await self._execute("DELETE FROM subscribers WHERE chat_id = ?",
                                         (chat_id,))).rowcount
        return gone

    async def chat_report(self, chat_id: int) -> dict[str, Any]:
        """Everything stored about the chat, JSON-ready (times as UTC ISO-8601 strings)."""
        async with self._lock:
            subs = (await self._execute("SELECT * FROM subscribers WHERE chat_id = ?",
                                        (chat_id,))).rows
            dels = (await self._execute(
                "SELECT key, status, attempts, updated_at FROM deliveries WHERE chat_id = ?"
                " ORDER BY updated_at, key", (chat_id,))).rows
            cases = (await self._execute(
                "SELECT id, question, asked_at, state, answered_at, closed_at,"
                " (SELECT COUNT(*) FROM case_answers AS a WHERE a.case_id = c.id) AS messages"
                " FROM cases AS c WHERE chat_id = ? ORDER BY id", (chat_id,))).rows
        subscriber = None
        if subs:
            subscriber = dict(subs[0])
            subscriber["active"] = bool(subscriber["active"])
        return {"subscriber": subscriber, "deliveries": [dict(r) for r in dels],
                "cases": [dict(r) for r in cases]}

    # -- deliveries -------------------------------------------------------------------------
    async def claim(self, chat_id: int, key: str, now: datetime) -> bool:
        """Take the right to send `key` to the chat: True for a new row or a re-claimed
        'pending' (left by a crash) / 'failed' row (attempts + 1); False once sent/blocked."""
        if not key:
            raise ValueError("delivery key must not be empty")
        result = await self._write_statement(
            "INSERT INTO deliveries (chat_id, key, status, attempts, updated_at)"
            " VALUES (?, ?, 'pending', 1, ?) ON CONFLICT (chat_id, key) DO UPDATE"
            " SET status = 'pending', attempts = deliveries.attempts + 1,"
            " updated_at = excluded.updated_at WHERE deliveries.status IN ('pending', 'failed')",
            (chat_id, key, _ts(now)))
        return result.rowcount == 1

    async def finish(self, chat_id: int, key: str, status: DeliveryStatus, now: datetime) -> None:
        """Record the outcome (sent, blocked or failed). A 'sent' row is never changed."""
        if status not in FINAL:
            raise ValueError(f"finish status must be sent, blocked or failed, got {status!r}")
        await self._write_statement(
            "INSERT INTO deliveries (chat_id, key, status, attempts, updated_at)"
            " VALUES (?, ?, ?, 1, ?) ON CONFLICT (chat_id, key) DO UPDATE"
            " SET status = excluded.status, updated_at = excluded.updated_at"
            " WHERE deliveries.status <> 'sent'", (chat_id, key, status, _ts(now)))

    async def recipients(self, key: str, subscribed_before: datetime | None = None,
                         batch: int = 1000) -> AsyncGenerator[int, None]:
        """Active chats (subscribed at or before `subscribed_before`, if given) that have no
        'sent'/'blocked' delivery for `key`; ascending chat_id, `batch` per query."""
        async for chat_id, _ in self.recipient_languages(key, subscribed_before, batch):
            yield chat_id

    async def recipient_languages(self, key: str, subscribed_before: datetime | None = None,
                                  batch: int = 1000) -> AsyncGenerator[tuple[int, str], None]:
        """`recipients` with each chat's language, so a delivery needs no lookup per chat."""
        sql = ("SELECT s.chat_id, s.language FROM subscribers AS s WHERE s.active = 1"
               " AND (? IS NULL OR s.subscribed_at <= ?) AND NOT EXISTS (SELECT 1 FROM"
               " deliveries AS d WHERE d.chat_id = s.chat_id AND d.key = ?"
               " AND d.status IN ('sent', 'blocked')) AND s.chat_id {} ?"
               " ORDER BY s.chat_id LIMIT ?")
        cutoff = None if subscribed_before is None else _ts(subscribed_before)
        async for row in self._pages(sql, (cutoff, cutoff, key), batch):
            yield int(row["chat_id"]), str(row["language"])

    async def count_deliveries(self, key: str) -> dict[str, int]:
        rows = await self._read("SELECT status, COUNT(*) FROM deliveries WHERE key = ?"
                                " GROUP BY status", (key,))
        return {str(r[0]): int(r[1]) for r in rows}

    # -- broadcasts -------------------------------------------------------------------------
    async def create_broadcast(self, text: str, now: datetime) -> int:
        result = await self._write_statement(
            "INSERT INTO broadcasts (text, created_at) VALUES (?, ?)",
            (text, _ts(now)))
        assert result.lastrowid is not None
        return result.lastrowid

    async def unfinished_broadcasts(self) -> list[Broadcast]:
        rows = await self._read("SELECT * FROM broadcasts WHERE finished_at IS NULL ORDER BY id")
        return [Broadcast(r["id"], r["text"], datetime.fromisoformat(r["created_at"]), None)
                for r in rows]

    async def finish_broadcast(self, broadcast_id: int, now: datetime) -> None:
        await self._write_statement(
            "UPDATE broadcasts SET finished_at = ? WHERE id = ?"
            " AND finished_at IS NULL", (_ts(now), broadcast_id))

    # -- questions (never linked to a chat) -------------------------------------------------
    async def questions_on(self, day: date) -> int:
        rows = await self._read("SELECT count FROM question_days WHERE day = ?",
                                (day.isoformat(),))
        return int(rows[0][0]) if rows else 0

    async def record_questions(self, counts: Sequence[tuple[datetime, int]],
                               unanswered: Sequence[tuple[str, datetime]]) -> None:
        """Question counts (``(when, count)``, by Stockholm day) and unanswered question texts
        (text and time only, no chat id; blank ones ignored) in one transaction."""
        rows = [(clean, _norm(clean), _ts(when)) for text, when in unanswered
                if (clean := scrub(text)[:MAX_QUESTION_CHARS])]
        if not rows and not counts:
            return
        async with self._transaction():
            for when, count in counts:
                await self._execute("INSERT INTO question_days (day, count) VALUES (?, ?) ON"
                                    " CONFLICT (day) DO UPDATE SET count = count + excluded.count",
                                    (local_day(when).isoformat(), count))
            if rows:
                await self._execute_many("INSERT INTO unanswered (text, norm, asked_at)"
                                         " VALUES (?, ?, ?)", rows)

    async def top_unanswered(self, limit: int = 20) -> list[tuple[str, int, datetime]]:
        """(latest wording, count, last asked) grouped case/space-insensitively, most asked
        first, then most recent."""
        # SQLite documents that bare columns come from the row that holds the MAX().
        rows = await self._read(
            "SELECT text, COUNT(*) AS n, MAX(asked_at) AS last FROM unanswered GROUP BY norm"
            " ORDER BY n DESC, last DESC, norm LIMIT ?", (limit,))
        return [(str(r["text"]), int(r["n"]), datetime.fromisoformat(r["last"])) for r in rows]

    async def prune(self, before: datetime) -> int:
        """Data minimisation: delete every stored question text (unanswered, feedback) from
        before `before`; returns the rows deleted. Writes nothing when nothing has expired."""
        expired = await self._read(
            "SELECT EXISTS (SELECT 1 FROM unanswered WHERE asked_at < ?)"
            " OR EXISTS (SELECT 1 FROM feedback WHERE asked_at < ?)"
            " OR EXISTS (SELECT 1 FROM cases WHERE state = 'closed' AND closed_at < ?)",
            (_ts(before),) * 3)
        if not expired[0][0]:
            return 0
        async with self._transaction():
            gone = (await self._execute("DELETE FROM unanswered WHERE asked_at < ?",
                                        (_ts(before),))).rowcount
            gone += (await self._execute("DELETE FROM feedback WHERE asked_at < ?",
                                         (_ts(before),))).rowcount
            # Cases go `before` after they close (answers and message links cascade).
            gone += (await self._execute("DELETE FROM cases WHERE state = 'closed'"
                                         " AND closed_at < ?", (_ts(before),))).rowcount
        return gone

    # -- cases (questions handed to a person) ------------------------------------------------
    async def open_case(self, token: str, chat_id: int, language: str, question: str,
                        now: datetime) -> tuple[Case, bool]:
        """The case for ``token``: a new open one (True), or the one already made for it
        (False), so a second press of the same confirm button makes no second case. The
        question is scrubbed before it is stored."""
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}, got {language!r}")
        clean = scrub(question)[:MAX_CASE_CHARS]
        async with self._transaction():
            inserted = (await self._execute(
                "INSERT INTO cases (token, chat_id, language, question, asked_at, state)"
                " VALUES (?, ?, ?, ?, ?, 'open') ON CONFLICT (token) DO NOTHING",
                (token, chat_id, language, clean, _ts(now)))).rowcount == 1
            rows = (await self._execute("SELECT * FROM cases WHERE token = ?", (token,))).rows
        return _case(rows[0]), inserted

    async def case_by_token(self, token: str) -> Case | None:
        rows = await self._read("SELECT * FROM cases WHERE token = ?", (token,))
        return _case(rows[0]) if rows else None

    async def drop_case(self, case_id: int) -> None:
        """Undo a case that could not be posted to the staff group (the user may try again)."""
        await self._write_statement("DELETE FROM cases WHERE id = ?", (case_id,))

    async def link_case_message(self, chat_id: int, message_id: int, case_id: int) -> None:
        """A message (a post in the staff group, a relayed answer) that belongs to a case."""
        await self._write_statement(
            "INSERT OR IGNORE INTO case_messages (chat_id, message_id, case_id)"
            " VALUES (?, ?, ?)", (chat_id, message_id, case_id))

    async def case_for_message(self, chat_id: int, message_id: int) -> Case | None:
        rows = await self._read("SELECT c.* FROM case_messages AS m JOIN cases AS c"
                                " ON c.id = m.case_id WHERE m.chat_id = ? AND m.message_id = ?",
                                (chat_id, message_id))
        return _case(rows[0]) if rows else None

    async def case_staff_post(self, case_id: int, staff_chat: int) -> int | None:
        """The case's first post in the staff group (what a user's reply is threaded under)."""
        rows = await self._read("SELECT MIN(message_id) FROM case_messages WHERE case_id = ?"
                                " AND chat_id = ?", (case_id, staff_chat))
        return int(rows[0][0]) if rows and rows[0][0] is not None else None

    async def add_case_answer(self, case_id: int, author: str, text: str,
                              now: datetime) -> None:
        """A staff answer (marks an open case answered) or a user's reply to one (scrubbed)."""
        if author not in ("staff", "user"):
            raise ValueError(f"author must be staff or user, got {author!r}")
        if author == "user":
            text = scrub(text)
        async with self._transaction():
            await self._execute("INSERT INTO case_answers (case_id, author, text, at)"
                                " VALUES (?, ?, ?, ?)", (case_id, author, text, _ts(now)))
            if author == "staff":
                await self._execute("UPDATE cases SET state = 'answered', answered_at = ?"
                                    " WHERE id = ? AND state = 'open'", (_ts(now), case_id))

    async def close_case(self, case_id: int, now: datetime, note: str | None = None) -> bool:
        """Close the case (kept RETENTION after this, then pruned); False if already closed."""
        result = await self._write_statement(
            "UPDATE cases SET state = 'closed', closed_at = ?, note = ?"
            " WHERE id = ? AND state <> 'closed'",
            (_ts(now), note, case_id))
        return result.rowcount == 1

    async def list_cases(self) -> list[Case]:
        """Open cases, oldest first, then answered ones, oldest first (closed ones left out)."""
        rows = await self._read("SELECT * FROM cases WHERE state IN ('open', 'answered')"
                                " ORDER BY state = 'answered', asked_at, id")
        return [_case(r) for r in rows]

    async def case_answers(self, case_id: int) -> list[CaseAnswer]:
        rows = await self._read("SELECT author, text, at FROM case_answers WHERE case_id = ?"
                                " ORDER BY at, id", (case_id,))
        return [CaseAnswer(str(r["author"]), str(r["text"]), datetime.fromisoformat(r["at"]))
                for r in rows]

    async def answered_cases(self) -> list[tuple[Case, list[CaseAnswer]]]:
        """Every stored case with at least one staff answer, oldest first, with its answers."""
        rows = await self._read("SELECT * FROM cases WHERE answered_at IS NOT NULL"
                                " ORDER BY asked_at, id")
        return [(case, await self.case_answers(case.id)) for case in map(_case, rows)]

    async def case_stats(self) -> tuple[int, timedelta | None]:
        """Open cases, and the median time from question to first staff answer."""
        async with self._lock:
            open_count = (await self._execute(
                "SELECT COUNT(*) FROM cases WHERE state = 'open'")).rows[0][0]
            rows = (await self._execute("SELECT asked_at, answered_at FROM cases"
                                        " WHERE answered_at IS NOT NULL")).rows
        waits = sorted(datetime.fromisoformat(r[1]) - datetime.fromisoformat(r[0]) for r in rows)
        if not waits:
            return int(open_count), None
        mid = len(waits) // 2
        median = waits[mid] if len(waits) % 2 else (waits[mid - 1] + waits[mid]) / 2
        return int(open_count), median

    # -- feedback (👎 on an answer; never linked to a chat) -----------------------------------
    async def record_feedback(self, question: str, answer: str | None, now: datetime) -> None:
        """A 👎: the question (scrubbed) and which answer it got (FAQ id/intent, '' if none)."""
        clean = scrub(question)[:MAX_QUESTION_CHARS]
        await self._write_statement(
            "INSERT INTO feedback (text, norm, answer, asked_at) VALUES (?, ?, ?, ?)",
            (clean, _norm(clean), answer or "", _ts(now)))

    async def top_feedback(self, limit: int = 20) -> list[tuple[str, str, int, datetime]]:
        """(latest wording, answer given, count, last time) per question and answer, most
        frequent first, then most recent."""
        rows = await self._read(
            "SELECT text, answer, COUNT(*) AS n, MAX(asked_at) AS last FROM feedback"
            " GROUP BY norm, answer ORDER BY n DESC, last DESC, norm LIMIT ?", (limit,))
        return [(str(r["text"]), str(r["answer"]), int(r["n"]), datetime.fromisoformat(r["last"]))
                for r in rows]

    async def count_feedback(self) -> int:
        return int((await self._read("SELECT COUNT(*) FROM feedback"))[0][0])

    # -- leases -----------------------------------------------------------------------------
    async def acquire_lease(self, name: str, owner: str, now: datetime, ttl: timedelta) -> bool:
        """Take or renew lease ``name`` for ``owner``; False while another owner holds it."""
        async with self._transaction():
            rows = (await self._execute("SELECT owner, expires_at FROM leases WHERE name = ?",
                                        (name,))).rows
            if rows and rows[0][0] != owner and _dt(rows[0][1]) > now:  # type: ignore[operator]
                return False
            await self._execute(
                "INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, ?) ON CONFLICT (name)"
                " DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at",
                (name, owner, _ts(now + ttl)))
            return True

    async def lease_holder(self, name: str) -> str | None:
        rows = await self._read("SELECT owner FROM leases WHERE name = ?", (name,))
        return str(rows[0][0]) if rows else None

    async def take_over_lease(self, name: str, dead_owner: str, owner: str, now: datetime,
                              ttl: timedelta) -> bool:
        """Take the lease from a holder known to be dead, unless someone else was quicker."""
        result = await self._write_statement(
            "UPDATE leases SET owner = ?, expires_at = ?"
            " WHERE name = ? AND owner = ?",
            (owner, _ts(now + ttl), name, dead_owner))
        return result.rowcount == 1

    async def release_lease(self, name: str, owner: str) -> None:
        await self._write_statement("DELETE FROM leases WHERE name = ? AND owner = ?", (name, owner))

    # -- operations -------------------------------------------------------------------------
    async def backup(self, dest: str | Path) -> None:
        """Consistent copy via SQLite's online backup API, safe while others write. The result
        is one self-contained file (rollback journal mode, no -wal needed), written to
        `dest.partial` and renamed into place only after it passes an integrity check."""
        target_path = Path(dest).expanduser()
        if target_path.absolute() == self._path.absolute():
            raise StorageError(f"{target_path}: refusing to back up the database onto itself")
        partial = target_path.with_name(target_path.name + ".partial")
        try:
            target_path.parent.mkdir(parents=True, exist_ok=True)
            partial.unlink(missing_ok=True)
        except OSError as exc:
            raise StoreUnwritable(f"{target_path}: cannot write the backup "
                                  f"({exc.strerror})") from exc
        target = sqlite3.connect(partial, check_same_thread=False, isolation_level=None)
        try:
            async with self._lock:
                await self._db.backup(target)

            def finalize() -> list[str]:
                target.execute("PRAGMA journal_mode = DELETE")
                return [str(r[0]) for r in target.execute("PRAGMA quick_check")]

            check = await asyncio.to_thread(finalize)
        except sqlite3.Error as exc:
            partial.unlink(missing_ok=True)
            raise (_translate(target_path, exc, self._busy_timeout) or exc) from exc
        finally:
            target.close()
        if check != ["ok"]:
            partial.unlink(missing_ok=True)
            raise StorageError(f"{target_path}: backup failed its integrity check: {check[:3]}")
        os.replace(partial, target_path)


def _case(row: sqlite3.Row) -> Case:
    return Case(id=int(row["id"]), chat_id=int(row["chat_id"]), language=str(row["language"]),
                question=str(row["question"]), asked_at=datetime.fromisoformat(row["asked_at"]),
                state=str(row["state"]), answered_at=_dt(row["answered_at"]),
                closed_at=_dt(row["closed_at"]), note=row["note"])


def _subscriber(row: sqlite3.Row) -> Subscriber:
    return Subscriber(chat_id=int(row["chat_id"]), language=str(row["language"]),
                      subscribed_at=datetime.fromisoformat(row["subscribed_at"]),
                      active=bool(row["active"]), unsubscribed_at=_dt(row["unsubscribed_at"]))
