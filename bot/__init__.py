"""Partnerbot: a Swedish assistant for ICLD's Kommunalt partnerskap call."""
from __future__ import annotations

__version__ = "0.1.0"
