"""Finding known multi-word names in a question, longest first, tolerant of Swedish endings."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.answers.normalize import fold, inflection_variants

T = TypeVar("T")
_MEMO_SIZE = 50_000
_MEMO_WORD_CHARS = 40    # longer "words" are noise, not worth the memory


@dataclass(frozen=True)
class Found(Generic[T]):
    value: T
    start: int      # token positions
    end: int


class PhraseIndex(Generic[T]):
    """Folded phrases -> values. "Syd Afrika" also finds "sydafrika"; "Kenyas" finds "kenya"."""

    def __init__(self, items: Iterable[tuple[str, T]], ignore: frozenset[str] = frozenset(),
                 compound_heads: bool = False, head_min: int = 6) -> None:
        """``compound_heads``: a Swedish compound ending in a known word of ``head_min``+
        letters counts as that word ("storstadskommun", "partnerkommunen" -> kommun,
        "energibolag" -> bolag)."""
        self.compound_heads = compound_heads
        self.phrases: dict[str, T] = {}
        for label, value in items:
            key = fold(label)
            if key and key not in ignore:
                self.phrases.setdefault(key, value)
                self.phrases.setdefault(key.replace(" ", ""), value)
        self.max_len = max((len(k.split()) for k in self.phrases), default=1)
        heads = ({k for k in self.phrases if " " not in k and len(k) >= head_min}
                 if compound_heads else set())
        self.heads = frozenset(heads)
        self.head_lengths = sorted({len(h) for h in heads}, reverse=True)
        self.first_words = frozenset(k.split()[0] for k in self.phrases)
        # Every match starts with a word sharing its first three letters with a phrase's first
        # word (endings are stripped, never beginnings), so a question with no such word is
        # skipped whole. Halves the engine's time in the five indexes it searches per question.
        self.starts = frozenset(w[:3] for w in self.first_words)
        self._one_word: dict[str, T | None] = {}

    def lookup_word(self, word: str) -> T | None:
        """``lookup([word])``, remembered per distinct word (bounded: cleared when full).
        Measured with the word memo in topics.py: see there (+5-9 %)."""
        try:
            return self._one_word[word]
        except KeyError:
            value = self.lookup([word])
            if len(word) <= _MEMO_WORD_CHARS:
                if len(self._one_word) >= _MEMO_SIZE:
                    self._one_word.clear()
                self._one_word[word] = value
            return value

    def _can_start(self, tok: str) -> bool:
        """Whether a phrase can begin with ``tok`` (a first word, or alone an inflection of a
        phrase; ``inflection_variants`` is cached)."""
        return tok in self.first_words or any(v in self.phrases for v in inflection_variants(tok))

    def lookup(self, words: list[str]) -> T | None:
        if len(words) > 1 and words[0] not in self.first_words:
            joined = "".join(words) if len(words) == 2 else ""
            return self.phrases.get(joined) if joined else None
        phrase = " ".join(words)
        if phrase in self.phrases:
            return self.phrases[phrase]
        if len(words) == 2 and "".join(words) in self.phrases:
            return self.phrases["".join(words)]
        for variant in inflection_variants(words[-1]):
            hit = self.phrases.get(" ".join([*words[:-1], variant]))
            if hit is not None:
                return hit
        if self.heads:
            word = words[-1]
            for length in self.head_lengths:
                if len(word) > length + 2 and word[-length:] in self.heads:
                    if len(words) == 1:
                        return self.phrases[word[-length:]]
                    # "kommunala energibolag" is "kommunala bolag", if that is a phrase
                    return self.phrases.get(" ".join([*words[:-1], word[-length:]]))
        return None

    def find(self, toks: list[str], taken: list[bool] | None = None) -> list[Found[T]]:
        """Non-overlapping matches, longest phrases first; marks ``taken`` positions."""
        taken = taken if taken is not None else [False] * len(toks)
        found: list[Found[T]] = []
        if not self.heads and not any(tok[:3] in self.starts for tok in toks):
            return found
        first_words = self.first_words
        # Where a match can start: a phrase's first word (or, alone, an inflection of one), or
        # two words that written together are a phrase ("syd afrika"). With 2,500 place names
        # nearly every question shares three letters with one, so the cheap test above rarely
        # skips the countries' index; this one leaves few positions to try (the same answers on
        # all 4,112 labelled questions; ~4,700 -> ~5,500 answers/s over the labelled mix, one
        # loaded 2-core run).
        starts: Sequence[int]
        if self.heads:
            starts = range(len(toks))
        else:
            starts = [i for i, tok in enumerate(toks) if self._can_start(tok)
                      or (i + 1 < len(toks) and toks[i] + toks[i + 1] in self.phrases)]
        for size in range(min(self.max_len, len(toks)), 0, -1):
            for start in starts:
                if start + size > len(toks):
                    continue
                if size > 2 and toks[start] not in first_words:
                    continue            # what lookup() would find first, without the slicing
                if any(taken[start:start + size]):
                    continue
                value = (self.lookup_word(toks[start]) if size == 1
                         else self.lookup(toks[start:start + size]))
                if value is not None:
                    found.append(Found(value, start, start + size))
                    taken[start:start + size] = [True] * size
        found.sort(key=lambda f: f.start)
        return found
