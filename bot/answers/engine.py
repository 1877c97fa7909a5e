"""The answer engine: a Swedish (or English) question in, a plain-text answer out.

It knows nothing of Telegram. A message is read once (bot/answers/frame.py): the clauses that
ask, their form (yes/no, how many, which, when, what-does-X-mean, which-core-area-fits) and
dates, and the context around them. For each asking part every reader — dates against the
deadline, core areas, counts, curated topic words, countries, applicants, regions, the
deadline — proposes an answer with a score, and the arbiter gives the best one; FAQ retrieval
with a calibrated confidence answers what no reader claims. Exact readers exist where a fuzzy
match could be wrong in a way that matters (is *this* country a partner, can *this* kind of
organisation apply, is *this* date in time). Word lists live in bot/answers/cues.py. ``now`` is
always an argument, so every date rule is testable.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cached_property
from itertools import pairwise
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.answers.countries import CountryFinder, Mention, unique_mentions
from bot.answers.cues import (
    ABOUT_APPLYING,
    ABOUT_LINKS,
    ACKNOWLEDGEMENTS,
    ALSO,
    ANSWER_THRESHOLD,
    ANY_TIME,
    ANYONE,
    APPLY_CUES,
    APPLY_PHRASES,
    BECAUSE,
    BOTH,
    BYE,
    CLAIM_CHECKS,
    CLOCK_WORDS,
    CLOSED_WORDS,
    COMPARISONS,
    CONDITION_CHECKS,
    CORE_CHOICE,
    CORE_CUES,
    CORE_FILLER,
    CORE_SPELLINGS,
    COUNT_WORDS,
    COUNTRY_BACK,
    COUNTRY_WORDS,
    DATE_CHECK,
    DATE_SUBJECTS,
    DEADLINE_CUES,
    DEADLINE_EQUALITY,
    DEADLINE_PREFIXES,
    ECHO_WORDS,
    FITS_INTO,
    FOLLOW_UP_WORDS,
    FOREIGN_LINKS,
    FROM_WORDS,
    GREETINGS,
    INCLUDE_PHRASES,
    JOINT_WORDS,
    KIND_ARTICLES,
    KIND_WORDS,
    LIST_LINKS,
    LIST_WORDS,
    MAX_SUGGESTIONS,
    MISSED_WORDS,
    NEAR_WORDS,
    NEED_WORDS,
    NEGATIONS,
    NUMBER_WORDS,
    NUMBERS,
    ONLY,
    OPEN_WORDS,
    OTHER_DATES,
    OUR_WORDS,
    OUTSIDE,
    PARTNER_LINKS,
    PARTNER_PREFIXES,
    PARTNERING,
    PLACE_BACK,
    PLACE_LINKS,
    PLACE_WORDS,
    PLURAL_WHICH,
    POINTERS,
    POINTERS_IT,
    PROGRAMME_WORDS,
    PROJECT_FIT,
    PROJECT_WORDS,
    REFERS_BACK,
    REPHRASINGS,
    SCORE,
    SELF_DESCRIPTION,
    SEVERAL,
    SIZE_WORDS,
    SOMETHING,
    STILL_OPEN,
    SUGGEST_THRESHOLD,
    SUGGESTION_FLOOR,
    THANKS,
    THEM,
    THEME_PHRASES,
    THEME_WORDS,
    THEN,
    TIME_LEFT,
    TIME_PREPOSITIONS,
    WE_WORDS,
    WHAT_WORDS,
)
from bot.answers.frame import (
    FIT_VERBS,
    MONTHS,
    ORDINALS,
    PREPOSITIONS,
    QUESTION_WORDS,
    YES_NO_VERBS,
    Frame,
    Part,
    read_frame,
)
from bot.answers.language import detect_language
from bot.answers.normalize import as_written, tokens
from bot.answers.phrases import Found, PhraseIndex
from bot.answers.retrieval import STOP_WORDS, FaqIndex, Hit
from bot.answers.texts import (
    format_day,
    format_day_month,
    format_month,
    format_weekday,
    join_names,
    number_word,
    t,
)
from bot.answers.topics import TopicHit, TopicWords
from bot.knowledge.model import (
    ApplicantKind,
    CoreArea,
    Country,
    CountryGroup,
    EmptyRegion,
    FaqEntry,
    Knowledge,
    Region,
    RemitTask,
    localized,
)


@dataclass(frozen=True)
class Suggestion:
    id: str
    title: str


@dataclass(frozen=True)
class Answer:
    text: str
    match: str | None            # FAQ id or intent name; None when the engine did not know
    confidence: float
    suggestions: tuple[Suggestion, ...] = ()
    related: tuple[Suggestion, ...] = ()
    lang: str = "sv"
    countries: tuple[str, ...] = field(default=())   # ISO codes mentioned, for analytics/tests
    honest: bool = False         # an answer that says the announcement does not say
    sources: tuple[str, ...] = ()   # the announcement's sentences it rests on, word for word

    @property
    def unanswered(self) -> bool:
        """True for an honest "I don't know" / "the announcement does not say": a person
        (ICLD, or staff behind the bot) would have to answer it."""
        return self.match is None or self.honest

    def as_dict(self, question: str) -> dict[str, object]:
        return {"q": question, "answer": self.text, "match": self.match,
                "confidence": round(self.confidence, 3),
                "suggestions": [s.id for s in self.suggestions], "sources": list(self.sources)}


@dataclass
class _Question:
    """One asking part, with everything the readers look at found once."""
    toks: list[str]
    lang: str
    mentions: list[Mention]
    kinds: list[Found[ApplicantKind]]
    regions: list[Region]
    empty: list[EmptyRegion]
    core: list[CoreArea]
    rest: list[str]       # content words no name, kind or region claimed
    part: Part
    frame: Frame
    search: Callable[[], list[Hit]]
    context: _Question | None = field(default=None, repr=False)   # the context, once parsed
    groups: list[CountryGroup] = field(default_factory=list)        # "Balkan", "Östafrika"
    topic_hits: list[TopicHit[FaqEntry]] | None = field(default=None, repr=False)

    @cached_property
    def hits(self) -> list[Hit]:
        """FAQ retrieval, run only when a reader or the fallback needs it: most questions that
        a reader answers (countries, dates, topics) never pay for it."""
        return self.search()

    @property
    def top(self) -> Hit | None:
        return self.hits[0] if self.hits else None

    def starts_with(self, prefixes: tuple[str, ...]) -> bool:
        return any(w.startswith(prefixes) for w in self.toks)


Candidate = tuple[float, Answer]
_Named = tuple[str, Any]            # ("group" | "region" | "empty" | "core", the thing named)


def _label(region: Region, lang: str) -> str:
    return localized(region, "name", lang)


def _names(countries: Sequence[Country], lang: str) -> str:
    """ "Kenya, Namibia och Zambia" in the user's language."""
    return join_names([localized(c, "name", lang) for c in countries], lang)


_THEME_FIRST = frozenset(p[0] for p in THEME_PHRASES)   # a cheap look before the phrase scan


def _beyond_partnering(words: Sequence[str]) -> bool:
    """Whether a question has a word of its own besides asking to partner ("Kan vi samarbeta
    med Kenya?" has none; "vilken valuta har Kenya?" has)."""
    return any(w not in YES_NO_VERBS and w not in ECHO_WORDS and not w.startswith(PARTNERING)
               for w in words)


def _written_swedish(word: str, text: str) -> bool:
    """ "hösten", "sjöar": written with å, ä or ö, a word is Swedish, never a misspelt town."""
    return any(c in "åäö" for c in as_written([word], text))


def _counts_countries(toks: Sequence[str]) -> bool:
    """ "hur många länder …", "how many of the countries", "antal samarbetsländer": the count is
    of countries — not "hur många som får åka till partnerlandet" (people)."""
    for i, tok in enumerate(toks):
        if tok in COUNT_WORDS:
            counted = [w for w in toks[i + 1:i + 4] if w not in ("av", "of", "the", "de")]
            if counted and counted[0] in ("som", "who", "people", "personer"):
                return False
            return any(w.startswith(COUNTRY_WORDS) for w in counted) or not counted or (
                counted[0] in YES_NO_VERBS and any(w.startswith(COUNTRY_WORDS) for w in toks))
    return True


def _contrasted_away(found: Found[ApplicantKind], kinds: Sequence[Found[ApplicantKind]],
                     toks: Sequence[str]) -> bool:
    """ "Vår skola (alltså skolan, inte kommunen)", "the school, not the municipality": a kind
    set aside right after another is not the one applying (but "Får inte regioner söka?" asks)."""
    at = found.start - 1
    if at > 0 and toks[at] in KIND_ARTICLES:
        at -= 1
    return at > 0 and toks[at] in NEGATIONS and any(
        o is not found and 0 <= at - o.end <= 1 for o in kinds)


def _asks_to_apply(toks: Sequence[str]) -> bool:
    return bool(APPLY_CUES.intersection(toks) or APPLY_PHRASES.intersection(pairwise(toks)))


def _conversation_words(toks: Sequence[str], names: frozenset[str] = frozenset()) -> list[str]:
    """ "hej då" is one word; a lone "då" ("Litauen då?") is a follow-up particle, not a goodbye
    — unless it begins a name ("Da Nang": ``names`` holds the words that follow "da" in one).
    A misspelt "samarbetsländer" is put right here too, before any reader looks for it."""
    out: list[str] = []
    for i, w in enumerate(toks):
        if w.startswith("samarbets") and w not in PARTNER_NOUNS:
            w = _partner_noun(w)
        if w == "da" and out and out[-1] == "hej":
            out[-1] = "hejda"
        elif w != "da" or (i + 1 < len(toks) and toks[i + 1] in names):
            out.append(w)
    return out


# "samarbetsländer" as typed in a hurry ("samarbetslädner", "samarbetslnder"): the word every
# country reader looks for, put right when it is two letters or less away.
PARTNER_NOUNS = ("samarbetslander", "samarbetslanderna", "samarbetsland", "samarbetslandet")


def _partner_noun(word: str) -> str:
    hit = process.extractOne(word, PARTNER_NOUNS, scorer=OSA.distance, score_cutoff=2)
    return str(hit[0]) if hit else word


# What the answer to "is everything we said all right?" is made of: who applies, with which
# country, when, on which core area.
CONDITION_MATCHES = frozenset({"applicant", "who_can_apply", "country", "deadline", "is_open",
                               "core_areas"})


_PHRASE_STARTS = frozenset(phrase[0] for phrase in (*ANY_TIME, *TIME_LEFT))


