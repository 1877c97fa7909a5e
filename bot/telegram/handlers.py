"""Telegram handlers: translate updates into engine calls and engine answers into replies.

Nothing here decides *what* to answer; the engine does. Handlers only pick the engine call,
render the answer as escaped HTML with buttons, and keep the store up to date.
"""
from __future__ import annotations

import functools
import logging

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.answers.engine import Answer, Engine
from bot.answers.language import ENGLISH_ONLY, SWEDISH_ONLY, detect_language
from bot.answers.normalize import MAX_QUESTION_CHARS, clip, tokens
from bot.knowledge.model import FaqEntry, localized
from bot.privacy import scrub
from bot.telegram import messages as msg
from bot.telegram.flood import Verdict
from bot.telegram.formatting import escape, plain_to_html, split_message
from bot.telegram.handoff import handoff_button, route_to_case
from bot.telegram.replies import addressed_text, chat_language, language_of, send_html
from bot.telegram.services import Context, services
from bot.telegram.subscriptions import action_button

log = logging.getLogger(__name__)
# The callback data of the buttons whose handlers are here (the other buttons' prefixes are
# beside their handlers: subscriptions.CALLBACK_ACTION, handoff.CALLBACK_HANDOFF…).
CALLBACK_ANSWER = "a"     # a:<entry id>:<lang>
CALLBACK_FEEDBACK = "fb"  # fb:up|down under a free-text answer
CALLBACK_SOURCE = "src"   # src:<answer topic>:<lang> - the announcement's quotes behind it
MAX_BUTTONS = 3
INLINE_RESULTS = 3
INLINE_TITLE_CHARS = 60


def message_chat_id(update: Update) -> int:
    chat = update.effective_chat
    return chat.id if chat is not None else 0


def written_language(text: str) -> str | None:
    """"en" or "sv" when the text clearly is one of them; None for "Kenya?" or "deadline"."""
    toks = tokens(clip(text))
    if detect_language(toks) == "en":
        return "en"
    sv = sum(1 for w in toks if w in SWEDISH_ONLY)
    en = sum(1 for w in toks if w in ENGLISH_ONLY)
    return "sv" if sv and sv > en else None


# Buttons for entries whose answer only says "type /command": the button does it instead.
ACTION_FOR_ENTRY = {"reminders": "sub", "privacy": "mydata"}
CORE_AREAS_NEXT = "core_areas_choice"       # "Vilket passar vårt projekt?"


def next_topics(answer: Answer, partners: frozenset[str]) -> tuple[str, ...]:
    """What naturally comes next after ``answer``, as FAQ ids (empty: its related entries)."""
    if answer.match == "country" and answer.countries:
        if any(code in partners for code in answer.countries):
            return ("deadline", "core_areas", "reminders")   # a yes: how to go on
        return ("countries", "counterpart", "number_of_partners")  # a no: where to look instead
    if answer.match == "core_areas":
        return (CORE_AREAS_NEXT, "theme", "example")
    if answer.match == "reminders":
        return ("reminders", "deadline", "privacy")
    return ()


def keyboard(answer: Answer, engine: Engine, feedback: bool = False,
             handoff: bool = False) -> InlineKeyboardMarkup | None:
    """'Menade du …?' suggestions, or what comes next, as buttons; a button to ICLD's site when
    the answer refers to it; "Fråga en handläggare" when ``handoff``; 👍/👎 under free-text
    answers."""
    faq = engine.knowledge.faq_by_id
    if answer.suggestions:
        items = tuple((s.id, s.title) for s in answer.suggestions[:MAX_BUTTONS])
    elif ids := next_topics(answer, _partners(engine)):
        items = tuple((i, _title(faq[i], answer.lang)) for i in ids if i in faq)[:MAX_BUTTONS]
    else:
        items = tuple((s.id, s.title) for s in answer.related[:MAX_BUTTONS])
    url = engine.knowledge.call.url
    refers = bool(url) and ("icld" in answer.text.lower() or url in answer.text)
    source = answer.match if answer.sources else None
    return _buttons(items, answer.lang, url if refers else None, feedback, handoff, source)


