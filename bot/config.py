"""Settings from the environment and an optional ``.env`` file.

The real environment always wins over ``.env``. Secrets are wrapped in :class:`Secret` so a
stray ``print(settings)`` or log line never shows them, and no error message in this module ever
contains a secret value (only the name of the variable that is wrong).
"""
from __future__ import annotations

import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from bot.clock import parse_now
from bot.logsafe import TOKEN_RE

__all__ = [
    "ConfigError",
    "Secret",
    "Settings",
    "load_settings",
    "parse_env_file",
    "validate_token",
]

# A whole token as typed; logsafe.TOKEN_RE is the one that finds a token inside other text.
_TOKEN_RE = re.compile(r"\d+:[A-Za-z0-9_-]{30,}")
# Telegram's setWebhook secret_token alphabet; we require at least 16 characters.
_WEBHOOK_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{16,256}")
_KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FALSE = frozenset({"0", "false", "off", "no"})
_TRUE = frozenset({"1", "true", "on", "yes"})
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_TOKEN_ERROR = (
    "TELEGRAM_BOT_TOKEN is malformed: expected <bot id>:<secret> as given by @BotFather"
)


class ConfigError(Exception):
    """A setting is missing or malformed. The message never contains a secret value."""


class Secret:
    """A string that does not show itself in repr/str/format; use :meth:`reveal`."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("Secret value must be a str")
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))


@dataclass(frozen=True)
class Settings:
    token: Secret | None
    api_base_url: str | None
    db_path: Path
    knowledge_dir: Path | None
    admins: frozenset[int]
    webhook_url: str | None
    webhook_port: int
    webhook_secret: Secret | None
    rate_limit: bool
    log_level: str
    delivery_interval: float = 60.0       # seconds between reminder/broadcast passes
    busy_timeout: float = 5.0             # how long a write waits for a database locked elsewhere
    pretend_now: datetime | None = None   # PARTNERBOT_NOW: rehearse with a shifted clock
    handoff_chat: int | None = None       # PARTNERBOT_HANDOFF_CHAT: the staff group; None = off

    @property
    def bot_api_urls(self) -> tuple[str, str]:
        """(base_url, base_file_url) for python-telegram-bot: Telegram's own, or the Bot API
        server of TELEGRAM_API_BASE_URL ("…/bot"; files are served from "…/file/bot")."""
        if not self.api_base_url:
            return "https://api.telegram.org/bot", "https://api.telegram.org/file/bot"
        base = self.api_base_url.rstrip("/")
        return base, base.removesuffix("/bot") + "/file/bot"

    def secret_values(self) -> tuple[str, ...]:
        """Revealed secrets, for :func:`bot.logsafe.setup_logging`."""
        return tuple(s.reveal() for s in (self.token, self.webhook_secret) if s is not None)


def validate_token(value: str) -> Secret:
    """Return the token as a :class:`Secret`, or raise :class:`ConfigError` (value not shown)."""
    if not isinstance(value, str) or _TOKEN_RE.fullmatch(value.strip()) is None:
        raise ConfigError(_TOKEN_ERROR)
    return Secret(value.strip())


def _unquote(raw: str, lineno: int, path: Path) -> str:
    raw = raw.strip()
    if raw[:1] in ("'", '"'):
        quote = raw[0]
        end = raw.find(quote, 1)
        while quote == '"' and end > 0 and raw[end - 1] == "\\":
            end = raw.find(quote, end + 1)
        if end < 0:
            raise ConfigError(f"{path.name} line {lineno}: unterminated quoted value")
        rest = raw[end + 1 :].strip()
        if rest and not rest.startswith("#"):
            raise ConfigError(f"{path.name} line {lineno}: unexpected text after quoted value")
        inner = raw[1:end]
        if quote == '"':
            inner = re.sub(
                r"\\(.)",
                lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)),
                inner,
            )
        return inner
    # Unquoted: an inline comment starts at " #".
    cut = re.search(r"\s#", raw)
    return (raw[: cut.start()] if cut else raw).strip()


def parse_env_file(path: Path) -> dict[str, str]:
    """Parse a simple ``.env`` file: ``KEY=VALUE`` lines, ``#`` comments, optional
    ``export`` prefix, single or double quotes. A missing file gives ``{}``.

    Errors name the file and line number only, never the line content (it may be a secret).
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {type(exc).__name__}") from None
    values: dict[str, str] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("export "):
            stripped = stripped[len("export ") :].lstrip()
        key, sep, raw = stripped.partition("=")
        key = key.strip()
        if not sep or _KEY_RE.fullmatch(key) is None:
            raise ConfigError(f"{path.name} line {lineno}: expected KEY=VALUE")
        values[key] = _unquote(raw, lineno, path)
    return values


def _default_db_path(env: Mapping[str, str]) -> Path:
    xdg = env.get("XDG_DATA_HOME", "")
    if xdg and Path(xdg).is_absolute():  # the XDG spec says relative values are ignored
        base = Path(xdg)
    else:
        home = env.get("HOME")
        base = (Path(home) if home else Path.home()) / ".local" / "share"
    return base / "partnerbot" / "partnerbot.db"


def _parse_admins(raw: str) -> frozenset[int]:
    ids: set[int] = set()
    for part in re.split(r"[\s,]+", raw.strip()):
        if not part:
            continue
        if not part.isascii() or not part.isdigit() or int(part) <= 0:
            raise ConfigError(
                "PARTNERBOT_ADMINS must be numeric Telegram user ids separated by commas or spaces"
            )
        ids.add(int(part))
    return frozenset(ids)


