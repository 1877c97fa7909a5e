"""Tests for the Bot API stand-in: the real python-telegram-bot client runs against it."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    MenuButtonCommands,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from standin import BOT_ID, BOT_USERNAME, ParseError, StandIn, html_to_plain, utf16_len

CHAT = 5150
pytestmark = pytest.mark.filterwarnings(  # PTB itself warns when building RetryAfter
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
async def api() -> AsyncIterator[StandIn]:
    async with StandIn() as server:
        yield server
        assert server.internal_errors == []


@pytest.fixture
async def bot(api: StandIn) -> AsyncIterator[Bot]:
    client = Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url)
    async with client:
        yield client


@contextlib.asynccontextmanager
async def running_app(api: StandIn, *handlers: BaseHandler[Any, Any, Any]
                      ) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    app = (ApplicationBuilder().token(api.token).base_url(api.base_url)
           .base_file_url(api.base_file_url).build())
    for handler in handlers:
        app.add_handler(handler)
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=1))
        await app.start()
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


def seconds(exc: RetryAfter) -> float:
    value = exc._retry_after  # the public property warns about int/timedelta deprecation
    return value.total_seconds()


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_message.text is not None
    await update.effective_message.reply_text(update.effective_message.text.upper())


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text("<b>Hej!</b>", parse_mode="HTML")


# ------------------------------------------------------------------ basics and Application
async def test_get_me_describes_the_test_bot(api: StandIn, bot: Bot) -> None:
    assert re.fullmatch(r"\d+:[A-Za-z0-9_-]{30,}", api.token)
    assert api.token.split(":")[0] == str(BOT_ID)
    assert api.base_url == f"http://127.0.0.1:{api.port}/bot"
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (BOT_ID, BOT_USERNAME, True)
    assert me.can_join_groups and me.supports_inline_queries


async def test_application_echo_round_trip(api: StandIn) -> None:
    async with running_app(api, CommandHandler("start", start),
                           MessageHandler(filters.TEXT & ~filters.COMMAND, echo)):
        api.push_message(CHAT, "hej där")
        last = api.push_message(CHAT, "/start")
        sent = await api.wait_messages(CHAT, 2)
    assert sorted(s.text for s in sent) == ["<b>Hej!</b>", "HEJ DÄR"]
    html = next(s for s in sent if s.parse_mode)
    assert html.parse_mode == "HTML" and html.plain_text == "Hej!"
    assert api.updates_confirmed() == last + 1 and api.pending_updates() == 0
    assert [c.method for c in api.calls[:2]] == ["getMe", "deleteWebhook"]
    # PTB's shutdown abandons its long poll: recorded as a client disconnect, not a conflict
    assert {c.status for c in api.calls} <= {200, 499}


async def test_group_command_and_mention_entities(api: StandIn, bot: Bot) -> None:
    group = -1001234
    api.push_message(group, f"/start@{BOT_USERNAME} hej", chat_type="supergroup")
    api.push_message(group, f"😀 @{BOT_USERNAME} vad gäller?", chat_type="supergroup",
                     user_id=77, username="anna")
    command, mention = [u.message for u in await bot.get_updates(timeout=0)]
    assert command and mention and command.chat.type == "supergroup"
    assert command.entities[0].type == "bot_command"
    assert command.parse_entity(command.entities[0]) == f"/start@{BOT_USERNAME}"
    assert mention.entities[0].type == "mention" and mention.entities[0].offset == 3
    assert mention.parse_entity(mention.entities[0]) == f"@{BOT_USERNAME}"
    assert mention.from_user and (mention.from_user.id, mention.from_user.username) == (77, "anna")


async def test_get_updates_offset_limit_and_long_poll(api: StandIn, bot: Bot) -> None:
    ids = [api.push_message(CHAT, f"m{i}") for i in range(3)]
    assert [u.update_id for u in await bot.get_updates(limit=2, timeout=0)] == ids[:2]
    rest = await bot.get_updates(offset=ids[1] + 1, timeout=0)
    assert [u.update_id for u in rest] == ids[2:]
    assert api.updates_confirmed() == ids[1] + 1 and api.pending_updates() == 1

    poll = asyncio.create_task(bot.get_updates(offset=ids[2] + 1, timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()  # long poll waits while nothing is queued
    started = time.monotonic()
    new = api.push_message(CHAT, "nu")
    assert [u.update_id for u in await poll] == [new]
    assert time.monotonic() - started < 1.0

    started = time.monotonic()
    assert await bot.get_updates(offset=new + 1, timeout=1) == ()
    assert 0.9 <= time.monotonic() - started < 3


async def test_allowed_updates_filter_and_negative_offset(api: StandIn, bot: Bot) -> None:
    api.push_message(CHAT, "text")
    api.push_callback(CHAT, "knapp")
    kinds = await bot.get_updates(timeout=0, allowed_updates=["callback_query"])
    assert len(kinds) == 1 and kinds[0].callback_query is not None
    api.push_message(CHAT, "a")
    api.push_message(CHAT, "b")
    last = await bot.get_updates(offset=-1, timeout=0, allowed_updates=[])
    assert [u.message.text for u in last if u.message] == ["b"]


async def test_other_update_kinds_parse_in_ptb(api: StandIn, bot: Bot) -> None:
    api.push_message(CHAT, "första")
    api.push_message(CHAT, "ändrad", edited=True)
    api.push_sticker(CHAT)
    api.push_photo(CHAT, caption="bild")
    api.push_voice(CHAT, duration=4)
    api.push_document(CHAT, file_name="ansökan.pdf", content=b"%PDF-1")
    api.push_channel_post(-100777, "kanal")
    query_id = api.push_inline_query(42, "budget")
    api.push_raw({"my_chat_member": {
        "chat": {"id": CHAT, "type": "private"}, "from": {"id": CHAT, "is_bot": False,
                                                          "first_name": "A"},
        "date": 1, "old_chat_member": {"status": "member", "user": {"id": BOT_ID, "is_bot": True,
                                                                   "first_name": "P"}},
        "new_chat_member": {"status": "kicked", "until_date": 0,
                            "user": {"id": BOT_ID, "is_bot": True, "first_name": "P"}}}})
    updates = await bot.get_updates(timeout=0)
    first, edited, sticker, photo, voice, document, post, inline, member = updates
    assert edited.edited_message and first.message
    assert edited.edited_message.message_id == first.message.message_id
    assert edited.edited_message.text == "ändrad" and edited.edited_message.edit_date
    assert sticker.message and sticker.message.sticker and sticker.message.sticker.emoji
    assert photo.message and photo.message.photo and photo.message.caption == "bild"
    assert voice.message and voice.message.voice
    assert voice.message.voice.to_dict()["duration"] == 4
    assert document.message and document.message.document
    assert document.message.document.file_name == "ansökan.pdf"
    file = await bot.get_file(document.message.document.file_id)
    assert await file.download_as_bytearray() == bytearray(b"%PDF-1")
    assert post.channel_post and post.channel_post.chat.type == "channel"
    assert inline.inline_query and inline.inline_query.id == query_id
    assert member.my_chat_member and member.my_chat_member.new_chat_member.status == "kicked"
    ids = [u.update_id for u in updates]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


# ------------------------------------------------------------------ validation
@pytest.mark.parametrize(
    ("text", "parse_mode", "expected"),
    [
        ("", None, "message text is empty"),
        ("  \n\t ", None, "message text is empty"),
        ("<b> </b>", "HTML", "message text is empty"),
        ("x" * 4097, None, "message is too long"),
        ("😀" * 2049, None, "message is too long"),  # 2049 characters, 4098 UTF-16 units
        ("<b>fet", "HTML", "can't find end tag"),
        ("<b><i>x</b></i>", "HTML", "unmatched end tag"),
        ("x</b>", "HTML", "unexpected end tag"),
        ("rad<br>rad", "HTML", 'unsupported start tag "br"'),
        ("a < b", "HTML", "unsupported start tag"),
        ("Tom & Jerry", "HTML", "&amp;"),
        ("a&nbsp;b", "HTML", "unsupported entity"),
        ("<span>x</span>", "HTML", "tg-spoiler"),
        ('<a href="x>y', "HTML", "unclosed start tag"),
        ("hej", "HTMLX", "unsupported parse_mode"),
    ],
)
async def test_send_message_rejected_like_telegram(api: StandIn, bot: Bot, text: str,
                                                   parse_mode: str | None, expected: str) -> None:
    with pytest.raises(BadRequest) as info:
        await bot.send_message(CHAT, text, parse_mode=parse_mode)
    assert expected.lower() in str(info.value).lower()
    assert api.sent == [] and api.calls[-1].status == 400
    assert api.calls[-1].description and api.calls[-1].description.startswith("Bad Request: ")


@pytest.mark.parametrize(
    ("text", "parse_mode", "plain"),
    [
        ("x" * 4096, None, "x" * 4096),
        ("<b>" + "x" * 4096 + "</b>", "HTML", "x" * 4096),
        ("&amp;" * 4096, "HTML", "&" * 4096),
        ("😀" * 2048, None, "😀" * 2048),
        ('<a href="https://icld.se/?a=1&amp;b=2">ICLD</a>', "HTML", "ICLD"),
        ("&lt;3 &quot;&#228;&#xE5;&quot; a > b", "HTML", '<3 "äå" a > b'),
        ("<blockquote expandable>citat</blockquote>", "HTML", "citat"),
        ('<span class="tg-spoiler">x</span><tg-spoiler>y</tg-spoiler>', "HTML", "xy"),
        ('<pre><code class="language-python">x = 1</code></pre>', "HTML", "x = 1"),
        ("<B>Stor</B> <strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s>"
         "<strike>t</strike><del>d</del>", "html", "Stor sieunstd"),
        ("  mellanslag  ", None, "mellanslag"),
        ("*inte* HTML & <b>", "MarkdownV2", "*inte* HTML & <b>"),
    ],
)
async def test_send_message_accepted(api: StandIn, bot: Bot, text: str, parse_mode: str | None,
                                     plain: str) -> None:
    message = await bot.send_message(CHAT, text, parse_mode=parse_mode)
    assert message.text == plain and message.from_user and message.from_user.id == BOT_ID
    (sent,) = api.sent
    assert (sent.chat_id, sent.text, sent.plain_text, sent.parse_mode) == (
        CHAT, text, plain, parse_mode)


async def test_message_ids_increment_per_chat(api: StandIn, bot: Bot) -> None:
    api.push_message(CHAT, "hej")
    ids = [(await bot.send_message(chat, "x")).message_id for chat in (CHAT, CHAT, 6, CHAT)]
    assert ids == [2, 3, 1, 4]


async def test_reply_markup_and_link_preview_recorded(api: StandIn, bot: Bot) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="x" * 64),
                                    InlineKeyboardButton("ICLD", url="https://icld.se/")]])
    message = await bot.send_message(CHAT, "Välj", reply_markup=markup,
                                     link_preview_options={"is_disabled": True})
    assert message.reply_markup == markup
    (sent,) = api.sent
    assert sent.reply_markup == markup.to_dict() and sent.link_preview_disabled
    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
        await bot.send_message(CHAT, "x", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("Nej", callback_data="å" * 33)]]))  # 66 bytes
    with pytest.raises(BadRequest, match="(?i)reply keyboard markup"):
        await bot.send_message(CHAT, "x", api_kwargs={"reply_markup": "{inte json"})
    assert len(api.sent) == 1


# ------------------------------------------------------------------ faults
async def test_blocked_chat_raises_forbidden(api: StandIn, bot: Bot) -> None:
    api.block_chat(CHAT)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(CHAT, "hej")
    await bot.send_message(6, "andra chattar fungerar")
    api.unblock_chat(CHAT)
    await bot.send_message(CHAT, "igen")
    assert [s.chat_id for s in api.sent] == [6, CHAT]
    assert [c.status for c in api.calls if c.method == "sendMessage"] == [403, 200, 200]


async def test_fail_next_429_and_500(api: StandIn, bot: Bot) -> None:
    api.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(CHAT, "a")
    assert seconds(info.value) == 7
    api.fail_next("*", 500, count=2)
    for _ in range(2):
        with pytest.raises(NetworkError) as error:
            await bot.send_message(CHAT, "b")
        assert not isinstance(error.value, BadRequest | TimedOut)
    await bot.send_message(CHAT, "c")
    assert [s.text for s in api.sent] == ["c"]
    assert [c.status for c in api.calls if c.method == "sendMessage"] == [429, 500, 500, 200]


async def test_random_faults_are_seeded(api: StandIn, bot: Bot) -> None:
    async def outcomes() -> list[str]:
        result = []
        for i in range(30):
            try:
                await bot.send_message(CHAT, f"m{i}")
                result.append("ok")
            except RetryAfter as exc:
                assert seconds(exc) == 2
                result.append("429")
            except NetworkError:
                result.append("500")
        return result

    api.set_random_faults(rate_500=0.3, rate_429=0.2, retry_after=2, seed=11)
    first = await outcomes()
    api.set_random_faults(rate_500=0.3, rate_429=0.2, retry_after=2, seed=11)
    assert await outcomes() == first
    assert {"ok", "429", "500"} <= set(first)
    assert len(api.sent) == 2 * first.count("ok")
    api.set_random_faults(0, 0)
    await bot.send_message(CHAT, "lugnt")


async def test_rate_limit_windows(api: StandIn, bot: Bot) -> None:
    api.enforce_rate_limit(max_per_second=5)
    results = await asyncio.gather(*(bot.send_message(CHAT + i, "x") for i in range(8)),
                                   return_exceptions=True)
    assert sum(isinstance(r, RetryAfter) for r in results) == 3
    assert all(seconds(r) == 1 for r in results if isinstance(r, RetryAfter))
    assert len(api.rate_violations) == 3 and api.max_in_any_window(1.0) == 5

    api.enforce_rate_limit(max_per_second=None, per_chat_per_second=1)
    await asyncio.sleep(1.0)
    await bot.send_message(1, "a")
    with pytest.raises(RetryAfter):
        await bot.send_message(1, "b")
    await bot.send_message(2, "c")
    assert api.rate_violations[-1].scope == "chat" and api.rate_violations[-1].chat_id == 1
    assert api.max_in_any_window(1.0, chat_id=1) == 1 and api.max_in_any_window(10.0) == 7


async def test_dropped_connection_and_slow_answer(api: StandIn, bot: Bot) -> None:
    api.drop_connection_next("sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(CHAT, "förlorad")
    assert api.sent == [] and api.calls[-1].status == 0
    api.drop_connection_next("sendMessage", after_processing=True)
    with pytest.raises(NetworkError):
        await bot.send_message(CHAT, "levererad men svaret tappades")
    assert [s.text for s in api.messages_to(CHAT)] == ["levererad men svaret tappades"]

    api.set_delay(0.5, methods=["sendMessage"])
    with pytest.raises(TimedOut):
        await bot.send_message(CHAT, "långsam", read_timeout=0.1)
    api.set_delay(0)
    await bot.send_message(CHAT, "snabb")
    # the timed-out request is still delivered once its delay is over, as on Telegram
    texts = [s.text for s in await api.wait_messages(CHAT, 3)]
    assert texts == ["levererad men svaret tappades", "snabb", "långsam"]


# ------------------------------------------------------------------ callbacks, inline, files
async def test_callback_and_inline_answers_via_application(api: StandIn, bot: Bot) -> None:
    async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Klart!")
        await query.edit_message_text(f"Du valde {query.data}")

    async def on_inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.inline_query is not None
        await update.inline_query.answer([InlineQueryResultArticle(
            "r1", "Svar", InputTextMessageContent("<b>Budget</b>", parse_mode="HTML"))])

    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="ja")]])
    menu = await bot.send_message(CHAT, "Välj", reply_markup=keyboard)
    async with running_app(api, CallbackQueryHandler(on_button), InlineQueryHandler(on_inline)):
        callback_id = api.push_callback(CHAT, "ja")
        inline_id = api.push_inline_query(42, "budget")
        await api.wait_for(lambda: api.callback_answers and api.inline_answers
                           and any(s.method == "editMessageText" for s in api.sent))
    (answer,) = api.callback_answers
    assert (answer["callback_query_id"], answer["text"]) == (callback_id, "Klart!")
    (inline,) = api.inline_answers
    assert inline["inline_query_id"] == inline_id and inline["results"][0]["id"] == "r1"
    edit = next(s for s in api.sent if s.method == "editMessageText")
    assert edit.message_id == menu.message_id and edit.plain_text == "Du valde ja"


async def test_answer_validation(api: StandIn, bot: Bot) -> None:
    def article(result_id: str) -> InlineQueryResultArticle:
        return InlineQueryResultArticle(result_id, "t", InputTextMessageContent("x"))

    query = api.push_inline_query(42, "q")
    with pytest.raises(BadRequest, match="(?i)results_too_much"):
        await bot.answer_inline_query(query, [article(str(i)) for i in range(51)])
    with pytest.raises(BadRequest, match="(?i)result_id_duplicate"):
        await bot.answer_inline_query(query, [article("a"), article("a")])
    with pytest.raises(BadRequest, match="(?i)result_id_invalid"):
        await bot.answer_inline_query(query, [article("x" * 65)])
    with pytest.raises(BadRequest, match="(?i)can't parse entities"):
        await bot.answer_inline_query(query, [InlineQueryResultArticle(
            "a", "t", InputTextMessageContent("<b>x", parse_mode="HTML"))])
    assert await bot.answer_inline_query(query, [article(str(i)) for i in range(50)])
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_inline_query(query, [])

    callback = api.push_callback(CHAT, "d")
    with pytest.raises(BadRequest, match="(?i)message_too_long"):
        await bot.answer_callback_query(callback, "x" * 201)
    assert await bot.answer_callback_query(callback, "x" * 200, show_alert=True)
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_callback_query(callback)
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_callback_query("999")
    assert api.callback_answers[0]["show_alert"] is True
    assert len(api.inline_answers[0]["results"]) == 50


async def test_send_document_records_bytes(api: StandIn, bot: Bot) -> None:
    content = "Ansökan om kommunalt partnerskap\n".encode() * 100
    message = await bot.send_document(CHAT, content, filename="påminnelse.ics",
                                      caption="<i>Kalender</i>", parse_mode="HTML")
    assert message.document and message.document.file_name == "påminnelse.ics"
    assert message.caption == "Kalender"
    (sent,) = api.messages_to(CHAT)
    assert (sent.method, sent.document_name, sent.document_bytes) == (
        "sendDocument", "påminnelse.ics", content)
    assert sent.text == "<i>Kalender</i>"
    file = await bot.get_file(message.document.file_id)
    assert bytes(await file.download_as_bytearray()) == content
    with pytest.raises(BadRequest, match="(?i)caption is too long"):
        await bot.send_document(CHAT, b"x", filename="a.txt", caption="y" * 1025)


async def test_edit_and_delete_like_telegram(api: StandIn, bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="ja")]])
    message = await bot.send_message(CHAT, "Fråga", reply_markup=keyboard)
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text("Fråga", CHAT, message.message_id, reply_markup=keyboard)
    edited = await bot.edit_message_text("Besvarad", CHAT, message.message_id)
    assert edited.text == "Besvarad" and edited.reply_markup is None
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_reply_markup(CHAT, message.message_id)
    assert await bot.edit_message_reply_markup(CHAT, message.message_id, reply_markup=keyboard)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("x", CHAT, 999)
    api.push_message(CHAT, "användarens text")
    with pytest.raises(BadRequest, match="(?i)can't be edited"):
        await bot.edit_message_text("x", CHAT, message.message_id + 1)
    assert await bot.delete_message(CHAT, message.message_id)
    with pytest.raises(BadRequest, match="(?i)message to delete not found"):
        await bot.delete_message(CHAT, message.message_id)
    assert await bot.send_chat_action(CHAT, "typing")
    with pytest.raises(BadRequest, match="(?i)wrong parameter action"):
        await bot.send_chat_action(CHAT, "dancing")


async def test_commands_menu_chat_and_webhook(api: StandIn, bot: Bot) -> None:
    assert await bot.set_my_commands([BotCommand("start", "Börja"), BotCommand("hjalp", "Hjälp")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "hjalp"]
    assert [c["command"] for c in api.commands()] == ["start", "hjalp"]
    with pytest.raises(BadRequest, match="(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start!", "x")])
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
    assert await bot.set_chat_menu_button(CHAT, MenuButtonCommands())
    assert api.menu_buttons == {CHAT: {"type": "commands"}}
    chat = await bot.get_chat(CHAT)
    assert (chat.id, chat.type) == (CHAT, "private")

    api.push_message(CHAT, "väntar")
    assert await bot.set_webhook("https://example.invalid/hook")
    info = await bot.get_webhook_info()
    assert info.url == "https://example.invalid/hook" and info.pending_update_count == 1
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates(timeout=0)
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates(timeout=0) == ()
    assert await bot.log_out() and await bot.close()


async def test_wire_format_and_unknown_method(api: StandIn, bot: Bot) -> None:
    base = f"{api.base_url}{api.token}"
    async with httpx.AsyncClient() as client:
        unknown = await client.post(f"{base}/fooBar")
        assert unknown.status_code == 404
        assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        assert (await client.get(f"http://127.0.0.1:{api.port}/botnotatoken/getMe")
                ).status_code == 404
        got = await client.get(f"{base}/getme")  # method names are case-insensitive
        assert got.json() == {"ok": True, "result": await bot.get_me() and got.json()["result"]}
        ok = await client.post(f"{base}/sendMessage", json={"chat_id": CHAT, "text": "json"})
        assert ok.json()["ok"] is True and ok.json()["result"]["text"] == "json"
        bad = await client.post(f"{base}/sendMessage", data={"chat_id": str(CHAT), "text": " "})
        assert bad.status_code == 400 and bad.json() == {
            "ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}
        api.fail_next("sendMessage", 429, retry_after=3)
        limited = await client.post(f"{base}/sendMessage", data={"chat_id": "1", "text": "x"})
        assert limited.status_code == 429 and limited.json()["parameters"] == {"retry_after": 3}
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("fooBar")


async def test_second_long_poll_terminates_the_first(api: StandIn) -> None:
    url = f"{api.base_url}{api.token}/getUpdates"
    async with httpx.AsyncClient(timeout=10) as first, httpx.AsyncClient(timeout=10) as second:
        older = asyncio.create_task(first.post(url, data={"timeout": "5"}))
        await asyncio.sleep(0.2)
        newer = asyncio.create_task(second.post(url, data={"timeout": "0"}))
        old_answer = await asyncio.wait_for(older, 2)
        assert old_answer.status_code == 409
        assert "terminated by other getUpdates request" in old_answer.json()["description"]
        assert (await newer).json() == {"ok": True, "result": []}


async def test_wait_for_times_out_with_context(api: StandIn, bot: Bot) -> None:
    await bot.send_message(CHAT, "x")
    with pytest.raises(TimeoutError, match="sendMessage->200"):
        await api.wait_for(lambda: False, timeout=0.05)


# ------------------------------------------------------------------ thread mode
async def test_in_thread_mode_with_application_in_this_loop() -> None:
    with StandIn.in_thread() as api:
        assert api._thread is not None and api._thread.is_alive()
        async with running_app(api, MessageHandler(filters.TEXT, echo)):
            await asyncio.to_thread(api.push_message, CHAT, "från en annan tråd")
            sent = await api.wait_messages(CHAT, 1)
            assert sent[0].text == "FRÅN EN ANNAN TRÅD"
            assert await asyncio.to_thread(api.wait_messages_sync, CHAT, 1)
        port = api.port
    assert api._thread is None and api.internal_errors == []
    with pytest.raises(httpx.ConnectError):  # the server is gone with its thread
        httpx.get(f"http://127.0.0.1:{port}/bot{api.token}/getMe")


SUBPROCESS_CLIENT = """
import json, os, urllib.parse, urllib.request
base = os.environ["STANDIN_BASE"]
def call(method, **params):
    data = urllib.parse.urlencode(params).encode()
    with urllib.request.urlopen(base + "/" + method, data=data, timeout=10) as response:
        return json.load(response)["result"]