def offers_handoff(answer: Answer, handoff_chat: int | None) -> bool:
    """With a staff group set, an honest "the announcement does not say" answer (or the
    engine not knowing) and the help offer a person to ask."""
    return handoff_chat is not None and (answer.unanswered or answer.match == "help")


@functools.lru_cache(maxsize=8)
def _partners(engine: Engine) -> frozenset[str]:
    return frozenset(c.iso for c in engine.knowledge.partners)


def _title(entry: FaqEntry, lang: str) -> str:
    if entry.id == CORE_AREAS_NEXT:
        return msg.tr("WHICH_CORE_AREA", lang)
    return localized(entry, "title", lang)


class _Keyboard(InlineKeyboardMarkup):
    """An inline keyboard that turns itself into JSON data once, not on every send.

    Measured with bench/conversation.py at 50 ms sendMessage latency (2,000 questions, 5
    rounds each of 3 runs against the same code without it, issue 14): 107 vs 104.5
    replies/s (+2.5 %, ahead in every round) and 3.1 vs 3.6 ms CPU per reply (-12 %)."""

    __slots__ = ("_as_dict",)
    _as_dict: list[list[dict[str, object]]]

    def to_dict(self, recursive: bool = True) -> dict[str, object]:
        if not recursive:
            return super().to_dict(recursive)
        try:
            rows = self._as_dict
        except AttributeError:
            rows = self._as_dict = super().to_dict()["inline_keyboard"]
        return {"inline_keyboard": [[dict(button) for button in row] for row in rows]}


@functools.lru_cache(maxsize=1024)
def _buttons(items: tuple[tuple[str, str], ...], lang: str, url: str | None = None,
             feedback: bool = False, handoff: bool = False,
             source: str | None = None) -> InlineKeyboardMarkup | None:
    """Built once per set of topics: a few hundred distinct keyboards serve every answer, and
    Telegram objects are immutable, so sharing them is safe. ``source``: the answer's topic,
    when it quotes the announcement (a Källa button shows the quotes)."""
    rows = [[_topic_button(i, title, lang)] for i, title in items]
    link = [InlineKeyboardButton(msg.tr("ICLD_BUTTON", lang), url=url)] if url else []
    quote = [InlineKeyboardButton(msg.tr("SOURCE_BUTTON", lang),
                                  callback_data=f"{CALLBACK_SOURCE}:{source}:{lang}")] if source else []
    if link or quote:
        rows.append(quote + link)
    if handoff:
        rows.append([handoff_button(lang)])
    if feedback:
        rows.append([InlineKeyboardButton("👍", callback_data=f"{CALLBACK_FEEDBACK}:up"),
                     InlineKeyboardButton("👎", callback_data=f"{CALLBACK_FEEDBACK}:down")])
    return _Keyboard(rows) if rows else None


def start_keyboard(engine: Engine, lang: str) -> InlineKeyboardMarkup:
    """/start's keyboard: the START_TOPICS, then 🔔 to subscribe."""
    faq = engine.knowledge.faq_by_id
    rows = [[_topic_button(t, _title(faq[t], lang), lang)] for t in msg.START_TOPICS if t in faq]
    rows.append([action_button("sub", lang)])
    return InlineKeyboardMarkup(rows)


def _topic_button(entry_id: str, title: str, lang: str) -> InlineKeyboardButton:
    """A button that shows an FAQ entry's answer, or does what the entry only describes."""
    if entry_id in ACTION_FOR_ENTRY:
        return action_button(ACTION_FOR_ENTRY[entry_id], lang)
    return InlineKeyboardButton(title, callback_data=f"{CALLBACK_ANSWER}:{entry_id}:{lang}")


