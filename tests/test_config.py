from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.config import ConfigError, Secret, Settings, load_settings, parse_env_file, validate_token

# Made-up token of the real shape; never a real one.
TOKEN = "123456789:AAFakeTokenForTests_abcdefghijklmnopq-XYZ"
SECRET_PART = TOKEN.split(":", 1)[1]


def load(env: dict[str, str], env_file: Path | None = None) -> Settings:
    return load_settings(environ=env, env_file=env_file)


def test_secret_hides_value_and_compares_by_value() -> None:
    s = Secret("hunter2-very-secret")
    assert repr(s) == "Secret('**********')"
    assert str(s) == "Secret('**********')"
    assert f"{s}" == "Secret('**********')"
    assert "hunter2" not in repr([s, {"k": s}])
    assert s.reveal() == "hunter2-very-secret"
    assert s == Secret("hunter2-very-secret")
    assert s != Secret("other")
    assert s != "hunter2-very-secret"
    assert len({s, Secret("hunter2-very-secret")}) == 1


def test_settings_repr_never_shows_token_or_webhook_secret() -> None:
    settings = load(
        {"TELEGRAM_BOT_TOKEN": TOKEN, "PARTNERBOT_WEBHOOK_SECRET": "s3cret_s3cret_s3cret"}
    )
    assert settings.token is not None and settings.token.reveal() == TOKEN
    for text in (repr(settings), str(settings), f"{settings}"):
        assert SECRET_PART not in text
        assert "s3cret_s3cret_s3cret" not in text
        assert "Secret('**********')" in text
    assert set(settings.secret_values()) == {TOKEN, "s3cret_s3cret_s3cret"}


def test_defaults_without_any_configuration(tmp_path: Path) -> None:
    settings = load({"HOME": str(tmp_path / "home")}, env_file=tmp_path / "missing.env")
    assert settings.token is None
    assert settings.api_base_url is None
    assert settings.db_path == tmp_path / "home/.local/share/partnerbot/partnerbot.db"
    assert settings.knowledge_dir is None
    assert settings.admins == frozenset()
    assert settings.webhook_url is None
    assert settings.webhook_port == 8443
    assert settings.webhook_secret is None
    assert settings.rate_limit is True
    assert settings.log_level == "INFO"
    assert settings.busy_timeout == 5.0


def test_db_path_uses_xdg_data_home_then_override(tmp_path: Path) -> None:
    xdg = tmp_path / "xdg"
    assert load({"XDG_DATA_HOME": str(xdg)}).db_path == xdg / "partnerbot" / "partnerbot.db"
    # A relative XDG_DATA_HOME is invalid per the spec and ignored.
    rel = load({"XDG_DATA_HOME": "relative", "HOME": str(tmp_path)})
    assert rel.db_path == tmp_path / ".local/share/partnerbot/partnerbot.db"
    explicit = load({"XDG_DATA_HOME": str(xdg), "PARTNERBOT_DB": str(tmp_path / "x.db")})
    assert explicit.db_path == tmp_path / "x.db"


def test_env_file_parsing(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# comment line\n"
        "\n"
        f"TELEGRAM_BOT_TOKEN={TOKEN}\n"
        "export PARTNERBOT_LOG_LEVEL=debug  # inline comment\n"
        'PARTNERBOT_KNOWLEDGE="/srv/kunskap med mellanslag"\n'
        "PARTNERBOT_ADMINS='11, 22 33'\n"
        "TELEGRAM_API_BASE_URL = http://127.0.0.1:8081/bot\n"
        "PARTNERBOT_RATE_LIMIT=off\n"
        'PARTNERBOT_WEBHOOK_URL="https://bot.example.se/hook#frag"\n',
        encoding="utf-8",
    )
    settings = load({}, env_file=env_file)
    assert settings.token is not None and settings.token.reveal() == TOKEN
    assert settings.log_level == "DEBUG"
    assert settings.knowledge_dir == Path("/srv/kunskap med mellanslag")
    assert settings.admins == frozenset({11, 22, 33})
    assert settings.api_base_url == "http://127.0.0.1:8081/bot"
    assert settings.rate_limit is False
    assert settings.webhook_url == "https://bot.example.se/hook#frag"


