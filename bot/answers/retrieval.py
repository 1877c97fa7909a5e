"""Fuzzy FAQ retrieval: which entry does a free-text question ask about, and how sure are we?

Each FAQ entry has many phrasings. A question is scored against every phrasing by weighted
word overlap (rare words count more, like BM25's IDF), after normalisation, stop-word removal and
light Swedish stemming, with typo-tolerant word matching through rapidfuzz. Words the FAQ has
never seen lower the score, which is what makes "när hämtas soporna i Ale?" an honest "I don't
know" instead of the Ale example. The top candidates are re-ranked with rapidfuzz's
``token_set_ratio`` on the whole string. The result is a confidence in [0, 1].
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.answers.normalize import tokens
from bot.knowledge.model import FaqEntry

# Function words in Swedish and English that say nothing about the topic.
STOP_WORDS = frozenset("""
a aa alla allt an and anda andra ar are as at att av bara be blir de dem den denna dess det
detta dig din dina do does en er era ert ett for fran fick far ha har hon hur i ibland
in inom is it ja jag kan kanske man med mej mig min mina mitt mm na nagon nagot nagra nar ni
nu och of oss om on or pa sa sadan sig sin ska skulle som the till to typ u upp ut vad var vara
vart vi vilka vilken vilket vill was we what when where which who will with you your our can
could would should shall may might us me my snalla please bra finns detta dar hade haft had has have vet
sa sag lite ok okej alltsa eller mycket manga antal antalet many number
ge mig hela lista listan berattar beratta info undrar veta vilja behover garna kort sammanfatta
tell give show me please kindly just
""".split())
_REWEIGHT_TOP = 12
_OOV_WEIGHT_FACTOR = 1.0
# An answer that contains every content word of the question, but none of the phrasings do,
# is a fair guess, not a sure one: it lands in the "Menade du …?" band at most.
_ANSWER_WEIGHT = 0.6


def stem(word: str) -> str:
    """Light Swedish stemmer: strip the commonest inflection endings (measured in bench/)."""
    for suffix in ("ernas", "arnas", "ornas", "heten", "erna", "arna", "orna", "ande", "ende",
                   "het", "ens", "are", "ast", "en", "et", "er", "ar", "or", "na", "as", "es",
                   "s", "n", "a", "e", "t"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def content_stems(text: str) -> list[str]:
    return [stem(w) for w in tokens(text) if w not in STOP_WORDS]


@dataclass(frozen=True)
class Hit:
    entry: FaqEntry
    score: float          # calibrated confidence in [0, 1]


@dataclass(frozen=True)
class _Phrasing:
    entry_index: int
    text: str             # folded phrasing, for the string-level re-rank
    weights: dict[str, float]
    total: float


class FaqIndex:
    """Inverted index over every FAQ phrasing (Swedish and English) and every answer."""

    def __init__(self, entries: tuple[FaqEntry, ...]) -> None:
        self.entries = entries
        docs: list[tuple[int, str, list[str]]] = []
        for i, entry in enumerate(entries):
            for q in (*entry.questions, *entry.questions_en, entry.title, entry.title_en):
                docs.append((i, " ".join(tokens(q)), content_stems(q)))
        answers = [set(content_stems(f"{e.answer} {e.answer_en}")) for e in entries]
        df: dict[str, set[int]] = defaultdict(set)
        for i, _, doc_stems in docs:
            for s in doc_stems:
                df[s].add(i)
        for i, answer_stems in enumerate(answers):
            for s in answer_stems:
                df[s].add(i)
        n = len(entries)
        self.idf = {s: math.log(1 + n / len(ids)) for s, ids in df.items()}
        self.oov_weight = max(self.idf.values(), default=1.0) * _OOV_WEIGHT_FACTOR
        self.vocab_by_initial: dict[str, list[str]] = defaultdict(list)
        for s in sorted(self.idf):
            self.vocab_by_initial[s[0]].append(s)
        # Whole words as the FAQ writes them, for typos that change the ending: "agneda" is one
        # swap from "agenda" but two edits from its stem "agend".
        self.surface: dict[str, str] = {}
        for entry in entries:
            for text in (*entry.questions, *entry.questions_en, entry.title, entry.title_en):
                for word in tokens(text):
                    if word not in STOP_WORDS and stem(word) in self.idf:
                        self.surface.setdefault(word, stem(word))
        self.surface_by_initial: dict[str, list[str]] = defaultdict(list)
        for word in sorted(self.surface):
            self.surface_by_initial[word[0]].append(word)
        self.phrasings: list[_Phrasing] = []
        self.postings: dict[str, list[int]] = defaultdict(list)
        for i, text, stems in docs:
            weights = {s: self.idf[s] for s in set(stems)}
            p = _Phrasing(i, text, weights, sum(weights.values()))
            for s in weights:
                self.postings[s].append(len(self.phrasings))
            self.phrasings.append(p)
        self.answer_postings: dict[str, list[int]] = defaultdict(list)
        for i, answer_stems in enumerate(answers):
            for s in answer_stems:
                self.answer_postings[s].append(i)
        self._resolved: dict[str, tuple[str, ...]] = {}

    def _correct(self, word: str) -> str | None:
        """A known stem within a typo or two of ``word``; never a change of first letter."""
        if len(word) < 6:     # shorter words are too often a different real word one letter away
            return None
        limit = 1 if len(word) < 9 else 2
        hit = process.extractOne(word, self.vocab_by_initial.get(word[0], ()),
                                 scorer=OSA.distance, score_cutoff=limit)
        return hit[0] if hit else None

    def _correct_surface(self, word: str) -> str | None:
        """The stem of a FAQ word within a typo of ``word`` as written ("agneda" -> "agend",
        "syfet" -> "syft"): whole words are longer than stems, so five letters are enough."""
        if len(word) < 5:
            return None
        limit = 1 if len(word) < 9 else 2
        hit = process.extractOne(word, self.surface_by_initial.get(word[0], ()),
                                 scorer=OSA.distance, score_cutoff=limit)
        return self.surface[hit[0]] if hit else None

    def _split_compound(self, word: str) -> tuple[str, ...]:
        """Swedish compounds the FAQ lacks, from two known parts: "partnerländer"."""
        for i in range(len(word) - 3, 3, -1):
            head, tail = word[:i], stem(word[i:])
            if tail in self.idf and len(tail) >= 3:
                for left in (head, head[:-1] if head.endswith("s") else ""):
                    if left in self.idf:
                        return (left, tail)
        return ()

    def resolve(self, word: str) -> tuple[str, ...]:
        """The known stems a question word stands for; ("?stem",) when the FAQ never saw it."""
        cached = self._resolved.get(word)
        if cached is not None:
            return cached
        s = stem(word)
        if s in self.idf:
            result: tuple[str, ...] = (s,)
        else:
            fixed = self._correct(s) or self._correct(word) or self._correct_surface(word)
            result = (fixed,) if fixed else (self._split_compound(word) or ("?" + s,))
        if len(self._resolved) < 100_000:
            self._resolved[word] = result
        return result

    def is_unknown(self, word: str) -> bool:
        """True for a content word the FAQ has never seen, even allowing for typos."""
        return word not in STOP_WORDS and self.resolve(word)[0].startswith("?")

    def query_stems(self, question_tokens: list[str]) -> dict[str, float]:
        """Known stems of the question with weights; unknown words count as rare noise."""
        out: dict[str, float] = {}
        for word in question_tokens:
            if word not in STOP_WORDS:
                for s in self.resolve(word):
                    out[s] = self.idf.get(s, self.oov_weight)
        return out

    def search(self, question_tokens: list[str], limit: int = 4) -> list[Hit]:
        """Best entries for the question, each once, highest confidence first."""
        q = self.query_stems(question_tokens)
        q_total = sum(q.values())
        if not q_total:
            return []
        scores: dict[int, float] = defaultdict(float)
        covered: dict[int, float] = defaultdict(float)
        for s, w in q.items():
            for pi in self.postings.get(s, ()):
                scores[pi] += w
            for ei in self.answer_postings.get(s, ()):
                covered[ei] += w
        best: dict[int, float] = {
            ei: _ANSWER_WEIGHT * shared / q_total for ei, shared in covered.items()}
        ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:_REWEIGHT_TOP]
        folded = " ".join(question_tokens)
        for pi, shared in ranked:
            p = self.phrasings[pi]
            dice = 2 * shared / (q_total + p.total)
            string = fuzz.token_set_ratio(folded, p.text) / 100
            score = 0.75 * dice + 0.25 * string
            if score > best.get(p.entry_index, 0.0):
                best[p.entry_index] = score
        hits = [Hit(self.entries[i], min(1.0, s)) for i, s in best.items()]
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits[:limit]