def answer_html(answer: Answer) -> str:
    text = plain_to_html(answer.text)
    if answer.suggestions:
        text += f"\n\n<b>{escape(msg.tr('DID_YOU_MEAN', answer.lang))}</b>"
    return text


async def send_answer(update: Update, context: Context, answer: Answer,
                      feedback: bool = False) -> Message | None:
    svc = services(context)
    handoff = offers_handoff(answer, svc.settings.handoff_chat)
    sent = await send_html(update, answer_html(answer),
                           keyboard(answer, svc.live.engine, feedback, handoff))
    if sent is not None and answer.match is not None:     # what a follow-up may point at
        svc.recent.remember(sent.chat_id, sent.message_id, answer, svc.clock())
    return sent


# ---- gatekeeping -------------------------------------------------------------------------
async def flood_gate(update: Update, context: Context) -> None:
    """Runs before every handler: edits, channel posts and other bots are ignored on purpose
    (command handlers would otherwise answer an edited "/lander" again), and someone sending
    the bot more than a person types (bot/telegram/flood.py) gets one notice, then a pause.
    Only messages meant for the bot count: group chatter and button presses do not."""
    if update.edited_message or update.channel_post or update.edited_channel_post:
        raise ApplicationHandlerStop
    if update.message is not None and update.message.from_user is not None \
            and update.message.from_user.is_bot:
        raise ApplicationHandlerStop          # other bots: never start a bot-to-bot loop
    chat = update.effective_chat
    if chat is None or not for_the_bot(update, context):
        return                  # chatter, button presses and inline queries are never counted
    user = update.effective_user
    key = (chat.id, user.id if user is not None and chat.type != ChatType.PRIVATE else 0)
    verdict = services(context).flood.check(key)
    if verdict is Verdict.OK:
        return
    if verdict is Verdict.WARN:
        lang = services(context).languages.get(chat.id) or language_of(update)
        await send_html(update, escape(msg.tr("SLOW_DOWN", lang)))
    raise ApplicationHandlerStop


def for_the_bot(update: Update, context: Context) -> bool:
    """A message someone sent to the bot: anything in a private chat; in a group a command
    without another bot's name, a mention, or a reply to the bot."""
    message = update.message
    if message is None:
        return False
    if message.chat.type == ChatType.PRIVATE:
        return True
    text = message.text or ""
    if text.startswith("/"):
        command, _, target = text.split()[0][1:].lower().partition("@")
        if target:
            return target == (context.bot.username or "").lower()
        return command in msg.ALL_COMMANDS
    if addressed_text(update, context) is not None:
        return True
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == context.bot.id)


# ---- free text ---------------------------------------------------------------------------
async def question(update: Update, context: Context) -> None:
    """Any text that is not a command: a reply to a person's answer, or the question awaited
    after "Fråga en handläggare", goes to its case (bot/telegram/handoff.py); the rest is a
    question for the engine."""
    if await route_to_case(update, context):
        return
    text = addressed_text(update, context)
    if text is None:
        return
    svc = services(context)
    now = svc.clock()
    text = text[: MAX_QUESTION_CHARS * 4]           # over-long input is cut before matching
    engine = svc.live.engine
    chat_id = message_chat_id(update)
    replied = update.message.reply_to_message if update.message is not None else None
    previous = svc.recent.previous(chat_id, now, replied.message_id if replied else None)
    answer = engine.answer_question(text, now, previous)
    talking = svc.languages.get(chat_id) or language_of(update)
    written = written_language(text)
    if written is not None and written != talking:
        await chat_language(update, context, written)         # rarely: the user switched
    elif written is None and answer.lang != talking and answer.match in engine.knowledge.faq_by_id:
        answer = engine.answer_entry(answer.match, now, talking)   # "deadline?" in English too
    sent = await send_answer(update, context, answer, feedback=True)   # first the answer
    if sent is not None:            # what 👎 under it records: the question and the answer
        svc.answered.remember(sent.chat_id, sent.message_id, text[:MAX_QUESTION_CHARS], answer.match)
        if offers_handoff(answer, svc.settings.handoff_chat) and answer.match != "help":
            svc.handoff.remember_question(sent.chat_id, sent.message_id, text)
    # Written in batches by the heartbeat job (text and time only, never who asked).
    svc.questions.add(now, scrub(text)[:MAX_QUESTION_CHARS] if answer.match is None else None)
    if svc.questions.backlog:
        await svc.best_effort(svc.questions.flush(svc.store))