def test_parse_env_file_quotes_and_escapes(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "A=\"rad1\\nrad2 # inte en kommentar\"\n"
        "B='bokstavligt \\n'\n"
        "C=\n"
        "D=värde#utan-mellanslag\n",
        encoding="utf-8",
    )
    assert parse_env_file(env_file) == {
        "A": "rad1\nrad2 # inte en kommentar",
        "B": "bokstavligt \\n",
        "C": "",
        "D": "värde#utan-mellanslag",
    }
    assert parse_env_file(tmp_path / "nope.env") == {}


def test_env_file_syntax_error_names_line_but_not_content(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"OK=1\n{TOKEN}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load({}, env_file=env_file)
    assert "line 2" in str(err.value)
    assert SECRET_PART not in str(err.value)


def test_real_environment_wins_over_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("PARTNERBOT_LOG_LEVEL=DEBUG\nPARTNERBOT_WEBHOOK_PORT=9000\n")
    settings = load({"PARTNERBOT_LOG_LEVEL": "warning"}, env_file=env_file)
    assert settings.log_level == "WARNING"
    assert settings.webhook_port == 9000  # only in .env: still used


def test_uses_os_environ_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PARTNERBOT_ADMINS", "42")
    monkeypatch.chdir(tmp_path)  # the default env_file is ./.env
    (tmp_path / ".env").write_text("PARTNERBOT_ADMINS=7\nPARTNERBOT_LOG_LEVEL=ERROR\n")
    settings = load_settings()
    assert settings.admins == frozenset({42})
    assert settings.log_level == "ERROR"


@pytest.mark.parametrize(
    "bad",
    [
        "123456789",
        "123456789:short",
        "abc:AAFakeTokenForTests_abcdefghijklmnopq",
        "123456789:AAFakeToken with space_abcdefghijklmnopq",
        "123456789:AAFakeTokenForTests_abcdefghijklmnopq/extra",
    ],
)
def test_malformed_token_error_never_contains_the_value(bad: str) -> None:
    with pytest.raises(ConfigError) as err:
        load({"TELEGRAM_BOT_TOKEN": bad})
    message = str(err.value)
    assert message == (
        "TELEGRAM_BOT_TOKEN is malformed: expected <bot id>:<secret> as given by @BotFather"
    )
    after_colon = bad.split(":", 1)[-1]
    assert after_colon not in message
    assert err.value.__cause__ is None and err.value.__context__ is None


def test_validate_token_accepts_and_strips() -> None:
    assert validate_token(f"  {TOKEN}\n") == Secret(TOKEN)
    assert load({"TELEGRAM_BOT_TOKEN": "  "}).token is None


@pytest.mark.parametrize("bad", ["12,abc", "1;2", "-5", "0", "12 3.5", "١٢"])
def test_admins_parse_errors_name_variable_not_value(bad: str) -> None:
    with pytest.raises(ConfigError) as err:
        load({"PARTNERBOT_ADMINS": bad})
    assert "PARTNERBOT_ADMINS" in str(err.value)
    assert bad not in str(err.value)


def test_admins_separators() -> None:
    assert load({"PARTNERBOT_ADMINS": " 1,2 ,, 3\t4 1 "}).admins == frozenset({1, 2, 3, 4})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PARTNERBOT_WEBHOOK_URL", "http://bot.example.se/hook"),
        ("PARTNERBOT_WEBHOOK_URL", "bot.example.se/hook"),
        ("TELEGRAM_API_BASE_URL", "ftp://127.0.0.1/bot"),
        ("TELEGRAM_API_BASE_URL", f"https://api.telegram.org/bot{TOKEN}"),
        ("PARTNERBOT_WEBHOOK_PORT", "0"),
        ("PARTNERBOT_WEBHOOK_PORT", "70000"),
        ("PARTNERBOT_WEBHOOK_PORT", "tjugo"),
        ("PARTNERBOT_WEBHOOK_SECRET", "short"),
        ("PARTNERBOT_WEBHOOK_SECRET", "has spaces in it but long"),
        ("PARTNERBOT_RATE_LIMIT", "kanske"),
        ("PARTNERBOT_LOG_LEVEL", "LOUD"),
        ("PARTNERBOT_BUSY_TIMEOUT", "fem"),
        ("PARTNERBOT_BUSY_TIMEOUT", "0"),
        ("PARTNERBOT_BUSY_TIMEOUT", "nan"),
    ],
)
def test_invalid_values_raise_config_error_naming_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as err:
        load({name: value})
    assert name in str(err.value)
    assert SECRET_PART not in str(err.value)


