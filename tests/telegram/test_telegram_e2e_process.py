"""End-to-end: the token never reaches a log, and `python -m bot run` as a real process (issue 3).

In-process, logging is configured the way `partnerbot run` configures it (setup_logging) and
then every logger is opened up to DEBUG -- also httpx, which prints request URLs (with the token)
at INFO. The process tests read the bot's own log file (stdout and stderr).
"""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from datetime import datetime

import pytest

from bot.clock import STOCKHOLM
from bot.logsafe import setup_logging
from standin.botrunner import ROOT, running_bot, start_bot_process
from standin import StandIn

NOW = datetime(2020, 3, 8, 10, 0, tzinfo=STOCKHOLM)
OOPS = "Oj, något gick fel"
ALL_LOGGERS = ("", "telegram", "telegram.ext", "httpx", "httpcore", "apscheduler", "aiosqlite",
               "asyncio", "bot")


def secret_parts(token: str) -> tuple[str, str]:
    return token, token.split(":", 1)[1]


def assert_no_token(text: str, token: str) -> None:
    for part in secret_parts(token):
        assert part not in text


def stop(proc: subprocess.Popen[bytes], timeout: float = 5.0) -> int:
    """SIGTERM, then the exit code (killed, and the test failed, if it does not stop in time)."""
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"the bot did not stop within {timeout} s of SIGTERM")


# ---- in-process ----------------------------------------------------------------------------
async def test_token_never_logged_in_process_even_at_debug(tmp_path, caplog, keep_logging) -> None:
    async with StandIn() as api:
        setup_logging("DEBUG", secret_parts(api.token)[:1])  # what `partnerbot run` does
        for name in ALL_LOGGERS:
            caplog.set_level(logging.DEBUG, logger=name)
        async with running_bot(tmp_path, api, now=NOW) as bot:
            api.push_message(1001, "Kan vi samarbeta med Kenya?")
            await api.wait_messages(1001, 1)
            api.fail_next("sendMessage", 500, count=4)         # an error inside a handler
            api.push_message(1001, "Vem kan söka?")
            await api.wait_for(lambda: any(OOPS in (s.plain_text or "")    # after 4 tries
                                           for s in api.messages_to(1001)), timeout=15)
            api.fail_next("getUpdates", 500)                   # an error while polling
            api.push_message(1002, "/deadline")
            await api.wait_messages(1002, 1, timeout=8)
            api.fail_next("answerCallbackQuery", 401)           # "Unauthorized": InvalidToken
            api.push_callback(1001, "a:deadline:sv")
            await api.wait_for(lambda: [c for c in api.calls if c.status == 401])
            assert bot.app.running
    text = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert "HTTP Request: POST" in text                       # httpx really was logging
    assert "error while handling an update" in text and "Traceback" in text
    assert "[REDACTED]" in text
    assert_no_token(text, api.token)


# ---- as a process --------------------------------------------------------------------------
def test_bot_process_answers_logs_no_token_and_stops_on_sigterm(tmp_path) -> None:
    with StandIn.in_thread() as api:
        proc = start_bot_process(tmp_path, api, now="2020-03-08T10:00",
                                 PARTNERBOT_LOG_LEVEL="DEBUG")
        try:
            api.push_message(1001, "Kan vi samarbeta med Kenya?")
            [reply] = api.wait_messages_sync(1001, 1, timeout=15)
            assert "Kenya är ett av de 19 samarbetsländerna" in (reply.plain_text or "")
            api.fail_next("sendMessage", 500)                  # one 5xx: retried, answered
            api.push_message(1001, "/deadline")
            api.wait_messages_sync(1001, 2)
            api.fail_next("sendMessage", 500, count=4)         # still failing: the apology
            api.push_message(1001, "/deadline")
            api.wait_for_sync(lambda: any(OOPS in (s.plain_text or "")
                                          for s in api.messages_to(1001)), timeout=15)
            api.push_message(1002, "/deadline")
            [deadline] = api.wait_messages_sync(1002, 1)
            assert "7 dagar kvar" in (deadline.plain_text or "")  # PARTNERBOT_NOW was used
        finally:
            started = time.monotonic()
            code = stop(proc)
        assert code == 0
        assert time.monotonic() - started < 5
    log = (tmp_path / "bot.log").read_text(encoding="utf-8", errors="replace")
    assert "error while handling an update" in log and "DEBUG" in log
    assert_no_token(log, api.token)


def test_rejected_token_exits_with_an_error_that_hides_the_token(tmp_path) -> None:
    with StandIn.in_thread() as api:
        api.fail_next("getMe", 401, description="Unauthorized")
        proc = start_bot_process(tmp_path, api)
        try:
            code = proc.wait(15)
        except subprocess.TimeoutExpired:
            code = stop(proc)
            pytest.fail("the bot kept running although its token was rejected")
    log = (tmp_path / "bot.log").read_text(encoding="utf-8", errors="replace")
    assert code == 2 and "Telegram rejected TELEGRAM_BOT_TOKEN" in log
    assert_no_token(log, api.token)


@pytest.mark.parametrize("token", [
    "12345:Secret-with spaces-and-more-than-thirty-chars",
    "not-a-token-SecretSecretSecretSecret",
    "123456789:short",
])
def test_malformed_token_gives_a_clear_error_without_the_token(tmp_path, token) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "PARTNERBOT_"))}
    env.update(TELEGRAM_BOT_TOKEN=token, PARTNERBOT_DB=str(tmp_path / "p.db"),
               PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "bot", "run"], check=False, cwd=tmp_path,
                          env=env, capture_output=True, timeout=30)
    output = (done.stdout + done.stderr).decode("utf-8", "replace")
    assert done.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in output and "malformed" in output
    assert "Traceback" not in output
    for part in (token, token.split(":", 1)[-1], "Secret", "short"):
        assert part not in output
    assert not (tmp_path / "p.db").exists()