def _parse_bool(name: str, raw: str, default: bool) -> bool:
    value = raw.strip().lower()
    if not value:
        return default
    if value in _FALSE:
        return False
    if value in _TRUE:
        return True
    raise ConfigError(f"{name} must be on/off (also accepted: 1/0, true/false, yes/no)")


def _parse_url(name: str, raw: str, schemes: tuple[str, ...]) -> str | None:
    value = raw.strip()
    if not value:
        return None
    if TOKEN_RE.search(value):
        raise ConfigError(f"{name} must not contain the bot token")
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.netloc:
        raise ConfigError(f"{name} must be an absolute {' or '.join(schemes)} URL")
    return value


def _parse_seconds(name: str, raw: str | None, default: float, low: float,
                   high: float) -> float:
    """A number of seconds within [low, high]; empty means ``default``."""
    try:
        value = float(raw) if raw else default
    except ValueError:
        value = float("nan")
    if not low <= value <= high:          # also false for nan
        raise ConfigError(f"{name} must be a number of seconds ({low:g}-{high:g})")
    return value


def environment(environ: Mapping[str, str] | None = None,
                env_file: Path | None = Path(".env")) -> dict[str, str]:
    """``environ`` (default ``os.environ``) merged over ``env_file``: the one place the
    environment is read."""
    real = os.environ if environ is None else environ
    env: dict[str, str] = dict(parse_env_file(env_file)) if env_file is not None else {}
    env.update(real)  # the real environment wins
    return env


def token_is_set(environ: Mapping[str, str] | None = None,
                 env_file: Path | None = Path(".env")) -> bool:
    """Whether a bot token is configured at all (`partnerbot start` picks the bot or the chat)."""
    return bool(environment(environ, env_file).get("TELEGRAM_BOT_TOKEN", "").strip())


def configured_knowledge_dir(environ: Mapping[str, str] | None = None,
                             env_file: Path | None = Path(".env")) -> Path | None:
    """``PARTNERBOT_KNOWLEDGE``, for the commands that need no other setting (ask, chat, check)."""
    raw = environment(environ, env_file).get("PARTNERBOT_KNOWLEDGE", "").strip()
    return Path(raw).expanduser() if raw else None


def load_settings(
    environ: Mapping[str, str] | None = None,
    env_file: Path | None = Path(".env"),
) -> Settings:
    """Read settings from ``environ`` (default ``os.environ``) merged over ``env_file``: one
    line per setting, each parsed (and its error worded) by a small function above."""
    env = environment(environ, env_file)

    def get(name: str) -> str:
        return env.get(name, "").strip()

    return Settings(
        token=validate_token(get("TELEGRAM_BOT_TOKEN")) if get("TELEGRAM_BOT_TOKEN") else None,
        api_base_url=_parse_url("TELEGRAM_API_BASE_URL", get("TELEGRAM_API_BASE_URL"),
                                ("http", "https")),
        db_path=_parse_path(get("PARTNERBOT_DB")) or _default_db_path(env),
        knowledge_dir=_parse_path(get("PARTNERBOT_KNOWLEDGE")),
        admins=_parse_admins(get("PARTNERBOT_ADMINS")),
        webhook_url=_parse_url("PARTNERBOT_WEBHOOK_URL", get("PARTNERBOT_WEBHOOK_URL"), ("https",)),
        webhook_port=_parse_port(get("PARTNERBOT_WEBHOOK_PORT")),
        webhook_secret=_parse_webhook_secret(get("PARTNERBOT_WEBHOOK_SECRET")),
        rate_limit=_parse_bool("PARTNERBOT_RATE_LIMIT", get("PARTNERBOT_RATE_LIMIT"), True),
        log_level=_parse_log_level(get("PARTNERBOT_LOG_LEVEL")),
        delivery_interval=_parse_seconds("PARTNERBOT_DELIVERY_INTERVAL",
                                         get("PARTNERBOT_DELIVERY_INTERVAL"), 60.0, 0.05, 3600),
        busy_timeout=_parse_seconds("PARTNERBOT_BUSY_TIMEOUT", get("PARTNERBOT_BUSY_TIMEOUT"),
                                    5.0, 0.1, 600),
        pretend_now=_parse_now(get("PARTNERBOT_NOW")),
        handoff_chat=_parse_chat_id(get("PARTNERBOT_HANDOFF_CHAT")),
    )


def _parse_path(raw: str) -> Path | None:
    return Path(raw).expanduser() if raw else None


def _parse_port(raw: str) -> int:
    if not raw:
        return 8443
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 65535:
        return int(raw)
    raise ConfigError("PARTNERBOT_WEBHOOK_PORT must be a port number between 1 and 65535")


def _parse_webhook_secret(raw: str) -> Secret | None:
    if not raw:
        return None
    if _WEBHOOK_SECRET_RE.fullmatch(raw):
        return Secret(raw)
    raise ConfigError("PARTNERBOT_WEBHOOK_SECRET must be 16-256 characters of A-Z, a-z, 0-9, _ and -")


def _parse_log_level(raw: str) -> str:
    level = (raw or "INFO").upper()
    if level not in _LOG_LEVELS:
        raise ConfigError(f"PARTNERBOT_LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}")
    return level


def _parse_now(raw: str) -> datetime | None:
    if not raw:
        return None
    try:
        return parse_now(raw)
    except ValueError as exc:
        raise ConfigError(f"PARTNERBOT_NOW: {exc}") from None


def _parse_chat_id(raw: str) -> int | None:
    if not raw:
        return None
    if re.fullmatch(r"-?[0-9]+", raw) and int(raw) != 0:
        return int(raw)
    raise ConfigError("PARTNERBOT_HANDOFF_CHAT must be the numeric Telegram chat id of the "
                      "staff group, e.g. -1001234567890 (leave it empty to turn it off)")
