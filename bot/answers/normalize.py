"""Text normalisation made for how Swedish staff actually type in a chat.

People write "nar stanger ansokan" as often as "När stänger ansökan?", sometimes "naer" or
"ansoekan", add emoji, and inflect names ("Kenyas", "kommunalförbundet"). Everything the engine
compares (questions, FAQ phrasings, country names) goes through the same ``fold`` so both sides
meet in the same spelling.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

# Longest user text we look at. Real questions are short; cutting keeps the worst case fast.
MAX_QUESTION_CHARS = 500

_LETTER_MAP = str.maketrans({
    "å": "a", "ä": "a", "ö": "o", "æ": "a", "ø": "o", "é": "e", "è": "e", "ê": "e", "ë": "e",
    "á": "a", "à": "a", "â": "a", "ã": "a", "ç": "c", "ü": "u", "ú": "u", "ù": "u", "û": "u",
    "í": "i", "ì": "i", "î": "i", "ï": "i", "ó": "o", "ò": "o", "ô": "o", "õ": "o", "ñ": "n",
    "ş": "s", "ș": "s", "ţ": "t", "ț": "t", "ğ": "g", "ı": "i", "ý": "y", "ÿ": "y", "ß": "ss",
    "š": "s", "č": "c", "ć": "c", "ž": "z", "đ": "d", "ł": "l", "ń": "n", "ś": "s", "ź": "z",
    "ż": "z", "ř": "r", "ě": "e", "ů": "u", "ő": "o", "ű": "u",
})
# Typing "ae"/"oe"/"aa" for ä/ö/å is common on foreign keyboards. Folding the digraphs on
# *both* sides keeps matching consistent; the rare collisions it creates are harmless.
_NON_WORD = re.compile(r"[^0-9a-z]+")
_REPEATS = re.compile(r"([a-z])\1{2,}")       # "hejjjj" -> "hejj" -> still a typo, but shorter
# Chat spellings of common words, as staff type them ("vem e det som pröjsar?").
_COLLOQUIAL = {"e": "ar", "nan": "nagon", "nat": "nagot", "dom": "de", "mkt": "mycket",
               "projsar": "betalar", "projsa": "betala", "asa": "alltsa", "o": "och"}
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


def clip(text: str, limit: int = MAX_QUESTION_CHARS) -> str:
    """Cut over-long input before any matching; a question never needs more."""
    return text[:limit] if len(text) > limit else text


@lru_cache(maxsize=65536)
def fold_word(word: str) -> str:
    """One already lower-cased alphanumeric word to its matching form."""
    word = word.translate(_LETTER_MAP)
    if not word.isascii():
        word = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()
    return word.replace("ae", "a").replace("oe", "o").replace("aa", "a")


def tokens(text: str) -> list[str]:
    """Words of ``text`` in matching form: lower case, no diacritics, no punctuation or emoji."""
    text = unicodedata.normalize("NFKC", clip(text)).translate(_ZERO_WIDTH).casefold()
    text = text.translate(_LETTER_MAP)
    text = _REPEATS.sub(r"\1\1", _NON_WORD.sub(" ", _ascii(text)))
    return [_COLLOQUIAL.get(w, w) for w in map(fold_word, text.split())]


def fold(text: str) -> str:
    """``text`` as one space-separated string of folded tokens."""
    return " ".join(tokens(text))


_WRITTEN_WORD = re.compile(r"[^\W_]+")


def as_written(folded: Sequence[str], text: str) -> str:
    """The ``folded`` words as the user wrote them in ``text`` (lower case): "klimatanpassning",
    "jämställdhet" — to say a user's own word back to them. Words not found stay folded."""
    written: dict[str, str] = {}
    for word in _WRITTEN_WORD.findall(clip(text).casefold()):
        one = tokens(word)
        if len(one) == 1:
            written.setdefault(one[0], word)
    return " ".join(written.get(w, w) for w in folded)


def _ascii(text: str) -> str:
    if text.isascii():
        return text
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


# Endings of Swedish inflection that matter for names and nouns in questions: genitive -s,
# definite -en/-et/-n/-na, plurals -er/-ar/-or with definite -erna/-arna/-orna.
_SUFFIXES = ("ernas", "arnas", "ornas", "erna", "arna", "orna", "ens", "ets", "en", "et",
             "na", "er", "ar", "or", "s", "n")


@lru_cache(maxsize=65536)
def inflection_variants(word: str) -> tuple[str, ...]:
    """``word`` with common Swedish endings removed, longest ending first, min stem 3 letters."""
    return tuple(word[: -len(suffix)] for suffix in _SUFFIXES
                 if word.endswith(suffix) and len(word) - len(suffix) >= 3)