# Topics where two parts of one message get one answer.
ONE_VERDICT = frozenset({"deadline", "is_open"})


def _contains(toks: Sequence[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(toks[i:i + n]) == phrase for i in range(len(toks) - n + 1))


def _month_end(month: int) -> int:
    return (date(2020 + month // 12, month % 12 + 1, 1) - date.resolution).day


def _without_greeting(toks: Sequence[str]) -> list[str]:
    """Content words: a greeting at the start ("Hej, god morgon!") says nothing about the
    topic, but "dag" later on may ("SKR:s internationella dag")."""
    start = 0
    while start < len(toks) and toks[start] in GREETINGS:
        start += 1
    return [w for w in toks[start:] if len(w) > 1]


class Engine:
    """Answers questions from one loaded Knowledge; cheap to call, built once per knowledge."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self.countries = CountryFinder(knowledge)
        self.after_da = frozenset(k.split()[1] for k in self.countries.index.phrases
                                  if k.startswith("da "))            # "Da Nang" keeps its "Da"
        self.faq = FaqIndex(knowledge.faq)
        self.applicants: PhraseIndex[ApplicantKind] = PhraseIndex(
            ((alias, kind) for kind in knowledge.applicants for alias in (kind.name, *kind.aliases)),
            compound_heads=True, head_min=5)         # "energibolag", "idrottsklubb", "högskola"
        self.core_names: PhraseIndex[CoreArea] = PhraseIndex(
            (alias, area) for area in knowledge.core_areas
            for alias in (area.name, area.name_en, *area.aliases))
        # The four small indexes searched as one in _parse (one scan of the question instead of
        # four; their names do not overlap, and on a clash the first listed wins as before):
        # ~+4 % answers/s, best of 15 passes over the labelled mix, the same answers to all
        # 3,396 labelled questions.
        self.areas_and_places: PhraseIndex[_Named] = PhraseIndex(
            [*((label, ("group", group)) for group in knowledge.groups for label in group.aliases),
             *((label, ("region", region)) for region in knowledge.regions
               for label in (region.name, region.name_en, *region.aliases)),
             *((label, ("empty", region)) for region in knowledge.empty_regions
               for label in (region.name, region.name_en, *region.aliases)),
             *((label, ("core", area)) for area in knowledge.core_areas
               for label in (area.name, area.name_en, *area.aliases))])
        self.kind_words: dict[str, list[str]] = {}       # long one-word kinds, for typos
        for key in self.applicants.phrases:
            if " " not in key and len(key) >= 9:
                self.kind_words.setdefault(key[0], []).append(key)
        self.core_words: dict[str, list[str]] = {}       # one-word names, by first letter
        for key in self.core_names.phrases:
            if " " not in key and len(key) >= 8:
                self.core_words.setdefault(key[0], []).append(key)
        self.core_work: TopicWords[CoreArea] = TopicWords(
            (word, area) for area in knowledge.core_areas for word in area.work)
        self.topics: TopicWords[FaqEntry] = TopicWords(
            (topic, entry) for entry in knowledge.faq for topic in entry.topics)
        self.remit: TopicWords[RemitTask] = TopicWords(
            (word, task) for task in knowledge.remit for word in task.words)
        self._subjects: dict[tuple[str, ...], bool] = {}
        self._country_lists: dict[str, str] = {}
        self.readers = (self._date_reader, self._theme_reader, self._core_area_reader,
                        self._project_fit_reader,
                        self._count_reader, self._topic_reader, self._country_reader,
                        self._applicant_reader, self._group_reader, self._empty_region_reader,
                        self._region_reader,
                        self._country_list_reader, self._deadline_reader,
                        self._misspelt_place_reader)

    # ---- public API -------------------------------------------------------------------
    def answer_question(self, question: str, now: datetime,
                        previous: Answer | None = None) -> Answer:
        """The answer a user should read for ``question`` at time ``now``.

        The message is read once into a frame (bot/answers/frame.py); each part that asks is
        answered on its own, by the best-scored candidate of all readers, and two real
        questions in one message get both answers in the order asked. ``previous`` is the
        answer this chat got last, if recent: a short follow-up ("hur många är det?", "vad
        betyder det tredje?") is read against its topic.
        """
        frame = read_frame(question, now.astimezone(self.knowledge.call.tz).date())
        lang = detect_language(list(frame.toks))
        if not frame.toks:
            return Answer(t(lang, "empty"), "empty", 1.0, self._starters(lang), lang=lang)
        words = _conversation_words(frame.toks)
        if not frame.asks and words and words[0] in THANKS:
            return self.answer_entry("goodbye" if BYE.intersection(words) else "thanks", now, lang)
        if len(words) <= 2 and set(words) <= ACKNOWLEDGEMENTS:         # "ok", "nej tack"
            return self.answer_entry("acknowledgement", now, lang)
        if previous is not None and previous.match and not frame.context \
                and len(frame.toks) <= FOLLOW_UP_WORDS:
            frame = replace(frame, last_context=self._topic_words(previous))
        answers: list[Answer] = []
        for i, part in enumerate(frame.parts):
            if answers and answers[-1].match is not None:
                # "hur många kärnområden finns det och är klimat ett av dem?": "dem" are what
                # the part before was answered about
                part = self._resolved(part, answers[-1], lang, frame.parts[i - 1])
            answers.append(self._answer_part(part, frame, lang, now))
        return self._finish(self._combine(answers), now)

    def _resolved(self, part: Part, before: Answer, lang: str, asked: Part) -> Part:
        if before.honest and before.match and POINTERS_IT.intersection(part.toks) and not any(
                w not in STOP_WORDS and self.faq.is_unknown(w) for w in part.toks):
            # "Hjälper ICLD till med visum, och hur lång tid tar det?": "det" is the topic the
            # announcement says nothing about, so the second part gets the same honest answer
            return replace(part, toks=(*part.toks, *self._topic_words(before)))
        return self._resolved_words(part, before, lang, asked)

    def _resolved_words(self, part: Part, before: Answer, lang: str, asked: Part) -> Part:
        """``part`` with its first "dem"/"de"/"them" replaced by what ``before`` was about: the
        countries it named (a few), else its topic's words. A part of only a question word
        ("… och till när?", "and by when?") borrows the words of the part ``asked`` before."""
        toks = part.toks
        if len(toks) <= 3 and all(w in QUESTION_WORDS or w in PREPOSITIONS for w in toks):
            borrowed = [w for w in asked.toks if w not in QUESTION_WORDS]
            return replace(part, toks=(*toks, *borrowed))
        for i, tok in enumerate(toks):
            after = toks[i + 1] if i + 1 < len(toks) else ""
            # "de 19", "de länderna" are articles; "är de samarbetsländer?" is a pronoun
            if tok in THEM and not after[:1].isdigit() and not after.endswith("na") and not (
                    tok in ("those", "these") and after.startswith(COUNTRY_WORDS)):
                break
        else:
            return part
        named = before.countries
        if not named and asked.form == "which":
            # "vilka länder hade Ale partnerskap med och är de med?": the countries answered
            named = tuple(m.country.iso for m in self.countries.find(list(tokens(before.text)),
                                                                     fuzzy=False))
        elif not named and any(w.startswith(COUNTRY_WORDS) for w in asked.toks):
            # "vad menas med samarbetsländer, och vilka är de?": the countries in general
            return replace(part, toks=(*toks[:i], "samarbetslanderna", *toks[i + 1:]))
        if 0 < len(set(named)) <= 3:
            words = tuple(w for iso in dict.fromkeys(named)
                          for w in (*tokens(self.countries.by_iso[iso].display(lang)), "och"))[:-1]
        else:
            words = self._topic_words(before)
        if not words:
            return part
        return replace(part, toks=(*toks[:i], *words, *toks[i + 1:]))

    def _answer_part(self, part: Part, frame: Frame, lang: str, now: datetime) -> Answer:
        if frame.context and (CONDITION_CHECKS.intersection(part.toks)
                              or self._only_pointer(part, frame, lang)):
            # "Vi är ett kommunalförbund, partnern finns i Surabaya och vi skickar in 12 mars.
            # Håller alla tre delarna?": the whole message is the question, every condition in it
            whole = Part((*frame.context, *part.toks), "yesno", part.dates or frame.context_dates[-1:])
            best = self._best_candidate(self._parse(whole, replace(frame, context=()), lang), now)
            if best is not None and not best.honest and best.match in CONDITION_MATCHES:
                return best                # (a topic word in the story is no condition)
        q = self._parse(part, frame, lang)
        if not q.toks:
            return self.unknown(lang)
        best = self._best_candidate(q, now)
        if best is None and self._points_back(q):
            # "Vår chef tror att klimat är ett kärnområde. Är det så?": the question is about
            # what was just said, so read the two together, in the question's form.
            # "Jag visar listan i morgon kl 9. Kan du skicka dem?" asks for the list, not
            # whether tomorrow is in time: a request borrows the words, not the dates
            dates = part.dates or (frame.context_dates[-1:] if part.form != "which" else ())
            joined = Part((*frame.last_context, *part.toks), part.form, dates)
            q = self._parse(joined, frame, lang)
            best = self._best_candidate(q, now)
            if best is None and frame.context != frame.last_context:
                # "… när ansökan måste vara inne. Min chef tror maj. Vet du?": the question
                # was asked two sentences back
                q = self._parse(Part((*frame.context, *part.toks), part.form, dates), frame, lang)
                best = self._best_candidate(q, now)
        return best if best is not None else self._retrieval(q, now)

    def _only_pointer(self, part: Part, frame: Frame, lang: str) -> bool:
        """ "Godkänns det?" after a sentence that names who applies, with whom and when: a
        question with no words of its own about a context that holds several conditions."""
        if part.form != "yesno" or (FIT_VERBS | PROJECT_FIT).intersection(part.toks) or any(
                w not in YES_NO_VERBS and w not in ECHO_WORDS and w not in REFERS_BACK
                and w not in STOP_WORDS for w in part.toks):
            return False                       # "Passar det?" after a project asks about the project
        context = self._parse(Part(frame.context, "open"), frame, lang)
        applicants = [k for k in self._applicants_in(context)
                      if not self._foreign(k, context.mentions, context.toks)]
        named = [bool(applicants), bool(context.mentions), bool(frame.context_dates), bool(context.core)]
        return sum(named) >= 2

    def _best_candidate(self, q: _Question, now: datetime) -> Answer | None:
        """The arbiter: every reader proposes, the highest score answers (the first on a tie).

        One yes/no question can hold several conditions: "Kan en region söka med en kommun i
        Kenya före 15 mars?" asks about the applicant, the country and the date at once. Then
        the date's answer and the applicant's (which names the country) or the country's are
        all given, what fails first, so a single "Ja" never hides a "Nej"."""
        proposed = [(reader, reader(q, now)) for reader in self.readers]
        candidates = [c for _, c in proposed if c is not None]
        if not candidates:
            return None
        best = max(candidates, key=lambda c: c[0])[1]
        if q.part.form != "yesno":
            return best
        found = {reader.__name__: c[1] for reader, c in proposed if c is not None}
        applicant, country = found.get("_applicant_reader"), found.get("_country_reader")
        if country is not None and country.honest:
            country = None                       # a country named in passing is no condition
        if applicant is not None and country is not None and all(
                self.countries.by_iso[iso].display(q.lang) in applicant.text for iso in country.countries):
            if best is country:
                best = applicant                 # it says all the country's answer says, and more
            country = None                       # the applicant's answer gives the country's verdict
        date = found.get("_date_reader")
        if date is None and (applicant or country) is not None and self._deadline_as_time(q.toks):
            date = found.get("_deadline_reader")  # "… söka med Ukraina innan deadline?"
        conditions = [a for a in (applicant, country, date) if a is not None]
        # an applicant's answer that names the country holds two conditions already
        held = len(conditions) + (applicant is not None and country is None and bool(applicant.countries))
        if held < 2 or best not in conditions:
            return best
        context = self._context(q)
        areas = q.core or (context.core if context else [])
        if areas:                       # "… fokus på transparens … Funkar allt det?"
            conditions.append(self._core_answer("core.yes", q.lang, areas[:1],
                                                area=self._area_name(areas[0], q.lang).lower()))
        return self._all_conditions(conditions)

    @staticmethod
    def _all_conditions(answers: list[Answer]) -> Answer:
        """Several verdicts in one answer, the negative ones first."""
        ordered = sorted(answers, key=lambda a: not a.text.startswith(("Nej", "No")))
        first = ordered[0]
        return replace(first, text="\n\n".join(a.text for a in ordered),
                       confidence=min(a.confidence for a in ordered),
                       countries=tuple(dict.fromkeys(c for a in ordered for c in a.countries)),
                       sources=tuple(dict.fromkeys(s for a in ordered for s in a.sources)))

    def _other_subject(self, toks: Sequence[str]) -> bool:
        """Whether a sentence is about a core area or a curated topic: then "Är det så?" after
        it asks about that, not about a country named earlier."""
        key = tuple(toks)
        if key not in self._subjects:          # asked by several readers and parts per message
            if len(self._subjects) > 4096:
                self._subjects.clear()
            self._subjects[key] = self._about_other_subject(key)
        return self._subjects[key]

    def _about_other_subject(self, toks: tuple[str, ...]) -> bool:
        words = list(toks)
        if any(w.startswith(COUNTRY_WORDS) for w in words):
            return False          # "… vet om staden ligger i ett av de godkända länderna. Gör den det?"
        if words[:1] in (["om"], ["if"]) and self.countries.find(words, fuzzy=False):
            return False          # "Om vi hittar en partner i Dar es Salaam, fungerar det?": a premise
        return (any(w.startswith(CORE_CUES) for w in words) or bool(self.core_names.find(words))
                or bool(self.topics.find(words)))

    @staticmethod
    def _points_back(q: _Question) -> bool:
        """ "Stämmer det?", "Kan du räkna upp dem?": no words of its own, only a pointer."""
        own_words = [w for w in q.rest if w not in YES_NO_VERBS and w not in ECHO_WORDS
                     and w not in REFERS_BACK and w not in CLAIM_CHECKS and w not in PROGRAMME_WORDS]
        points = REFERS_BACK.intersection(q.toks) or CLAIM_CHECKS.intersection(q.toks)
        return bool(q.frame.last_context and points and not own_words
                    and not (q.mentions or q.kinds or q.core or q.regions))

    def _combine(self, answers: list[Answer]) -> Answer:
        known = [a for a in answers if a.match is not None]
        if not known:
            return answers[-1]
        unique = list({a.text: a for a in known}.values())
        # "Kan man söka nu, eller har det stängt?" asks one thing twice: one verdict is enough
        unique = [a for i, a in enumerate(unique) if a.match not in ONE_VERDICT
                  or all(b.match != a.match for b in unique[:i])]
        if len(unique) == 1:
            return unique[0]
        first = unique[0]
        countries = tuple(dict.fromkeys(c for a in unique for c in a.countries))
        sources = tuple(dict.fromkeys(q for a in unique for q in a.sources))
        return Answer("\n\n".join(a.text for a in unique), first.match,
                      min(a.confidence for a in unique), (), first.related, first.lang, countries,
                      sources=sources)

    def _parse(self, part: Part, frame: Frame, lang: str) -> _Question:
        """Everything the readers look at in one part, found once."""
        toks = _conversation_words(part.toks, self.after_da)
        taken = [False] * len(toks)
        mentions = self.countries.find(toks, taken, fuzzy=False)   # exact names claim words first
        kinds = self._head_kinds([*self.applicants.find(toks, taken),
                                  *self._misspelt_kinds(toks, taken)], toks)
        named: dict[str, list[Any]] = {"group": [], "region": [], "empty": [], "core": []}
        for found in self.areas_and_places.find(toks, taken):
            named[found.value[0]].append(found.value[1])
        groups: list[CountryGroup] = list(dict.fromkeys(named["group"]))
        regions: list[Region] = named["region"]
        empty: list[EmptyRegion] = named["empty"]
        core: list[CoreArea] = list(dict.fromkeys([*named["core"], *self._misspelt_areas(toks, taken)]))
        mentions = unique_mentions([*mentions, *self.countries.find_fuzzy(toks, taken)])
        content = _without_greeting(toks)
        query = content if any(w not in STOP_WORDS for w in content) else toks
        rest = [w for w, used in zip(toks, taken, strict=True) if not used and w not in STOP_WORDS
                and w not in APPLY_CUES and len(w) > 2]
        return _Question(toks, lang, mentions, kinds, regions, empty, core, rest, part, frame,
                         lambda: self.faq.search(query), groups=groups)

    def _topics(self, q: _Question) -> list[TopicHit[FaqEntry]]:
        """The curated topic words of a part, found once (three readers ask)."""
        if q.topic_hits is None:
            q.topic_hits = self.topics.find(q.toks)
        return q.topic_hits

    def _misspelt_kinds(self, toks: list[str], taken: list[bool]) -> list[Found[ApplicantKind]]:
        """ "privatperon", "kommunalförbnd": a long word one typo from a kind of organisation."""
        found = []
        for i, tok in enumerate(toks):
            if taken[i] or len(tok) < 9 or tok[0] not in self.kind_words:
                continue
            hit = process.extractOne(tok, self.kind_words[tok[0]], scorer=OSA.distance,
                                     score_cutoff=1)
            if hit and self.faq.is_unknown(tok):
                found.append(Found(self.applicants.phrases[hit[0]], i, i + 1))
                taken[i] = True
        return found

    @staticmethod
    def _head_kinds(kinds: list[Found[ApplicantKind]], toks: list[str]) -> list[Found[ApplicantKind]]:
        """ "an individual Swedish municipality": a kind right before another is its adjective."""
        kinds = sorted(kinds, key=lambda k: k.start)
        return [k for k in kinds if not any(
            o is not k and o.value is not k.value and 0 <= o.start - k.end <= 1
            and not (LIST_LINKS | NEGATIONS | REPHRASINGS).intersection(toks[k.end:o.start])
            for o in kinds)]

    def _misspelt_areas(self, toks: list[str], taken: list[bool]) -> list[CoreArea]:
        """ "delaktihet", "transparns": a long word a typo or two from a core area's name, never
        in its first letter (as for countries)."""
        found = []
        for i, tok in enumerate(toks):
            if taken[i] or len(tok) < 8:
                continue
            limit = 2 if len(tok) >= 11 else 1
            hit = process.extractOne(tok, self.core_words.get(tok[0], ()), scorer=OSA.distance,
                                     score_cutoff=limit)
            if hit:
                found.append(self.core_names.phrases[hit[0]])
                taken[i] = True
        return found

    def _context(self, q: _Question) -> _Question | None:
        """The context clauses read like a part, for readers that may borrow entities."""
        if not q.frame.context:
            return None
        if q.context is None:                  # several readers may ask: parse it once
            q.context = self._parse(Part(q.frame.context, "open"), q.frame, q.lang)
        return q.context

    # ---- readers: each proposes (score, answer) or None ----------------------------------
    def _date_reader(self, q: _Question, now: datetime) -> Candidate | None:
        """ "Hinner vi om vi skickar in den 14 mars?", "Stänger ansökan den 15 april?"."""
        toks = set(q.toks)
        dates = q.part.dates
        # "Om vi blir klara först i april, kan vi söka då?": "då" is that date ("då" alone is
        # no conversation word, so it is looked for in the part as written)
        then = _asks_to_apply(q.toks) and not THEN.isdisjoint(q.part.toks)
        if not dates and q.frame.context_dates and (DATE_CHECK.intersection(toks) or then) \
                and not self._topics(q):    # "… tar ni emot ansökningar efter sista dagen?"
            dates = q.frame.context_dates[-1:]
        deadline = self.knowledge.call.deadline
        if dates and CLOCK_WORDS.intersection(toks) and any(
                (day, month) == (deadline.day, deadline.month) for day, month, _ in dates):
            # "15/3 kl 23 funkar?", "stänger det kl 23.59 den 15 mars?": the time of day on the
            # last day, which the announcement does not give
            return SCORE["date"], self.answer_entry("deadline_time", now, q.lang, SCORE["date"])
        if not dates or (OTHER_DATES.intersection(toks) and not DEADLINE_EQUALITY.intersection(toks)):
            return None             # "SKR-dagen 29/1" is no deadline, "på SKR sa de att
            #                          deadline är …" is
        if (q.part.dates and not _asks_to_apply(q.toks) and not DEADLINE_EQUALITY.intersection(toks)
                and self._topics(q)):
            return None             # "finns det en matchmaking-träff för att hitta en partner
            #                          innan 15 mars?" asks about finding a partner
        bare = not q.rest or all(w.isdigit() or w in MONTHS for w in q.rest)   # "20 mars då?"
        on_us = any(q.toks[i:i + 2] == ["pa", "oss"] for i in range(len(q.toks) - 1))
        if not bare and not on_us and not _asks_to_apply(q.toks) and not (
                DATE_CHECK | DEADLINE_EQUALITY | OPEN_WORDS | DATE_SUBJECTS).intersection(toks):
            return None             # "kan vi få 2 maj ledigt?" is no question about the deadline
        if q.part.form not in ("yesno", "open"):
            return None             # "vilken tid stänger den 15 mars?" asks something else
        call = self.knowledge.call
        day, month, year = dates[0]
        if year is None:
            year = call.deadline.year if now.astimezone(call.tz).year <= call.deadline.year else now.year
        whole_month = day == 0
        whole_deadline_month = whole_month and (year, month) == (call.deadline.year, call.deadline.month)
        if day == 0:                    # a whole month: "kan vi söka i april i stället?"
            day = 1 if (year, month) > (call.deadline.year, call.deadline.month) else _month_end(month)
        try:
            asked = date(year, month, day)
        except ValueError:
            return None
        lang = q.lang
        values = {"day": format_day_month(asked, lang), "deadline": format_day(call.deadline, lang),
                  "countdown": self.countdown(now, lang), "url": call.url}
        claims_deadline = DEADLINE_EQUALITY.intersection(toks) or on_us   # "har vi på oss till …"
        if claims_deadline and not DATE_CHECK.intersection(toks):
            on_deadline = asked == call.deadline or whole_deadline_month   # "stänger den i mars?"
            key = "date.is_deadline" if on_deadline else "date.not_deadline"
            if on_deadline:
                values["day"] = format_day(call.deadline, lang)
            elif whole_month:                    # "är deadline i april?"
                key, values["day"] = "date.not_deadline.month", format_month(asked, lang)
        else:
            if not call.is_open(now):
                key = "date.closed"
            elif whole_deadline_month:
                key = "date.deadline_month"      # "kan vi söka i mars?": yes, up to the 15th
            elif asked == call.deadline:
                key = "date.last_day"
                values["day"] = format_day(asked, lang)
            elif asked < call.deadline:
                key = "date.in_time"
            else:
                key = "date.too_late"
            if CLOSED_WORDS.intersection(toks):
                key += ".late"                   # "är det för sent då?": the verdict turns
        return SCORE["date"], Answer(t(lang, key, **values).strip(), "deadline", 1.0,
                                     sources=call.source,
                                     related=self._related_ids(("reminders", "how_to_apply"), lang),
                                     lang=lang)

    def _core_area_reader(self, q: _Question, now: datetime) -> Candidate | None:
        """Yes/no about one core area, how many, what one means, which one fits a project."""
        cue = q.starts_with(CORE_CUES) or ("core" in q.toks and q.starts_with(("area",)))
        # "kärnomården", "kärnområe" (folded "karnomra") are typos of the cue too
        misspelt = set() if cue else {
            w for w in q.toks if len(w) >= 8 and w.startswith("ka")
            and process.extractOne(w, CORE_SPELLINGS, scorer=OSA.distance, score_cutoff=2)}
        cue = cue or bool(misspelt)
        if not cue and not q.core:                    # "kärnomården" is a typo of the cue too
            return None
        form, lang = q.part.form, q.lang
        if (form == "count" and cue and CORE_CHOICE.intersection(q.toks) - {"alla", "all"}
                and not {"mellan", "bland", "among", "from"}.intersection(q.toks)):
            # "hur många kärnområden måste vi välja?" asks how many to choose
            return SCORE["core"], self.answer_entry("core_areas_choice", now, lang, SCORE["core"])
        if form == "count" and cue:
            return SCORE["core"], self._core_answer("core.count", lang)
        # "är de fyra till antalet?", "finns det fem?" — not "ett av de fyra kärnområdena"
        claimed = next((NUMBERS[w] for i, w in enumerate(q.toks)
                        if w in NUMBERS and (i == 0 or q.toks[i - 1] not in ("de", "the", "all", "alla"))),
                       None)
        if (cue and form == "yesno" and claimed is not None and not q.core
                and not CORE_CHOICE.intersection(q.toks)):
            # "Är det riktigt att kärnområdena är fyra till antalet?"
            right = claimed == len(self.knowledge.core_areas)
            return SCORE["core"], self._core_answer("core.count.yes" if right else "core.count.no", lang)
        # "inkludering räknas väl som kärnområde?" names the area: a yes/no, not a project's fit
        if form == "open" and cue and q.core and FIT_VERBS.intersection(q.toks):
            form = "yesno"
        if form == "fit" or (cue and FIT_VERBS.intersection(q.toks) and form != "yesno" and not q.core):
            return SCORE["core"], self._core_fit(q)
        # "vilket kärnområde är det?" after a project is its fit; "vilka kärnområden gäller?"
        # after a story about another programme is the list
        singular = not PLURAL_WHICH.intersection(q.toks)
        if cue and form == "which" and singular and q.frame.context \
                and self.core_work.find(list(q.frame.context)):
            return SCORE["core"], self._core_fit(q)    # a project described, "vilket område är det?"
        if cue and not q.core and form in ("yesno", "open") and CORE_CHOICE.intersection(q.toks):
            # "nån sa att man bara får välja ett kärnområde?", "räcker det med ett?"
            return SCORE["core"], self.answer_entry("core_areas_choice", now, lang, SCORE["core"])
        ordinal = next((ORDINALS[w] for w in q.toks if w in ORDINALS), None)
        if cue and ordinal is not None and not q.core and form in ("meaning", "open", "which"):
            areas = self.knowledge.core_areas        # "vad betyder det tredje?"
            q.core = [areas[ordinal - 1] if 0 < ordinal <= len(areas) else areas[-1]]
            form = "meaning"
        if form == "meaning" and q.core:
            area = q.core[0]
            return SCORE["core"], self._core_answer(
                "core.meaning", lang, [area], area=self._area_name(area, lang),
                explanation=localized(area, "explanation", lang))
        if form == "yesno":
            if q.core and (cue or len(q.rest) <= 3):
                return SCORE["core"], self._core_answer(
                    "core.yes", lang, q.core[:1], area=self._area_name(q.core[0], lang).lower())
            item = [w for w in q.rest if w not in CORE_FILLER and not w.startswith(CORE_CUES)
                    and w not in YES_NO_VERBS and w not in misspelt]
            if cue and item and not CORE_CHOICE.intersection(q.toks):
                # "Nej, klimat är inte ett av …": what was asked, said back when short
                said = as_written(item, q.frame.text) if len(item) <= 2 else None
                answer = (self._core_answer("core.no.item", lang, item=said) if said
                          else self._core_answer("core.no", lang))
                near = self.core_work.find(item)
                if near:             # "jämställdhet": no area by name, but work that fits one
                    fits = self._area_name(near[0].value, lang)
                    answer = replace(answer, text=f"{answer.text}\n\n" + t(
                        lang, "core.no.near", item=said or t(lang, "it"), area=fits))
                return SCORE["core"], answer
            return None
        if cue:
            return SCORE["core_list"], self.answer_entry("core_areas", now, lang, SCORE["core_list"])
        if q.core and len(q.rest) <= 2:
            area = q.core[0]
            return SCORE["core_list"], self._core_answer(
                "core.meaning", lang, [area], area=self._area_name(area, lang),
                explanation=localized(area, "explanation", lang))
        return None

    def _count_reader(self, q: _Question, now: datetime) -> Candidate | None:
        """ "Hur många länder …?" gets the number first."""
        if q.part.form not in ("count", "yesno") or (q.groups and not q.regions):
            return None                  # "hur många i Östafrika?" is the group reader's
        if q.part.form == "yesno" and not self._claims_a_number(q):
            return None
        lang = q.lang
        if not (q.regions or q.empty or q.mentions) and PLACE_BACK.intersection(q.toks):
            context = self._context(q)       # "Vi kan Asien bäst. Hur många av länderna ligger där?"
            if context is not None and (context.regions or context.empty) and not context.mentions:
                q.regions, q.empty = context.regions, context.empty
        if q.empty:
            return SCORE["count"], self._empty_region_answer(q.empty[0], lang)
        if q.regions and OUTSIDE.intersection(q.toks):         # "hur många ligger utanför Afrika?"
            inside = {c.iso for r in q.regions for c in r.countries}
            rest = [c for c in self.knowledge.partners if c.iso not in inside]
            text = t(lang, "count.outside", count=len(rest), region=join_names(
                [_label(r, lang) for r in dict.fromkeys(q.regions)], lang), countries=_names(rest, lang))
            return SCORE["count"], Answer(text, "region", 1.0, lang=lang,
                                          sources=self.knowledge.sources.get("countries", ()))
        if q.regions:
            regions = list(dict.fromkeys(q.regions))
            lines = [t(lang, "count.region", region=_label(r, lang), count=len(r.countries),
                       countries=_names(r.countries, lang)) for r in regions]
            if len(regions) > 1:
                lines.append(t(lang, "count.total", count=sum(len(r.countries) for r in regions)))
            return SCORE["count"], Answer(" ".join(lines), "region", 1.0, lang=lang,
                                          sources=self.knowledge.sources.get("countries", ()),
                                          related=self._related_ids(("countries", "deadline"), lang))
        if q.starts_with(COUNTRY_WORDS) and (
                q.part.form == "count" and _counts_countries(q.toks) or self._claims_a_number(q)):
            text = t(lang, "count.countries", count=len(self.knowledge.partners),
                     country_list=self.country_list(lang))
            return SCORE["count"], Answer(text, "countries", 1.0, lang=lang,
                                          sources=self.knowledge.sources.get("countries", ()),
                                          related=self._related_ids(("who_can_apply", "deadline"), lang))
        if q.starts_with(KIND_WORDS) and _asks_to_apply(q.toks):
            eligible = [k for k in self.knowledge.applicants if k.eligible]
            count = number_word(len(eligible), lang)
            text = t(lang, "count.applicants", count=count[:1].upper() + count[1:],
                     eligible=self._eligible_names(lang))
            return SCORE["count"], Answer(text, "who_can_apply", 1.0, lang=lang,
                                          sources=self.knowledge.sources.get("applicants", ()),
                                          related=self._related_ids(("countries", "deadline"), lang))
        return None

    @staticmethod
    def _claims_a_number(q: _Question) -> bool:
        """ "Är det fler än 20 samarbetsländer?", "finns det 20 länder?": a count to check
        ("kan vi söka med 2 länder?" is no such claim)."""
        number = any(w.isdigit() or w in NUMBER_WORDS for w in q.toks)
        claim = bool(COMPARISONS.intersection(q.toks)) or tuple(q.toks[:2]) in (
            ("ar", "det"), ("finns", "det"), ("are", "there"), ("is", "it"))
        return number and claim and q.starts_with(COUNTRY_WORDS)

    def _country_list_reader(self, q: _Question, now: datetime) -> Candidate | None:
        """ "Kan du ge mig hela listan över samarbetsländer?" — the list, whatever the filler."""
        if (q.mentions or q.regions or q.empty or q.kinds or not q.starts_with(COUNTRY_WORDS)
                or not LIST_WORDS.intersection(q.toks)):
            return None
        return SCORE["country_list"], self.answer_entry("countries", now, q.lang, SCORE["country_list"])

    def _project_fit_reader(self, q: _Question, now: datetime) -> Candidate | None:
        """A project described, then "Passar det?": the theme's rule and the nearest core area."""
        if (q.part.form != "yesno" or q.mentions or q.kinds or q.core
                or not (FIT_VERBS | PROJECT_FIT).intersection(q.toks)
                or not REFERS_BACK.intersection(q.toks)):
            return None
        if not self.core_work.find(list(q.frame.toks)):
            return None
        answer = self._core_fit(q)
        lead = t(q.lang, "core.fit.lead")
        return SCORE["core"], replace(answer, text=f"{lead} {answer.text}")

    def _fits_what_was_said(self, q: _Question) -> bool:
        """A yes/no whether the partnership fits what the sentence before described, with no
        subject of its own: only then does that sentence's topic answer."""
        if q.part.form != "yesno" or not q.frame.last_context or REFERS_BACK.isdisjoint(q.toks):
            return False
        fits = any(_contains(q.toks, p) for p in FITS_INTO) or (
            bool(FIT_VERBS.intersection(q.toks)) and not {"in", "into"}.isdisjoint(q.toks))
        return (fits
                and not (q.mentions or q.kinds or q.core) and self._unknown_own_words(q) <= 1
                # "… vänort i Iasi i Rumänien … Räknas de in i programmet?" is about the places
                and not self.countries.find(list(q.frame.context), fuzzy=False))

    def _theme_reader(self, q: _Question, now: datetime) -> Candidate | None:
        """ "Får partnerskapet handla om avfallshantering?", "Om vi väljer äldreomsorg som tema,
        ligger det inom ramen?": a municipal or regional task is within the area of
        responsibility the announcement allows. The task list is general knowledge, said so."""
        if q.part.form != "yesno" or q.mentions or q.core or not self.knowledge.remit:
            return None
        toks = list(q.toks)
        if not (THEME_WORDS.intersection(toks) or (not _THEME_FIRST.isdisjoint(toks) and any(
                _contains(toks, p) for p in THEME_PHRASES))):
            return None
        hits = self.remit.find(toks)
        if not hits and REFERS_BACK.intersection(toks) and q.frame.context:
            hits = self.remit.find(list(q.frame.context))      # "… äldreomsorg som tema. Går det?"
        if not hits:
            return None
        task, lang = hits[0].value, q.lang
        text = t(lang, "theme.remit", task=localized(task, "name", lang),
                 whose=t(lang, f"remit.whose.{task.who}"), who=t(lang, f"remit.who.{task.who}"))
        theme = self.knowledge.faq_by_id.get("theme")
        return SCORE["core"], Answer(text, "theme", 1.0, lang=lang,
                                     related=self._related_ids(("core_areas", "purpose"), lang),
                                     sources=theme.source[:1] if theme else ())

    def _topic_reader(self, q: _Question, now: datetime) -> Candidate | None:
        """A curated topic word ("medfinansiering", "resor") names what the question is about."""
        hits = self._topics(q)
        if not hits and self._fits_what_was_said(q):
            # "Vi har en Agenda 2030-strategi. Passar partnerskapet in i det arbetet?", "… kan
            # det vara en del av det arbetet?": the sentence before names the topic
            hits = self.topics.find(list(q.frame.last_context)) or self.topics.find(list(q.frame.context))
        if not hits:
            return None
        return SCORE["topic"], self.answer_entry(hits[0].value.id, now, q.lang, SCORE["topic"])

    def _country_reader(self, q: _Question, now: datetime) -> Candidate | None:
        mentions = q.mentions
        # only looked at without a country of its own; _other_subject searches two indexes
        refers_back = not mentions and (bool(COUNTRY_BACK.intersection(q.toks)) or (
            # "… handelsavtal med Kenya. Går det som tema?" asks about the theme, not Kenya
            bool(REFERS_BACK.intersection(q.toks)) and not self._other_subject(q.frame.last_context)
            and not self._other_subject(q.toks))
            # "e hä me i programmet?": no pointer a reader knows, no word of its own either
            or (q.part.form == "yesno" and bool(q.frame.context)
                and not (REFERS_BACK | CLAIM_CHECKS).intersection(q.toks)
                and not _beyond_partnering(q.rest)))
        applicants = [k for k in q.kinds if not self._partner_role(k, q)]
        pointed = bool(COUNTRY_BACK.intersection(q.toks)) and len(q.toks) <= 6 and q.part.form == "open"
        if not mentions and not applicants and (
                # "… ett EU-projekt med Italien … Finns det krav på att förtroendevalda ska delta
                # aktivt?" asks something of its own, not about the country before
                (q.part.form == "yesno" or pointed) and (refers_back or _asks_to_apply(q.toks))
                and (refers_back or self._unknown_own_words(q) < 2)
                or q.part.form == "which" and refers_back and (q.starts_with(COUNTRY_WORDS) or (all(
                    w in ECHO_WORDS or w in YES_NO_VERBS or w in REFERS_BACK or w in COUNTRY_BACK
                    for w in q.rest) and not self._other_subject(q.frame.last_context)))):
            # "Vad ska jag svara dem?" after a sentence about a town abroad
            context = self._context(q)           # "…en vänort i Tanzania. Går det?"
            # who may apply, when the context names an organisation, is the applicant reader's
            by_kind = (_asks_to_apply(q.toks) and context is not None and bool(context.kinds)
                       and not q.starts_with(COUNTRY_WORDS)
                       and not (PLACE_BACK | BOTH).intersection(q.toks))
            if context and not by_kind:
                # "Vilka av de länderna går?" asks about all of them; "går det?" about the one
                # named last in the sentence before it ("… Montenegro också borde vara det?")
                # "… med båda?" asks about every place named before
                every = q.part.form == "which" or bool(BOTH.intersection(q.toks))
                mentions = context.mentions if every else self._last_named(q, context)
                if CLAIM_CHECKS.intersection(q.toks) and not every:
                    # "… säger att Armenien är med eftersom Georgien är det. Stämmer det?": the
                    # claim is about every place but the reason's
                    claimed = [m for m in context.mentions if not BECAUSE.intersection(
                        context.toks[max(0, m.start - 3):m.start])]
                    mentions = claimed or mentions
        if not mentions:
            return None
        # "Kan vi samarbeta med Kenya?" has no word of its own for the FAQ to match, so the
        # retrieval is skipped for it (the same answers to all 3,396 labelled questions; ~+2–3 %
        # answers/s, best of 15 passes)
        own = bool(q.kinds) or _beyond_partnering(q.rest)
        top = q.top if own else None
        if q.mentions and top and top.score >= ANSWER_THRESHOLD and self._covers(top.entry, mentions):
            return SCORE["country"], self._faq_answer(top, q.hits, q.lang, now)   # the Ale example
        if q.mentions and not self._about_partnering(q):
            if top and top.score >= ANSWER_THRESHOLD:
                return None          # "who do I contact about Serbia?" is the FAQ's to answer
            return SCORE["country"], self._country_aside(q.mentions, q.lang)
        answer = self._country_answer(mentions, q.lang, now)
        # "huvudstad i Kenya?"; a month name is the date's, which the date reader answers
        # "huvudstad i Kenya?" asks what the call does not say; "samarbeta med en provins på
        # Java?" only says where the partner is
        partnering = _asks_to_apply(q.toks) or q.starts_with(PARTNERING)
        if any(self.faq.is_unknown(w) for w in q.rest if w not in MONTHS and w not in YES_NO_VERBS
               and not (partnering and w.startswith(PLACE_WORDS))):
            text = f"{answer.text}\n\n{t(q.lang, 'partial_unknown', url=self.knowledge.call.url)}"
            answer = replace(answer, text=text, confidence=0.5)
        return SCORE["country"], answer

    def _about_partnering(self, q: _Question) -> bool:
        """Whether a question naming a country asks whether one can partner with it. "Hur
        många invånare har Namibia?", "vilken valuta har Tanzania?" and "do we need a signed
        letter of intent from our partner in Uganda?" name one but ask something the
        announcement does not say; a "Ja!" to them would answer a question nobody asked."""
        if q.part.form == "count":
            return False
        # "Does our partner in Ukraine need to sign …?", "Måste vi ha träffat vår partner i
        # Georgien innan vi söker?" ask what is required, not whether the country is one
        needs = q.part.form == "yesno" and (NEED_WORDS.intersection(q.toks[:4]) or (
            NEED_WORDS.intersection(q.toks) and len(q.rest) > 3)) and len(q.rest) > 2
        if needs:
            return False
        if _asks_to_apply(q.toks):
            return True
        if q.part.form == "yesno":     # "Kan Ghana bli partnerland?" has one word of its own
            return self._unknown_own_words(q) < 2
        own = [w for w in q.rest if not w.startswith(COUNTRY_WORDS) and not w.startswith(PARTNERING)
               and w not in ECHO_WORDS and w not in YES_NO_VERBS]
        return q.toks[0] not in QUESTION_WORDS or not own   # "Ghana?", "vi funderar på Moldavien"

    def _unknown_own_words(self, q: _Question) -> int:
        """Words of a question that the FAQ has never seen and that do not say where or with
        whom: "signed letter of intent", "förtroendevald … styrgruppen". Two or more mean the
        question asks about something the announcement does not cover."""
        return sum(1 for w in q.rest if self.faq.is_unknown(w) and not w.startswith(
            (*COUNTRY_WORDS, *PARTNERING, *PLACE_WORDS)) and w not in ECHO_WORDS
            and w not in YES_NO_VERBS and w not in POINTERS)

    def _country_aside(self, mentions: list[Mention], lang: str) -> Answer:
        """The honest answer to a question about something else, and what is known of the
        countries it names."""
        count = len(self.knowledge.partners)
        lines = [t(lang, "country.aside", url=self.knowledge.call.url)]
        for partner in (True, False):
            names = [m.country.display(lang) for m in mentions if bool(m.country.partner) == partner]
            if names:
                key = "country.aside.partners" if partner else "country.aside.others"
                lines.append(t(lang, key, countries=join_names(names, lang), count=count))
        return Answer(" ".join(lines), "country", 0.5, lang=lang, honest=True,
                      sources=self.knowledge.sources.get("countries", ()),
                      related=self._related_ids(("countries", "who_can_apply"), lang),
                      countries=tuple(m.country.iso for m in mentions))

    def _misspelt_place_reader(self, q: _Question, now: datetime) -> Candidate | None:
        """ "kan vi söka med Harrare?": a word after "med"/"i" that is no known name but near
        one gets "Menade du Harare (Zimbabwe)?" and that country's verdict."""
        if q.mentions or q.kinds or q.part.form not in ("yesno", "open"):
            return None
        short = len(q.toks) <= 3                        # "funkar vitrysland?", "och Harrare?"
        for before, tok in pairwise(("", *q.toks)):
            if (before in PLACE_LINKS or short) and self.faq.is_unknown(tok) \
                    and not _written_swedish(tok, q.frame.text):
                found = self.countries.suggest(tok, short)
                if found is not None:
                    name, country = found
                    label = self.countries.spellings.get(name, name.title())
                    verdict = self._country_answer([Mention(country, 0, 0)], q.lang, now)
                    text = f"{t(q.lang, 'country.did_you_mean', name=label)} {verdict.text}"
                    return SCORE["misspelt_place"], replace(verdict, text=text, confidence=0.6)
        return None

    def _last_named(self, q: _Question, context: _Question) -> list[Mention]:
        last = self._parse(Part(q.frame.last_context, "open"), q.frame, q.lang) \
            if q.frame.last_context else None
        source = last if last is not None and last.mentions else context
        # "…en vänort i Iasi i Rumänien, nära gränsen mot Moldavien. Räknas de in?": a country
        # named only to say where something lies is not the one asked about.
        pool = [m for m in source.mentions
                if not any(w in NEAR_WORDS for w in source.toks[max(0, m.start - 2):m.start])]
        pool = pool or source.mentions
        return [max(pool, key=lambda m: m.start)] if pool else []

    def _applicant_reader(self, q: _Question, now: datetime) -> Candidate | None:
        """ "Kan en region söka?", "stiftelse?" — but "kenyansk kommun?" is about the country,
        and "hur många kommuner har sökt?" is no question of who may."""
        if q.part.form == "count":
            return None
        if self._joint_application(q):
            return SCORE["applicant_asked"], self.answer_entry("joint_application", now, q.lang)
        # "Kan vi?", "Can we?": the verb of the sentence before is meant
        elliptic = q.part.form == "yesno" and all(w in YES_NO_VERBS or w in WE_WORDS for w in q.toks)
        borrow = _asks_to_apply(q.toks) or elliptic or (
            q.part.form == "yesno" and REFERS_BACK.intersection(q.toks))
        if not q.kinds and borrow and q.part.form in ("yesno", "open"):
            context = self._context(q)           # "Vi är en dansk kommun, får vi söka?"
            # "Vi är ett kommunalt energibolag. Kan vi söka med Zambia?": who "vi" are is asked
            # too, beside the country (the arbiter joins the two)
            by_us = not q.mentions or WE_WORDS.intersection(q.toks)
            # "… vill söka ihop med en kommun utanför Chisinau": that kommun is the partner
            kinds = self._applicants_in(context) if context else []
            if context and kinds and by_us and self._unknown_own_words(q) < 2 and (
                    _asks_to_apply(q.toks) or _asks_to_apply(context.toks)):
                foreign = any(self._foreign(k, context.mentions, context.toks) for k in kinds)
                # "… ett nätverk med Gdańsk och Klaipėda … Kan vi söka med Gdańsk?": the partner
                # the question names is the one asked about, not every place in the story
                partners = q.mentions if q.mentions and not foreign else context.mentions
                return SCORE["applicant_asked" if foreign else "applicant"], self._applicant_answer(
                    context.toks, kinds, partners, q.lang, now)
        if not q.kinds and _asks_to_apply(q.toks) and any(
                _contains(q.toks, phrase) for phrase in ANYONE):
            # "är det inte så att vilken organisation som helst kan söka?": no, not anyone
            return SCORE["applicant_asked"], self._anyone_answer(q.lang)
        if (not q.kinds and _asks_to_apply(q.toks) and q.toks[0] in {"vem", "vilka", "who"}
                and len(q.rest) <= 1 and not q.mentions):                  # "Vilka kan söka?"
            return SCORE["applicant"], self.answer_entry("who_can_apply", now, q.lang)
        kinds = self._applicants_in(q)
        if not kinds:
            return None
        if not q.mentions and _asks_to_apply(q.toks):
            context = self._context(q)   # "I work for the council in Jinja, Uganda. Can our council apply?"
            if context and any(self._foreign(k, context.mentions, context.toks) for k in context.kinds):
                return SCORE["applicant_asked"], self._applicant_answer(
                    context.toks, context.kinds, context.mentions, q.lang, now)
        # "stiftelse?", "regioner också?": a kind and nothing else asked
        bare = not (any(w not in ECHO_WORDS and w not in ALSO for w in q.rest) or q.mentions) \
            and q.part.form not in ("which", "when", "count")
        if q.part.form in ("open", "which") and WHAT_WORDS.intersection(q.toks) and not bare:
            return None      # "vad vinner en svensk kommun på att delta?" asks what, not whether
        if NEED_WORDS.intersection(q.toks) and self._unknown_own_words(q) >= 2:
            return None      # "behöver vi en underskriven avsiktsförklaring innan vi söker?"
        if _asks_to_apply(q.toks) or bare:
            score = SCORE["applicant_asked" if q.kinds and _asks_to_apply(q.toks) else "applicant"]
            return score, self._applicant_answer(q.toks, kinds, q.mentions, q.lang, now)
        return None

    def _eligible_names(self, lang: str) -> str:
        """ "kommuner, regioner och regionala kommunalförbund", as the knowledge lists them."""
        return join_names([localized(k, "name", lang)
                           for k in self.knowledge.applicants if k.eligible], lang)

    def _anyone_answer(self, lang: str) -> Answer:
        return Answer(t(lang, "applicant.not_anyone", eligible=self._eligible_names(lang)),
                      "applicant", 1.0,
                      related=self._related_ids(("who_can_apply", "countries"), lang), lang=lang,
                      sources=self.knowledge.sources.get("applicants", ()))

    def _joint_application(self, q: _Question) -> bool:
        """ "Får två kommuner söka tillsammans?", "kan en region och en kommun söka i samma
        ansökan?": several Swedish applicants in one application, which the announcement does
        not cover ("söka tillsammans med en kommun i Kenya" is the partnership itself)."""
        if q.mentions:
            return False
        kinds = [k for k in self._applicants_in(q) if k.value.eligible]
        # "måste vi i så fall ha med en region?": another Swedish applicant required
        if kinds and NEED_WORDS.intersection(q.toks) and any(
                _contains(q.toks, phrase) for phrase in INCLUDE_PHRASES):
            return True
        if JOINT_WORDS.isdisjoint(q.toks):
            return False
        several = any(k.start > 0 and q.toks[k.start - 1] in SEVERAL for k in kinds)
        return several or len({k.value.id for k in kinds}) >= 2

    def _group_reader(self, q: _Question, now: datetime) -> Candidate | None:
        """ "Vilka balkanländer finns med?", "hur många i Östafrika?": the partners in it."""
        if not q.groups or q.mentions or q.regions:
            return None       # "på Balkan och i Östeuropa": the continent's answer holds both
        lang, lines = q.lang, []
        for group in q.groups[:3]:
            key = "count.group" if q.part.form == "count" else "group.members"
            line = t(lang, key, where=localized(group, "where", lang), count=len(group.countries),
                     countries=_names(group.countries, lang))
            lines.append(f"{line[:1].upper()}{line[1:]} {localized(group, 'note', lang)}".strip())
        lines.append(t(lang, "region.all", count=len(self.knowledge.partners)))
        return SCORE["count" if q.part.form == "count" else "region"], Answer(
            " ".join(lines), "region", 1.0, lang=lang,
            related=self._related_ids(("countries", "who_can_apply"), lang),
            sources=self.knowledge.sources.get("countries", ()),
            countries=tuple(c.iso for g in q.groups for c in g.countries))

    def _empty_region_reader(self, q: _Question, now: datetime) -> Candidate | None:
        if not q.empty or q.mentions:
            return None
        return SCORE["empty_region"], self._empty_region_answer(q.empty[0], q.lang)

    def _region_reader(self, q: _Question, now: datetime) -> Candidate | None:
        if not q.regions:
            return None
        top = q.top
        if top and top.score >= 0.8 and top.entry.id != "countries":
            return None
        return SCORE["region"], self._region_answer(q.regions, q.lang, now)

    def _deadline_reader(self, q: _Question, now: datetime) -> Candidate | None:
        toks = q.toks
        cue = any(w in DEADLINE_CUES or w.startswith(DEADLINE_PREFIXES) or w.endswith("datum")
                  for w in toks) or (not _PHRASE_STARTS.isdisjoint(toks) and any(
                      _contains(toks, phrase) for phrase in (*ANY_TIME, *TIME_LEFT)))
        # "kollegan påstår att ansökan redan har stängt??" claims as much as "har den stängt?"
        # "är det för sent att börja nu?" (not "tar de emot ansökningar som kommer in för sent?")
        too_late = tuple(toks[:2]) in (("ar", "det"), ("is", "it"), ("blir", "det")) and (
            _contains(toks, ("for", "sent")) or _contains(toks, ("too", "late")))
        missed_something = OPEN_WORDS.intersection(toks) <= MISSED_WORDS and not SOMETHING.isdisjoint(toks)
        if q.part.form in ("yesno", "open") and OPEN_WORDS.intersection(toks) and not missed_something and (
                cue or too_late or _asks_to_apply(toks)
                or {"utlysningen", "ansokan", "ansokningen", "call", "ansokningsomgangen",
                    "application"}.intersection(toks)):
            return SCORE["deadline"], self._open_answer(q, now)
        if not cue and not (q.part.form == "when" and _asks_to_apply(toks) and not q.rest):
            return None                   # ("by when can we apply?" has no word but the form)
        top = q.top
        if top and top.entry.id != "deadline" and top.score >= 0.8:
            return None          # a cue word inside another clear question ("deadline för rapporten")
        if self._deadline_as_time(toks) and self._unknown_own_words(q) >= 2 and not _asks_to_apply(toks):
            return None          # "finns det ett informationsmöte eller webbinarium innan deadline?"
        return SCORE["deadline"], self.answer_entry("deadline", now, q.lang,
                                                    confidence=max(0.9, top.score if top else 0))

    @staticmethod
    def _deadline_as_time(toks: Sequence[str]) -> bool:
        """ "innan deadline", "before the deadline": the deadline names a time, not the topic."""
        words = [w for w in toks if w not in ("the", "sista")]
        return any(w in TIME_PREPOSITIONS and any(
            b in DEADLINE_CUES or b.startswith(DEADLINE_PREFIXES) for b in words[i + 1:i + 3])
            for i, w in enumerate(words))          # "innan deadline", "innan ansökan stänger"

    def answer_entry(self, entry_id: str, now: datetime, lang: str = "sv",
                     confidence: float = 1.0) -> Answer:
        """The answer of one FAQ entry, e.g. for a command or a pressed button."""
        entry = self.knowledge.faq_by_id.get(entry_id)
        if entry is None:
            return self.unknown(lang)
        return self._finish(Answer(self.render(entry, lang, now), entry.id, confidence,
                                   related=self._related(entry, lang), lang=lang,
                                   honest=entry.honest, sources=entry.source), now)

    def _finish(self, answer: Answer, now: datetime) -> Answer:
        """After the deadline, an answer about applying says first that the call has closed;
        one about the deadline itself is only that ("tar emot ansökningar fram till …" and
        "stängde" in one answer contradicted each other)."""
        call, lang = self.knowledge.call, answer.lang
        if call.is_open(now) or answer.match not in ABOUT_APPLYING:
            return answer
        deadline = format_day(call.deadline, lang)
        sources = tuple(dict.fromkeys((*call.source, *answer.sources)))
        if answer.match in ("deadline", "is_open"):
            if answer.text.startswith(("Nej", "No", "Ja, tyvärr", "Yes, unfortunately")):
                return answer                                  # already the closed verdict
            return replace(answer, text=t(lang, "closed.deadline", deadline=deadline, url=call.url),
                           sources=call.source)
        return replace(answer, text=f"{t(lang, 'closed.lead', deadline=deadline)}\n\n{answer.text}",
                       sources=sources)

    def _topic_words(self, previous: Answer) -> tuple[str, ...]:
        """What a follow-up's "det" points at, as words the readers know."""
        match = previous.match or ""
        if match.startswith("core_areas"):
            return ("karnomradena",)
        if match in ("country", "countries", "region"):
            return ("samarbetslanderna",)
        if match in ("deadline", "is_open"):
            return ("sista", "ansokningsdag")
        if match in ("applicant", "who_can_apply"):
            return ("vem", "kan", "soka")
        entry = self.knowledge.faq_by_id.get(match)
        return tuple(tokens(entry.title)) if entry else ()

    def sources_for(self, topic: str) -> tuple[str, ...]:
        """The announcement's sentences behind an answer on ``topic`` (a FAQ id or an intent),
        for a Källa button pressed after the answer itself is forgotten."""
        entry = self.knowledge.faq_by_id.get(topic)
        if entry is not None:
            return entry.source
        sources = self.knowledge.sources
        if topic in ("country", "region"):
            return sources.get("countries", ())
        if topic == "applicant":
            return sources.get("applicants", ())
        if topic == "core_areas":
            return (*sources.get("core_areas", ()), *(q for a in self.knowledge.core_areas
                                                       for q in a.source))
        return ()

    def unknown(self, lang: str = "sv") -> Answer:
        return Answer(t(lang, "unknown", url=self.knowledge.call.url), None, 0.0, lang=lang)

    def countdown(self, now: datetime, lang: str = "sv") -> str:
        """Where we are relative to the deadline, in Europe/Stockholm days."""
        call = self.knowledge.call
        deadline = format_day(call.deadline, lang)
        if not call.is_open(now):
            return t(lang, "countdown.closed", deadline=deadline, url=call.url)
        days = (call.deadline - now.astimezone(call.tz).date()).days
        if days == 0:
            return t(lang, "countdown.today")
        if days == 1:
            return t(lang, "countdown.one")
        text = t(lang, "countdown.days", days=days)
        if days >= 14:                  # "hur många veckor är det kvar?" is asked as often
            weeks, rest = divmod(days, 7)
            span = t(lang, "countdown.span.weeks", weeks=number_word(weeks, lang))
            if rest:
                key = "countdown.span.day" if rest == 1 else "countdown.span.days"
                span = t(lang, key, weeks=span, days=number_word(rest, lang))
            text = f"{text[:-1]} ({span})."
        return text

    def render(self, entry: FaqEntry, lang: str, now: datetime) -> str:
        """Fill an entry's placeholders with facts from the knowledge and the clock."""
        call = self.knowledge.call
        template = localized(entry, "answer", lang)
        if entry.answered_by:    # a person's answer, as written (no placeholders), says whose
            return f"{template.strip()}\n\n{t(lang, 'answered_by', source=entry.answered_by)}"
        return template.format(
            deadline=format_day(call.deadline, lang), weekday=format_weekday(call.deadline, lang),
            countdown=self.countdown(now, lang),
            country_list=self.country_list(lang), country_count=len(self.knowledge.partners),
            url=call.url, organiser=localized(call, "organiser", lang)).strip()

    def country_list(self, lang: str) -> str:
        if lang not in self._country_lists:     # the same few lines in most answers: built once
            self._country_lists[lang] = "\n".join(
                f"• {_label(region, lang)}: {_names(region.countries, lang)}"
                for region in self.knowledge.regions)
        return self._country_lists[lang]

    # ---- composing answers ---------------------------------------------------------------
    def _open_answer(self, q: _Question, now: datetime) -> Answer:
        """ "Är utlysningen öppen?" -> the verdict first; "för sent?" turns the polarity."""
        call, lang = self.knowledge.call, q.lang
        is_open = call.is_open(now)
        # "är den fortfarande öppen eller har vi missat den?": the polarity asked first
        first_open = next((i for i, w in enumerate(q.toks) if w in STILL_OPEN), len(q.toks))
        first_closed = next((i for i, w in enumerate(q.toks) if w in CLOSED_WORDS), len(q.toks))
        if first_closed < first_open:
            key = "late.no" if is_open else "late.yes"
        else:
            key = "open.yes" if is_open else "open.no"
        text = t(lang, key, deadline=format_day(call.deadline, lang),
                 countdown=self.countdown(now, lang), url=call.url).strip()
        return Answer(text, "is_open", 1.0, related=self._related_ids(("deadline", "reminders"), lang),
                      sources=call.source,
                      lang=lang)

    def _area_name(self, area: CoreArea, lang: str) -> str:
        return localized(area, "name", lang)

    def _area_list(self, lang: str) -> str:
        return "\n".join(f"• {self._area_name(a, lang)}" for a in self.knowledge.core_areas)

    def _core_answer(self, key: str, lang: str, about: Sequence[CoreArea] | None = None,
                     **values: str) -> Answer:
        """A core-area answer; its sources are the announcement's introduction of the areas and
        the bullets of those it is ``about`` (all of them when None)."""
        count = number_word(len(self.knowledge.core_areas), lang)
        values.setdefault("areas", self._area_list(lang))
        text = t(lang, key, count=count, **values)
        areas = self.knowledge.core_areas if about is None else about
        sources = (*self.knowledge.sources.get("core_areas", ()), *(q for a in areas for q in a.source))
        return Answer(text[:1].upper() + text[1:], "core_areas", 1.0, lang=lang,
                      related=self._related_ids(("core_areas_choice", "theme"), lang),
                      sources=tuple(dict.fromkeys(sources)))

    def _core_fit(self, q: _Question) -> Answer:
        """Which core area a described project fits, from the curated kinds of work."""
        lang = q.lang
        words = list(q.frame.toks)       # the project may be described anywhere in the message
        scores: dict[str, float] = {}
        for hit in self.core_work.find(words):
            scores[hit.value.id] = scores.get(hit.value.id, 0) + hit.words
        for found in self.core_names.find(list(words)):
            scores[found.value.id] = scores.get(found.value.id, 0) + 2
        if not scores:
            return self._core_answer("core.fit.unknown", lang, url=self.knowledge.call.url)
        best = max(scores.values())
        areas = [a for a in self.knowledge.core_areas if scores.get(a.id) == best][:2]
        names = join_names([f"”{self._area_name(a, lang)}”" for a in areas], lang)
        explanation = t(lang, "core.fit.explain",
                        explanation=localized(areas[0], "explanation", lang))
        return self._core_answer("core.fit", lang, areas, areas=names, explanation=explanation)

    def _empty_region_answer(self, region: EmptyRegion, lang: str) -> Answer:
        note = localized(region, "note", lang)
        text = t(lang, "empty_region", count=len(self.knowledge.partners),
                 region=localized(region, "name", lang),
                 note=f" {note}" if note else "", country_list=self.country_list(lang))
        return Answer(text, "region", 1.0, lang=lang,
                      related=self._related_ids(("countries", "who_can_apply"), lang),
                      sources=self.knowledge.sources.get("countries", ()))

    def _country_answer(self, mentions: list[Mention], lang: str, now: datetime) -> Answer:
        count = len(self.knowledge.partners)
        lines = []
        for m in mentions[:6]:
            c = m.country
            name = c.display(lang)
            region = t(lang, f"region.{c.continent}")
            if c.partner:
                key = "country.yes" if len(mentions) == 1 else "country.yes.short"
                lines.append(t(lang, key, country=name, count=count, region=region))
                continue
            key = "country.no" if len(mentions) == 1 else "country.no.short"
            line = t(lang, key, country=name, count=count)
            nearby = self.countries.partners_in(c.continent)
            extra = (t(lang, "country.nearby", region=region, countries=_names(nearby, lang))
                     if nearby else t(lang, "country.none_nearby"))
            lines.append(f"{line} {extra}")
        text = "\n".join(lines)
        related = self._related_ids(("countries", "who_can_apply", "deadline"), lang)
        return Answer(text, "country", 1.0, related=related, lang=lang,
                      sources=self.knowledge.sources.get("countries", ()),
                      countries=tuple(m.country.iso for m in mentions))

    def _applicant_answer(self, toks: list[str], kinds: list[Found[ApplicantKind]],
                          mentions: list[Mention], lang: str, now: datetime) -> Answer:
        eligible = self._eligible_names(lang)
        lines = []
        for found in kinds[:3]:
            kind = found.value
            foreign = self._foreign(found, mentions, toks)
            if kind.eligible and foreign is not None:
                name = foreign.country.display(lang)
                lines.append(t(lang, "applicant.foreign", country=name, eligible=eligible))
                key = ("applicant.foreign.partner" if foreign.country.partner
                       else "applicant.foreign.not_partner")
                lines.append(t(lang, key, country=name))
                continue
            if kind.eligible and toks[found.start].startswith(PARTNER_PREFIXES) and found.start > 0 \
                    and toks[found.start - 1] in OUR_WORDS:
                # "kan vår partnerkommun söka själv?": the partner is abroad, wherever it is
                lines.append(t(lang, "applicant.twin", eligible=eligible,
                               count=len(self.knowledge.partners)))
                continue
            name = localized(kind, "name", lang)
            key = "applicant.yes" if kind.eligible else "applicant.no"
            only = found.start > 0 and (toks[found.start - 1] in ONLY or (
                found.start > 1 and toks[found.start - 2] in ONLY and toks[found.start - 1] in ("ar", "are")))
            if kind.eligible and only and found is kinds[0]:
                # "kan bara kommuner söka?": the claim that one kind alone may apply is wrong
                lines.append(t(lang, "applicant.not_only", kind=name, eligible=eligible))
                break
            if kind.eligible and any(toks[i] in ONLY and SIZE_WORDS.intersection(toks[i + 1:i + 3])
                                     for i in range(len(toks))):
                # "bara stora städer kan söka, inte en liten kommun som vår?"
                lines.append(t(lang, "applicant.any_size.claim", eligible=eligible))
                break
            line = t(lang, key, kind=name, eligible=eligible)
            if kind.eligible and SIZE_WORDS.intersection(toks):       # "en så liten kommun?"
                line = f"{line} {t(lang, 'applicant.any_size')}"
            note = localized(kind, "note", lang)
            lines.append(f"{line} {note}".strip())
        if any(line.startswith(("Nej", "No")) for line in lines) and any(
                line.startswith(("Ja", "Yes")) for line in lines):
            # One verdict per question: "vi är en dansk kommun" is about the foreign one.
            lines = [line for line in lines if not line.startswith(("Ja", "Yes"))]
        text = "\n\n".join(dict.fromkeys(lines))
        if mentions and not any(self._foreign(f, mentions, toks) for f in kinds):
            country = self._country_answer(mentions, lang, now).text
            # the verdict that stops them first: "Nej, Ghana är inte …" before "Ja, regioner …"
            text = (f"{country}\n\n{text}" if country.startswith(("Nej", "No"))
                    else f"{text}\n\n{country}")
        related = self._related_ids(("who_can_apply", "countries", "deadline"), lang)
        sources = self.knowledge.sources.get("applicants", ()) + (
            self.knowledge.sources.get("countries", ()) if mentions else ())
        return Answer(text, "applicant", 1.0, related=related, lang=lang,
                      sources=tuple(dict.fromkeys(sources)),
                      countries=tuple(m.country.iso for m in mentions))

    def _region_answer(self, regions: list[Region], lang: str, now: datetime) -> Answer:
        lines = []
        for region in dict.fromkeys(regions):
            lines.append(t(lang, "country.nearby", region=_label(region, lang),
                           countries=_names(region.countries, lang)))
        lines.append(t(lang, "region.all", count=len(self.knowledge.partners)))
        related = self._related_ids(("countries", "who_can_apply", "deadline"), lang)
        return Answer(" ".join(lines), "region", 1.0, related=related, lang=lang,
                      sources=self.knowledge.sources.get("countries", ()))

    @staticmethod
    def _partner_role(found: Found[ApplicantKind], q: _Question) -> bool:
        """ "söka med en kommun i Belarus": the kind is the partner abroad, not the applicant."""
        before = q.toks[max(0, found.start - 3):found.start]
        if before and before[-1].startswith(PARTNER_PREFIXES) and before[-1] != "van" and (
                (PARTNER_LINKS | FROM_WORDS).intersection(before[:-1])):
            return True          # "a letter from the partner municipality", "med vår partner kommun"
        if q.toks[found.start].startswith(PARTNER_PREFIXES) and FROM_WORDS.intersection(before):
            return True          # "en avsiktsförklaring från partnerkommunen"
        # "… med en kommun där": the place was named in the sentence before
        there = bool(PLACE_BACK.intersection(q.toks[found.end:found.end + 2]))
        after = any(m.start >= found.end and m.start - found.end <= 3 for m in q.mentions)
        # "söka ihop med Jinja kommun": the town's name before the kind
        named = next((m for m in q.mentions if m.end == found.start), None)
        if named is not None:
            before = q.toks[max(0, named.start - 3):named.start]
            return bool(PARTNER_LINKS.intersection(before))
        return bool(PARTNER_LINKS.intersection(before)) and (there or after)

    def _applicants_in(self, q: _Question) -> list[Found[ApplicantKind]]:
        """The kinds of organisation a question names as the one applying: not the partner
        abroad ("söka med en kommun i Kenya") nor what the project is about ("jobbar med
        förskolor")."""
        return [k for k in q.kinds if not self._partner_role(k, q) and not self._subject_matter(k, q)
                and not _contrasted_away(k, q.kinds, q.toks)]

    @staticmethod
    def _subject_matter(found: Found[ApplicantKind], q: _Question) -> bool:
        """ "our project on school meals", "ett projekt om skolor": what the project is about,
        not who applies."""
        before = q.toks[max(0, found.start - 3):found.start]
        if any(tuple(q.toks[i:i + 2]) in SELF_DESCRIPTION
               for i in range(max(0, found.start - 4), found.start)):
            return False         # "I work for a municipality in Finland": who we are
        return bool(ABOUT_LINKS.intersection(before)) and any(w.startswith(PROJECT_WORDS) for w in before)

    @staticmethod
    def _foreign(found: Found[ApplicantKind], mentions: list[Mention], toks: list[str]) -> Mention | None:
        """ "en kommun i Kenya" / "en kenyansk kommun", when not said by "we" (the Swedish side).

        An adjective right before the kind is always foreign ("vi som dansk kommun"); "i X"
        after it is too, unless "we" ask — except when we describe ourselves ("vi är en
        kommun i Danmark")."""
        we = WE_WORDS.intersection(toks) and not any(
            toks[i:i + 2] == list(cue) for cue in SELF_DESCRIPTION for i in range(len(toks) - 1))
        # "vår vänkommun i Botswana", "our partner municipality in Uganda": the partner abroad
        twin = toks[found.start].startswith(PARTNER_PREFIXES)
        for m in mentions:
            if m.end == found.start:
                return m
            if twin and 0 < m.start - found.end <= 2:
                return m
            gap = toks[found.end:m.start]
            if not we and 0 < len(gap) <= 2 and gap[0] in FOREIGN_LINKS:
                return m
        return None

    # ---- retrieval ---------------------------------------------------------------------
    def _retrieval(self, q: _Question, now: datetime) -> Answer:
        """FAQ retrieval on the asking part; the whole message only when the part says too little
        ("Vi vill jobba med avfall. Går det?")."""
        hits = q.hits
        refers_back = bool(REFERS_BACK.intersection(q.toks))     # "passar partnerskap in i den?"
        if q.frame.context and (refers_back or not hits or hits[0].score < ANSWER_THRESHOLD):
            words = _without_greeting(_conversation_words(q.frame.toks))
            whole = self.faq.search(words)
            # a part that points back and says little itself ("vilken kommun var det?") is
            # about what the context said
            says_little = len(q.rest) <= 1
            if whole and (not hits or whole[0].score > hits[0].score
                          or refers_back and whole[0].score >= (
                              SUGGEST_THRESHOLD if says_little else ANSWER_THRESHOLD)):
                hits = whole
        if (hits and hits[0].score < ANSWER_THRESHOLD
                and self._deadline_as_time(q.toks) and self._unknown_own_words(q) >= 2):
            # "informationsmöte eller webbinarium innan deadline?": the words that say what is
            # asked are unknown, the one that matched ("deadline") only says when
            return self._retrieval_answer([Hit(h.entry, min(h.score, SUGGEST_THRESHOLD - 0.01))
                                           for h in hits], q.lang, now)
        return self._retrieval_answer(hits, q.lang, now)

    def _retrieval_answer(self, hits: list[Hit], lang: str, now: datetime) -> Answer:
        if not hits or hits[0].score < SUGGEST_THRESHOLD:
            suggestions = tuple(self._suggestion(h.entry, lang) for h in hits
                                if h.score >= SUGGESTION_FLOOR)[:MAX_SUGGESTIONS]
            unknown = self.unknown(lang)
            return Answer(unknown.text, None, hits[0].score if hits else 0.0, suggestions, lang=lang)
        return self._faq_answer(hits[0], hits, lang, now)

    def _faq_answer(self, top: Hit, hits: list[Hit], lang: str, now: datetime) -> Answer:
        suggestions: tuple[Suggestion, ...] = ()
        if top.score < ANSWER_THRESHOLD:
            suggestions = tuple(self._suggestion(h.entry, lang) for h in hits[1:]
                                if h.score >= SUGGESTION_FLOOR)[:MAX_SUGGESTIONS]
        return self._finish(Answer(self.render(top.entry, lang, now), top.entry.id, top.score,
                                   suggestions, self._related(top.entry, lang), lang,
                                   honest=top.entry.honest, sources=top.entry.source), now)

    def _covers(self, entry: FaqEntry, mentions: list[Mention]) -> bool:
        text = tokens(entry.answer)
        return all(tokens(m.country.name)[0] in text for m in mentions)

    def _suggestion(self, entry: FaqEntry, lang: str) -> Suggestion:
        return Suggestion(entry.id, localized(entry, "title", lang))

    def _related(self, entry: FaqEntry, lang: str) -> tuple[Suggestion, ...]:
        return self._related_ids(entry.related, lang)

    def _related_ids(self, ids: tuple[str, ...], lang: str) -> tuple[Suggestion, ...]:
        by_id = self.knowledge.faq_by_id
        return tuple(self._suggestion(by_id[i], lang) for i in ids if i in by_id)

    def _starters(self, lang: str) -> tuple[Suggestion, ...]:
        return self._related_ids(("countries", "deadline", "who_can_apply"), lang)