async def non_text(update: Update, context: Context) -> None:
    """Stickers, photos, voice, files: say politely that only text is understood."""
    message = update.message
    if message is None:
        return
    if message.chat.type != ChatType.PRIVATE:
        replied = message.reply_to_message
        if not (replied and replied.from_user and replied.from_user.id == context.bot.id):
            return
    await send_html(update, escape(msg.tr("NON_TEXT", await chat_language(update, context))))


# ---- topic commands ----------------------------------------------------------------------
async def start(update: Update, context: Context) -> None:
    """Welcome: what the bot is, what it can do, and a keyboard of topics."""
    svc = services(context)
    lang = await chat_language(update, context)
    engine = svc.live.engine
    welcome = engine.answer_entry("greeting", svc.clock(), lang)
    html = f"{plain_to_html(welcome.text)}\n\n<i>{escape(msg.tr('START_PRIVACY', lang))}</i>"
    await send_html(update, html, start_keyboard(engine, lang))


async def topic(update: Update, context: Context) -> None:
    """/hjalp, /lander, /deadline, /omraden, /vem: the matching FAQ answer (else the help)."""
    message = update.effective_message
    if message is None or not message.text:
        return
    command, _, target = message.text.split()[0].lstrip("/").lower().partition("@")
    if target and target != (context.bot.username or "").lower():
        return                                  # "/cmd@other_bot" in a group: not for us
    if (command not in msg.TOPIC_COMMANDS and not target
            and message.chat.type != ChatType.PRIVATE):
        return                                  # an unknown command in a group: other bots'
    svc = services(context)
    entry_id = msg.TOPIC_COMMANDS.get(command, "help")
    lang = await chat_language(update, context)
    await send_answer(update, context, svc.live.engine.answer_entry(entry_id, svc.clock(), lang))


# ---- buttons and inline mode -------------------------------------------------------------
async def button(update: Update, context: Context) -> None:
    """A pressed topic button: always answer the callback, then the entry it names."""
    query = update.callback_query
    if query is None:
        return
    parts = (query.data or "").split(":")
    svc = services(context)
    engine = svc.live.engine
    if len(parts) != 3 or parts[0] != CALLBACK_ANSWER or parts[1] not in engine.knowledge.faq_by_id:
        await query.answer(msg.tr("STALE_BUTTON", language_of(update)), show_alert=False)
        return
    await query.answer()
    lang = await chat_language(update, context)
    await send_answer(update, context, engine.answer_entry(parts[1], svc.clock(), lang))


async def feedback(update: Update, context: Context) -> None:
    """👍/👎 under an answer: 👎 records the question (scrubbed) and which answer it got."""
    query = update.callback_query
    if query is None:
        return
    svc = services(context)
    message = query.message
    asked = svc.answered.take(message.chat.id, message.message_id) if message else None
    lang = svc.languages.get(update.effective_chat.id) if update.effective_chat else None
    lang = lang or language_of(update)
    if asked is not None and query.data == f"{CALLBACK_FEEDBACK}:down":
        question, match = asked
        await svc.best_effort(svc.store.record_feedback(question, match, svc.clock()))
    await query.answer(msg.tr("FEEDBACK_THANKS" if asked is not None else "FEEDBACK_ALREADY", lang))
    if asked is not None and isinstance(message, Message) and message.reply_markup is not None:
        rows = [row for row in message.reply_markup.inline_keyboard
                if not any(isinstance(b.callback_data, str)
                           and b.callback_data.startswith(f"{CALLBACK_FEEDBACK}:") for b in row)]
        try:                        # the thumbs go, so nobody counts twice; the topics stay
            await message.edit_reply_markup(InlineKeyboardMarkup(rows) if rows else None)
        except TelegramError as exc:
            log.debug("could not remove the feedback buttons: %s", exc)


