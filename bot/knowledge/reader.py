"""Turning located YAML into knowledge dataclasses, collecting every problem on the way.

Split from bot/knowledge/model.py so the data model stays short; the rules live here: required
fields, ids, countries in two lists, related ids, placeholders, reminder schedule.
"""
from __future__ import annotations

import string
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.knowledge.model import (
    _ID,
    _ISO,
    CONTINENTS,
    MIN_QUESTIONS,
    PLACEHOLDERS,
    REGION_IDS,
    REQUIRED_FAQ_IDS,
    ApplicantKind,
    Call,
    CoreArea,
    Country,
    CountryGroup,
    EmptyRegion,
    FaqEntry,
    Region,
    ReminderSchedule,
    RemitTask,
)
from bot.knowledge.yamlsource import Located, Problem

PERSON_SOURCES = ("handläggare", "case officer", "staff")
REMIT_WHO = ("kommun", "region", "kommun och region")


class Reader:
    """Turns located YAML into dataclasses, collecting problems instead of stopping."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        self.quoted: list[tuple[Located, tuple[Any, ...], str]] = []   # checked in check_quotes

    def quotes(self, doc: Located, obj: dict[str, Any], *path: Any) -> tuple[str, ...]:
        """The ``source`` quotes of ``obj``; each is checked against the announcement later."""
        found = self.texts(doc, obj, "source", *path)
        self.quoted += [(doc, (*path, "source", i), quote) for i, quote in enumerate(found)]
        return found

    def person(self, doc: Located, obj: dict[str, Any], *path: Any) -> str:
        """``source: "handläggare, DATE"`` (one text, not a list): an entry a person answered,
        merged from `partnerbot cases --export`; it is shown with that source."""
        source = obj.get("source")
        if not isinstance(source, str):
            return ""
        if not source.strip().casefold().startswith(PERSON_SOURCES):
            self.problems.append(doc.problem(
                "a 'source' text must name a person (\"handläggare, DATE\"); quotes of the "
                "announcement go in a list", *path, "source"))
        return source.strip()

    def check_quotes(self, announcement: str, name: str) -> None:
        """Every quote must stand word for word in the announcement (white space aside)."""
        text = " ".join(announcement.split())
        for doc, path, quote in self.quoted:
            if " ".join(quote.split()) not in text:
                self.problems.append(doc.problem(f"quote not found in {name}", *path))

    def text(self, doc: Located, obj: dict[str, Any], key: str, *path: Any,
             required: bool = True) -> str:
        value = obj.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problems.append(doc.problem(f"missing field '{key}'", *path))
            return ""
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.problems.append(doc.problem(f"'{key}' must be text", *path, key))
            return ""
        return str(value).strip()

    def texts(self, doc: Located, obj: dict[str, Any], key: str, *path: Any,
              minimum: int = 0) -> tuple[str, ...]:
        value = obj.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
            self.problems.append(doc.problem(f"'{key}' must be a list of texts", *path, key))
            return ()
        items = tuple(str(v).strip() for v in value if str(v).strip())
        if len(items) < minimum:
            self.problems.append(doc.problem(
                f"'{key}' needs at least {minimum} entries, has {len(items)}", *path, key))
        return items

    def check_id(self, doc: Located, item_id: str, earlier: list[str], *path: Any,
                 snake_case: bool = True) -> None:
        if snake_case and item_id and not _ID.match(item_id):
            self.problems.append(doc.problem(f"id '{item_id}' must be snake_case", *path, "id"))
        if item_id in earlier:
            self.problems.append(doc.problem(f"duplicate id '{item_id}'", *path, "id"))

    def flag(self, doc: Located, obj: dict[str, Any], key: str, *path: Any) -> bool:
        value = obj.get(key, False)
        if not isinstance(value, bool):
            self.problems.append(doc.problem(f"'{key}' must be true or false", *path, key))
            return False
        return value

    def mapping(self, doc: Located | None, what: str) -> dict[str, Any] | None:
        if doc is None:
            return None
        if not isinstance(doc.data, dict):
            self.problems.append(doc.problem(f"{what} must be a mapping at the top level"))
            return None
        return doc.data

    def placeholders(self, doc: Located, text: str, *path: Any) -> None:
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
        except ValueError as exc:
            self.problems.append(doc.problem(f"broken placeholder braces: {exc}", *path))
            return
        for name in fields:
            if name not in PLACEHOLDERS:
                self.problems.append(doc.problem(
                    f"unknown placeholder {{{name}}} (known: {', '.join(sorted(PLACEHOLDERS))})", *path))

    def call(self, doc: Located | None) -> Call | None:
        data = self.mapping(doc, "call.yaml")
        if data is None or doc is None:
            return None
        t = {k: self.text(doc, data, k) for k in
             ("name", "name_en", "organiser", "organiser_short", "organiser_en", "funder", "url")}
        if t["url"] and not t["url"].startswith(("https://", "http://")):
            self.problems.append(doc.problem("'url' must start with https://", "url"))
        deadline = data.get("deadline")
        if not isinstance(deadline, date) or isinstance(deadline, datetime):
            self.problems.append(doc.problem("'deadline' must be a date like 2020-03-15", "deadline"))
            deadline = None
        try:
            tz = ZoneInfo(str(data.get("timezone", "")))
        except (ZoneInfoNotFoundError, ValueError):
            self.problems.append(doc.problem("'timezone' must be an IANA zone like Europe/Stockholm",
                                             "timezone"))
            tz = None
        reminders = self.reminders(doc, data.get("reminders"))
        title, announcement = self.text(doc, data, "title"), self.text(doc, data, "announcement")
        source = self.quotes(doc, data)
        if deadline is None or tz is None or reminders is None or any(not v for v in t.values()):
            return None
        return Call(deadline=deadline, tz=tz, reminders=reminders, title=title,
                    announcement=announcement, source=source, **t)

    def reminders(self, doc: Located, data: Any) -> ReminderSchedule | None:
        if not isinstance(data, dict):
            self.problems.append(doc.problem("missing 'reminders' with 'time' and 'days_before'",
                                             "reminders"))
            return None
        try:
            at = time.fromisoformat(str(data.get("time", "")))
        except ValueError:
            self.problems.append(doc.problem("'reminders.time' must look like 09:00",
                                             "reminders", "time"))
            return None
        days = data.get("days_before")
        if (not isinstance(days, list) or not days
                or not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 365 for d in days)
                or len(set(days)) != len(days)):
            self.problems.append(doc.problem(
                "'reminders.days_before' must be a list of distinct whole days (0-365)",
                "reminders", "days_before"))
            return None
        return ReminderSchedule(at, tuple(sorted(days, reverse=True)))

    def countries(self, doc: Located | None) -> tuple[tuple[Region, ...], dict[str, tuple[str, ...]],
                                                        dict[str, str]]:
        data = self.mapping(doc, "countries.yaml")
        if data is None or doc is None:
            return (), {}, {}
        regions: list[Region] = []
        seen: dict[str, tuple[str, str]] = {}   # normalised name/alias -> (iso, where)
        raw_regions = data.get("regions")
        if not isinstance(raw_regions, list) or not raw_regions:
            self.problems.append(doc.problem("missing list 'regions'", "regions"))
            raw_regions = []
        for ri, raw in enumerate(raw_regions):
            where = ("regions", ri)
            if not isinstance(raw, dict):
                self.problems.append(doc.problem("a region must be a mapping", *where))
                continue
            rid = self.text(doc, raw, "id", *where)
            if rid and rid not in REGION_IDS:
                self.problems.append(doc.problem(f"region id must be one of {', '.join(REGION_IDS)}",
                                                 *where, "id"))
            if rid and any(r.id == rid for r in regions):
                self.problems.append(doc.problem(f"region '{rid}' is listed twice", *where, "id"))
            countries = []
            for ci, c in enumerate(raw.get("countries") or []):
                cw = where + ("countries", ci)
                if not isinstance(c, dict):
                    self.problems.append(doc.problem("a country must be a mapping", *cw))
                    continue
                iso = self.text(doc, c, "iso", *cw).upper()
                if iso and not _ISO.match(iso):
                    self.problems.append(doc.problem(f"'{iso}' is not an ISO 3166 alpha-2 code", *cw, "iso"))
                country = Country(iso, self.text(doc, c, "name", *cw), self.text(doc, c, "name_en", *cw),
                                  rid, self.texts(doc, c, "aliases", *cw))
                for label in (country.iso, country.name, country.name_en, *country.aliases):
                    key = label.casefold()
                    if key in seen and seen[key][0] != iso:
                        self.problems.append(doc.problem(
                            f"'{label}' is used for both {seen[key][0]} and {iso}"
                            f" (a country or alias in two lists)", *cw))
                    elif key in seen and label == country.iso:
                        self.problems.append(doc.problem(f"country {iso} is listed twice "
                                                         f"(also at {seen[key][1]})", *cw))
                    seen.setdefault(key, (iso, f"line {doc.line(*cw)}"))
                countries.append(country)
            if not countries:
                self.problems.append(doc.problem("a region needs at least one country", *where))
            regions.append(Region(rid, self.text(doc, raw, "name", *where),
                                  self.text(doc, raw, "name_en", *where), tuple(countries),
                                  self.texts(doc, raw, "aliases", *where)))
        other: dict[str, tuple[str, ...]] = {}
        partners = {c.iso for r in regions for c in r.countries}
        for section in ("other_country_aliases", "other_country_cities"):
            for iso, code, items in self.names_by_iso(doc, data, section, "aliases"):
                if code in partners:
                    self.problems.append(doc.problem(f"{code} is a partner country; put its aliases there",
                                                     section, iso))
                for label in items:
                    key = label.casefold()
                    if key in seen and seen[key][0] != code:
                        self.problems.append(doc.problem(
                            f"'{label}' is used for both {seen[key][0]} and {code}", section, iso))
                    seen.setdefault(key, (code, section))
                other[code] = other.get(code, ()) + items
        overrides: dict[str, str] = {}
        for iso, continent in (data.get("continent_overrides") or {}).items():
            if continent not in CONTINENTS:
                self.problems.append(doc.problem(f"continent must be one of {', '.join(CONTINENTS)}",
                                                 "continent_overrides", iso))
            overrides[str(iso).upper()] = str(continent)
        return tuple(regions), other, overrides

    def guarded_cities(self, doc: Located | None) -> dict[str, tuple[str, ...]]:
        """``guarded_cities`` of countries.yaml (optional): ISO code -> towns whose names are
        also ordinary words, found only where a place is spoken of."""
        data = self.mapping(doc, "countries.yaml")
        if data is None or doc is None:
            return {}
        return {code: names for _, code, names in self.names_by_iso(doc, data, "guarded_cities")}

    def names_by_iso(self, doc: Located, data: dict[str, Any], section: str,
                     what: str = "names") -> list[tuple[Any, str, tuple[str, ...]]]:
        """An optional mapping ``section`` of ISO code -> names: (key as written, code, names),
        each code checked; ``what`` is how a problem with the names calls them."""
        raw = data.get(section) or {}
        if not isinstance(raw, dict):
            self.problems.append(doc.problem(f"'{section}' must be a mapping", section))
            return []
        found = []
        for iso, names in raw.items():
            code = str(iso).upper()
            if not _ISO.match(code):
                self.problems.append(doc.problem(f"'{iso}' is not an ISO code", section, iso))
                continue
            found.append((iso, code, self.texts(doc, {what: names}, what, section, iso)))
        return found

    def swedish_places(self, doc: Located | None, regions: tuple[Region, ...],
                       other: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
        """``swedish_places`` and ``swedish_words`` of countries.yaml (optional): the asker's
        own places and words, never read as a foreign name, so none may also be one."""
        data = self.mapping(doc, "countries.yaml")
        if data is None or doc is None:
            return ()
        places = self.texts(doc, data, "swedish_places") + self.texts(doc, data, "swedish_words")
        foreign = {name.casefold() for r in regions for c in r.countries
                   for name in (c.name, c.name_en, *c.aliases)}
        foreign.update(name.casefold() for names in other.values() for name in names)
        for place in places:
            if place.casefold() in foreign:
                self.problems.append(doc.problem(
                    f"'{place}' is both Swedish (a place or word) and a foreign name", "swedish_places"))
        return places

    def empty_regions(self, doc: Located | None) -> tuple[EmptyRegion, ...]:
        """``regions_without_partners`` of countries.yaml; optional."""
        data = self.mapping(doc, "countries.yaml")
        if data is None or doc is None:
            return ()
        found: list[EmptyRegion] = []
        for w, raw in self.entries(doc, data, "regions_without_partners"):
            region = EmptyRegion(self.text(doc, raw, "id", *w), self.text(doc, raw, "name", *w),
                                 self.text(doc, raw, "name_en", *w), self.texts(doc, raw, "aliases", *w),
                                 self.text(doc, raw, "note", *w, required=False),
                                 self.text(doc, raw, "note_en", *w, required=False))
            if region.id and (region.id in REGION_IDS or any(r.id == region.id for r in found)):
                self.problems.append(doc.problem(f"duplicate region id '{region.id}'", *w, "id"))
            found.append(region)
        return tuple(found)

    def entries(self, doc: Located, data: dict[str, Any],
                key: str) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        """The mappings of an optional list ``key``, each with its path for file:line."""
        raw_list = data.get(key) or []
        if not isinstance(raw_list, list):
            self.problems.append(doc.problem(f"'{key}' must be a list", key))
            return []
        found = []
        for i, raw in enumerate(raw_list):
            if isinstance(raw, dict):
                found.append(((key, i), raw))
            else:
                self.problems.append(doc.problem("an entry must be a mapping", key, i))
        return found

    def groups(self, doc: Located | None, regions: tuple[Region, ...]) -> tuple[CountryGroup, ...]:
        """``groups`` of countries.yaml (optional): parts of a continent, by partner ISO code."""
        data = self.mapping(doc, "countries.yaml")
        if data is None or doc is None:
            return ()
        partners = {c.iso: c for r in regions for c in r.countries}
        found: list[CountryGroup] = []
        for w, raw in self.entries(doc, data, "groups"):
            codes = self.texts(doc, raw, "countries", *w, minimum=1)
            for code in codes:
                if code not in partners:
                    self.problems.append(doc.problem(f"'{code}' is not a partner country", *w, "countries"))
            group = CountryGroup(self.text(doc, raw, "id", *w), self.text(doc, raw, "where", *w),
                                 self.text(doc, raw, "where_en", *w),
                                 tuple(partners[c] for c in codes if c in partners),
                                 self.texts(doc, raw, "aliases", *w, minimum=1),
                                 self.text(doc, raw, "note", *w, required=False),
                                 self.text(doc, raw, "note_en", *w, required=False))
            if any(g.id == group.id for g in found):
                self.problems.append(doc.problem(f"duplicate group id '{group.id}'", *w, "id"))
            found.append(group)
        return tuple(found)

    def file_quotes(self, doc: Located | None, what: str) -> tuple[str, ...]:
        """The top-level ``source`` of a file: what all its facts rest on."""
        data = self.mapping(doc, what)
        if data is None or doc is None:
            return ()
        return self.quotes(doc, data)

    def core_areas(self, doc: Located | None) -> tuple[CoreArea, ...]:
        data = self.mapping(doc, "core_areas.yaml")
        if data is None or doc is None:
            return ()
        raw_list = data.get("areas")
        if not isinstance(raw_list, list) or not raw_list:
            self.problems.append(doc.problem("missing list 'areas'", "areas"))
            return ()
        areas: list[CoreArea] = []
        for i, raw in enumerate(raw_list):
            w = ("areas", i)
            if not isinstance(raw, dict):
                self.problems.append(doc.problem("an area must be a mapping", *w))
                continue
            area = CoreArea(self.text(doc, raw, "id", *w), self.text(doc, raw, "name", *w),
                            self.text(doc, raw, "name_en", *w),
                            self.texts(doc, raw, "aliases", *w, minimum=1),
                            self.texts(doc, raw, "work", *w, minimum=1),
                            self.text(doc, raw, "explanation", *w),
                            self.text(doc, raw, "explanation_en", *w), self.quotes(doc, raw, *w))
            self.check_id(doc, area.id, [a.id for a in areas], *w)
            areas.append(area)
        return tuple(areas)

    def remit(self, doc: Located | None) -> tuple[tuple[RemitTask, ...], str]:
        """``remit`` of core_areas.yaml (optional): tasks within the municipal/regional area of
        responsibility, with ``remit_source`` naming where they come from."""
        data = self.mapping(doc, "core_areas.yaml")
        if data is None or doc is None or "remit" not in data:
            return (), ""
        tasks: list[RemitTask] = []
        for w, raw in self.entries(doc, data, "remit"):
            task = RemitTask(self.text(doc, raw, "id", *w), self.text(doc, raw, "name", *w),
                             self.text(doc, raw, "name_en", *w), self.text(doc, raw, "who", *w),
                             self.texts(doc, raw, "words", *w, minimum=1))
            if task.who not in REMIT_WHO:
                self.problems.append(doc.problem(
                    f"'who' must be one of {', '.join(REMIT_WHO)}", *w, "who"))
            self.check_id(doc, task.id, [t.id for t in tasks], *w)
            tasks.append(task)
        return tuple(tasks), self.text(doc, data, "remit_source")

    def applicants(self, doc: Located | None) -> tuple[ApplicantKind, ...]:
        data = self.mapping(doc, "applicants.yaml")
        if data is None or doc is None:
            return ()
        kinds: list[ApplicantKind] = []
        for group, eligible in (("eligible", True), ("not_eligible", False)):
            items = data.get(group)
            if not isinstance(items, list) or not items:
                self.problems.append(doc.problem(f"missing list '{group}'", group))
                continue
            for i, raw in enumerate(items):
                w = (group, i)
                if not isinstance(raw, dict):
                    self.problems.append(doc.problem("an entry must be a mapping", *w))
                    continue
                kind = ApplicantKind(self.text(doc, raw, "id", *w), self.text(doc, raw, "name", *w),
                                     self.text(doc, raw, "name_en", *w),
                                     self.texts(doc, raw, "aliases", *w, minimum=1), eligible,
                                     self.text(doc, raw, "note", *w, required=False),
                                     self.text(doc, raw, "note_en", *w, required=False))
                self.check_id(doc, kind.id, [k.id for k in kinds], *w, snake_case=False)
                kinds.append(kind)
        return tuple(kinds)

    def faq(self, doc: Located | None) -> tuple[FaqEntry, ...]:
        data = self.mapping(doc, "faq.yaml")
        if data is None or doc is None:
            return ()
        raw_entries = data.get("entries")
        if not isinstance(raw_entries, list):
            self.problems.append(doc.problem("missing list 'entries'", "entries"))
            return ()
        entries: list[FaqEntry] = []
        for i, raw in enumerate(raw_entries):
            w = ("entries", i)
            if not isinstance(raw, dict):
                self.problems.append(doc.problem("an entry must be a mapping", *w))
                continue
            entry = FaqEntry(
                self.text(doc, raw, "id", *w), self.text(doc, raw, "title", *w),
                self.text(doc, raw, "title_en", *w),
                self.texts(doc, raw, "questions", *w, minimum=MIN_QUESTIONS),
                self.texts(doc, raw, "questions_en", *w),
                self.text(doc, raw, "answer", *w), self.text(doc, raw, "answer_en", *w),
                self.texts(doc, raw, "related", *w), self.texts(doc, raw, "topics", *w),
                self.flag(doc, raw, "honest", *w),
                () if isinstance(raw.get("source"), str) else self.quotes(doc, raw, *w),
                self.person(doc, raw, *w))
            if entry.honest and entry.source:
                self.problems.append(doc.problem("an honest entry states no fact: it has no source",
                                                 *w, "source"))
            self.check_id(doc, entry.id, [e.id for e in entries], *w)
            if not entry.answered_by:          # a person's answer is shown as written
                self.placeholders(doc, entry.answer, *w, "answer")
                self.placeholders(doc, entry.answer_en, *w, "answer_en")
            entries.append(entry)
        ids = {e.id for e in entries}
        for i, entry in enumerate(entries):
            for rel in entry.related:
                if rel not in ids:
                    self.problems.append(doc.problem(f"related id '{rel}' does not exist",
                                                     "entries", i, "related"))
        for required in REQUIRED_FAQ_IDS:
            if required not in ids:
                self.problems.append(doc.problem(f"required entry '{required}' is missing", "entries"))
        return tuple(entries)
