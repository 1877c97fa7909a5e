"""Curated topic words: "does this question name a topic the FAQ or a core area owns?".

Topic words come from the knowledge files (``topics:`` of FAQ entries, ``work:`` of core
areas). A word of five letters or more is matched as the *start* of a question word, so one
curated "medfinansier" covers "medfinansiering", "medfinansieringen" and "medfinansierar";
a shorter one must be the whole word or the word with a Swedish ending ("lön" finds "löner",
"följ" finds "följer"), so curators write verbs as stems.
A phrase of several words matches when its words come in order, each at most three words after
the one before: "hitta partner" finds "hur hittar vi en partnerkommun", "in swedish" does not
find "a Swedish region … in".
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.answers.normalize import fold, inflection_variants

T = TypeVar("T")
_KEY = 4          # words are indexed by their first letters
_PREFIX = 5       # words this long or longer match as the start of a word
_GAP = 3          # words allowed between two words of a phrase
_MEMO_SIZE = 50_000
_MEMO_WORD_CHARS = 40    # longer "words" are noise, not worth the memory
# Endings a short stem may take: "följ" finds "följa", "följer", "följde"; "röst" finds "rösta".
_ENDINGS = frozenset({"a", "ar", "er", "de", "te", "t", "s", "as", "n", "en", "et", "na", "or",
                      "ade", "ning", "ningen", "ande", "ende", "are", "es", "ing"})


@dataclass(frozen=True)
class TopicHit(Generic[T]):
    value: T
    words: int        # words of the phrase that matched: more words, more specific
    chars: int
    start: int        # first question word it matched


def _key(word: str) -> str:
    return word[:_KEY]


class TopicWords(Generic[T]):
    """Phrases of word beginnings -> values."""

    def __init__(self, items: Iterable[tuple[str, T]]) -> None:
        self.phrases: list[tuple[tuple[str, ...], T]] = []
        self.distinct: list[int] = []           # distinct words per phrase
        self.by_key: dict[str, list[tuple[str, int]]] = defaultdict(list)  # key -> (word, phrase)
        for text, value in items:
            words = tuple(fold(text).split())
            if not words:
                continue
            index = len(self.phrases)
            self.phrases.append((words, value))
            self.distinct.append(len(set(words)))
            for word in set(words):
                self.by_key[_key(word)].append((word, index))
        # Which phrase words a question word begins, per distinct word: questions reuse a small
        # vocabulary, so this turns the per-word scan into one dict lookup (bounded; cleared
        # when full). Together with the one-word memo in phrases.py: best of 15 passes over the
        # labelled mix, 5,250-5,700 -> 5,700-6,000 answers/s on the noisy 2-core machine.
        self._word_hits: dict[str, tuple[tuple[str, int], ...]] = {}

    def _hits_of(self, tok: str) -> tuple[tuple[str, int], ...]:
        hits = self._word_hits.get(tok)
        if hits is None:
            # a three-letter word is its own key: "lön" must find "löner" (key "lone") too
            short = self.by_key.get(tok[:3], ()) if len(tok) > 3 else ()
            hits = tuple((word, index) for word, index in (*self.by_key.get(_key(tok), ()), *short)
                         if _matches(word, tok))
            if len(tok) <= _MEMO_WORD_CHARS:
                if len(self._word_hits) >= _MEMO_SIZE:
                    self._word_hits.clear()
                self._word_hits[tok] = hits
        return hits

    def find(self, toks: Sequence[str]) -> list[TopicHit[T]]:
        """Every phrase all of whose words begin a word of ``toks``, most specific first."""
        seen: dict[int, dict[str, list[int]]] = {}
        for position, tok in enumerate(toks):
            for word, index in self._hits_of(tok):
                seen.setdefault(index, {}).setdefault(word, []).append(position)
        hits = []
        for index, matched in seen.items():
            words, value = self.phrases[index]
            if len(matched) < self.distinct[index]:
                continue    # a word of the phrase is missing: no ordering walk (+5–7 %, best of 15)
            # most curated topics are one word: its first position, without the ordering walk
            start = matched[words[0]][0] if len(words) == 1 else _in_order(words, matched)
            if start is not None:
                hits.append(TopicHit(value, len(words), sum(map(len, words)), start))
        hits.sort(key=lambda h: (-h.words, -h.chars, h.start))
        return hits


def _matches(word: str, tok: str) -> bool:
    if len(word) >= _PREFIX:
        return tok.startswith(word)
    return tok == word or word in inflection_variants(tok) or (
        tok.startswith(word) and len(word) >= 3 and tok[len(word):] in _ENDINGS)


def _in_order(words: tuple[str, ...], positions: dict[str, list[int]]) -> int | None:
    """Where the phrase starts, if its words occur in order with short gaps; else None."""
    for start in positions.get(words[0], ()):
        at = start
        for word in words[1:]:
            nxt = [p for p in positions.get(word, ()) if at < p <= at + _GAP + 1]
            if not nxt:
                break
            at = nxt[0]
        else:
            return start
    return None
