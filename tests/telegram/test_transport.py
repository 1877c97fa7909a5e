"""JsonRequest: what goes over the wire, how many connections, and which errors come back."""
from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import NetworkError, TimedOut

from bot.telegram.transport import JsonRequest
from standin import StandIn

TOKEN = "123456:" + "A" * 35
ME = {"id": 123456, "is_bot": True, "first_name": "Partnerbot", "username": "partnerbot"}


def message(chat_id: int, text: str = "x") -> dict[str, object]:
    return {"message_id": 1, "date": 0, "chat": {"id": chat_id, "type": "private"}, "text": text}


Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]


def api(on_send: Handler | None = None) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    """A Bot API that answers getMe and records every other request."""
    seen: list[httpx.Request] = []

    async def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/getMe"):
            return httpx.Response(200, json={"ok": True, "result": ME})
        seen.append(request)
        if on_send is not None:
            return await on_send(request)
        payload = json.loads(request.content) if request.headers["content-type"].startswith(
            "application/json") else {"chat_id": 1}
        return httpx.Response(200, json={"ok": True, "result": message(int(payload["chat_id"]))})

    return httpx.MockTransport(handle), seen


async def test_calls_go_out_as_json_with_nested_objects_and_plain_utf8() -> None:
    transport, seen = api()
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Vem får söka?", callback_data="a:x:sv")]])
    async with Bot(TOKEN, request=JsonRequest(transport=transport)) as bot:
        await bot.send_message(710, "Hej <b>Åsa</b> & Örjan", parse_mode="HTML",
                               reply_markup=markup)
    [sent] = seen
    assert sent.method == "POST" and sent.url.path == f"/bot{TOKEN}/sendMessage"
    assert sent.headers["content-type"] == "application/json"
    assert "Åsa".encode() in sent.content                       # not \u00c5 or %C3%85
    assert json.loads(sent.content) == {
        "chat_id": 710, "text": "Hej <b>Åsa</b> & Örjan", "parse_mode": "HTML",
        "reply_markup": {"inline_keyboard": [[{"text": "Vem får söka?",
                                               "callback_data": "a:x:sv"}]]}}


async def test_file_uploads_still_go_out_as_multipart() -> None:
    transport, seen = api()
    async with Bot(TOKEN, request=JsonRequest(transport=transport)) as bot:
        await bot.send_document(710, InputFile(b"BEGIN:VCALENDAR", filename="icld.ics"),
                                caption="Lägg in i kalendern")
    [sent] = seen
    assert sent.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b'filename="icld.ics"' in sent.content and b"BEGIN:VCALENDAR" in sent.content
    assert "Lägg in i kalendern".encode() in sent.content


async def test_at_most_pool_size_requests_in_flight_and_a_full_pool_times_out() -> None:
    in_flight, peak, release = 0, 0, asyncio.Event()

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await release.wait()
        in_flight -= 1
        return httpx.Response(200, json={"ok": True, "result": message(1)})

    transport, seen = api(slow)
    request = JsonRequest(connection_pool_size=2, pool_timeout=0.05, transport=transport)
    async with Bot(TOKEN, request=request) as bot:
        first = [asyncio.create_task(bot.send_message(1, f"fråga {i}")) for i in range(2)]
        await asyncio.sleep(0.05)
        with pytest.raises(TimedOut, match="Pool timeout"):
            await bot.send_message(1, "en för mycket")           # never reaches Telegram
        waiting = asyncio.create_task(bot.send_message(1, "väntar på en ledig plats",
                                                       pool_timeout=5))
        await asyncio.sleep(0.05)
        release.set()
        await asyncio.gather(*first, waiting)
        for i in range(6):                                       # slots are reused
            await bot.send_message(1, f"sedan {i}")
    assert peak == 2
    texts = [json.loads(r.content)["text"] for r in seen]
    assert "en för mycket" not in texts and "väntar på en ledig plats" in texts
    assert len(texts) == 9


@pytest.mark.parametrize(("failure", "expected"), [
    (httpx.ConnectError("connection refused"), NetworkError),
    (httpx.RemoteProtocolError("server disconnected"), NetworkError),
    (httpx.ReadTimeout("too slow"), TimedOut),
])
async def test_transport_failures_become_telegram_errors(failure: Exception,
                                                         expected: type[Exception]) -> None:
    async def fail(request: httpx.Request) -> httpx.Response:
        raise failure

    transport, _ = api(fail)
    async with Bot(TOKEN, request=JsonRequest(transport=transport)) as bot:
        with pytest.raises(expected) as err:
            await bot.send_message(1, "hej")
    assert TOKEN not in str(err.value)


