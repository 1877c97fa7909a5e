"""The engine currently serving, swapped atomically when operators reload the knowledge.

A reload builds and validates the new knowledge completely before it replaces the old one, so
an invalid file never takes the bot down: the old knowledge keeps answering and the errors go
back to whoever asked for the reload.
"""
from __future__ import annotations

import logging
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


class Brain:
    """Holds one Engine; ``engine`` is always a complete, valid one."""

    def __init__(self, directory: Path | None, engine: Engine) -> None:
        self.directory = directory
        self.engine = engine

    @classmethod
    def load(cls, directory: Path | None) -> Brain:
        """Load or raise KnowledgeError (the bot refuses to start on invalid knowledge)."""
        return cls(directory, Engine(load_knowledge(directory)))

    @property
    def knowledge(self) -> Knowledge:
        return self.engine.knowledge

    @property
    def reminders(self) -> ReminderConfig:
        return reminder_config(self.engine.knowledge)

    def reload(self, now: datetime) -> list[str]:
        """Swap in freshly loaded knowledge; return problems (old knowledge kept) or warnings."""
        try:
            engine = Engine(load_knowledge(self.directory))
        except KnowledgeError as exc:
            log.error("knowledge reload rejected, keeping the old knowledge:\n%s", exc)
            return [str(p) for p in exc.problems]
        except ValueError as exc:     # YAML itself refuses a value such as 2027-02-29
            problem = f"{self.directory or 'knowledge'}: a value in the files is invalid: {exc}"
            log.error("knowledge reload rejected, keeping the old knowledge:\n%s", problem)
            return [problem]
        self.engine = engine          # one assignment: readers see the old or the new, never half
        warnings = knowledge_warnings(engine.knowledge, now)
        log.info("knowledge reloaded from %s (deadline %s)", engine.knowledge.source,
                 engine.knowledge.call.deadline)
        return [f"warning: {w}" for w in warnings]
