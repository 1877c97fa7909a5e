"""Telegram HTML helpers: escaping, message splitting and input truncation.

Telegram's HTML parse mode accepts a small tag set and the entities ``&lt; &gt; &amp; &quot;``
plus numeric ones. A message must be 1-4096 characters after entity parsing and must not be
"empty" -- Telegram (tdlib ``strip_empty_characters``) also treats characters such as
U+200B or U+FEFF as empty, so :func:`is_blank` follows that list, not just ``str.isspace``.
"""
from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from typing import NamedTuple
from urllib.parse import urlsplit

__all__ = [
    "TELEGRAM_LIMIT", "bold", "escape", "is_blank", "link", "nonempty", "plain_to_html",
    "split_message", "truncate_input", "utf16_len", "visible_text",
]  # fmt: skip

TELEGRAM_LIMIT = 4096
_LINK_SCHEMES = frozenset({"http", "https", "tg", "mailto"})
# Characters tdlib removes, maps to a space, or ignores when deciding that a text is empty.
_EMPTY_CHARS = frozenset(
    "\u00a0\u030a\u0333\u033f\u1680\u180e\u200b\u200c\u200d\u200e\u200f"
    "\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u202f\u205f\u2800\u3000\ufeff\ufffc"
)
_ZWJ = "\u200d"
_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)(?:\s[^<>]*)?>")
_ATOM_RE = re.compile(
    r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?>"
    r"|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
    r"|.",
    re.DOTALL,
)
_SENTENCE_END = frozenset(".!?\u2026")
_CLOSERS = frozenset(")]}\"'\u00bb\u201d\u2019")
_WORD_BACKOFF = 32  # truncate_input: how far back to look for a word boundary

_CHAR, _OPEN, _CLOSE = 0, 1, 2
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def escape(text: str) -> str:
    """Escape ``& < > "`` -- safe for text and for double-quoted attribute values."""
    return text.translate(_ESCAPES)


def bold(text: str) -> str:
    return f"<b>{escape(text)}</b>"


def link(url: str, label: str) -> str:
    """An ``<a href>`` link; only http(s), tg and mailto URLs are accepted."""
    if urlsplit(url.strip()).scheme.lower() not in _LINK_SCHEMES:
        raise ValueError("link() accepts only http, https, tg and mailto URLs")
    return f'<a href="{escape(url.strip())}">{escape(label)}</a>'


def plain_to_html(text: str) -> str:
    """Escape a plain engine answer for HTML parse mode.

    URLs stay plain text so Telegram auto-links them (``&amp;`` in a URL is parsed back to
    ``&`` before auto-linking). Lone surrogates, which cannot be sent as UTF-8, become U+FFFD.
    """
    clean = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return escape(clean)


def utf16_len(s: str) -> int:
    """Length in UTF-16 code units, the unit Telegram uses for limits and entity offsets."""
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


def is_blank(ch: str) -> bool:
    """True if all of ``ch`` is whitespace or characters Telegram strips as empty ("" too)."""
    for c in ch:
        o = ord(c)
        if not (c.isspace() or o <= 32 or c in _EMPTY_CHARS or 0xE0000 <= o <= 0xE007F):
            return False
    return True


class _Atom(NamedTuple):
    raw: str
    kind: int  # _CHAR, _OPEN or _CLOSE
    name: str  # tag name, "" for characters
    char: str  # decoded text of a character/entity, "" for tags


def _tokenize(html_text: str) -> list[_Atom]:
    atoms: list[_Atom] = []
    for m in _ATOM_RE.finditer(html_text):
        raw = m.group()
        if len(raw) > 1 and raw[0] == "<":
            tag = _TAG_RE.fullmatch(raw)
            assert tag is not None
            kind = _CLOSE if tag.group(1) else _OPEN
            atoms.append(_Atom(raw, kind, tag.group(2).lower(), ""))
        elif len(raw) > 1:
            atoms.append(_Atom(raw, _CHAR, "", html.unescape(raw)))
        else:
            atoms.append(_Atom(raw, _CHAR, "", raw))
    return atoms


def visible_text(html_text: str) -> str:
    """The text Telegram shows for ``html_text``: tags removed, entities decoded."""
    return "".join(a.char for a in _tokenize(html_text))


