"""The answer engine: a Swedish (or English) question in, a plain-text answer out.

It knows nothing of Telegram. Exact intents go first where a fuzzy FAQ match could be wrong in
a way that matters (is *this* country a partner, can *this* kind of organisation apply, how many
days are left *now*); everything else is FAQ retrieval with a calibrated confidence. ``now`` is
always an argument, so every date rule is testable.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.answers.countries import CountryFinder, Mention, unique_mentions
from bot.knowledge.model import ApplicantKind, Country, FaqEntry, Knowledge, Region
from bot.answers.language import detect_language
from bot.answers.normalize import clip, tokens
from bot.answers.phrases import Found, PhraseIndex
from bot.answers.retrieval import STOP_WORDS, FaqIndex, Hit
from bot.answers.texts import format_day, join_names, t

# Confidence bands, calibrated on tests/data/labelled_questions.jsonl (see bench/).
ANSWER_THRESHOLD = 0.62
SUGGEST_THRESHOLD = 0.42
SUGGESTION_FLOOR = 0.30
MAX_SUGGESTIONS = 3

APPLY_CUES = frozenset({
    "soka", "ansoka", "soker", "ansoker", "sokt", "sokande", "ansokare", "apply", "applying",
    "applicant", "applicants", "eligible", "berattigad", "berattigade", "behorig", "behoriga",
    "delta", "medverka", "huvudsokande", "sokas",
})
APPLY_PHRASES = frozenset({("va", "med"), ("vara", "med"), ("ratt", "malgrupp"), ("fa", "pengar"),
                           ("fa", "stod"), ("ga", "med"), ("be", "part")})
GREETINGS = frozenset({"hej", "hejsan", "tjena", "tjenare", "hallo", "hello", "hi", "hey", "tack",
                       "thanks", "god", "morgon", "dag"})
DEADLINE_CUES = frozenset({
    "deadline", "deadlinen", "sista", "ansokningsdag", "ansokningsdagen", "stanger", "stangt",
    "stangde", "closes", "closing", "closed", "oppen", "oppet", "forsent", "hinner", "kvar",
    "slutdatum", "sistadag", "due", "datum", "date", "still", "fortfarande", "oppna",
})
DEADLINE_PREFIXES = ("stang", "deadline", "sistadag", "ansokningsperiod", "ansokningstid")
WE_WORDS = frozenset({"vi", "we"})   # "we" apply; "vår partnerkommun" is still foreign
FOREIGN_LINKS = frozenset({"i", "in", "fran", "from", "pa"})


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

    def as_dict(self, question: str) -> dict[str, object]:
        return {"q": question, "answer": self.text, "match": self.match,
                "confidence": round(self.confidence, 3),
                "suggestions": [s.id for s in self.suggestions]}


@dataclass(frozen=True)
class _Question:
    toks: list[str]
    lang: str
    mentions: list[Mention]
    kinds: list[Found[ApplicantKind]]
    regions: list[Region]
    hits: list[Hit]
    rest: list[str]       # content words no name, kind or region claimed

    @property
    def top(self) -> Hit | None:
        return self.hits[0] if self.hits else None


def _label(region: Region, lang: str) -> str:
    return region.name_en if lang == "en" else region.name


def _names(countries: Sequence[Country], lang: str) -> str:
    """ "Kenya, Namibia och Zambia" in the user's language."""
    return join_names([c.name_en if lang == "en" else c.name for c in countries], lang)


def _asks_to_apply(toks: list[str]) -> bool:
    return bool(APPLY_CUES.intersection(toks) or APPLY_PHRASES.intersection(zip(toks, toks[1:])))