updates = call("getUpdates", timeout=5)
for update in updates:
    message = update["message"]
    call("sendMessage", chat_id=message["chat"]["id"], text="svar: " + message["text"])
call("getUpdates", offset=updates[-1]["update_id"] + 1, timeout=0)
"""


def test_in_thread_mode_serves_a_subprocess_bot() -> None:
    with StandIn.in_thread() as api:
        uid = api.push_message(CHAT, "hej från testet")
        env = {**os.environ, "STANDIN_BASE": f"{api.base_url}{api.token}"}
        done = subprocess.run([sys.executable, "-c", SUBPROCESS_CLIENT], env=env, timeout=20,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        (sent,) = api.wait_messages_sync(CHAT, 1, timeout=2)
        assert sent.text == "svar: hej från testet"
        assert api.wait_for_sync(lambda: api.updates_confirmed() > uid)


POLL_AND_HANG = """
import json, os, sys, urllib.parse, urllib.request
base = os.environ["STANDIN_BASE"]
data = urllib.parse.urlencode({"timeout": 30, "offset": sys.argv[1]}).encode()
print("polling", flush=True)
urllib.request.urlopen(base + "/getUpdates", data=data, timeout=60)
"""


def test_update_survives_a_poller_killed_with_sigkill() -> None:
    with StandIn.in_thread() as api:
        first = api.push_message(CHAT, "redan hämtad")
        env = {**os.environ, "STANDIN_BASE": f"{api.base_url}{api.token}"}
        proc = subprocess.Popen([sys.executable, "-c", POLL_AND_HANG, str(first + 1)], env=env,
                                stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout and proc.stdout.readline().strip() == "polling"
            api.wait_for_sync(lambda: api.updates_confirmed() == first + 1)
            proc.kill()  # SIGKILL while its long poll is open
            proc.wait(5)
        finally:
            proc.kill()
        second = api.push_message(CHAT, "efter kraschen")
        started = time.monotonic()
        answer = httpx.post(f"{api.base_url}{api.token}/getUpdates",
                            data={"timeout": "5", "offset": str(first + 1)}, timeout=10).json()
        assert time.monotonic() - started < 2
        assert [u["update_id"] for u in answer["result"]] == [second]
        assert api.internal_errors == []


# ------------------------------------------------------------------ HTML rules in isolation
def test_html_rules_report_byte_offsets() -> None:
    assert html_to_plain("<b>å &amp; ä</b>") == "å & ä"
    with pytest.raises(ParseError, match="byte offset 3"):
        html_to_plain("åa<x>")  # "å" is two bytes in UTF-8
    with pytest.raises(ParseError, match='expected "</i>", found "</b>"'):
        html_to_plain("<b><i>x</b>")
    with pytest.raises(ParseError, match="Invalid numeric entity"):
        html_to_plain("&#0;")
    with pytest.raises(ParseError, match="Custom emoji"):
        html_to_plain("<tg-emoji>x</tg-emoji>")
    assert html_to_plain('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>') == "👍"
    assert utf16_len("a😀ä") == 4


def test_json_body_records_typed_values() -> None:
    # the stand-in keeps JSON-typed values and still compares chat ids as integers
    with StandIn.in_thread() as api:
        response = httpx.post(f"{api.base_url}{api.token}/sendMessage",
                              content=json.dumps({"chat_id": str(CHAT), "text": "t"}),
                              headers={"Content-Type": "application/json"})
        assert response.status_code == 200
        assert [s.text for s in api.messages_to(CHAT)] == ["t"]
