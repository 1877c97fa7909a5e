from __future__ import annotations

import html
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.telegram.formatting import (
    bold,
    escape,
    is_blank,
    link,
    nonempty,
    plain_to_html,
    split_message,
    truncate_input,
    utf16_len,
    visible_text,
)

# --- a small validator mirroring Telegram's HTML parse mode -----------------------------------

_SIMPLE_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre",
                "tg-spoiler"}  # fmt: skip
_TOKEN = re.compile(r"<[^>]*>|&[^;]*;|[^<&]+|[<&]", re.DOTALL)
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7});")
_TAG = re.compile(r'<(/?)([a-z-]+)((?:\s+[a-z-]+(?:="[^"<>]*")?)*)\s*>')


def telegram_html_errors(chunk: str) -> list[str]:
    """Problems Telegram would reject ``chunk`` for (empty list = valid)."""
    errors: list[str] = []
    stack: list[str] = []
    text: list[str] = []
    for m in _TOKEN.finditer(chunk):
        tok = m.group()
        if tok.startswith("<"):
            tag = _TAG.fullmatch(tok)
            if not tag:
                errors.append(f"bad tag or bare '<': {tok!r}")
                continue
            closing, name, attrs = tag.group(1), tag.group(2), tag.group(3).strip()
            if closing:
                if attrs or not stack or stack.pop() != name:
                    errors.append(f"unbalanced {tok!r}")
                continue
            if name == "a":
                ok = re.fullmatch(r'href="[^"]+"', attrs) is not None
            elif name == "span":
                ok = attrs == 'class="tg-spoiler"'
            elif name == "blockquote":
                ok = attrs in ("", "expandable")
            elif name == "code":
                ok = attrs == "" or re.fullmatch(r'class="language-[\w+-]+"', attrs) is not None
            else:
                ok = name in _SIMPLE_TAGS and attrs == ""
            if not ok:
                errors.append(f"unsupported tag {tok!r}")
            stack.append(name)
        elif tok.startswith("&"):
            if not _ENTITY.fullmatch(tok):
                errors.append(f"bad entity {tok!r}")
            text.append(html.unescape(tok))
        elif ">" in tok:
            errors.append("bare '>'")
        else:
            text.append(tok)
    if stack:
        errors.append(f"unclosed tags {stack}")
    if is_blank("".join(text)):
        errors.append("no visible text (Telegram: message text is empty)")
    return errors


def reassembles(original: str, chunks: list[str]) -> bool:
    """The chunks' visible texts, in order, are the original modulo blanks at split points."""
    pos = 0
    for chunk in chunks:
        while pos < len(original) and is_blank(original[pos]):
            pos += 1
        piece = visible_text(chunk)
        if not original.startswith(piece, pos):
            return False
        pos += len(piece)
    return is_blank(original[pos:])


def check_chunks(original_visible: str, chunks: list[str], limit: int) -> None:
    for chunk in chunks:
        assert chunk, "empty chunk"
        assert utf16_len(chunk) <= limit
        assert telegram_html_errors(chunk) == [], chunk
    assert reassembles(original_visible, chunks)


# --- unit tests --------------------------------------------------------------------------------


def test_validator_rejects_what_telegram_rejects() -> None:
    assert telegram_html_errors("<b>ok</b> &amp; &#228;") == []
    assert telegram_html_errors("<b>unclosed") != []
    assert telegram_html_errors("a < b") != []
    assert telegram_html_errors("AT&T") != []
    assert telegram_html_errors("<div>x</div>") != []
    assert telegram_html_errors("<b> \u200b </b>") != []
    assert telegram_html_errors('<a href="https://icld.se/">ICLD</a>') == []


def test_escape_covers_text_and_attributes() -> None:
    assert escape('<a href="x">&</a>') == "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"
    assert bold("Tom & Jerry <3") == "<b>Tom &amp; Jerry &lt;3</b>"


