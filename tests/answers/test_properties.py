"""Property-based tests: whatever anyone types, the engine answers and Telegram accepts the reply."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.answers.engine import Answer, Engine
from bot.telegram.formatting import TELEGRAM_LIMIT, split_message, utf16_len
from bot.telegram.handlers import answer_html, keyboard
from tests.support import BEFORE_DEADLINE
from standin import html_to_plain

NASTY = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=2000),
    st.sampled_from([
        "", " \t\n ", "\u200b\u200d\ufeff", "\u202e\u202dKenya\u202c", "👩‍👩‍👧‍👦" * 2500,
        "😀" * 10_000, "x" * 100_000, "<b>hej", "</i>&amp;&lt;", "<a href='javascript:x'>", "&#0;",
        "'; DROP TABLE subscribers; --", "\" OR 1=1 --", "**fet** _kursiv_ `kod`", "/start@x y z",
        "/glom_mig " + "a" * 5000, "\x00\x01\x02\x1b[31m", "Kenya" + "\u0301" * 500,
    ]),
    st.builds(lambda a, b: a + " " + b, st.sampled_from(["kenya", "när stänger", "vem kan söka"]),
              st.text(max_size=200)),
)
NOW = st.datetimes(min_value=datetime(2019, 1, 1), max_value=datetime(2030, 12, 31),
                   timezones=st.just(timezone.utc))


def assert_telegram_accepts(answer: Answer, engine: Engine) -> None:
    """What the stand-in (like Telegram) checks: non-empty, ≤ 4,096, parseable HTML, buttons."""
    chunks = split_message(answer_html(answer))
    assert chunks, answer.text
    for chunk in chunks:
        plain = html_to_plain(chunk)            # raises on HTML Telegram cannot parse
        assert plain.strip()
        assert utf16_len(plain) <= TELEGRAM_LIMIT
    markup = keyboard(answer, engine, feedback=True)
    if markup is not None:
        for row in markup.inline_keyboard:
            for button in row:
                assert button.url or 1 <= len(button.callback_data.encode()) <= 64
                assert button.text.strip()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=NASTY, now=NOW)
@example(text="x" * 100_000, now=BEFORE_DEADLINE)
def test_any_text_gets_an_answer_telegram_accepts(engine, text: str, now: datetime) -> None:
    answer = engine.answer_question(text, now)
    assert answer.text.strip()
    assert 0.0 <= answer.confidence <= 1.0
    assert len(answer.suggestions) <= 3
    assert_telegram_accepts(answer, engine)


@settings(max_examples=100, deadline=None)
@given(text=NASTY)
def test_worst_case_input_stays_fast(engine, text: str) -> None:
    started = time.perf_counter()
    engine.answer_question(text, BEFORE_DEADLINE)
    # generous bound for a shared CI machine; bench/answer_speed.py measures the real figure
    assert time.perf_counter() - started < 0.25


@settings(max_examples=60, deadline=None)
@given(now=NOW)
def test_every_entry_renders_at_any_time_in_both_languages(engine, now: datetime) -> None:
    for entry in engine.knowledge.faq:
        for lang in ("sv", "en"):
            answer = engine.answer_entry(entry.id, now, lang)
            assert "{" not in answer.text and "}" not in answer.text
            assert_telegram_accepts(answer, engine)


@settings(max_examples=200, deadline=None)
@given(minutes=st.integers(min_value=-60 * 24 * 40, max_value=60 * 24 * 3))
def test_countdown_never_contradicts_the_deadline(engine, minutes: int) -> None:
    """Around the deadline, in Stockholm time: days left, 'i dag', or closed — never wrong."""
    call = engine.knowledge.call
    now = call.closes_at + timedelta(minutes=minutes)
    text = engine.countdown(now)
    if now >= call.closes_at:
        assert "stängde" in text
    elif now.astimezone(call.tz).date() == call.deadline:
        assert "I dag" in text and "midnatt" not in text
    else:
        days = (call.deadline - now.astimezone(call.tz).date()).days
        assert (f"{days} dagar kvar" in text) if days > 1 else ("1 dag kvar" in text)


@settings(max_examples=300, deadline=None)
@given(text=NASTY.filter(lambda t: t.strip(" \t\n\r\u200b\u200c\u200d\u2060\ufeff\u00a0")),
       suggestion=st.text(min_size=1, max_size=80).filter(str.strip))
def test_any_answer_text_is_escaped_and_split_for_telegram(engine, text: str,
                                                           suggestion: str) -> None:
    """The Telegram layer's half: whatever text and button titles an answer carries."""
    from bot.answers.engine import Suggestion
    from bot.telegram.formatting import is_blank
    if all(is_blank(c) for c in text):
        return
    answer = Answer(text, "x", 0.5, suggestions=(Suggestion("countries", suggestion),))
    assert_telegram_accepts(answer, engine)


@given(st.text(max_size=300) | st.lists(st.sampled_from(
    ["Kenya", "när", "stänger", ".", "?", "!", ",", " – ", "kl 9.", "15.3", " ", "\n", "åäö",
     "Ja.", "x"]), max_size=40).map("".join))
@settings(max_examples=300, deadline=None)
def test_the_messages_words_are_its_clauses_words(text: str) -> None:
    """read_frame tokenises each clause once and joins them for the whole message."""
    from bot.answers.frame import _chunks
    from bot.answers.normalize import clip, tokens
    clipped = clip(text)
    assert tokens(clipped) == [w for raw, _ in _chunks(clipped) for w in tokens(raw)]
