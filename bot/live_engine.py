"""The engine currently serving, swapped atomically when operators reload the knowledge.

A reload builds and validates the new knowledge completely before it replaces the old one, so
an invalid file never takes the bot down: the old knowledge keeps answering and the errors go
back to whoever asked for the reload.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.answers.engine import Engine
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import Knowledge, KnowledgeError, knowledge_warnings
from bot.reminders.schedule import ReminderConfig

log = logging.getLogger(__name__)


def reminder_config(knowledge: Knowledge) -> ReminderConfig:
    """What the reminder schedule needs, read from call.yaml."""
    call = knowledge.call
    return ReminderConfig(deadline=call.deadline, tz=call.tz, days_before=call.reminders.days_before,
                          at=call.reminders.at, url=call.url, call_name=call.name,
                          call_name_en=call.name_en)


@dataclass(frozen=True)
class ReloadResult:
    """What a reload found. With ``errors`` the new files were refused and the old knowledge
    keeps answering; otherwise the new knowledge serves, with ``warnings`` about it (e.g. a
    deadline that has passed)."""
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


class LiveEngine:
    """The hot-swappable holder of the Engine that serves: ``engine`` is always a complete,
    valid one, and ``reload`` replaces it in one assignment. Readers take ``live.engine`` once
    per update, so an answer is never half old, half new knowledge."""

    def __init__(self, directory: Path | None, engine: Engine) -> None:
        self.directory = directory
        self.engine = engine

    @classmethod
    def load(cls, directory: Path | None) -> LiveEngine:
        """Load or raise KnowledgeError (the bot refuses to start on invalid knowledge)."""
        return cls(directory, Engine(load_knowledge(directory)))

    @property
    def knowledge(self) -> Knowledge:
        return self.engine.knowledge

    @property
    def reminders(self) -> ReminderConfig:
        return reminder_config(self.engine.knowledge)

    def reload(self, now: datetime) -> ReloadResult:
        """Swap in freshly loaded knowledge, or keep the old one when the new files are invalid."""
        try:
            engine = Engine(load_knowledge(self.directory))
        except KnowledgeError as exc:
            log.error("knowledge reload rejected, keeping the old knowledge:\n%s", exc)
            return ReloadResult(errors=tuple(str(p) for p in exc.problems))
        except ValueError as exc:     # YAML itself refuses a value such as 2027-02-29
            problem = f"{self.directory or 'knowledge'}: a value in the files is invalid: {exc}"
            log.error("knowledge reload rejected, keeping the old knowledge:\n%s", problem)
            return ReloadResult(errors=(problem,))
        self.engine = engine          # one assignment: readers see the old or the new, never half
        log.info("knowledge reloaded from %s (deadline %s)", engine.knowledge.source,
                 engine.knowledge.call.deadline)
        return ReloadResult(warnings=tuple(knowledge_warnings(engine.knowledge, now)))