def test_link_escapes_url_and_label_and_rejects_odd_schemes() -> None:
    out = link('https://icld.se/?a=1&b="2"', "ICLD <webb>")
    assert out == '<a href="https://icld.se/?a=1&amp;b=&quot;2&quot;">ICLD &lt;webb&gt;</a>'
    assert telegram_html_errors(out) == []
    with pytest.raises(ValueError):
        link("javascript:alert(1)", "x")


def test_plain_to_html_keeps_urls_as_plain_text() -> None:
    out = plain_to_html("Läs mer på https://icld.se/?a=1&b=2 <idag>")
    assert out == "Läs mer på https://icld.se/?a=1&amp;b=2 &lt;idag&gt;"
    assert "<a " not in out
    assert plain_to_html("x\ud800y") == "x\ufffdy"  # lone surrogate cannot be sent as UTF-8


def test_utf16_len_counts_astral_characters_twice() -> None:
    assert utf16_len("åäö") == 3
    assert utf16_len("🇸🇪") == 4
    assert utf16_len("") == 0


def test_nonempty_uses_telegrams_notion_of_empty() -> None:
    assert nonempty("Hej", "reserv") == "Hej"
    for blank in ("", "   \n", "<b> </b>", "\u200b\ufeff", "&#32;"):
        assert nonempty(blank, "Jag har inget svar just nu.") == "Jag har inget svar just nu."
    with pytest.raises(ValueError):
        nonempty("", " ")


def test_split_short_text_is_single_chunk_and_blank_is_none() -> None:
    assert split_message("Hej på dig!") == ["Hej på dig!"]
    assert split_message("  \n Hej \n ") == ["Hej"]
    assert split_message("") == []
    assert split_message(" \n\u200b ") == []


def test_split_prefers_paragraphs_then_lines_then_sentences() -> None:
    para = "A" * 60 + "\n\n" + "B" * 30 + "\n" + "C" * 5
    assert split_message(para, limit=80) == ["A" * 60, "B" * 30 + "\n" + "C" * 5]
    lines = "A" * 50 + "\n" + "B" * 20 + " mer text. Sedan " + "C" * 40
    assert split_message(lines, limit=80)[0] == "A" * 50
    sentences = "Första meningen är här. Andra meningen fortsätter lite till och slutar"
    chunks = split_message(sentences, limit=40)
    assert chunks[0] == "Första meningen är här."
    assert chunks[1].startswith("Andra")


def test_split_does_not_send_tiny_messages_for_an_early_paragraph_break() -> None:
    text = "Kort.\n\n" + "ord " * 40
    chunks = split_message(text, limit=80)
    assert chunks[0].startswith("Kort.\n\nord ord")
    assert 40 <= utf16_len(chunks[0]) <= 80


def test_split_never_cuts_entities_or_grapheme_clusters() -> None:
    text = plain_to_html("&<>\"" * 50)
    chunks = split_message(text, limit=23)
    assert all(telegram_html_errors(c) == [] for c in chunks)
    assert "".join(visible_text(c) for c in chunks) == "&<>\"" * 50
    family = "👩\u200d👩\u200d👧" * 20  # 8 UTF-16 units per family emoji
    chunks = split_message(family, limit=20)
    assert all(c == "👩\u200d👩\u200d👧" * 2 for c in chunks)
    flags = "🇸🇪" * 9
    assert all(len(c) % 2 == 0 for c in split_message(flags, limit=6))


def test_split_reopens_tags_across_chunks() -> None:
    text = "<b>fet " + "ord " * 30 + '</b><a href="https://icld.se/">länk ' + "x " * 20 + "</a>"
    chunks = split_message(text, limit=60)
    assert len(chunks) > 2
    for chunk in chunks:
        assert utf16_len(chunk) <= 60
        assert telegram_html_errors(chunk) == [], chunk
    assert chunks[1].startswith("<b>") and chunks[1].endswith("</b>")
    assert chunks[-1].startswith('<a href="https://icld.se/">') and chunks[-1].endswith("</a>")


