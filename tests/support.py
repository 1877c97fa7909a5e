"""Constants the tests share: ``from tests.support import ROOT, ...``; conftest.py has fixtures."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.clock import STOCKHOLM

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = ROOT / "knowledge"
SHARED = ROOT.parent / "shared"
# The call closed on 15 March 2020; "today" for most tests is before that, unless a test says so.
BEFORE_DEADLINE = datetime(2020, 2, 1, 12, 0, tzinfo=STOCKHOLM)
AFTER_DEADLINE = datetime(2026, 12, 1, 12, 0, tzinfo=STOCKHOLM)
