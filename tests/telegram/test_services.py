"""QuestionLog: question counts and unanswered texts reach the database in batches, and a
failing database loses none of them."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.clock import parse_now
from bot.telegram.services import QuestionLog
from bot.storage import Store, StoreUnwritable

T0 = parse_now("2020-03-15T09:00")


async def test_flush_writes_counts_per_stockholm_day_and_unanswered_texts(tmp_path: Path) -> None:
    log = QuestionLog()
    late = datetime(2020, 3, 15, 23, 30, tzinfo=timezone.utc)    # 00:30 on the 16th in Sweden
    log.add(T0)
    log.add(T0, unanswered="Vilken  färg har\nkaffemaskinen?")
    log.add(late, unanswered="   ")                             # blank: counted, not stored
    assert log.unsaved(date(2020, 3, 15)) == 2 and log.unsaved(date(2020, 3, 16)) == 1
    async with await Store.open(tmp_path / "p.db") as store:
        assert await store.top_unanswered() == []                  # nothing written yet
        await log.flush(store)
        assert await store.questions_on(date(2020, 3, 15)) == 2
        assert await store.questions_on(date(2020, 3, 16)) == 1
        assert [(text, n) for text, n, _ in await store.top_unanswered()] == [
            ("Vilken färg har kaffemaskinen?", 1)]
        assert log.unsaved(date(2020, 3, 15)) == 0
        await log.flush(store)                                     # nothing new: no change
        assert await store.questions_on(date(2020, 3, 15)) == 2


async def test_a_failed_flush_keeps_everything_for_the_next_one(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    async with await Store.open(path):
        pass
    log = QuestionLog()
    log.add(T0, unanswered="Första frågan?")
    async with await Store.open(path, read_only=True) as read_only:
        with pytest.raises(StoreUnwritable):
            await log.flush(read_only)
    log.add(T0 + timedelta(minutes=1), unanswered="Andra frågan?")
    assert log.unsaved(T0.date()) == 2
    async with await Store.open(path) as store:
        await log.flush(store)
        assert await store.questions_on(T0.date()) == 2
        stored = await store.top_unanswered()
    assert sorted(text for text, _, _ in stored) == ["Andra frågan?", "Första frågan?"]


def test_backlog_asks_for_an_early_write_and_memory_stays_bounded() -> None:
    log = QuestionLog()
    for i in range(QuestionLog.FLUSH_AT - 1):
        log.add(T0, unanswered=f"fråga {i}")
    assert not log.backlog
    log.add(T0, unanswered="en till")
    assert log.backlog
    for i in range(QuestionLog.MAX_PENDING + 5):
        log.add(T0, unanswered=f"mer {i}")
    assert len(log.unanswered) == QuestionLog.MAX_PENDING
    assert log.unanswered[-1][0] == f"mer {QuestionLog.MAX_PENDING + 4}"   # the newest kept
    assert log.unsaved(T0.date()) == QuestionLog.FLUSH_AT + QuestionLog.MAX_PENDING + 5


async def test_any_failure_of_a_flush_keeps_the_batch(tmp_path: Path) -> None:
    log = QuestionLog()
    log.add(T0, unanswered="Sparas den ändå?")
    store = await Store.open(tmp_path / "p.db")
    await store.close()                                   # e.g. shutdown raced the heartbeat
    with pytest.raises(Exception):                        # noqa: B017 - whatever aiosqlite says
        await log.flush(store)
    assert log.pending and log.unsaved(T0.date()) == 1
    async with await Store.open(tmp_path / "p.db") as reopened:
        await log.flush(reopened)
        assert [text for text, _, _ in await reopened.top_unanswered()] == ["Sparas den ändå?"]
    assert not log.pending