def nonempty(text: str, fallback: str) -> str:
    """``text`` if it shows something in Telegram, else ``fallback`` (which must)."""
    if not is_blank(visible_text(text)):
        return text
    if is_blank(visible_text(fallback)):
        raise ValueError("nonempty() needs a fallback with visible text")
    return fallback


def _is_extend(c: str) -> bool:
    """Characters that continue the previous grapheme cluster."""
    o = ord(c)
    return (
        unicodedata.category(c) in ("Mn", "Me", "Mc")
        or c == _ZWJ
        or 0x1F3FB <= o <= 0x1F3FF  # emoji skin-tone modifiers
        or 0xE0020 <= o <= 0xE007F  # emoji tag sequences (subdivision flags)
        or 0x1160 <= o <= 0x11FF  # Hangul medial vowels / final consonants
        or 0xDC00 <= o <= 0xDFFF  # low surrogate (only in surrogatepass-decoded strings)
    )


def _is_ri(c: str) -> bool:
    return len(c) == 1 and 0x1F1E6 <= ord(c) <= 0x1F1FF  # regional indicator (flags)


def _safe_cut(chars: Sequence[str], pos: int) -> bool:
    """True if cutting ``chars`` before index ``pos`` keeps grapheme clusters whole.

    ``chars`` is a string or a list of one-character strings ("" = a tag, always safe).
    """
    if pos <= 0 or pos >= len(chars):
        return True
    prev, nxt = chars[pos - 1], chars[pos]
    if not prev or not nxt:
        return True
    if _is_extend(nxt) or prev == _ZWJ or 0xD800 <= ord(prev) <= 0xDBFF:
        return False
    if prev == "\r" and nxt == "\n":
        return False
    if _is_ri(prev) and _is_ri(nxt):
        run, k = 0, pos - 1
        while k >= 0 and _is_ri(chars[k]):
            run, k = run + 1, k - 1
        return run % 2 == 0  # never split a flag (a pair of regional indicators)
    return True


def truncate_input(text: str, max_chars: int = 1000) -> str:
    """Cut over-long user input to at most ``max_chars`` code points before matching.

    The cut never splits a grapheme cluster (combining accents, emoji ZWJ sequences, flags,
    skin tones) and, when a word boundary is near, drops the trailing partial word.
    """
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    if len(text) <= max_chars:
        return text
    cut = max_chars
    while cut > 0 and not _safe_cut(text, cut):
        cut -= 1
    if cut == 0:  # one enormous cluster (e.g. "zalgo" text): a hard cut is all we can do
        cut = max_chars - 1 if 0xD800 <= ord(text[max_chars - 1]) <= 0xDBFF else max_chars
    head = text[:cut]
    if not text[cut].isspace():  # drop a trailing partial word if a boundary is near
        space = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"))
        if space >= max(1, cut - _WORD_BACKOFF) and head[:space].strip():
            head = head[:space]
    return head.rstrip()


