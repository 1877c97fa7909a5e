"""Broken storage through the real bot: a locked database, a full disk or read-only file, a
corrupt or foreign file at PARTNERBOT_DB, and backup/restore while the bot runs (issue 5)."""
from __future__ import annotations

import asyncio
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.telegram import messages as msg
from bot.clock import STOCKHOLM
from bot.storage import Store
from standin.botrunner import ROOT, bot_env, running_bot, start_bot_process
from standin import StandIn
from tests.support import active_chats

OPEN_CALL = datetime(2020, 3, 8, 12, 0, tzinfo=STOCKHOLM)
KENYA = "Kan vi samarbeta med Kenya?"
KENYA_YES = "Kenya är ett av de 19 samarbetsländerna"
SUBSCRIBED = "Klart! Du får påminnelser"

# Another program holding the database: BEGIN EXCLUSIVE in its own process for argv[2] s.
_LOCK_HOLDER = """
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=5)
con.execute("BEGIN EXCLUSIVE")
print("LOCKED", flush=True)
time.sleep(float(sys.argv[2]))
con.execute("COMMIT")
con.close()
"""


def _hold_lock(path: Path, seconds: float) -> subprocess.Popen[str]:
    holder = subprocess.Popen([sys.executable, "-c", _LOCK_HOLDER, str(path), str(seconds)],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "LOCKED"
    return holder


def _rows(path: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _active_chats(path: Path) -> set[int]:
    return {r[0] for r in _rows(path, "SELECT chat_id FROM subscribers WHERE active = 1")}


async def _create_db(path: Path, *chats: int) -> None:
    store = await Store.open(path)
    for chat in chats:
        await store.subscribe(chat, "sv", datetime(2020, 3, 1, 12, 0, tzinfo=STOCKHOLM))
    await store.close()


def _open_with(monkeypatch: pytest.MonkeyPatch, **options: object) -> None:
    """Make running_bot open its store with these Store.open options."""
    original = Store.open

    async def patched(path: str | Path, **kwargs: object) -> Store:
        return await original(path, **{**kwargs, **options})

    monkeypatch.setattr(Store, "open", patched)


# -- 1. locked by another process ----------------------------------------------------------

async def test_subscribe_waits_for_a_short_lock_and_succeeds(tmp_path: Path) -> None:
    async with StandIn() as api, running_bot(tmp_path, api, now=OPEN_CALL) as bot:
        holder = await asyncio.to_thread(_hold_lock, bot.settings.db_path, 1.0)
        started = time.monotonic()
        api.push_message(1001, "/prenumerera")
        [reply] = await api.wait_messages(1001, 1, timeout=8)
        waited = time.monotonic() - started
        await asyncio.to_thread(holder.wait, 10)
        assert SUBSCRIBED in reply.plain_text
        assert waited >= 0.5, "the reply came before the other process let go of the lock"
        assert await bot.store.count_active() == 1


async def test_subscribe_locked_past_the_busy_timeout_is_never_silently_dropped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    _open_with(monkeypatch, busy_timeout=0.3)
    chats = list(range(2001, 2007))
    async with StandIn() as api, running_bot(tmp_path, api, now=OPEN_CALL) as bot:
        holder = await asyncio.to_thread(_hold_lock, bot.settings.db_path, 2.5)
        for chat in chats:
            api.push_message(chat, "/prenumerera")
        replies = {chat: (await api.wait_messages(chat, 1, timeout=10))[0].plain_text
                   for chat in chats}
        await asyncio.to_thread(holder.wait, 10)
        stored = set(await active_chats(bot.store))
        for chat, text in replies.items():   # told yes <=> stored; otherwise told to retry
            if chat in stored:
                assert SUBSCRIBED in text, (chat, text)
            else:
                assert text == msg.STORE_BUSY, (chat, text)
        assert replies[chats[0]] == msg.STORE_BUSY    # it was pushed while the lock was held
        assert "Försök igen" in msg.STORE_BUSY
        api.push_message(chats[0], "/prenumerera")     # the retry the user was asked for
        retry = await api.wait_messages(chats[0], 2, timeout=5)
        assert SUBSCRIBED in retry[1].plain_text
        assert await bot.store.get_subscriber(chats[0]) is not None
    assert not [r for r in caplog.records if r.exc_info], "an exception escaped to the log"


# -- 2. read-only file / full disk -----------------------------------------------------------

async def test_read_only_database_user_told_questions_answered_logged_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "partnerbot.db"
    await _create_db(db, 5)
    _open_with(monkeypatch, read_only=True)
    caplog.set_level(logging.INFO)
    reminder_due = datetime(2020, 3, 8, 9, 0, 30, tzinfo=STOCKHOLM)   # chat 5 is owed one
    async with StandIn() as api, running_bot(tmp_path, api, now=reminder_due) as bot:
        api.push_message(3001, "/prenumerera")
        [refused] = await api.wait_messages(3001, 1)
        assert refused.plain_text == msg.STORE_BROKEN
        questions = [KENYA, "Hur mycket pengar kan vi få?", "blörk snärk", "/deadline", KENYA]
        for i, question in enumerate(questions):
            api.push_message(3002 + i, question)
        answers = [(await api.wait_messages(3002 + i, 1))[0].plain_text
                   for i in range(len(questions))]
        assert KENYA_YES in answers[0] and KENYA_YES in answers[4]
        assert "15 mars 2020" in answers[3]
        assert all(a != msg.STORE_BROKEN for a in answers)
        api.push_message(3001, "/prenumerera")
        again = await api.wait_messages(3001, 2)
        assert again[1].plain_text == msg.STORE_BROKEN
        await asyncio.sleep(0.8)                  # several delivery passes fail as well
        assert await bot.store.get_subscriber(3001) is None
        assert api.messages_to(5) == []           # nothing claimed, so nothing sent unrecorded
    failing = [r for r in caplog.records if "storage is failing" in r.getMessage()]
    assert len(failing) == 1, [r.getMessage() for r in failing]
    assert failing[0].levelno == logging.ERROR and str(db) in failing[0].getMessage()
    assert not [r for r in caplog.records if r.exc_info], "an exception escaped to the log"


# `python -m bot ...` under a file-size limit: growing any file past it fails with EFBIG.
_UNDER_FSIZE_LIMIT = """
import resource, runpy, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # fail the write instead of killing the process
limit = int(sys.argv.pop(1))
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
runpy.run_module("bot", run_name="__main__", alter_sys=True)
"""


def _fill_wal(db: Path, size: int) -> None:
    """Another program (not under the limit) grows the -wal to `size`: for the bot, the disk
    is now full. It is not the last connection, so closing it does not checkpoint."""
    con = sqlite3.connect(db, isolation_level=None, timeout=10)
    con.execute("PRAGMA wal_autocheckpoint = 0")
    wal = db.with_name(db.name + "-wal")
    while wal.stat().st_size < size:
        con.execute("INSERT INTO unanswered (text, norm, asked_at) VALUES (?, ?, ?)",
                    ("x" * 3000, "x", "2020-03-08T11:00:00.000000+00:00"))
    con.close()


def test_disk_full_in_a_real_bot_process(tmp_path: Path) -> None:
    """RLIMIT_FSIZE on the bot makes growing a file fail with EFBIG, even for root."""
    db = tmp_path / "partnerbot.db"
    asyncio.run(_create_db(db, 5))
    limit = max(db.stat().st_size, 32768) + 8192      # room for the -shm and a few WAL frames
    out: list[str] = []
    with StandIn.in_thread() as api:
        env = {**os.environ, **bot_env(tmp_path, api), "PYTHONPATH": str(ROOT),
               "PYTHONDONTWRITEBYTECODE": "1", "PARTNERBOT_NOW": "2020-03-08T12:00"}
        proc = subprocess.Popen([sys.executable, "-c", _UNDER_FSIZE_LIMIT, str(limit), "run"],
                                cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        reader = threading.Thread(target=lambda: out.extend(proc.stdout or []), daemon=True)
        reader.start()
        try:
            api.push_message(4000, "/prenumerera")     # works while there is room
            assert SUBSCRIBED in api.wait_messages_sync(4000, 1, 15)[0].plain_text
            _fill_wal(db, limit)
            api.push_message(4001, "/prenumerera")
            assert api.wait_messages_sync(4001, 1)[0].plain_text == msg.STORE_BROKEN
            for i in range(5):
                api.push_message(4002 + i, KENYA)
            for i in range(5):
                assert KENYA_YES in api.wait_messages_sync(4002 + i, 1)[0].plain_text
            api.push_message(4001, "/prenumerera")
            assert api.wait_messages_sync(4001, 2)[1].plain_text == msg.STORE_BROKEN
            time.sleep(0.6)                             # delivery passes fail too
            assert proc.poll() is None, "the bot died"
        finally:
            proc.terminate()
            proc.wait(10)
            reader.join(5)
    failing = [line for line in out if "storage is failing" in line]
    assert len(failing) == 1, "".join(out)
    assert "StoreUnwritable" in failing[0] and str(db) in failing[0]
    assert "Traceback" not in "".join(out)
    assert _active_chats(db) == {5, 4000}         # the refused subscriptions were not stored


# -- 3. corrupt or foreign file at PARTNERBOT_DB ------------------------------------------

def _not_sqlite(path: Path) -> None:
    path.write_bytes(b"name,email\nAnna,anna@example.org\n" * 200)


def _foreign_sqlite(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    con.executemany("INSERT INTO customers (name) VALUES (?)", [("Anna",), ("Bo",)])
    con.commit()
    con.close()


def _damaged_partnerbot(path: Path) -> None:
    asyncio.run(_create_db(path, *range(1, 400)))
    data = bytearray(path.read_bytes())
    data[4096 * 2:4096 * 3] = b"\xff" * 4096       # a page of the subscribers table
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("make", [_not_sqlite, _foreign_sqlite, _damaged_partnerbot],
                         ids=["not-sqlite", "foreign-sqlite", "damaged-partnerbot"])
def test_bot_refuses_a_corrupt_or_foreign_database_and_leaves_it_alone(tmp_path: Path,
                                                                       make) -> None:
    db = tmp_path / "partnerbot.db"
    make(db)
    before = db.read_bytes()
    with StandIn.in_thread() as api:
        env = {**os.environ, **bot_env(tmp_path, api), "PYTHONPATH": str(ROOT)}
        done = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=30, check=False)
        assert not [c for c in api.calls if c.method == "getUpdates"], "it went online"
    assert done.returncode != 0
    assert str(db) in done.stderr, done.stderr
    assert re.search(r"will not (touch|modify) it|damaged", done.stderr), done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert api.token not in done.stderr + done.stdout
    assert db.read_bytes() == before


# -- 4. backup while the bot runs, and the README's restore steps ---------------------------

def _backup_cli(tmp_path: Path, api: StandIn, dest: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **bot_env(tmp_path, api), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "bot", "backup", str(dest)], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=30, check=False)


def _confirmed(api: StandIn, chats: Iterator[int] | range) -> set[int]:
    return {c for c in chats if any(SUBSCRIBED in (m.plain_text or "")
                                    for m in api.messages_to(c))}


def test_backup_while_the_bot_writes_and_restore_as_the_readme_says(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "partnerbot backup" in readme
    assert "partnerbot.db-wal" in readme and "partnerbot.db-shm" in readme
    db = tmp_path / "partnerbot.db"
    dest = tmp_path / "backups" / "partnerbot-2020-03-08.db"
    with StandIn.in_thread() as api:
        proc = start_bot_process(tmp_path, api, now="2020-03-08T12:00")
        stop, pushed = threading.Event(), []

        def subscribe_steadily() -> None:      # the bot keeps writing during the backup
            chat = 1
            while not stop.is_set() and chat <= 600:
                api.push_message(chat, "/prenumerera")
                pushed.append(chat)
                chat += 1
                time.sleep(0.005)

        pusher = threading.Thread(target=subscribe_steadily)
        try:
            api.push_message(8000, "/deadline")
            api.wait_messages_sync(8000, 1, timeout=15)   # the bot is up
            pusher.start()
            api.wait_for_sync(lambda: len(_confirmed(api, range(1, 60))) >= 50, 10)
            before_backup = _confirmed(api, range(1, 601))
            done = _backup_cli(tmp_path, api, dest)
            stop.set()
            pusher.join()
            assert done.returncode == 0, done.stderr
            last = pushed[-1]
            api.wait_messages_sync(last, 1, timeout=15)
            # a few more subscriptions that are NOT in the backup
            for chat in (9001, 9002):
                api.push_message(chat, "/prenumerera")
                api.wait_messages_sync(chat, 1)
        finally:
            stop.set()
            proc.kill()                          # the worst case: the -wal is left behind
            proc.wait(10)
    in_backup = _active_chats(dest)
    assert before_backup <= in_backup <= set(pushed)
    assert _rows(dest, "PRAGMA integrity_check") == [("ok",)]
    live = _active_chats(db)
    assert {9001, 9002} <= live and set(pushed) <= live

    async def reopen(path: Path) -> tuple[int, bool]:
        store = await Store.open(path)           # a backup opens as a Partnerbot database
        try:
            return await store.count_active(), await store.get_subscriber(9001) is not None
        finally:
            await store.close()

    assert asyncio.run(reopen(dest)) == (len(in_backup), False)
    # Restore, step by step as in the README: stop the bot (done), delete -wal/-shm, copy back.
    for suffix in ("-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(dest, db)
    assert asyncio.run(reopen(db)) == (len(in_backup), False)
    assert _active_chats(db) == in_backup
    assert _rows(db, "PRAGMA integrity_check") == [("ok",)]
    with StandIn.in_thread() as api:              # and the bot starts on the restored file
        proc = start_bot_process(tmp_path, api, now="2020-03-08T12:05")
        try:
            kept, lost = min(in_backup), 9001
            api.push_message(kept, "/prenumerera")
            api.push_message(lost, "/prenumerera")
            assert api.wait_messages_sync(kept, 1, 15)[0].plain_text == msg.ALREADY_SUBSCRIBED
            assert SUBSCRIBED in api.wait_messages_sync(lost, 1)[0].plain_text
        finally:
            proc.terminate()
            assert proc.wait(10) == 0
