"""Webhook mode (deployments behind HTTPS): Telegram posts updates, the bot answers each one
once, and answers Telegram's POST only after handling it (so a crash loses nothing)."""
from __future__ import annotations

import asyncio
import json
import signal
import socket
import time
import urllib.request
from datetime import datetime
from pathlib import Path

import httpx

from bot.clock import STOCKHOLM
from standin.botrunner import running_bot, start_bot_process
from standin import StandIn

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


# ---- in-process: the webhook answers Telegram only after handling ----------------------------
NOW = datetime(2020, 3, 1, 10, 0, tzinfo=STOCKHOLM)


def message_update(update_id: int, chat: int, text: str) -> dict:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": text,
        "chat": {"id": chat, "type": "private"},
        "from": {"id": chat, "is_bot": False, "first_name": "Test"}}}


def hook_env(port: int) -> dict[str, str]:
    return {"PARTNERBOT_WEBHOOK_URL": "https://bot.example.org/hook",
            "PARTNERBOT_WEBHOOK_PORT": str(port), "PARTNERBOT_WEBHOOK_SECRET": SECRET}


async def post(client: httpx.AsyncClient, port: int, body: object, secret: str = SECRET,
               raw: bytes | None = None) -> tuple[int, float]:
    """POST like Telegram does; the status and the moment the answer arrived."""
    response = await client.post(
        f"http://127.0.0.1:{port}/telegram",
        content=raw if raw is not None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret})
    return response.status_code, time.monotonic()


async def test_webhook_answers_telegram_only_after_the_reply_was_sent(tmp_path: Path) -> None:
    port = free_port()
    async with StandIn() as api, running_bot(tmp_path, api, now=NOW, env=hook_env(port)), \
            httpx.AsyncClient(timeout=10) as client:
        hook = next(c for c in api.calls if c.method == "setWebhook")
        assert hook.params["url"] == "https://bot.example.org/hook/telegram"
        assert not any(c.method == "getUpdates" for c in api.calls)
        api.set_delay(0.4, methods=["sendMessage"])            # a slow Telegram
        status, answered_at = await post(client, port, message_update(1, 41, "Kenya?"))
        assert status == 200
        [reply] = api.messages_to(41)                           # already there at the 200
        assert reply.text.startswith("Ja! Kenya") and reply.ts <= answered_at


async def test_webhook_redelivery_of_an_update_is_answered_once(tmp_path: Path) -> None:
    port = free_port()
    async with StandIn() as api, running_bot(tmp_path, api, now=NOW, env=hook_env(port)), \
            httpx.AsyncClient(timeout=10) as client:
        api.set_delay(0.3, methods=["sendMessage"])
        update = message_update(7, 42, "När stänger ansökan?")
        # Telegram timed out on the first post and sends the same update again meanwhile,
        # and once more after it was handled.
        results = await asyncio.gather(post(client, port, update), post(client, port, update))
        assert [status for status, _ in results] == [200, 200]
        assert (await post(client, port, update))[0] == 200
        assert len(api.messages_to(42)) == 1


async def test_webhook_refuses_strangers_and_garbage_and_keeps_serving(tmp_path: Path) -> None:
    port = free_port()
    async with StandIn() as api, running_bot(tmp_path, api, now=NOW, env=hook_env(port)), \
            httpx.AsyncClient(timeout=10) as client:
        assert (await post(client, port, message_update(1, 43, "Kenya?"), secret="fel"))[0] == 403
        assert (await post(client, port, None, raw=b"{not json"))[0] == 400
        assert (await post(client, port, [1, 2, 3]))[0] == 400
        try:                                                   # too big: refused unread
            assert (await post(client, port, None, raw=b"x" * 2_000_000))[0] in (400, 413)
        except (httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError):
            pass
        assert (await client.get(f"http://127.0.0.1:{port}/telegram")).status_code == 405
        assert (await client.post(f"http://127.0.0.1:{port}/annat", content=b"{}")).status_code \
            == 404
        assert api.messages_to(43) == []
        api.block_chat(44)                                     # the reply fails: still 200,
        assert (await post(client, port, message_update(2, 44, "Kenya?")))[0] == 200  # no loop
        assert (await post(client, port, message_update(3, 43, "Kenya?")))[0] == 200
        assert len(api.messages_to(43)) == 1
        proxied = await client.post(      # a proxy that keeps its own path prefix
            f"http://127.0.0.1:{port}/partnerbot/telegram",
            content=json.dumps(message_update(4, 46, "Kenya?")).encode(),
            headers={"Content-Type": "application/json",
                     "X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert proxied.status_code == 200 and len(api.messages_to(46)) == 1


async def test_webhook_stop_finishes_the_update_in_flight_then_closes(tmp_path: Path) -> None:
    port = free_port()
    async with StandIn() as api, httpx.AsyncClient(timeout=10) as client:
        async with running_bot(tmp_path, api, now=NOW, env=hook_env(port)) as bot:
            api.set_delay(0.5, methods=["sendMessage"])
            in_flight = asyncio.create_task(post(client, port, message_update(1, 45, "Kenya?")))
            await api.wait_for(lambda: any(c.method == "sendMessage" for c in api.calls)
                               or bool(api.messages_to(45)), timeout=5)
            await asyncio.sleep(0.1)
            bot.app.bot_data.stop.set()               # SIGTERM
        assert (await in_flight)[0] == 200
        assert len(api.messages_to(45)) == 1
        try:
            await client.post(f"http://127.0.0.1:{port}/telegram", content=b"{}")
            raise AssertionError("the server still accepts requests after stop")
        except httpx.ConnectError:
            pass


def test_webhook_port_taken_gives_a_clear_error_and_exit_code(tmp_path: Path) -> None:
    with socket.socket() as taken, StandIn.in_thread() as api:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = start_bot_process(tmp_path, api, PARTNERBOT_WEBHOOK_URL="https://bot.example.org/h",
                                 PARTNERBOT_WEBHOOK_PORT=str(port),
                                 PARTNERBOT_WEBHOOK_SECRET=SECRET)
        assert proc.wait(30) == 2
    log = (tmp_path / "bot.log").read_text(encoding="utf-8")
    assert f"cannot listen on port {port} for the webhook" in log
    assert "Traceback" not in log and api.token.split(":")[1] not in log