def test_busy_timeout_is_how_long_a_write_waits_for_a_lock(tmp_path: Path) -> None:
    settings = load({"PARTNERBOT_BUSY_TIMEOUT": "0.3", "PARTNERBOT_DB": str(tmp_path / "p.db")})
    assert settings.busy_timeout == 0.3

    async def locked_write() -> tuple[str, float]:
        from bot.operations import _check_store  # how `partnerbot run` first opens it
        from bot.storage import Store, StorageError
        await _check_store(settings.db_path, settings.busy_timeout)
        async with await Store.open(settings.db_path, busy_timeout=settings.busy_timeout) as store:
            other = sqlite3.connect(settings.db_path, isolation_level=None)
            other.execute("BEGIN IMMEDIATE")             # another process holds the lock
            started = time.monotonic()
            try:
                await store.subscribe(1, "sv", datetime(2020, 3, 1, tzinfo=timezone.utc))
            except StorageError as exc:
                return str(exc), time.monotonic() - started
            finally:
                other.rollback()
                other.close()
        raise AssertionError("the write did not wait for the lock")

    message, waited = asyncio.run(locked_write())
    assert "(0.3 s)" in message and 0.25 <= waited < 3


@pytest.mark.parametrize(("raw", "expected"), [("off", False), ("0", False), ("FALSE", False),
                                               ("on", True), ("1", True), ("", True)])
def test_rate_limit_switch(raw: str, expected: bool) -> None:
    assert load({"PARTNERBOT_RATE_LIMIT": raw}).rate_limit is expected


def test_settings_are_frozen() -> None:
    settings = load({})
    with pytest.raises(AttributeError):
        settings.log_level = "DEBUG"  # type: ignore[misc]


def test_handoff_chat_is_off_when_unset_and_a_chat_id_when_set() -> None:
    assert load({}).handoff_chat is None
    assert load({"PARTNERBOT_HANDOFF_CHAT": " "}).handoff_chat is None
    assert load({"PARTNERBOT_HANDOFF_CHAT": "-1001234567890"}).handoff_chat == -1001234567890
    for bad in ("@staffgroup", "0", "-100 123", "12.5"):
        with pytest.raises(ConfigError, match="PARTNERBOT_HANDOFF_CHAT"):
            load({"PARTNERBOT_HANDOFF_CHAT": bad})


def test_config_is_where_the_environment_is_read(tmp_path) -> None:
    from bot.config import configured_knowledge_dir, token_is_set
    env_file = tmp_path / ".env"
    env_file.write_text("TELEGRAM_BOT_TOKEN=123456:" + "A" * 35 + "\nPARTNERBOT_KNOWLEDGE=~/k\n",
                        encoding="utf-8")
    assert token_is_set({}, env_file)
    assert not token_is_set({"TELEGRAM_BOT_TOKEN": " "}, None)
    assert configured_knowledge_dir({}, env_file) == Path("~/k").expanduser()
    assert configured_knowledge_dir({"PARTNERBOT_KNOWLEDGE": "/srv/k"}, env_file) == Path("/srv/k")
    assert configured_knowledge_dir({}, None) is None


def test_only_config_reads_the_environment() -> None:
    import ast
    bot = Path(__file__).resolve().parents[1] / "bot"
    readers = []
    for path in bot.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv") and \
                    isinstance(node.value, ast.Name) and node.value.id == "os":
                readers.append(path.name)
    assert set(readers) <= {"config.py"}, readers