async def test_per_call_timeouts_override_the_defaults() -> None:
    transport, seen = api()
    request = JsonRequest(read_timeout=5.0, write_timeout=6.0, connect_timeout=7.0,
                          transport=transport)
    async with Bot(TOKEN, request=request) as bot:
        await bot.send_message(1, "standard")
        await bot.send_message(1, "egen", read_timeout=0.5)
        request.timeouts = httpx.Timeout(0.3)
        await bot.send_message(1, "ändrad")
    timeouts = [r.extensions["timeout"] for r in seen]
    assert timeouts[0] == {"connect": 7.0, "read": 5.0, "write": 6.0, "pool": 1.0}
    assert timeouts[1]["read"] == 0.5 and timeouts[1]["connect"] == 7.0
    assert timeouts[2] == {"connect": 0.3, "read": 0.3, "write": 0.3, "pool": 0.3}


async def test_shut_down_request_refuses_calls_until_initialized_again() -> None:
    transport, seen = api()
    request = JsonRequest(transport=transport)
    async with Bot(TOKEN, request=request) as bot:
        await bot.send_message(1, "först")
    with pytest.raises(NetworkError, match="not initialized"):
        await request.post(f"https://api.telegram.org/bot{TOKEN}/sendMessage")
    async with Bot(TOKEN, request=request) as bot:
        await bot.send_message(1, "igen")
    assert len(seen) == 2


async def test_after_a_burst_quiet_traffic_stays_on_one_kept_alive_connection() -> None:
    """Most recently used first: the other connections may expire instead of each one being
    reused just often enough to need a new TLS handshake every time."""
    async with StandIn() as api:
        request = JsonRequest(connection_pool_size=6)
        async with Bot(api.token, base_url=api.base_url, request=request) as bot:
            api.set_delay(0.2, methods=["sendMessage"])
            await asyncio.gather(*(bot.send_message(1, f"rusning {i}") for i in range(6)))
            api.set_delay(0)
            for i in range(10):
                await bot.send_message(1, f"lugnt {i}")
        per_connection = sorted(n for n in api.requests_per_connection if n)
    assert per_connection[-1] >= 11 and len(per_connection) <= 7   # (+ getMe's if separate)
    assert sum(per_connection) == 17                               # getMe + 16 sends


async def test_a_waiting_request_is_served_before_a_newcomer() -> None:
    order: list[str] = []
    release = asyncio.Event()

    async def record(request: httpx.Request) -> httpx.Response:
        text = json.loads(request.content)["text"]
        order.append(text)
        if text == "först":
            await release.wait()
        return httpx.Response(200, json={"ok": True, "result": message(1)})

    transport, _ = api(record)
    request = JsonRequest(connection_pool_size=1, pool_timeout=5, transport=transport)
    async with Bot(TOKEN, request=request) as bot:
        first = asyncio.create_task(bot.send_message(1, "först"))
        await asyncio.sleep(0.05)
        waiting = asyncio.create_task(bot.send_message(1, "väntade"))
        await asyncio.sleep(0.05)
        release.set()
        await first
        await bot.send_message(1, "nykomling")          # asks just as the slot frees up
        await waiting
    assert order == ["först", "väntade", "nykomling"]


async def test_restart_while_a_request_is_in_flight_leaves_no_dead_connection() -> None:
    release = asyncio.Event()

    async def slow(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["text"] == "långsam":
            await release.wait()
        return httpx.Response(200, json={"ok": True, "result": message(1)})

    transport, seen = api(slow)
    request = JsonRequest(connection_pool_size=2, transport=transport)
    bot = Bot(TOKEN, request=request)
    await bot.initialize()
    in_flight = asyncio.create_task(bot.send_message(1, "långsam"))
    await asyncio.sleep(0.05)
    await request.shutdown()
    await request.initialize()
    release.set()
    with contextlib.suppress(Exception):                  # its client was closed under it
        await in_flight
    for i in range(5):
        await bot.send_message(1, f"efter omstart {i}")   # every call works again
    await bot.shutdown()
    assert [json.loads(r.content)["text"] for r in seen][-5:] == [
        f"efter omstart {i}" for i in range(5)]


async def test_a_client_handed_over_just_as_the_wait_times_out_is_not_lost() -> None:
    transport, _ = api()
    request = JsonRequest(connection_pool_size=1, transport=transport)
    await request.initialize()
    busy = await request._acquire(1.0)                        # the only slot is taken
    waiting = asyncio.create_task(request._acquire(0))       # its timeout fires first ...
    await asyncio.sleep(0)                                   # (it is now waiting)
    request._release(busy)                                   # ... then the slot is handed over
    with pytest.raises(TimedOut, match="Pool timeout"):
        await waiting
    again = await asyncio.wait_for(request._acquire(0.5), 1)  # not lost: the slot is free again
    assert again is busy
    await request.shutdown()
