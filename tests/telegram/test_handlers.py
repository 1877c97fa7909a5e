"""Handler helpers that need no Telegram: the answer keyboards."""
from __future__ import annotations

from bot.answers.engine import Answer, Suggestion
from bot.telegram.handlers import MAX_BUTTONS
from bot.telegram.handlers import keyboard as answer_keyboard

def keyboard(engine, answer):  # noqa: ANN001, ANN201
    return answer_keyboard(answer, engine)


TOPICS = (Suggestion("deadline", "När stänger ansökan?"), Suggestion("who", "Vem får söka?"),
          Suggestion("countries", "Vilka länder?"), Suggestion("cost", "Vad kostar det?"))


def answer(lang: str = "sv", related: tuple[Suggestion, ...] = TOPICS) -> Answer:
    return Answer("Svar.", "x", 1.0, (), related, lang)


def test_keyboard_offers_at_most_three_topics_with_language_in_the_callback(engine) -> None:
    markup = keyboard(engine, answer("en"))
    assert markup is not None
    rows = markup.to_dict()["inline_keyboard"]
    assert [row[0]["text"] for row in rows] == [t.title for t in TOPICS[:MAX_BUTTONS]]
    assert [row[0]["callback_data"] for row in rows] == [
        "a:deadline:en", "a:who:en", "a:countries:en"]
    assert keyboard(engine, answer(related=())) is None


def test_a_cached_keyboard_cannot_be_changed_through_what_it_returns(engine) -> None:
    first = keyboard(engine, answer())
    assert first is keyboard(engine, answer())                  # built once per set of topics
    data = first.to_dict()                              # type: ignore[union-attr]
    data["inline_keyboard"][0][0]["text"] = "ändrad"
    data["inline_keyboard"].clear()
    again = first.to_dict()                             # type: ignore[union-attr]
    assert again["inline_keyboard"][0][0]["text"] == "När stänger ansökan?"
    assert len(again["inline_keyboard"]) == MAX_BUTTONS
    shallow = first.to_dict(recursive=False)            # type: ignore[union-attr]
    assert len(shallow["inline_keyboard"]) == MAX_BUTTONS
    assert keyboard(engine, answer("en")) is not first
