"""`python -m bot` runs the same command line as the `partnerbot` script."""
from __future__ import annotations

from bot.cli import main

raise SystemExit(main())
