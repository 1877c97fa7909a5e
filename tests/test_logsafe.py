from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import httpx
import pytest
from telegram.error import InvalidToken

from bot.logsafe import (
    REDACTED,
    RedactingFilter,
    RedactingFormatter,
    Redactor,
    redact,
    setup_logging,
)

# Made-up values of the real shapes; never real credentials.
TOKEN = "123456789:AAFakeTokenForTests_abcdefghijklmnopq-XYZ"
SECRET_PART = TOKEN.split(":", 1)[1]
OTHER_TOKEN = "987654321:BBAnotherFakeToken_zyxwvutsrqponmlkj-abc"  # never registered
WEBHOOK_SECRET = "webhook-secret-for-tests-1234"


@pytest.fixture()
def captured() -> Iterator[io.StringIO]:
    """Root logger with one StringIO handler, configured by setup_logging; restored after."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    quiet = {n: logging.getLogger(n).level for n in ("httpx", "httpcore", "apscheduler")}
    buf = io.StringIO()
    root.handlers = [logging.StreamHandler(buf)]
    try:
        setup_logging("DEBUG", [TOKEN, WEBHOOK_SECRET])
        yield buf
    finally:
        root.handlers = saved_handlers
        root.setLevel(saved_level)
        for name, level in quiet.items():
            logging.getLogger(name).setLevel(level)


def assert_clean(output: str) -> None:
    assert SECRET_PART not in output
    assert OTHER_TOKEN.split(":", 1)[1] not in output
    assert WEBHOOK_SECRET not in output


def test_token_in_args_and_msg_is_redacted(captured: io.StringIO) -> None:
    log = logging.getLogger("partnerbot.test")
    log.info("starting with token %s and count %d", TOKEN, 3)
    log.warning(f"token inline {TOKEN} and unregistered {OTHER_TOKEN}")
    log.info("mapping %(tok)s", {"tok": WEBHOOK_SECRET})
    out = captured.getvalue()
    assert_clean(out)
    assert f"starting with token {REDACTED} and count 3" in out
    assert f"token inline {REDACTED} and unregistered {REDACTED}" in out
    assert f"mapping {REDACTED}" in out


def test_exception_traceback_is_redacted(captured: io.StringIO) -> None:
    log = logging.getLogger("partnerbot.test")

    def connect(token: str) -> None:
        raise RuntimeError(f"could not connect with {token}")

    try:
        connect(TOKEN)
    except RuntimeError:
        log.exception("startup failed")
    out = captured.getvalue()
    assert "Traceback (most recent call last)" in out
    assert f"RuntimeError: could not connect with {REDACTED}" in out
    assert_clean(out)


def test_httpx_style_url_is_redacted_and_httpx_info_is_silenced(captured: io.StringIO) -> None:
    url = httpx.URL(f"https://api.telegram.org/bot{TOKEN}/getUpdates")
    httpx_log = logging.getLogger("httpx")
    httpx_log.info('HTTP Request: %s %s "%s %d %s"', "POST", url, "HTTP/1.1", 200, "OK")
    assert captured.getvalue() == ""  # INFO from httpx is below WARNING now
    httpx_log.warning('HTTP Request: %s %s "%s %d %s"', "POST", url, "HTTP/1.1", 502, "Bad")
    encoded = f"https://example.se/hook?t={TOKEN.replace(':', '%3A')}"
    logging.getLogger("partnerbot.test").error("callback %s", encoded)
    out = captured.getvalue()
    assert f"https://api.telegram.org/bot{REDACTED}/getUpdates" in out
    assert f"https://example.se/hook?t={REDACTED}" in out
    assert_clean(out)
    for name in ("httpx", "httpcore", "apscheduler"):
        assert logging.getLogger(name).level == logging.WARNING


def test_telegram_invalid_token_error_is_redacted(captured: io.StringIO) -> None:
    log = logging.getLogger("telegram.ext.Application")
    error = InvalidToken(f"The token `{TOKEN}` was rejected by the server.")
    assert SECRET_PART in str(error)  # the library really puts the token in the message
    log.error("Error: %s", error)
    log.error(error)
    try:
        raise error
    except InvalidToken:
        log.exception("Application failed")
    out = captured.getvalue()
    assert out.count(REDACTED) == 3  # two messages and the traceback line
    assert_clean(out)


def test_other_handlers_see_the_redacted_record(captured: io.StringIO) -> None:
    """The filter rewrites the record, so a plain handler after ours stays clean too."""
    second = io.StringIO()
    plain = logging.StreamHandler(second)
    logging.getLogger().addHandler(plain)
    try:
        logging.getLogger("partnerbot.test").warning("token=%s", TOKEN)
        try:
            raise ValueError(f"bad {TOKEN}")
        except ValueError:
            logging.getLogger("partnerbot.test").exception("boom")
    finally:
        logging.getLogger().removeHandler(plain)
    assert "token=[REDACTED]" in second.getvalue()
    assert "ValueError: bad [REDACTED]" in second.getvalue()
    assert SECRET_PART not in second.getvalue()


def test_setup_logging_adds_one_stderr_handler_and_is_idempotent(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    root.handlers = []
    try:
        setup_logging("info", [TOKEN])
        setup_logging("INFO", [TOKEN])
        assert len(root.handlers) == 1
        (handler,) = root.handlers
        assert isinstance(handler.formatter, RedactingFormatter)
        assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1
        assert root.level == logging.INFO
        logging.getLogger("partnerbot.test").info("hello %s", TOKEN)
        logging.getLogger("partnerbot.test").debug("not shown")
    finally:
        root.handlers = saved_handlers
        root.setLevel(saved_level)
    err = capsys.readouterr().err
    assert "INFO partnerbot.test: hello [REDACTED]" in err
    assert "not shown" not in err


def test_formatter_redacts_final_string_even_without_filter() -> None:
    redactor = Redactor(["only-this-secret-value"])
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setFormatter(RedactingFormatter("%(message)s", redactor=redactor))
    log = logging.getLogger("partnerbot.formatter-only")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("a %s b", "only-this-secret-value", stack_info=True)
        log.warning("stack %s", TOKEN)
    finally:
        log.removeHandler(handler)
        log.propagate = True
    assert buf.getvalue().startswith(f"a {REDACTED} b\n")
    assert f"stack {REDACTED}" in buf.getvalue()


def test_redact_ignores_short_secrets_and_keeps_normal_text() -> None:
    r = Redactor(["abc", ""])
    assert r.redact("abc abc 12345") == "abc abc 12345"
    assert redact("Ansökan stänger 15 mars 2020 kl. 23:59") == (
        "Ansökan stänger 15 mars 2020 kl. 23:59"
    )
    assert redact(f"bot{TOKEN}/sendMessage") == f"bot{REDACTED}/sendMessage"
