"""Everything a handler needs: ``context.bot_data`` is a typed BotState (never a dict of string
keys) holding the Services every handler shares."""
from __future__ import annotations

import asyncio
import logging
import secrets
from collections import OrderedDict, deque
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from telegram.ext import CallbackContext, ExtBot

from bot.answers.engine import Answer
from bot.clock import Clock, local_day
from bot.config import Settings
from bot.live_engine import LiveEngine
from bot.privacy import RETENTION
from bot.storage import StorageError, Store
from bot.telegram.flood import FloodGuard

log = logging.getLogger(__name__)
T = TypeVar("T")


class StorageAlarm:
    """Logs a storage failure once, not once per message, and notes when it recovers."""

    def __init__(self) -> None:
        self.failing: str | None = None

    def failed(self, exc: StorageError) -> None:
        kind = type(exc).__name__
        if self.failing != kind:
            log.error("storage is failing (%s): %s; answering questions continues", kind, exc)
            self.failing = kind

    def ok(self) -> None:
        if self.failing:
            log.info("storage works again")
            self.failing = None


class QuestionLog:
    """Questions per day and the texts of unanswered ones, kept in memory, written in batches.

    A database write on the reply path costs more than the answer itself (bench/conversation.py:
    a write for every sixth question took 0.03 off the reply rate ratio), and both are curator
    statistics: the heartbeat job writes them every few seconds in one transaction, /stats and
    shutdown write them at once, and a backlog of FLUSH_AT unanswered questions is written
    right away. A crash (kill -9) may lose the last seconds of them, never an answer.
    """

    FLUSH_AT = 100
    MAX_PENDING = 10_000          # while the database is failing: drop the oldest beyond this

    def __init__(self) -> None:
        self.counts: dict[date, tuple[datetime, int]] = {}
        self.unanswered: deque[tuple[str, datetime]] = deque(maxlen=self.MAX_PENDING)

    def add(self, now: datetime, unanswered: str | None = None) -> None:
        """Count one question; ``unanswered`` is its text when the engine had no answer."""
        day = local_day(now)
        _, count = self.counts.get(day, (now, 0))
        self.counts[day] = (now, count + 1)
        if unanswered is not None and unanswered.strip():
            self.unanswered.append((unanswered, now))

    @property
    def pending(self) -> bool:
        return bool(self.counts or self.unanswered)

    def unsaved(self, day: date) -> int:
        return self.counts.get(day, (None, 0))[1]

    @property
    def backlog(self) -> bool:
        return len(self.unanswered) >= self.FLUSH_AT

    async def flush(self, store: Store) -> None:
        """Write everything pending; on failure keep it for the next try and raise."""
        counts, self.counts = self.counts, {}
        unanswered, self.unanswered = self.unanswered, deque(maxlen=self.MAX_PENDING)
        if not counts and not unanswered:
            return
        try:
            await store.record_questions(list(counts.values()), list(unanswered))
        except BaseException:                     # also cancellation or an unmapped error
            for day, (when, count) in counts.items():
                self.counts[day] = (when, count + self.unsaved(day))
            unanswered.extend(self.unanswered)        # newer ones after the older ones
            self.unanswered = unanswered
            raise


class AnsweredQuestions:
    """The question behind each recent free-text answer, so a 👎 pressed under the answer can
    record it (scrubbed) with the answer given. Memory only, the newest LIMIT answers; each is
    taken once, so a second press counts nothing."""

    LIMIT = 5_000

    def __init__(self) -> None:
        self._asked: OrderedDict[tuple[int, int], tuple[str, str | None]] = OrderedDict()

    def remember(self, chat_id: int, message_id: int, question: str, match: str | None) -> None:
        self._asked[(chat_id, message_id)] = (question, match)
        if len(self._asked) > self.LIMIT:
            self._asked.popitem(last=False)

    def take(self, chat_id: int, message_id: int) -> tuple[str, str | None] | None:
        return self._asked.pop((chat_id, message_id), None)