async def show_source(update: Update, context: Context) -> None:
    """Källa: the announcement's sentences behind the answer, quoted under it, the answer
    itself unchanged."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    svc = services(context)
    engine = svc.live.engine
    _, topic, lang = ((query.data or "") + "::").split(":")[:3]
    message = query.message
    shown = svc.recent.sent(message.chat.id, message.message_id) if message is not None else None
    quotes = shown.sources if shown is not None else engine.sources_for(topic)
    if not quotes:
        await send_html(update, escape(msg.tr("SOURCE_NONE", lang)))
        return
    await send_html(update, sources_html(quotes, engine, lang))


def sources_html(quotes: tuple[str, ...], engine: Engine, lang: str) -> str:
    title = escape(msg.tr("SOURCE_TITLE", lang).format(title=engine.knowledge.call.title))
    return f"<b>{title}</b>\n" + "\n".join(f"<blockquote>{escape(q)}</blockquote>" for q in quotes)


async def unknown_button(update: Update, context: Context) -> None:
    """Forged or outdated callback data: answer it so the client stops spinning."""
    if update.callback_query is not None:
        await update.callback_query.answer(msg.tr("STALE_BUTTON", language_of(update)))


async def inline_query(update: Update, context: Context) -> None:
    """`@bot kenya` in any chat: answer cards the user can send."""
    query = update.inline_query
    if query is None:
        return
    svc = services(context)
    engine = svc.live.engine
    now = svc.clock()
    text = (query.query or "")[: MAX_QUESTION_CHARS]
    answers: list[Answer] = []
    if text.strip():
        first = engine.answer_question(text, now)
        answers.append(first)
        answers += [engine.answer_entry(s.id, now, first.lang) for s in first.suggestions]
    else:
        answers = [engine.answer_entry(t, now) for t in msg.START_TOPICS]
    results = []
    for i, answer in enumerate(answers[:INLINE_RESULTS]):
        entry = engine.knowledge.faq_by_id.get(answer.match or "")
        title = localized(entry, "title", answer.lang) if entry else answer.text.split("\n")[0]
        title = cut_at_word(title, INLINE_TITLE_CHARS) or "Partnerbot"
        html = plain_to_html(answer.text)
        if answer.sources:                    # the quote travels with the card
            html += "\n\n" + sources_html(answer.sources, engine, answer.lang)
        body = split_message(html)
        results.append(InlineQueryResultArticle(
            id=f"{i}-{answer.match or 'none'}"[:64], title=title,
            description=answer.text.replace("\n", " ")[:120],
            input_message_content=InputTextMessageContent(body[0] if body else escape(title))))
    lang = answers[0].lang if answers else language_of(update)
    private = InlineQueryResultsButton(msg.tr("INLINE_PRIVATE", lang), start_parameter="inline")
    await query.answer(results, cache_time=300, is_personal=False, button=private)


def cut_at_word(text: str, limit: int) -> str:
    """``text`` cut at the last whole word that fits in ``limit`` characters (with "…")."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if " " in head and not text[limit - 1].isspace():
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,.;:–-") + "…"


# ---- errors ------------------------------------------------------------------------------
async def error_handler(update: object, context: Context) -> None:
    """Log every unexpected error with its traceback; tell the user something went wrong."""
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat and update.effective_message:
        try:
            lang = services(context).languages.get(update.effective_chat.id) or language_of(update)
            await update.effective_chat.send_message(escape(msg.tr("SOMETHING_WENT_WRONG", lang)))
        except TelegramError:
            pass
