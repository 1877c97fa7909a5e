"""Webhook mode (deployments behind HTTPS): Telegram posts updates, the bot answers."""
from __future__ import annotations

import json
import signal
import socket
import time
import urllib.request
from pathlib import Path

from tests.botrunner import start_bot_process
from tests.standin import StandIn

SECRET = "s3cret-token-for-webhook-tests"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post_update(port: int, update: dict, secret: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/telegram", data=json.dumps(update).encode(), method="POST",
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_webhook_mode_registers_the_hook_and_answers(tmp_path: Path) -> None:
    port = free_port()
    with StandIn.in_thread() as api:
        proc = start_bot_process(tmp_path, api, now="2020-03-01T10:00",
                                 PARTNERBOT_WEBHOOK_URL="https://bot.example.org/hook",
                                 PARTNERBOT_WEBHOOK_PORT=str(port),
                                 PARTNERBOT_WEBHOOK_SECRET=SECRET)
        try:
            api.wait_for_sync(lambda: any(c.method == "setWebhook" for c in api.calls), timeout=20)
            hook = next(c for c in api.calls if c.method == "setWebhook")
            assert hook.params["url"] == "https://bot.example.org/hook/telegram"
            update = {"update_id": 1, "message": {
                "message_id": 1, "date": int(time.time()), "text": "Kan vi samarbeta med Kenya?",
                "chat": {"id": 31, "type": "private"},
                "from": {"id": 31, "is_bot": False, "first_name": "Test"}}}
            for _ in range(50):                      # the web server may need a moment
                try:
                    status = post_update(port, update, SECRET)
                    break
                except OSError:
                    time.sleep(0.2)
            assert status == 200
            [reply] = api.wait_messages_sync(31, 1, timeout=10)
            assert reply.plain_text.startswith("Ja! Kenya")
            assert post_update(port, {**update, "update_id": 2}, "wrong-secret") == 403
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(15) == 0
        assert len(api.messages_to(31)) == 1
