"""Reading a message before answering it: which part asks, in what form, with which dates.

Real messages put who is writing first and the question last ("Jag jobbar på en kommun i
Halland, vi har en vänort i Tanzania och vill söka – vilket är sista datum?"). A reader that
looks at the whole text answers the context ("kommun … söka", "Tanzania") instead of the
question. So the message is cut into clauses; the clauses that ask are the *parts* (usually
one, sometimes two: "kan vi söka med Kenya och när är sista dagen?"), and the others are
*context*, which may lend entities ("vi är en dansk kommun, får vi söka?") but never the intent.

Each part gets a *form* — yes/no, how many, which, when, what-does-X-mean, which-core-area-fits,
open — and the dates it names, so that the answer can be composed for the form: the verdict
first for yes/no, the number for how many, the comparison for a date.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.answers.normalize import clip, fold, tokens

QUESTION_WORDS = frozenset({
    "vad", "vem", "vilka", "vilken", "vilket", "nar", "hur", "varfor", "varifran",
    "what", "who", "which", "when", "where", "how", "why", "whom", "whose",
})
# A clause that starts with one of these verbs asks a yes/no question ("får vi söka?").
YES_NO_VERBS = frozenset({
    "kan", "far", "ar", "gar", "finns", "maste", "racker", "hinner", "ingar", "raknas", "galler",
    "behover", "ska", "skall", "funkar", "fungerar", "passar", "stammer", "blir", "har", "stanger",
    "tar", "kravs", "behovs", "duger", "fick", "kunde", "skulle", "borde", "funkade",
    "hor", "omfattas", "godkanns", "tillats", "tillhor", "lar", "menar", "kostar", "betalar",
    "star", "stods", "tacks", "bidrar", "handlar", "innebar", "betyder", "omfattar", "hjalper",
    "ger", "brukar", "accepteras", "beviljas", "tycker", "vet", "kanns", "gor", "haller",
    "uppfyller", "klarar", "ligger", "kvalar", "kvalificerar", "qualify", "qualifies",
    "can", "is", "are", "dos", "do", "may", "could", "will", "would", "should", "must", "has",
    "have", "am", "was", "were", "did",
})
# A statement turned into a question by a tag at its end.
TAGS = frozenset({"va", "eller", "right", "ja", "nej", "elleva", "visst", "stammer"})
# A tag said as its own clause after a comma: "…, eller hur?", "…, right?", "…, isn't it?"
TAG_CLAUSES = frozenset({("eller", "hur"), ("eller", "hur", "da"), ("eller",), ("va",),
                         ("right",), ("isnt", "it"), ("arent", "they"), ("or", "not"),
                         ("eller", "inte"), ("visst",), ("inte", "sant")})
# Words that join a clause to the one before without changing what it asks.
CONNECTORS = frozenset({"och", "men", "sa", "alltsa", "samt", "plus", "eller", "dessutom",
                        "annars", "and", "but", "so", "or", "also", "then"})
# "…frågar om det kostar något": what follows "om" is the question.
REPORTED = frozenset({"undrar", "fragar", "wonder", "wondering", "asks", "asking", "asked",
                      "undrade", "fragade", "kolla", "kollar"})
REPORTED_LINKS = frozenset({"om", "if", "whether"})
COUNT_CUES = (("hur", "manga"), ("how", "many"), ("hur", "stort", "antal"), ("antal",),
              ("hur", "mycket", "lander"))
MEANING_CUES = (("vad", "betyder"), ("vad", "menas"), ("vad", "innebar"), ("forklara",),
                ("what", "dos"), ("what", "is", "meant"), ("meaning",), ("explain",))
FIT_VERBS = frozenset({"passar", "hor", "hamnar", "faller", "handlar", "tillhor", "platsar",
                       "ryms", "fits", "fit", "belongs", "belong", "falls", "matchar",
                       "kvalificerar", "raknas"})
_COUNT_FIRST = frozenset(cue[0] for cue in COUNT_CUES)
_MEANING_FIRST = frozenset(cue[0] for cue in MEANING_CUES)
REQUESTS = frozenset({("kan", "du"), ("kan", "ni"), ("can", "you"), ("could", "you"),
                      ("skulle", "du"), ("would", "you")})
WHICH_WORDS = frozenset({"vilket", "vilken", "vilka", "which", "what", "vad"})

MONTHS = {
    "januari": 1, "jan": 1, "january": 1, "februari": 2, "feb": 2, "february": 2, "mars": 3,
    "mar": 3, "march": 3, "april": 4, "apr": 4, "maj": 5, "may": 5, "juni": 6, "jun": 6,
    "june": 6, "juli": 7, "jul": 7, "july": 7, "augusti": 8, "aug": 8, "august": 8,
    "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "october": 10, "oct": 10,
    "november": 11, "nov": 11, "december": 12, "dec": 12,
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
# "15 mars", "den 15:e mars", "15th of March"; "March 15", "March 15th"; "15/3", "2020-03-15".
_DAY_MONTH = re.compile(r"\b(\d{1,2})(?::?e|:a|st|nd|rd|th)?\.?\s*(?:of\s+)?(" + _MONTH + r")\b"
                        r"(?:\s+(\d{4}))?")
_MONTH_DAY = re.compile(r"\b(" + _MONTH + r")\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4}))?")
_NUMERIC = re.compile(r"\b(\d{1,2})/(\d{1,2})(?:[/-](\d{2,4}))?\b")
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DOTTED = re.compile(r"(?<![\d.,])(\d{1,2})\.(\d{1,2})(?:\.(\d{2,4}))?(?![\d.]*\d)"
                     r"(?!\s*(?:milj|mkr|kr\b|procent|%|tkr|sek|år|tim|miljon|million|percent))")
# "sista veckan i mars" -> its last day; "första veckan i april" -> its 7th; "mitten av mars"
# -> the whole month (the deadline's own month then gets "yes, but only until the 15th").
_WEEK_OF_MONTH = re.compile(r"\b(sista|last|första|first)\s+(?:veckan|week)\s+(?:i|av|of|in)\s+("
                            + _MONTH + r")\b")
_MID_MONTH = re.compile(r"\b(?:mitten av|mitten på|mid|mid-|middle of)\s*(" + _MONTH + r")\b")
# "i slutet av mars" / "end of March" -> the last day; "i början av april" -> the first.
_MONTH_EDGE = re.compile(r"\b(slutet av|slutet på|end of|början av|början på|beginning of|"
                         r"start of)\s+(" + _MONTH + r")\b")
# Clause boundaries: sentence ends, colons, dashes between words, commas, line breaks.
# A period after a lone letter or a short abbreviation ("v. 10", "kl. 12", "t.ex.") ends nothing.
_CLAUSES = re.compile(r"((?<!\b\w)(?<!\bkl)(?<!\bca)(?<!\bex)(?<!\bnr)(?<!\bst)[.!?;:\n]+(?=\s|$)\s*"
                      # "… i morgon kl 9. Kan du …": a one-digit number ends a sentence too
                      r"|(?<=\s\d)[.!?]+\s+(?=[A-ZÅÄÖ])"
                      r"|\s[–—-]+\s|,\s+)")


Dates = tuple[tuple[int, int, int | None], ...]
GREETING_WORDS = frozenset({"hej", "hejsan", "tja", "tjena", "hallo", "hello", "hi", "hey", "tack",
                            "thanks", "god", "goddag"})
# A clause starting like this introduces the writer, it is not the thing asked about.
NOT_TOPIC_START = GREETING_WORDS | {"jag", "vi", "min", "mitt", "mina", "i", "we", "my", "our",
                                    "nu", "now", "innan", "forst", "sedan", "sen", "men", "sa",
                                    "before", "first", "then", "but", "so"}  # "Innan dess …:"
TOPIC_MAX_WORDS = 6
_RELATIVE = {("i", "dag"): 0, ("idag",): 0, ("today",): 0, ("i", "morgon"): 1, ("imorgon",): 1,
             ("tomorrow",): 1, ("i", "overmorgon"): 2}
_COUNTS = {"en": 1, "ett": 1, "one": 1, "a": 1, "an": 1, "par": 2, "tva": 2, "two": 2, "tre": 3,
           "three": 3, "fyra": 4, "four": 4, "fem": 5, "five": 5, "sex": 6, "six": 6, "sju": 7,
           "seven": 7, "atta": 8, "eight": 8}
_UNITS = {"dag": 1, "dagar": 1, "day": 1, "days": 1, "vecka": 7, "veckor": 7, "week": 7,
          "weeks": 7, "manad": 30, "manader": 30, "month": 30, "months": 30}
_IN = frozenset({"om", "in", "inom", "within"})
_NEXT = frozenset({"nasta", "next", "kommande"})
_WEEKDAYS = {name: n for names in (
    ("mandag", "tisdag", "onsdag", "torsdag", "fredag", "lordag", "sondag"),
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
    for n, name in enumerate(names)}
_MONTH_TURN = frozenset({"manadsskiftet", "manadsskifte", "manadsslut", "manadsslutet"})
_RELATIVE_WORDS = (frozenset(w for words in _RELATIVE for w in words) - {"i"}) | _UNITS.keys() \
    | _WEEKDAYS.keys() | _MONTH_TURN | {"helgen", "weekend", "den", "the", "on"}
_ARTICLES = frozenset({"den", "the", "on"})
_INDEFINITE = frozenset({"ett", "en", "a", "an"})
_BARE_DAY = re.compile(r"^([1-9]|[12]\d|3[01])(?:e|th|st|nd|rd)$")   # "16e", "16th" (no month)
_DAY = re.compile(r"^([1-9]|[12]\d|3[01])$")                          # "den 15:e" -> den, 15


def relative_dates(toks: list[str], today: date | None) -> Dates:
    """Dates said relative to today: "i dag", "i morgon", "om tre veckor", "in two weeks",
    "nästa vecka", "i slutet av nästa månad", "på fredag", "i helgen". A stretch of time is
    read as its last day ("nästa vecka" is in time only if all of it is)."""
    if today is None:
        return ()
    triggers = _RELATIVE_WORDS.intersection(toks)
    if not triggers or (triggers <= _ARTICLES and not any(t[:1].isdigit() for t in toks)):
        return ()       # "den", "the", "on" alone are everywhere: only before a day number
    found: list[date] = []
    months: list[tuple[int, int, int | None]] = []
    words = tuple(toks)
    for cue, offset in _RELATIVE.items():
        if _contains(words, cue):
            found.append(today + timedelta(days=offset))
    for i, tok in enumerate(words):
        before = words[max(0, i - 3):i]
        if tok in _UNITS and i >= 1:
            count = _COUNTS.get(words[i - 1]) or (int(words[i - 1]) if words[i - 1].isdigit() else 0)
            from_now = words[i + 1:i + 2] in (("fran",), ("from",))       # "tre veckor från nu"
            if count and (_IN.intersection(words[max(0, i - 3):i - 1]) or from_now):
                if _UNITS[tok] == 30:
                    found.append(_add_months(today, count))
                else:
                    found.append(today + timedelta(days=count * _UNITS[tok]))
            elif words[i - 1] in _NEXT and _UNITS[tok] == 7:          # "nästa vecka"
                found.append(today + timedelta(days=13 - today.weekday()))
            elif words[i - 1] in _NEXT and _UNITS[tok] == 30:         # "nästa månad"
                first = _add_months(today.replace(day=1), 1)
                if {"borjan", "beginning", "start"}.intersection(before):
                    found.append(first)
                elif {"slutet", "end"}.intersection(before):
                    found.append(_add_months(first, 1) - timedelta(days=1))
                else:
                    months.append((0, first.month, first.year))       # the whole month
        elif tok in _WEEKDAYS:
            ahead = (_WEEKDAYS[tok] - today.weekday()) % 7 or 7
            if i >= 1 and words[i - 1] in _NEXT and today.weekday() + ahead <= 6:
                ahead += 7                       # "nästa fredag": the Friday of next week
            found.append(today + timedelta(days=ahead))
        elif tok in _MONTH_TURN:                 # "innan månadsskiftet": this month's last day
            nxt = words[i - 1] in _NEXT if i >= 1 else False
            first = _add_months(today.replace(day=1), 2 if nxt else 1)
            found.append(first - timedelta(days=1))
        elif tok in ("helgen", "weekend") and i >= 1 and words[i - 1] in ("i", "this"):
            found.append(today + timedelta(days=6 - today.weekday()))
        elif (bare := _BARE_DAY.match(tok) or (words[i - 1:i] == ("den",) and _DAY.match(tok))) \
                and i >= 1 and words[i - 1] in ("den", "the", "on") \
                and not (i + 1 < len(words) and (words[i + 1] in MONTHS or words[i + 1] == "of")):
            numbered = _next_day_numbered(today, int(bare.group(1)))  # "den 16e", "den 15:e"
            if i >= 2 and words[i - 2] in ("efter", "after"):            # "efter den 15:e"
                numbered = [d + timedelta(days=1) for d in numbered]
            found += numbered
    days: list[tuple[int, int, int | None]] = [(d.day, d.month, d.year) for d in found]
    return tuple(dict.fromkeys(days or months))


def _next_day_numbered(today: date, day: int) -> list[date]:
    """The first day numbered ``day`` from today on: on 20 February, "den 16e" is 16 March."""
    for months in (0, 1, 2):
        first = _add_months(today.replace(day=1), months)
        if day <= _last_day_of(first.year, first.month) and first.replace(day=day) >= today:
            return [first.replace(day=day)]
    return []


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, _last_day_of(year, month)))


def _last_day_of(year: int, month: int) -> int:
    return (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day


@dataclass(frozen=True)
class Part:
    """One clause that asks something."""
    toks: tuple[str, ...]
    form: str                      # yesno, count, which, when, meaning, fit, open
    dates: tuple[tuple[int, int, int | None], ...] = ()   # (day, month, year or None)

    def has(self, *words: str) -> bool:
        return any(w in self.toks for w in words)


@dataclass(frozen=True)
class Frame:
    """A message read once: the parts that ask, and the context around them."""
    toks: tuple[str, ...]                       # the whole message, folded
    parts: tuple[Part, ...]
    context: tuple[str, ...] = ()               # folded words of the clauses that do not ask
    context_dates: tuple[tuple[int, int, int | None], ...] = ()
    asks: bool = True                           # False: no clause asks ("Tack för hjälpen!")
    last_context: tuple[str, ...] = ()          # the context clause said last, for "Är det så?"
    text: str = ""                              # the message as written (clipped), to echo words


def find_dates(text: str) -> tuple[tuple[int, int, int | None], ...]:
    """Day-month(-year) dates written in the text, in order; impossible ones are left out."""
    low = text.casefold()
    if not _MAYBE_DATE.search(low):
        return ()                       # most questions: no digit, month or holiday at all
    folded = fold(low)
    found: list[tuple[int, tuple[int, int, int | None]]] = []
    for m in _DAY_MONTH.finditer(low):
        found.append((m.start(), (int(m.group(1)), MONTHS[m.group(2)], _year(m.group(3)))))
    for m in _MONTH_DAY.finditer(low):
        found.append((m.start(), (int(m.group(2)), MONTHS[m.group(1)], _year(m.group(3)))))
    for m in _NUMERIC.finditer(low):
        found.append((m.start(), (int(m.group(1)), int(m.group(2)), _year(m.group(3)))))
    for m in _ISO.finditer(low):
        found.append((m.start(), (int(m.group(3)), int(m.group(2)), int(m.group(1)))))
    for m in _DOTTED.finditer(low):
        found.append((m.start(), (int(m.group(1)), int(m.group(2)), _year(m.group(3)))))
    for m in _WHOLE_MONTH.finditer(low):
        found.append((m.start(), (0, MONTHS[m.group(1)], None)))      # the whole month
    for m in _MONTH_EDGE.finditer(low):
        month = MONTHS[m.group(2)]
        first = m.group(1) in ("början av", "början på", "beginning of", "start of")
        found.append((m.start(), (1 if first else _last_day(month), month, None)))
    for m in _WEEK_OF_MONTH.finditer(low):
        month = MONTHS[m.group(2)]
        found.append((m.start(), (_last_day(month) if m.group(1) in ("sista", "last") else 7, month, None)))
    for m in _MID_MONTH.finditer(low):
        found.append((m.start(), (0, MONTHS[m.group(1)], None)))
    for m in _WEEK.finditer(low):
        found.append((m.start(), _week_day(int(m.group(1)))))
    for m in _ORDINAL_DAY.finditer(folded):
        word, month = m.group(1), MONTHS[m.group(2)]
        day = _last_day(month) if word == "sista" else ORDINALS[word]
        found.append((m.start(), (day, month, None)))
    if "pask" in folded:
        found.append((folded.find("pask"), _easter()))
    dates: list[tuple[int, int, int | None]] = []
    for start, (day, month, year) in sorted(found):
        if day == 0:
            if not dates and 1 <= month <= 12:
                dates.append((0, month, year))
            continue
        try:
            asked = date(year or 2020, month, day)
        except ValueError:
            continue
        if _AFTER.search(low[max(0, start - 12):start]):        # "efter 15 mars": the day after
            asked = date.fromordinal(asked.toordinal() + 1)
            day, month = asked.day, asked.month
        if (day, month, year) not in dates:
            dates.append((day, month, year))
    return tuple(d for d in dates if d[0] or len(dates) == 1)


_ONES = ["", "forsta", "andra", "tredje", "fjarde", "femte", "sjatte", "sjunde", "attonde",
         "nionde"]
ORDINALS = {word: n for n, word in enumerate(_ONES) if word}
ORDINALS.update({"tionde": 10, "elfte": 11, "tolfte": 12, "trettonde": 13, "fjortonde": 14,
                 "femtonde": 15, "sextonde": 16, "sjuttonde": 17, "artonde": 18, "nittonde": 19,
                 "tjugonde": 20, "trettionde": 30, "first": 1, "second": 2, "third": 3,
                 "fifth": 5, "tenth": 10, "fifteenth": 15, "twentieth": 20, "last": 0})
ORDINALS.update({f"tjugo{w}": 20 + n for n, w in enumerate(_ONES) if w})
ORDINALS.update({"trettioforsta": 31, "sista": 0})
_FOLDED_MONTH = "|".join(sorted({fold(m) for m in MONTHS}, key=len, reverse=True))
# "den tjugonde mars", "sista februari", "the last of March" (folded text)
_ORDINAL_DAY = re.compile(r"\b(" + "|".join(sorted(ORDINALS, key=len, reverse=True)) +
                          r")\s+(?:of\s+)?(" + _FOLDED_MONTH + r")\b")
_AFTER = re.compile(r"\b(efter|after)\s+(den\s+|the\s+)?$")
# "i april", "in April", "under maj" with no day: the whole month (day 0).
_WHOLE_MONTH = re.compile(r"\b(?:i|in|under|during)\s+(" + _MONTH + r")\b(?!\s+\d)")
# A cheap first look: without a digit, a month's name or Easter there is no date to find.
_MAYBE_DATE = re.compile(r"\d|påsk|pask|\b(?:" + _MONTH + r")\b")
_WEEK = re.compile(r"\b(?:vecka|v\.?|week)\s*(\d{1,2})\b")


def _last_day(month: int) -> int:
    return (date(2020 + month // 12, month % 12 + 1, 1) - date.resolution).day


def _week_day(week: int) -> tuple[int, int, int | None]:
    """The Sunday that ends ISO week ``week`` of 2020 (the call's year): "vecka 11" is in time
    only if all of it is."""
    try:
        day = date.fromisocalendar(2020, week, 7)
    except ValueError:
        return (0, 0, None)
    return (day.day, day.month, None)


def _easter() -> tuple[int, int, int | None]:
    """Easter Sunday of 2020 (Gregorian computus); "efter påsk" is the day after, as for any
    date after "efter"."""
    year = 2020
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * weekday) // 433
    month = (h + weekday - 7 * m + 90) // 25
    day = (h + weekday - 7 * m + 33 * month + 19) % 32
    return (day, month, None)


def _year(text: str | None) -> int | None:
    if not text:
        return None
    year = int(text)
    return year + 2000 if year < 100 else year


def _contains(toks: tuple[str, ...], cue: tuple[str, ...]) -> bool:
    n = len(cue)
    return any(toks[i:i + n] == cue for i in range(len(toks) - n + 1))


PREPOSITIONS = frozenset({"med", "i", "for", "fran", "till", "pa", "with", "in", "from",
                          "to", "on", "by", "until", "senast"})


def _starts_question(toks: list[str]) -> bool:
    """ "när …", "får vi …", and "med vilka länder …" / "with which countries …"."""
    if not toks:
        return False
    if toks[0] in QUESTION_WORDS or toks[0] in YES_NO_VERBS:
        return True
    return len(toks) > 1 and toks[0] in PREPOSITIONS and toks[1] in QUESTION_WORDS


def _strip_connectors(toks: list[str]) -> list[str]:
    while toks and toks[0] in CONNECTORS:
        toks = toks[1:]
    return toks


def _reported(toks: list[str]) -> list[str] | None:
    """ "min chef undrar om det kostar något" -> "det kostar något"."""
    for i, w in enumerate(toks[:-2]):
        if w in REPORTED and toks[i + 1] in REPORTED_LINKS:
            return toks[i + 2:]
    return None


def form_of(toks: tuple[str, ...], dates: tuple[object, ...]) -> str:
    """The form of one asking clause."""
    words = set(toks)
    if words & _COUNT_FIRST and any(_contains(toks, cue) for cue in COUNT_CUES):
        return "count"
    if words & _MEANING_FIRST and (
            any(_contains(toks, cue) for cue in MEANING_CUES[:3]) or toks[0] in {"forklara", "explain"}
            or _contains(toks, ("what", "dos")) and "mean" in words):
        return "meaning"
    if WHICH_WORDS.intersection(toks[:3]) and FIT_VERBS.intersection(toks):
        return "fit"
    first = toks[0] if toks else ""
    if tuple(toks[:2]) in REQUESTS:
        return "which"              # "kan du lista dem?" asks for the list, not a yes or no
    if first in YES_NO_VERBS:
        return "yesno"
    if first in {"nar", "when"} or _contains(toks, ("vilket", "datum")) or _contains(toks, ("what", "date")) \
            or first in PREPOSITIONS and tuple(toks[1:2]) in (("nar",), ("when",)):   # "by when"
        return "when"
    if first in WHICH_WORDS or first in {"vem", "who", "list"} or _contains(toks, ("rakna", "upp")):
        return "which"
    if first in QUESTION_WORDS:
        return "open"
    if dates or (len(toks) > 2 and toks[-1] in TAGS):
        return "yesno"          # "digitalisering e ett kärnområde va?", "Kenya is fine, right?"
    if 3 <= len(toks) <= 6 and any(w in _INDEFINITE for w in toks[1:-1][-2:]):
        return "yesno"          # "inkludering ett kärnområde?", "Kenya ett samarbetsland?"
    return "open"


def _split_joined(toks: list[str]) -> list[list[str]]:
    """ "kan vi söka med Kenya och när är sista dagen" -> two clauses, at the "och" that starts
    a new question (a question word or a yes/no verb right after it)."""
    pieces: list[list[str]] = [[]]
    for i, w in enumerate(toks):
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        after = toks[i + 1:i + 3]
        asked_when = len(after) == 2 and after[0] in PREPOSITIONS and after[1] in QUESTION_WORDS
        # "… och vem finansierar?": a question word and a word of its own start a new question
        asked_who = nxt in QUESTION_WORDS and len(toks) - i > 2
        if (w in {"och", "and", "samt", "plus"} and pieces[-1]
                and (len(toks) - i > 3 or asked_when or asked_who)
                and (nxt in QUESTION_WORDS or nxt in YES_NO_VERBS and nxt not in {"har", "have", "is"}
                     or asked_when)):
            pieces.append([])
            continue
        pieces[-1].append(w)
    return [p for p in pieces if p]


def _chunks(text: str) -> list[tuple[str, str]]:
    """(clause, the delimiter after it) pairs."""
    pieces = _CLAUSES.split(text)
    out = []
    for i in range(0, len(pieces), 2):
        chunk = pieces[i]
        delimiter = pieces[i + 1] if i + 1 < len(pieces) else ""
        if chunk and chunk.strip():
            out.append((chunk, delimiter or ""))
    return out


def read_frame(message: str, today: date | None = None) -> Frame:
    """Cut ``message`` into asking parts and context, and give each part its form and dates.

    ``today`` resolves "i dag" / "i morgon" to dates; without it they are not dates.
    """
    text = clip(message)
    # Each clause tokenised once; the message's words are theirs in order (the delimiters
    # between clauses are no words), which saves tokenising the whole text a second time.
    chunks = [(raw, delimiter, tokens(raw)) for raw, delimiter in _chunks(text)]
    all_toks = tuple(w for _, _, said in chunks for w in said)
    clauses: list[tuple[list[str], bool, Dates]] = []
    forms: dict[int, str] = {}          # clause index -> form, where a topic was put first
    reporters: list[str] = []           # "min chef undrar om …": who asks
    previous_delimiter = "."
    for raw, delimiter, said in chunks:
        if clauses and tuple(said) in TAG_CLAUSES:
            # "Ale samarbetade med Namibia, eller hur?": the sentence before is the question
            last_toks, _, last_dates = clauses[-1]
            clauses[-1] = (last_toks, True, last_dates)
            forms[len(clauses) - 1] = "yesno"
            previous_delimiter = delimiter
            continue
        toks = _strip_connectors(said)
        if not toks:
            previous_delimiter = delimiter
            continue
        dates = find_dates(raw) + relative_dates(toks, today)
        reported = _reported(toks)
        starts_question = _starts_question(toks) or bool(reported)
        if reported:
            # "en ideell förening här i stan undrar om dom kan söka": who wonders is context
            # the question may borrow ("dom"), not lost
            reporters += toks[:len(toks) - len(reported)]
            toks = reported
        asks = "?" in delimiter or starts_question
        if (clauses and previous_delimiter.strip() == "," and not starts_question
                and clauses[-1][0][0] not in GREETING_WORDS):
            # "Kenya, Uganda eller Ghana?": after a comma the clause goes on unless a new
            # question starts.
            last_toks, last_asks, last_dates = clauses[-1]
            clauses[-1] = (last_toks + toks, last_asks or asks, last_dates + dates)
        elif (clauses and not clauses[-1][1] and asks and len(clauses[-1][0]) <= TOPIC_MAX_WORDS
              and clauses[-1][0][0] not in NOT_TOPIC_START and not clauses[-1][2]):
            # (a clause with a date, "Idag är det torsdag 20 februari.", is no topic)
            # "Moldaviens kommuner – kan de vara partner?": a short phrase put first is what the
            # question is about; the question's own words still give the form.
            last_toks, _, last_dates = clauses[-1]
            clauses[-1] = (last_toks + toks, True, last_dates + dates)
            forms[len(clauses) - 1] = form_of(tuple(toks), dates)
        else:
            clauses.append((toks, asks, dates))
        previous_delimiter = delimiter
    parts: list[Part] = []
    context: list[str] = []
    context_dates: list[tuple[int, int, int | None]] = []
    last_context: list[str] = []
    for index, (toks, asks, dates) in enumerate(clauses):
        if not asks:
            context += toks
            context_dates += dates
            if not parts:
                last_context = toks
            continue
        pieces = _split_joined(toks)
        for number, piece in enumerate(pieces):
            piece = _strip_connectors(piece)
            if piece:
                form = forms[index] if number == 0 and index in forms else form_of(tuple(piece), dates)
                parts.append(Part(tuple(piece), form, dates))
    if not parts:
        dates = find_dates(text) + relative_dates(list(all_toks), today)
        only = (Part(all_toks, form_of(all_toks, dates), dates),) if all_toks else ()
        return Frame(all_toks, only, (), (), asks=False, text=text)
    return Frame(all_toks, tuple(parts[:4]), tuple(context + reporters), tuple(context_dates), True,
                 tuple(last_context), text)
