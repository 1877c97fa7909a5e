"""Reading a message: which clause asks, in what form, with which dates."""
from __future__ import annotations

from datetime import date

import pytest

from bot.answers.frame import find_dates, read_frame


def test_context_first_question_last() -> None:
    frame = read_frame("Hej! Jag sitter på miljöförvaltningen i en kommun i Dalarna och vi har "
                       "vänner i Kenya. Vilken dag måste ansökan senast vara inne?")
    assert [p.toks[:2] for p in frame.parts] == [("vilken", "dag")]
    assert "kenya" in frame.context and "kommun" in frame.context


def test_two_questions_in_one_sentence_are_two_parts() -> None:
    frame = read_frame("får ett kommunalförbund söka och vilka länder kan vi välja mellan?")
    assert [p.form for p in frame.parts] == ["yesno", "which"]


def test_a_comma_continues_the_question_unless_a_new_one_starts() -> None:
    listing = read_frame("Går det med Zambia, Namibia eller Peru?")
    assert len(listing.parts) == 1 and "peru" in listing.parts[0].toks
    context_then_question = read_frame("Vi är en norsk kommun, kan vi söka?")
    assert context_then_question.parts[0].toks == ("kan", "vi", "soka")
    assert "norsk" in context_then_question.context


def test_a_short_phrase_put_first_is_what_is_asked_about() -> None:
    frame = read_frame("Vietnams provinser – funkar de som partner?")
    assert frame.parts[0].toks[0] == "vietnams"


def test_reported_question_after_undrar_om() -> None:
    frame = read_frame("Vår controller undrar om det kostar något för oss")
    assert frame.parts[0].toks == ("det", "kostar", "nagot", "for", "oss")


@pytest.mark.parametrize("text,form", [
    ("hur många länder finns det", "count"), ("vad betyder delaktighet", "meaning"),
    ("vilket kärnområde hör det till", "fit"), ("är Kina med", "yesno"),
    ("när stänger det", "when"), ("vilka kan söka", "which"), ("Uganda då?", "open"),
])
def test_forms(text: str, form: str) -> None:
    assert read_frame(text).parts[0].form == form


def test_a_message_without_a_question_does_not_ask() -> None:
    frame = read_frame("Stort tack, det här hjälpte mig mycket!")
    assert not frame.asks


@pytest.mark.parametrize("text,expected", [
    ("vi skickar den 12:e mars", ((12, 3, None),)),
    ("deadline March 14th?", ((14, 3, None),)),
    ("is 13 march ok", ((13, 3, None),)),
    ("går 14/3 bra", ((14, 3, None),)),
    ("2020-03-16 då?", ((16, 3, 2020),)),
    ("den 31 februari", ()),
    ("vi har 19 länder", ()),
    ("kan vi söka i april?", ((0, 4, None),)),              # the whole month
])
def test_dates(text: str, expected: tuple) -> None:
    assert find_dates(text) == expected


def test_relative_dates_need_today() -> None:
    assert read_frame("hinner vi i morgon?").parts[0].dates == ()
    tomorrow = read_frame("hinner vi i morgon?", date(2020, 3, 14)).parts[0].dates
    assert tomorrow == ((15, 3, 2020),)


@pytest.mark.parametrize("text,expected", [
    ("vecka 12 går det?", ((22, 3, None),)),             # the Sunday that ends the week
    ("den tjugonde mars", ((20, 3, None),)),
    ("sista februari", ((29, 2, None),)),
    ("i slutet av mars", ((31, 3, None),)),
    ("om vi skickar 12.3", ((12, 3, None),)),
    ("vi söker 2.5 miljoner", ()),
    ("efter påsk", ((13, 4, None),)),                    # Easter Monday 2020
])
def test_more_date_forms(text: str, expected: tuple) -> None:
    assert find_dates(text) == expected


def test_an_abbreviation_does_not_end_the_sentence() -> None:
    frame = read_frame("vi blir klara v. 12, hinner vi?")
    assert frame.context_dates == ((22, 3, None),)


def test_a_topic_put_first_keeps_the_questions_form() -> None:
    assert read_frame("och transparens, är det ett kärnområde?").parts[0].form == "yesno"
    assert read_frame("Kan du räkna upp dem?").parts[0].form == "which"


def test_every_cue_word_is_written_as_the_tokeniser_writes_it() -> None:
    """A cue word the tokeniser never produces can never match: "does" is folded to "dos"
    (oe -> ö -> o), "dom" to "de", "angående" to "angande"."""
    from bot.answers import cues, frame
    from bot.answers.normalize import tokens
    wrong = []
    for module in (cues, frame):
        for name, value in vars(module).items():
            if not name.isupper() or name in ("ABOUT_APPLYING", "SCORE"):   # ids, not words
                continue
            items = value.keys() if isinstance(value, dict) else value
            if not isinstance(items, (frozenset, set, tuple, type({}.keys()))):
                continue
            words = [w for item in items for w in (item if isinstance(item, tuple) else (item,))]
            wrong += [(name, w) for w in words
                      if isinstance(w, str) and " " not in w and tokens(w) != [w]]
    assert wrong == []
