"""The curated knowledge about the call, loaded from YAML into frozen dataclasses.

Everything Partnerbot states comes from these files, so loading validates them thoroughly and
reports *every* problem at once with file and line: an operator preparing next year's call
should be able to fix them all in one go. The bot refuses to start on invalid knowledge.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from bot.knowledge.yamlsource import Problem

FILES = ("call.yaml", "countries.yaml", "applicants.yaml", "core_areas.yaml", "faq.yaml")
REGION_IDS = ("europe", "asia", "africa")
CONTINENTS = ("europe", "asia", "africa", "americas", "oceania")
REQUIRED_FAQ_IDS = (
    "greeting", "help", "thanks", "who_can_apply", "countries", "core_areas", "theme",
    "deadline", "funding", "organiser", "icld_name", "purpose", "agenda2030", "example",
    "how_to_apply", "read_more",
)
PLACEHOLDERS = frozenset({"deadline", "weekday", "countdown", "country_list", "country_count", "url",
                          "organiser"})
MIN_QUESTIONS = 5
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_ISO = re.compile(r"^[A-Z]{2}$")


def localized(item: object, field: str, lang: str) -> str:
    """``item.field`` in the user's language: ``field_en`` for English when it is there (the
    knowledge pairs every text a user reads with an English one), else the Swedish ``field``."""
    if lang == "en":
        english = getattr(item, f"{field}_en", "")
        if english:
            return str(english)
    return str(getattr(item, field))


class KnowledgeError(Exception):
    """Raised with every problem found; ``str()`` lists them one per line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class ReminderSchedule:
    at: time
    days_before: tuple[int, ...]


@dataclass(frozen=True)
class Call:
    name: str
    name_en: str
    organiser: str
    organiser_short: str
    organiser_en: str
    funder: str
    url: str
    deadline: date
    tz: ZoneInfo
    reminders: ReminderSchedule
    title: str = ""                          # the announcement's title, as published
    announcement: str = "announcement.txt"   # its text, in the knowledge folder
    source: tuple[str, ...] = ()             # the sentences the deadline rests on

    @property
    def closes_at(self) -> datetime:
        """The call is open until the end of the deadline day, local time."""
        return datetime.combine(self.deadline + timedelta(days=1), time(0), tzinfo=self.tz)

    def is_open(self, now: datetime) -> bool:
        return now < self.closes_at


@dataclass(frozen=True)
class Country:
    iso: str
    name: str
    name_en: str
    region: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Region:
    id: str
    name: str
    name_en: str
    countries: tuple[Country, ...]
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ApplicantKind:
    id: str
    name: str
    name_en: str
    aliases: tuple[str, ...]
    eligible: bool
    note: str = ""
    note_en: str = ""


@dataclass(frozen=True)
class FaqEntry:
    id: str
    title: str
    title_en: str
    questions: tuple[str, ...]
    questions_en: tuple[str, ...]
    answer: str
    answer_en: str
    related: tuple[str, ...] = ()
    # Words or phrases that make a question about this entry whatever else it names ("kostar",
    # "medfinansiering"): the topics of the honest "the announcement does not say" answers.
    topics: tuple[str, ...] = ()
    honest: bool = False       # "the announcement does not say": the answer states no fact
    source: tuple[str, ...] = ()   # the announcement's sentences the answer rests on, verbatim
    answered_by: str = ""      # a person's answer ("handläggare, 2026-12-01"), not the call's


@dataclass(frozen=True)
class CoreArea:
    id: str
    name: str
    name_en: str
    aliases: tuple[str, ...]         # words that name the area ("insyn")
    work: tuple[str, ...]            # kinds of work that belong to it (curated guidance)
    explanation: str
    explanation_en: str
    source: tuple[str, ...] = ()     # the announcement's bullet naming it, verbatim


@dataclass(frozen=True)
class RemitTask:
    """A task that Swedish law gives municipalities or regions ("äldreomsorg"): a theme within
    "det kommunala/regionala ansvarsområdet". General knowledge, curated with its source; the
    announcement itself lists no tasks."""
    id: str
    name: str
    name_en: str
    who: str                         # "kommun", "region" or "kommun och region"
    words: tuple[str, ...]           # matched like core-area work words


@dataclass(frozen=True)
class EmptyRegion:
    """A part of the world with no partner country ("Sydamerika")."""
    id: str
    name: str
    name_en: str
    aliases: tuple[str, ...]
    note: str = ""
    note_en: str = ""


@dataclass(frozen=True)
class CountryGroup:
    """Partner countries of a part of a continent ("Balkan", "forna sovjetrepubliker"), as a
    curator groups them; ``where`` is the phrase with its preposition ("på Balkan")."""
    id: str
    where: str
    where_en: str
    countries: tuple[Country, ...]
    aliases: tuple[str, ...]
    note: str = ""          # whose division it is, when geographers differ
    note_en: str = ""


@dataclass(frozen=True)
class Knowledge:
    call: Call
    regions: tuple[Region, ...]
    other_country_aliases: dict[str, tuple[str, ...]]
    continent_overrides: dict[str, str]
    applicants: tuple[ApplicantKind, ...]
    faq: tuple[FaqEntry, ...]
    source: str
    core_areas: tuple[CoreArea, ...] = ()
    empty_regions: tuple[EmptyRegion, ...] = ()
    # Swedish places (the asker's own side): never read as a misspelt foreign name
    # ("Helsingborg" is not "Helsingfors").
    swedish_places: tuple[str, ...] = ()
    groups: tuple[CountryGroup, ...] = ()
    # Verbatim sentences of the announcement behind the facts of each file: "countries",
    # "applicants", "core_areas" (the sentence introducing them); the deadline's are call.source.
    sources: dict[str, tuple[str, ...]] = field(default_factory=dict)
    remit: tuple[RemitTask, ...] = ()
    # Towns whose names are also words or first names ("Split", "Sofia"): a place only right
    # after "i"/"staden"/"huvudstaden" or before "vid"/"nära".
    guarded_cities: dict[str, tuple[str, ...]] = field(default_factory=dict)
    remit_source: str = ""           # where the tasks come from (not the announcement)

    @cached_property
    def partners(self) -> tuple[Country, ...]:
        return tuple(c for r in self.regions for c in r.countries)

    @cached_property
    def faq_by_id(self) -> dict[str, FaqEntry]:
        return {e.id: e for e in self.faq}

    def region(self, region_id: str) -> Region | None:
        return next((r for r in self.regions if r.id == region_id), None)


def knowledge_warnings(knowledge: Knowledge, now: datetime) -> list[str]:
    """Things that are valid but that an operator should hear about."""
    if knowledge.call.is_open(now):
        return []
    return [f"{knowledge.source}/call.yaml: the deadline {knowledge.call.deadline.isoformat()} has "
            "passed; the knowledge is out of date (the bot will say the call has closed)"]
