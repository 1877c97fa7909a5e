"""Keep secrets (above all the Telegram bot token) out of log output.

Two layers, both installed by :func:`setup_logging` on every root handler:

* :class:`RedactingFilter` rewrites the record itself (message, arguments, traceback text),
  so handlers that run after it see redacted data too;
* :class:`RedactingFormatter` redacts the final formatted string -- the robust last line that
  also covers ``logger.exception`` tracebacks, ``stack_info`` and odd argument types.

Redacted are all registered secrets and anything that looks like a Telegram token
(``<digits>:<30+ token characters>``), also inside URLs such as
``https://api.telegram.org/bot<TOKEN>/getUpdates`` and in URL-encoded form.
"""
from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Iterable
from urllib.parse import quote

__all__ = [
    "REDACTED",
    "RedactingFilter",
    "RedactingFormatter",
    "redact",
    "register_secret",
    "setup_logging",
]

REDACTED = "[REDACTED]"
TOKEN_RE = re.compile(r"\d{5,}(?::|%3[Aa])[A-Za-z0-9_-]{30,}")
_MIN_SECRET_LEN = 6  # shorter "secrets" would shred ordinary log text
DEFAULT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
QUIET_LOGGERS = ("httpx", "httpcore", "apscheduler")


class Redactor:
    """A thread-safe set of secrets plus the token pattern."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._pattern: re.Pattern[str] | None = None
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        if not isinstance(secret, str) or len(secret) < _MIN_SECRET_LEN:
            return
        with self._lock:
            self._secrets.update({secret, quote(secret, safe="")})
            ordered = sorted(self._secrets, key=len, reverse=True)  # longest first
            self._pattern = re.compile("|".join(re.escape(s) for s in ordered))

    def redact(self, text: str) -> str:
        pattern = self._pattern
        if pattern is not None:
            text = pattern.sub(REDACTED, text)
        return TOKEN_RE.sub(REDACTED, text)


_REDACTOR = Redactor()


def register_secret(secret: str) -> None:
    """Add a secret to the process-wide redaction list."""
    _REDACTOR.add(secret)


def redact(text: str) -> str:
    """``text`` with registered secrets and token-like strings replaced by ``[REDACTED]``."""
    return _REDACTOR.redact(text)


class RedactingFilter(logging.Filter):
    """Redacts the record's message, arguments and traceback text in place; never drops it."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self.redactor = redactor or _REDACTOR

    def filter(self, record: logging.LogRecord) -> bool:
        r = self.redactor.redact
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let the handler report it, redacted
            record.msg = r(str(record.msg))
            if isinstance(record.args, tuple):
                record.args = tuple(r(a) if isinstance(a, str) else a for a in record.args)
        else:
            cleaned = r(message)
            if cleaned != message:
                record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            cleaned = r(text)
            if cleaned != text:
                record.exc_text = cleaned
        elif record.exc_text:
            record.exc_text = r(record.exc_text)
        if record.stack_info:
            record.stack_info = r(record.stack_info)
        return True


class RedactingFormatter(logging.Formatter):
    """Formats like ``inner`` (or like a plain Formatter) and redacts the final string."""

    def __init__(
        self,
        fmt: str | None = DEFAULT_FORMAT,
        datefmt: str | None = None,
        *,
        inner: logging.Formatter | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        super().__init__(fmt, datefmt)
        self.inner = inner
        self.redactor = redactor or _REDACTOR

    def format(self, record: logging.LogRecord) -> str:
        text = self.inner.format(record) if self.inner is not None else super().format(record)
        if record.exc_text:  # Formatter caches the traceback on the record: clean the cache
            record.exc_text = self.redactor.redact(record.exc_text)
        return self.redactor.redact(text)


def setup_logging(level: str, secrets: Iterable[str]) -> None:
    """Configure the root logger with redaction; safe to call more than once.

    Registers ``secrets``; adds a stderr handler if the root logger has none; gives every root
    handler a :class:`RedactingFilter` and wraps its formatter in a :class:`RedactingFormatter`.
    httpx/httpcore (which log full request URLs -- with the token -- at INFO) and apscheduler
    are set to WARNING.
    """
    for secret in secrets:
        register_secret(secret)
    root = logging.getLogger()
    root.setLevel(level.upper())
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stderr))
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
        current = handler.formatter
        if not isinstance(current, RedactingFormatter):
            handler.setFormatter(RedactingFormatter(inner=current))
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