class RecentAnswers:
    """Each chat's last answer, and the answer behind each recent bot message, for a few
    minutes and in memory only: a follow-up ("hur många är det?", "vad betyder det tredje?")
    or a Telegram reply to one of the bot's answers is read against it."""

    TTL = timedelta(minutes=10)
    LIMIT = 20_000

    def __init__(self) -> None:
        self._last: OrderedDict[int, tuple[Answer, datetime]] = OrderedDict()
        self._sent: OrderedDict[tuple[int, int], tuple[Answer, datetime]] = OrderedDict()

    def remember(self, chat_id: int, message_id: int, answer: Answer, now: datetime) -> None:
        self._last[chat_id] = (answer, now)
        self._last.move_to_end(chat_id)
        self._sent[(chat_id, message_id)] = (answer, now)
        for table in (self._last, self._sent):
            if len(table) > self.LIMIT:
                table.popitem(last=False)

    def sent(self, chat_id: int, message_id: int) -> Answer | None:
        """The answer in one of the bot's recent messages (for its Källa button)."""
        found = self._sent.get((chat_id, message_id))
        return found[0] if found else None

    def previous(self, chat_id: int, now: datetime, replied_to: int | None = None) -> Answer | None:
        """The answer a reply points at, else the chat's last one, if recent enough."""
        found = self._sent.get((chat_id, replied_to)) if replied_to is not None else None
        if found is None and replied_to is None:
            found = self._last.get(chat_id)
        if found is None or now - found[1] > self.TTL:
            return None
        return found[0]


class ChatLanguages:
    """The language each recent chat is talking in (memory only, the newest LIMIT chats)."""

    LIMIT = 50_000

    def __init__(self) -> None:
        self._langs: OrderedDict[int, str] = OrderedDict()

    def get(self, chat_id: int) -> str | None:
        return self._langs.get(chat_id)

    def set(self, chat_id: int, lang: str) -> None:
        self._langs[chat_id] = lang
        self._langs.move_to_end(chat_id)
        if len(self._langs) > self.LIMIT:
            self._langs.popitem(last=False)


class HandoffState:
    """Memory for handing a question to a person, before anything is stored: the question
    behind each recent answer that offers "Fråga en handläggare", the offers waiting for the
    user's confirmation, and the chats whose next message is the question (the button under an
    answer without one, e.g. /hjalp). Each offer has a key made from the message it came from,
    so pressing a button twice, or confirming two copies of the offer, gives one case."""

    LIMIT = 5_000
    TTL = timedelta(minutes=30)

    def __init__(self) -> None:
        self._questions: OrderedDict[tuple[int, int], str] = OrderedDict()
        self._pending: OrderedDict[tuple[int, str], tuple[str, str]] = OrderedDict()
        self._awaiting: OrderedDict[int, datetime] = OrderedDict()

    @staticmethod
    def _put(table: OrderedDict, key: object, value: object, limit: int) -> None:
        table[key] = value
        table.move_to_end(key)
        if len(table) > limit:
            table.popitem(last=False)

    def remember_question(self, chat_id: int, message_id: int, question: str) -> None:
        self._put(self._questions, (chat_id, message_id), question, self.LIMIT)

    def question_for(self, chat_id: int, message_id: int) -> str | None:
        return self._questions.get((chat_id, message_id))

    def expect_question(self, chat_id: int, now: datetime) -> None:
        self._put(self._awaiting, chat_id, now, self.LIMIT)

    def take_expected(self, chat_id: int, now: datetime) -> bool:
        """True (once) when the chat was asked to write its question, recently enough."""
        since = self._awaiting.pop(chat_id, None)
        return since is not None and now - since <= self.TTL

    def hold(self, chat_id: int, key: str, question: str, lang: str) -> None:
        self._put(self._pending, (chat_id, key), (question, lang), self.LIMIT)

    def held(self, chat_id: int, key: str) -> tuple[str, str] | None:
        return self._pending.get((chat_id, key))

    def release(self, chat_id: int, key: str) -> None:
        self._pending.pop((chat_id, key), None)

    def forget_chat(self, chat_id: int) -> None:
        """/glom_mig: nothing about the chat stays in memory either."""
        for question in [k for k in self._questions if k[0] == chat_id]:
            del self._questions[question]
        for pending in [k for k in self._pending if k[0] == chat_id]:
            del self._pending[pending]
        self._awaiting.pop(chat_id, None)