class _Doc:
    """Pre-computed facts about a tokenized HTML text, used by split_message."""

    def __init__(self, atoms: list[_Atom]) -> None:
        self.atoms = atoms
        n = len(atoms)
        self.chars = [a.char if a.kind == _CHAR else "" for a in atoms]
        self.solid = [a.kind == _CHAR and not is_blank(a.char) for a in atoms]
        self.cum = [0] * (n + 1)  # prefix sums of raw UTF-16 widths
        self.stacks: list[tuple[tuple[str, str], ...]] = [()] * (n + 1)  # open tags before i
        self.open_w, self.close_w = [0] * (n + 1), [0] * (n + 1)  # re-open / close widths
        stack: tuple[tuple[str, str], ...] = ()
        for i, a in enumerate(atoms):
            self.cum[i + 1] = self.cum[i] + utf16_len(a.raw)
            if a.kind == _OPEN:
                stack = stack + ((a.name, a.raw),)
            elif a.kind == _CLOSE:
                names = [name for name, _ in stack]
                if a.name in names:
                    stack = stack[: len(names) - 1 - names[::-1].index(a.name)]
            if a.kind != _CHAR:
                self.open_w[i + 1] = sum(utf16_len(raw) for _, raw in stack)
                self.close_w[i + 1] = sum(len(name) + 3 for name, _ in stack)
            else:
                self.open_w[i + 1], self.close_w[i + 1] = self.open_w[i], self.close_w[i]
            self.stacks[i + 1] = stack
        self.levels = self._break_levels()

    def _break_levels(self) -> list[int]:
        """For each index starting a blank run: 3 paragraph, 2 line, 1 sentence, 0 space."""
        n = len(self.atoms)
        levels = [-1] * (n + 1)
        last_solid = -1
        i = 0
        while i < n:
            if self.solid[i]:
                last_solid, i = i, i + 1
                continue
            # Only real whitespace is a boundary (a ZWJ is "blank" but joins an emoji).
            if last_solid < 0 or not self.chars[i].isspace():
                i += 1
                continue
            j, newlines = i, 0
            while j < n and not self.solid[j]:
                newlines += self.chars[j].count("\n")
                j += 1
            k = last_solid  # a sentence ends in . ! ? or … (maybe followed by ) " » etc.)
            while k > 0 and (self.chars[k] in _CLOSERS or not self.chars[k]):
                k -= 1
            sentence = int(self.chars[k] in _SENTENCE_END)
            levels[i] = 3 if newlines >= 2 else 2 if newlines else sentence
            i = j
        return levels

    def cost(self, start: int, end: int) -> int:
        return self.open_w[start] + self.cum[end] - self.cum[start] + self.close_w[end]

    def render(self, start: int, end: int) -> str:
        head = "".join(raw for _, raw in self.stacks[start])
        body = "".join(a.raw for a in self.atoms[start:end])
        tail = "".join(f"</{name}>" for name, _ in reversed(self.stacks[end]))
        return head + body + tail

    def skip_blank(self, i: int, stop: int) -> int:
        while i < stop and not self.solid[i]:
            i += 1
        return i

    def choose_end(self, start: int, stop: int, limit: int) -> int:
        base = self.open_w[start] - self.cum[start]
        fits: list[int] = []
        best: list[tuple[int, int] | None] = [None] * 4  # per level: (end, cost)
        e = start + 1
        while e <= stop and base + self.cum[e] <= limit:
            cost = base + self.cum[e] + self.close_w[e]
            if cost <= limit:
                fits.append(e)
                for level in range(self.levels[e] + 1):
                    best[level] = (e, cost)
            e += 1
        if not fits:
            raise ValueError(f"split_message: limit {limit} is too small for this text")
        for min_fill in (limit // 2, 0):  # prefer the best boundary that fills half a message
            for found in reversed(best):
                if found is not None and found[1] >= min_fill:
                    return found[0]
        for end in reversed(fits):  # no blank anywhere: hard cut between grapheme clusters
            if _safe_cut(self.chars, end):
                return end
        return fits[-1]


def split_message(html_text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split Telegram HTML into chunks that can each be sent as one message.

    Prefers paragraph, then line, then sentence, then word boundaries (the blank run at a
    boundary is dropped); never cuts inside a tag, an entity or a grapheme cluster. Tags open
    at a split are closed at the end of one chunk and re-opened at the start of the next.
    Each chunk is at most ``limit`` UTF-16 units *of raw HTML* (an upper bound of what Telegram
    counts) and has visible, non-blank text. Blank input gives ``[]`` -- use :func:`nonempty`.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    if (len(html_text) <= limit // 2 and "<" not in html_text and html_text.strip()
            and not is_blank(html_text[0]) and not is_blank(html_text[-1])):
        return [html_text]        # the common case: a short answer with no tags, one message
    doc = _Doc(_tokenize(html_text))
    solid = [i for i, s in enumerate(doc.solid) if s]
    if not solid:
        return []
    doc_end = solid[-1] + 1
    chunks: list[str] = []
    start = solid[0]
    while start < doc_end:
        fits = doc.cost(start, doc_end) <= limit
        end = doc_end if fits else doc.choose_end(start, doc_end, limit)
        chunks.append(doc.render(start, end))
        start = doc.skip_blank(end, doc_end)
    return chunks
