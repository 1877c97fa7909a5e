"""Shared fixtures only: the bundled knowledge and one engine, loaded once per test session.

Constants tests share (ROOT, KNOWLEDGE_DIR, the "today"s) live in tests/support.py."""
from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.answers.engine import Engine
from bot.knowledge.model import Knowledge
from bot.knowledge.loader import load_knowledge
from tests.support import KNOWLEDGE_DIR


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return load_knowledge(KNOWLEDGE_DIR)


@pytest.fixture(scope="session")
def engine(knowledge: Knowledge) -> Engine:
    return Engine(knowledge)


@pytest.fixture()
def knowledge_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled knowledge, for tests that break or change it."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    return target


LOGGER_NAMES = ("", "telegram", "telegram.ext", "httpx", "httpcore", "apscheduler", "aiosqlite",
                "asyncio", "bot")


@pytest.fixture()
def keep_logging() -> Iterator[None]:
    """setup_logging (run by `partnerbot` commands) changes process-wide logging; undo it."""
    from bot.logsafe import QUIET_LOGGERS
    names = [*LOGGER_NAMES, *QUIET_LOGGERS]
    levels = {n: logging.getLogger(n).level for n in names}
    handlers = {h: (h.formatter, list(h.filters)) for h in logging.getLogger().handlers}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    for handler, (formatter, filters) in handlers.items():
        handler.setFormatter(formatter)
        handler.filters[:] = filters