class BroadcastDrafts:
    """/broadcast texts waiting for the admin's confirm button, by a nonce in the button, and
    what became of each decided one, so a second press says it was already sent or cancelled.
    Memory only: after a restart the button is stale."""

    def __init__(self) -> None:
        self._waiting: dict[str, str] = {}
        self._decided: dict[str, bool] = {}

    def hold(self, text: str) -> str:
        """Keep ``text`` until its confirm button is pressed; returns the button's nonce."""
        nonce = secrets.token_hex(4)
        self._waiting[nonce] = text
        return nonce

    def decide(self, nonce: str, send: bool) -> str | None:
        """The text behind ``nonce`` (None when it was decided already or is unknown), once."""
        text = self._waiting.pop(nonce, None)
        if text is not None:
            self._decided[nonce] = send
        return text

    def decision(self, nonce: str) -> bool | None:
        """True when the broadcast was sent, False when cancelled, None when never seen."""
        return self._decided.get(nonce)


@dataclass
class Services:
    live: LiveEngine
    store: Store          # open: given to build_application, or opened by its post_init
    clock: Clock
    settings: Settings
    flood: FloodGuard = field(default_factory=FloodGuard)
    alarm: StorageAlarm = field(default_factory=StorageAlarm)
    questions: QuestionLog = field(default_factory=QuestionLog)
    answered: AnsweredQuestions = field(default_factory=AnsweredQuestions)
    languages: ChatLanguages = field(default_factory=ChatLanguages)
    recent: RecentAnswers = field(default_factory=RecentAnswers)
    handoff: HandoffState = field(default_factory=HandoffState)
    broadcasts: BroadcastDrafts = field(default_factory=BroadcastDrafts)
    # One delivery pass at a time in this process (the scheduled job or an admin broadcast).
    delivery_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def best_effort(self, operation: Awaitable[T]) -> T | None:
        """Run a store call whose failure must not stop the reply (counters, logs)."""
        try:
            result = await operation
        except StorageError as exc:
            self.alarm.failed(exc)
            return None
        self.alarm.ok()
        return result

    async def prune(self) -> None:
        """Delete stored question texts past their retention. Housekeeping: its outcome says
        nothing the alarm should report (a failure is retried at the next prune)."""
        try:
            await self.store.prune(self.clock() - RETENTION)
        except StorageError as exc:
            log.debug("pruning old question texts failed: %s", exc)


class BotState:
    """What ``context.bot_data`` is: build_application passes ``ContextTypes(bot_data=BotState)``,
    so python-telegram-bot makes this object (with no arguments) where it would make a dict.
    It holds the Services, from post_init on (they need the open store), and what the running
    Application keeps about itself."""

    def __init__(self) -> None:
        self._services: Services | None = None
        self.owns_store = False         # post_init opened the store; post_shutdown closes it
        self.stop = asyncio.Event()     # SIGTERM/SIGINT: finish what is in flight, then stop
        self.webhook = False            # updates come by webhook: no getUpdates to watch
        self.last_poll = float("-inf")  # time.monotonic() of the last successful getUpdates
        self.last_prune: float | None = None    # time.monotonic() of the last prune

    def open(self, services: Services, owns_store: bool) -> None:
        self._services = services
        self.owns_store = owns_store

    @property
    def is_open(self) -> bool:
        return self._services is not None

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("no Services yet: build_application's post_init makes them "
                               "once the store is open, before any update is handled")
        return self._services


# The context every handler and job gets: its bot_data is the BotState.
Context = CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotState]


def services(context: Context) -> Services:
    return context.bot_data.services