class Engine:
    """Answers questions from one loaded Knowledge; cheap to call, built once per knowledge."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self.countries = CountryFinder(knowledge)
        self.faq = FaqIndex(knowledge.faq)
        self.applicants: PhraseIndex[ApplicantKind] = PhraseIndex(
            ((alias, kind) for kind in knowledge.applicants for alias in (kind.name, *kind.aliases)),
            compound_heads=True)
        self.regions: PhraseIndex[Region] = PhraseIndex(
            (alias, region) for region in knowledge.regions
            for alias in (region.name, region.name_en, *region.aliases))

    # ---- public API -------------------------------------------------------------------
    def answer_question(self, question: str, now: datetime) -> Answer:
        """The answer a user should read for ``question`` at time ``now``."""
        q = self._parse(question)
        if not q.toks:
            return Answer(t(q.lang, "empty"), "empty", 1.0, self._starters(q.lang), lang=q.lang)
        for intent in (self._applicant_intent, self._country_intent, self._region_intent,
                       self._deadline_intent):
            answer = intent(q, now)
            if answer is not None:
                return answer
        return self._retrieval_answer(q.hits, q.lang, now)

    def _parse(self, question: str) -> _Question:
        """Everything the intents look at, found once: names, kinds, regions, FAQ hits."""
        toks = tokens(clip(question))
        taken = [False] * len(toks)
        mentions = self.countries.find(toks, taken, fuzzy=False)   # exact names claim words first
        kinds = self.applicants.find(toks, taken)
        regions = [f.value for f in self.regions.find(toks, taken)]
        mentions = unique_mentions([*mentions, *self.countries.find_fuzzy(toks, taken)])
        content = [w for w in toks if w not in GREETINGS and len(w) > 1]
        hits = self.faq.search(content if any(w not in STOP_WORDS for w in content) else toks)
        rest = [w for w, used in zip(toks, taken) if not used and w not in STOP_WORDS
                and w not in APPLY_CUES and len(w) > 2]
        return _Question(toks, detect_language(toks), mentions, kinds, regions, hits, rest)

    # ---- intents: each returns an Answer when it applies, else None --------------------
    def _applicant_intent(self, q: _Question, now: datetime) -> Answer | None:
        """ "Kan en region söka?", "stiftelse?" — but "kenyansk kommun?" is about the country."""
        if q.kinds and (_asks_to_apply(q.toks) or not (q.rest or q.mentions)):
            return self._applicant_answer(q.toks, q.kinds, q.mentions, q.lang, now)
        return None

    def _country_intent(self, q: _Question, now: datetime) -> Answer | None:
        if not q.mentions:
            return None
        top = q.top
        if top and top.score >= ANSWER_THRESHOLD and self._covers(top.entry, q.mentions):
            return self._faq_answer(top, q.hits, q.lang, now)      # e.g. the Ale example
        answer = self._country_answer(q.mentions, q.lang, now)
        if any(self.faq.is_unknown(w) for w in q.rest):             # "huvudstad i Kenya?"
            text = f"{answer.text}\n\n{t(q.lang, 'partial_unknown', url=self.knowledge.call.url)}"
            return replace(answer, text=text, confidence=0.5)
        return answer

    def _region_intent(self, q: _Question, now: datetime) -> Answer | None:
        top = q.top
        if not q.regions or (top and top.score >= 0.8 and top.entry.id != "countries"):
            return None
        return self._region_answer(q.regions, q.lang, now)

    def _deadline_intent(self, q: _Question, now: datetime) -> Answer | None:
        if not any(w in DEADLINE_CUES or w.startswith(DEADLINE_PREFIXES) or w.endswith("datum")
                   for w in q.toks):
            return None
        top = q.top
        if top and top.entry.id != "deadline" and top.score >= 0.8:
            return None          # a cue word inside another clear question ("deadline för rapporten")
        return self.answer_entry("deadline", now, q.lang, confidence=max(0.9, top.score if top else 0))

    def answer_entry(self, entry_id: str, now: datetime, lang: str = "sv",
                     confidence: float = 1.0) -> Answer:
        """The answer of one FAQ entry, e.g. for a command or a pressed button."""
        entry = self.knowledge.faq_by_id.get(entry_id)
        if entry is None:
            return self.unknown(lang)
        return Answer(self.render(entry, lang, now), entry.id, confidence,
                      related=self._related(entry, lang), lang=lang)

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
        return t(lang, "countdown.days", days=days)

    def render(self, entry: FaqEntry, lang: str, now: datetime) -> str:
        """Fill an entry's placeholders with facts from the knowledge and the clock."""
        call = self.knowledge.call
        template = entry.answer_en if lang == "en" else entry.answer
        return template.format(
            deadline=format_day(call.deadline, lang), countdown=self.countdown(now, lang),
            country_list=self.country_list(lang), country_count=len(self.knowledge.partners),
            url=call.url, organiser=call.organiser_en if lang == "en" else call.organiser)

    def country_list(self, lang: str) -> str:
        return "\n".join(f"• {_label(region, lang)}: {_names(region.countries, lang)}"
                         for region in self.knowledge.regions)

    # ---- intents -----------------------------------------------------------------------
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
        if not self.knowledge.call.is_open(now):
            text += "\n\n" + t(lang, "country.closed", deadline=format_day(self.knowledge.call.deadline, lang))
        related = self._related_ids(("countries", "who_can_apply", "deadline"), lang)
        return Answer(text, "country", 1.0, related=related, lang=lang,
                      countries=tuple(m.country.iso for m in mentions))

    def _applicant_answer(self, toks: list[str], kinds: list[Found[ApplicantKind]],
                          mentions: list[Mention], lang: str, now: datetime) -> Answer:
        eligible = join_names([k.name_en if lang == "en" else k.name
                               for k in self.knowledge.applicants if k.eligible], lang)
        lines = []
        for found in kinds[:3]:
            kind = found.value
            foreign = self._foreign(found, mentions, toks)
            if kind.eligible and foreign is not None:
                name = foreign.country.display(lang)
                lines.append(t(lang, "applicant.foreign", country=name, eligible=eligible))
                key = "applicant.foreign.partner" if foreign.country.partner else "applicant.foreign.not_partner"
                lines.append(t(lang, key, country=name))
                continue
            name = kind.name_en if lang == "en" else kind.name
            key = "applicant.yes" if kind.eligible else "applicant.no"
            line = t(lang, key, kind=name, eligible=eligible)
            note = kind.note_en if lang == "en" else kind.note
            lines.append(f"{line} {note}".strip())
        text = "\n\n".join(dict.fromkeys(lines))
        if mentions and not any(self._foreign(f, mentions, toks) for f in kinds):
            text += "\n\n" + self._country_answer(mentions, lang, now).text
        related = self._related_ids(("who_can_apply", "countries", "deadline"), lang)
        return Answer(text, "applicant", 1.0, related=related, lang=lang,
                      countries=tuple(m.country.iso for m in mentions))

    def _region_answer(self, regions: list[Region], lang: str, now: datetime) -> Answer:
        lines = []
        for region in dict.fromkeys(regions):
            lines.append(t(lang, "country.nearby", region=_label(region, lang),
                           countries=_names(region.countries, lang)))
        lines.append(t(lang, "region.all", count=len(self.knowledge.partners)))
        related = self._related_ids(("countries", "who_can_apply", "deadline"), lang)
        return Answer(" ".join(lines), "region", 1.0, related=related, lang=lang)

    @staticmethod
    def _foreign(found: Found[ApplicantKind], mentions: list[Mention], toks: list[str]) -> Mention | None:
        """ "en kommun i Kenya" / "en kenyansk kommun", when not said by "we" (the Swedish side)."""
        if WE_WORDS.intersection(toks):
            return None
        for m in mentions:
            if m.end == found.start:
                return m
            gap = toks[found.end:m.start]
            if 0 < len(gap) <= 2 and gap[0] in FOREIGN_LINKS:
                return m
        return None

    # ---- retrieval ---------------------------------------------------------------------
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
        return Answer(self.render(top.entry, lang, now), top.entry.id, top.score, suggestions,
                      self._related(top.entry, lang), lang)

    def _covers(self, entry: FaqEntry, mentions: list[Mention]) -> bool:
        text = tokens(entry.answer)
        return all(tokens(m.country.name)[0] in text for m in mentions)

    def _suggestion(self, entry: FaqEntry, lang: str) -> Suggestion:
        return Suggestion(entry.id, entry.title_en if lang == "en" else entry.title)

    def _related(self, entry: FaqEntry, lang: str) -> tuple[Suggestion, ...]:
        return self._related_ids(entry.related, lang)

    def _related_ids(self, ids: tuple[str, ...], lang: str) -> tuple[Suggestion, ...]:
        by_id = self.knowledge.faq_by_id
        return tuple(self._suggestion(by_id[i], lang) for i in ids if i in by_id)

    def _starters(self, lang: str) -> tuple[Suggestion, ...]:
        return self._related_ids(("countries", "deadline", "who_can_apply"), lang)