def test_split_rejects_limit_smaller_than_one_unit() -> None:
    with pytest.raises(ValueError):
        split_message('<a href="https://icld.se/">x</a>', limit=10)


def test_truncate_input() -> None:
    assert truncate_input("kort fråga") == "kort fråga"
    assert len(truncate_input("a" * 5000)) == 1000
    assert truncate_input("hej på dig kompis", max_chars=14) == "hej på dig"
    # Decomposed "å" (a + combining ring) is not split from its accent.
    assert truncate_input("xxa\u030ayy", max_chars=3) == "xx"
    assert truncate_input("ab👍🏽cd", max_chars=3) == "ab"
    assert truncate_input("🇸🇪🇳🇴", max_chars=3) == "🇸🇪"
    assert truncate_input("ab\u200d👍cd", max_chars=3) == "a"  # ZWJ sequence kept whole
    with pytest.raises(ValueError):
        truncate_input("x", max_chars=0)


# --- property tests ----------------------------------------------------------------------------

_WORDS = st.sampled_from(["hej", "på", "dig", "&", "<", '"', "\n", "\n\n", " ", ".", "🇸🇪",
                          "å", "a\u0308", "👩\u200d👧", "\u200b", "x" * 40])  # fmt: skip
# Long texts (>= 4500 characters, so several messages) built by repeating a random piece.
_long_text = st.builds(
    lambda part, extra: part * (4500 // len(part) + extra),
    st.text(min_size=1, max_size=300) | st.lists(_WORDS, min_size=1, max_size=40).map("".join),
    st.integers(0, 30),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_long_text)
def test_property_default_limit(text: str) -> None:
    chunks = split_message(plain_to_html(text))
    check_chunks(text, chunks, 4096)
    assert bool(chunks) == (not is_blank(text))


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=400), st.integers(min_value=12, max_value=200))
def test_property_small_limits(text: str, limit: int) -> None:
    chunks = split_message(plain_to_html(text), limit=limit)
    check_chunks(text, chunks, limit)


@st.composite
def _html_trees(draw: st.DrawFn, depth: int = 0) -> tuple[str, str]:
    """(html, visible text) built from the module's own helpers and nested tags."""
    parts: list[tuple[str, str]] = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["text", "text", "bold", "link", "tag"]))
        if kind == "text":
            words = "".join(draw(st.lists(_WORDS, max_size=12)))
            parts.append((plain_to_html(words), words))
        elif kind == "bold":
            words = "".join(draw(st.lists(_WORDS, max_size=8)))
            parts.append((bold(words), words))
        elif kind == "link":
            label = "".join(draw(st.lists(_WORDS, max_size=6)))
            parts.append((link("https://icld.se/?a=1&b=2", label), label))
        elif depth < 3:
            tag = draw(st.sampled_from(["i", "u", "s", "code", "tg-spoiler", "blockquote"]))
            inner_html, inner_text = draw(_html_trees(depth + 1))
            parts.append((f"<{tag}>{inner_html}</{tag}>", inner_text))
    return "".join(h for h, _ in parts), "".join(t for _, t in parts)


@settings(max_examples=400, deadline=None)
@given(_html_trees(), st.integers(min_value=200, max_value=500))
def test_property_nested_tags(tree: tuple[str, str], limit: int) -> None:
    html_text, visible = tree
    chunks = split_message(html_text, limit=limit)
    check_chunks(visible, chunks, limit)
    assert bool(chunks) == (not is_blank(visible))


@given(st.text(max_size=3000), st.integers(min_value=1, max_value=1200))
def test_property_truncate_input(text: str, max_chars: int) -> None:
    out = truncate_input(text, max_chars)
    assert len(out) <= max_chars
    assert text.startswith(out)
    if len(text) <= max_chars:
        assert out == text
