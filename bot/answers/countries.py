"""Finding the countries a question mentions, partner or not.

The 19 partner countries and their aliases come from countries.yaml. Every other country of the
world comes from CLDR (via Babel) in Swedish and English, so "Norge" or "Belarus" gets a clear
no instead of "I don't understand". Which part of the world a non-partner lies in is derived
from the IANA time zones CLDR lists for it, with curated overrides for island states.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from babel import Locale
from babel.core import get_global
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.answers.normalize import fold, inflection_variants, tokens
from bot.answers.phrases import PhraseIndex
from bot.knowledge.model import Country, Knowledge, localized

# Sweden is the applicant side, never a partner; names that are ordinary words are ignored.
IGNORED_ISO = frozenset({"SE", "EU", "EZ", "UN", "QO", "ZZ", "XA", "XB", "AQ", "BV", "HM", "CP", "DG"})
AMBIGUOUS_NAMES = frozenset({"jordan", "jersey", "man", "chad", "guernsey", "kanarieoarna"})
FUZZY_MIN = 6
GUARD_BEFORE = frozenset({"i", "in", "huvudstaden", "staden", "kommunen", "stad", "orten",
                          "hamnstaden", "kuststaden", "city", "town", "capital"})
GUARD_AFTER = frozenset({"vid", "nara", "near"})
_ZONE_CONTINENT = {"Europe": "europe", "Asia": "asia", "Africa": "africa", "America": "americas",
                   "Pacific": "oceania", "Australia": "oceania", "Arctic": "europe"}


@dataclass(frozen=True)
class WorldCountry:
    iso: str
    name: str          # Swedish
    name_en: str
    continent: str     # europe, asia, africa, americas, oceania
    partner: Country | None

    def display(self, lang: str) -> str:
        return localized(self, "name", lang)


@dataclass(frozen=True)
class Mention:
    country: WorldCountry
    start: int         # token positions in the folded question
    end: int


def _name_variants(name: str) -> list[str]:
    """CLDR names like "Myanmar (Burma)" or "Kongo-Kinshasa" as the forms people type."""
    out = [name]
    bracket = re.match(r"^(.*?)\s*\((.*)\)\s*$", name)
    if bracket:
        out += [bracket.group(1), bracket.group(2)]
    out += [part for part in re.split(r"\s+-\s+", name) if part != name]
    return out


class CountryFinder:
    """Index of every country name and alias in folded form, for fast mention lookup."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self.by_iso = self._world()
        labels: list[tuple[str, str]] = []
        for country in self.by_iso.values():
            names = [country.name, country.name_en]
            if country.partner:
                names += list(country.partner.aliases)
            names += list(knowledge.other_country_aliases.get(country.iso, ()))
            labels += [(variant, country.iso) for name in names for variant in _name_variants(name)]
        self.index: PhraseIndex[str] = PhraseIndex(labels, ignore=AMBIGUOUS_NAMES)

        # Typos are corrected only towards real country names and the partner countries' long
        # aliases (not towns like "Mostar", one letter from "kostar"), never in the first
        # letter. Other countries' cities are left out: a typo in one gets "Menade du …?"
        # (``suggest``), and correcting towards 1,200 more names cost ~30 µs per long word.
        official = {fold(n) for c in self.by_iso.values() for n in (c.name, c.name_en)}
        partner_names = {fold(a) for c in self.by_iso.values() if c.partner for a in c.partner.aliases}
        self.guarded = {key: iso for iso, names in knowledge.guarded_cities.items()
                        for name in names for key in (fold(name),) if " " not in key}
        self.fuzzy_choices: dict[str, list[str]] = {}
        for key in self.index.phrases:
            if " " not in key and len(key) >= FUZZY_MIN and (
                    key in official or (len(key) >= 7 and key in partner_names)):
                self.fuzzy_choices.setdefault(key[0], []).append(key)

    def _world(self) -> dict[str, WorldCountry]:
        sv, en = Locale("sv").territories, Locale("en").territories
        zones: Mapping[str, list[str]] = get_global("territory_zones")
        overrides = self.knowledge.continent_overrides
        world: dict[str, WorldCountry] = {}
        for iso, name in sv.items():
            if len(iso) != 2 or not iso.isalpha() or iso in IGNORED_ISO or iso not in zones:
                continue
            votes = Counter(_ZONE_CONTINENT.get(z.split("/")[0], "") for z in zones[iso])
            continent = overrides.get(iso) or (votes.most_common(1)[0][0] if votes else "") or "oceania"
            world[iso] = WorldCountry(iso, name, en.get(iso, name), continent, None)
        for region in self.knowledge.regions:
            for partner in region.countries:
                world[partner.iso] = WorldCountry(partner.iso, partner.name, partner.name_en,
                                                  region.id, partner)
        return world

    @cached_property
    def vocabulary_guard(self) -> frozenset[str]:
        """Words seen in the FAQ, and Swedish places: never 'corrected' into a country name."""
        words: set[str] = set()
        for entry in self.knowledge.faq:
            for q in (*entry.questions, *entry.questions_en):
                words.update(fold(q).split())
        for place in self.knowledge.swedish_places:     # "Helsingborgs stad": and its genitive
            words.update(w for word in tokens(place) for w in (word, f"{word}s"))
        return frozenset(words - set(self.index.phrases))

    def find(self, toks: list[str], taken: list[bool] | None = None,
             fuzzy: bool = True) -> list[Mention]:
        """Every country mentioned in the folded tokens, in order, each once.

        With ``fuzzy=False`` only exact names and aliases are found; call ``find_fuzzy`` after
        other recognisers (regions, organisation kinds) have claimed their words.
        """
        taken = taken if taken is not None else [False] * len(toks)
        mentions = [Mention(self.by_iso[f.value], f.start, f.end) for f in self.index.find(toks, taken)]
        if self.guarded:
            mentions += self._guarded(toks, taken)
        if fuzzy:
            mentions += self.find_fuzzy(toks, taken)
        return unique_mentions(mentions)

    def _guarded(self, toks: list[str], taken: list[bool]) -> list[Mention]:
        """ "kommunen i Split", "huvudstaden Sofia", "Kotor vid Adriatiska havet" — not "split
        the budget" or "ett mejl från Sofia"."""
        found = []
        for i, tok in enumerate(toks):
            iso = self.guarded.get(tok)
            if iso is None or taken[i] or iso not in self.by_iso:
                continue
            before = toks[i - 1] if i else ""
            after = toks[i + 1] if i + 1 < len(toks) else ""
            if before in GUARD_BEFORE or after in GUARD_AFTER:
                found.append(Mention(self.by_iso[iso], i, i + 1))
                taken[i] = True
        return found

    def find_fuzzy(self, toks: list[str], taken: list[bool]) -> list[Mention]:
        """Misspelt country names among the words nothing else has claimed."""
        mentions = []
        for i, tok in enumerate(toks):
            if not taken[i] and len(tok) >= FUZZY_MIN and tok not in self.vocabulary_guard:
                iso = self._fuzzy(tok)
                if iso:
                    mentions.append(Mention(self.by_iso[iso], i, i + 1))
                    taken[i] = True
        return mentions

    def _fuzzy(self, tok: str) -> str | None:
        limit = 2 if len(tok) >= 9 else 1
        choices = self.fuzzy_choices.get(tok[0], [])
        for cand in (tok, *inflection_variants(tok)):
            hit = process.extractOne(cand, choices, scorer=OSA.distance, score_cutoff=limit)
            if hit:
                return self.index.phrases[hit[0]]
        return None

    @cached_property
    def spellings(self) -> dict[str, str]:
        """How each name is written, for "Menade du Harare?" (built on the first suggestion:
        folding every name again at start-up cost ~10 ms of the load budget)."""
        found: dict[str, str] = {}
        for country in self.by_iso.values():
            for name in (*(country.partner.aliases if country.partner else ()),
                         *self.knowledge.other_country_aliases.get(country.iso, ())):
                found.setdefault(fold(name), name)
        return found

    @cached_property
    def _short_names(self) -> dict[str, list[str]]:
        """Countries' own one-word names of four to seven letters, by first letter."""
        choices: dict[str, list[str]] = {}
        for country in self.by_iso.values():
            for key in {fold(country.name), fold(country.name_en)}:
                if " " not in key and 4 <= len(key) <= 7 and key in self.index.phrases:
                    choices.setdefault(key[0], []).append(key)
        return choices

    @cached_property
    def _place_choices(self) -> dict[str, list[str]]:
        """Every one-word name of five letters or more, by first letter, for suggestions."""
        choices: dict[str, list[str]] = {}
        for key in self.index.phrases:
            if " " not in key and len(key) >= 5:
                choices.setdefault(key[0], []).append(key)
        return choices

    def suggest(self, tok: str, short: bool = False) -> tuple[str, WorldCountry] | None:
        """A place a misspelt word may mean ("harrare" -> Harare, Zimbabwe), for a "Menade
        du …?" — too loose to correct silently, as ``find_fuzzy`` does for longer names. In a
        message of a few words ("Gana med?") a short word may mean a country's own name."""
        if tok in self.vocabulary_guard:
            return None
        if len(tok) >= FUZZY_MIN:
            choices, limit = self._place_choices.get(tok[0], []), 2
        elif short and len(tok) >= 4:
            choices, limit = self._short_names.get(tok[0], []), 1
        else:
            return None
        hit = process.extractOne(tok, choices, scorer=OSA.distance, score_cutoff=limit)
        return (hit[0], self.by_iso[self.index.phrases[hit[0]]]) if hit else None

    def partners_in(self, continent: str) -> list[Country]:
        region = self.knowledge.region(continent)
        return list(region.countries) if region else []


def unique_mentions(mentions: list[Mention]) -> list[Mention]:
    """Sorted by position, each country once."""
    seen: set[str] = set()
    unique = []
    for m in sorted(mentions, key=lambda m: m.start):
        if m.country.iso not in seen:
            seen.add(m.country.iso)
            unique.append(m)
    return unique
