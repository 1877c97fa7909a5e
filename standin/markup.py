"""Telegram-flavoured HTML and reply markup, as the Bot API stand-in checks them.

Stateless helpers: `html_to_plain` / `visible_text` (what the user sees), `utf16_len` (how
Telegram counts length), `check_reply_markup` and `command_entities`. They raise `ParseError`,
whose text is the Telegram description without the "Bad Request: " prefix.
"""

from __future__ import annotations

import re
from typing import Any

ALLOWED_TAGS = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
        "a", "code", "pre", "blockquote", "tg-emoji",
    }
)
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z][A-Za-z0-9]{0,15});")
_ATTR_NAME_RE = re.compile(r"[A-Za-z0-9_-]+")
_BUTTON_ACTIONS = (
    "url", "callback_data", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "login_url", "web_app", "callback_game", "pay",
    "copy_text",
)
_URL_RE = re.compile(r"^(https?|tg)://\S+$", re.IGNORECASE)


class ParseError(ValueError):
    """A validation failure; str(exc) is the Telegram description minus "Bad Request: "."""


def utf16_len(text: str) -> int:
    """Length of `text` in UTF-16 code units (how Telegram counts message length)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8", "surrogatepass"))


def _entity_error(detail: str, offset: int) -> ParseError:
    """Telegram's "can't parse entities" error; offsets are UTF-8 byte offsets."""
    return ParseError(f"can't parse entities: {detail} at byte offset {offset}")


def _decode_entity(text: str, i: int) -> tuple[str, int]:
    """Decode the entity starting at text[i] == '&'; return (char, index after it)."""
    match = _ENTITY_RE.match(text, i)
    if match is None:
        raise _entity_error('Unescaped "&" (write &amp;)', _byte_offset(text, i))
    name = match.group(1)
    if name.startswith("#"):
        digits = name[1:]
        code = int(digits[1:], 16) if digits[:1] in ("x", "X") else int(digits)
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise _entity_error(f'Invalid numeric entity "&{name};"', _byte_offset(text, i))
        return chr(code), match.end()
    if name not in NAMED_ENTITIES:
        raise _entity_error(f'Unsupported entity "&{name};"', _byte_offset(text, i))
    return NAMED_ENTITIES[name], match.end()


def _parse_start_tag(text: str, i: int) -> tuple[str, dict[str, str], int]:
    """Parse '<name attr="v" ...>' at text[i]; return (name, attributes, index after '>')."""
    n = len(text)
    offset = _byte_offset(text, i)
    j = i + 1
    while j < n and not text[j].isspace() and text[j] not in ">/":
        j += 1
    name = text[i + 1 : j].lower()
    if name not in ALLOWED_TAGS:
        raise _entity_error(f'Unsupported start tag "{name}"', offset)
    attrs: dict[str, str] = {}
    while True:
        while j < n and text[j].isspace():
            j += 1
        if j >= n:
            raise _entity_error("Unclosed start tag", offset)
        if text[j] == ">":
            return name, attrs, j + 1
        match = _ATTR_NAME_RE.match(text, j)
        if match is None:
            raise _entity_error(f'Empty attribute name in the tag "{name}"', offset)
        attr = match.group(0).lower()
        j = match.end()
        while j < n and text[j].isspace():
            j += 1
        if j >= n or text[j] != "=":
            attrs[attr] = ""  # a bare attribute such as <blockquote expandable>
            continue
        j += 1
        while j < n and text[j].isspace():
            j += 1
        if j < n and text[j] in "\"'":
            end = text.find(text[j], j + 1)
            if end < 0:
                raise _entity_error("Unclosed start tag", offset)
            raw, j = text[j + 1 : end], end + 1
        else:
            start = j
            while j < n and not text[j].isspace() and text[j] != ">":
                j += 1
            raw = text[start:j]
        attrs[attr] = _decode_attribute(raw)


def _decode_attribute(raw: str) -> str:
    out: list[str] = []
    k = 0
    while k < len(raw):
        if raw[k] == "&":
            char, k = _decode_entity(raw, k)
            out.append(char)
        else:
            out.append(raw[k])
            k += 1
    return "".join(out)


def _check_tag_attributes(name: str, attrs: dict[str, str], offset: int) -> None:
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise _entity_error('Tag "span" must have class "tg-spoiler"', offset)
    if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
        raise _entity_error("Custom emoji identifier expected", offset)


def html_to_plain(text: str) -> str:
    """Validate Telegram HTML and return the text the user would see (tags removed)."""
    out: list[str] = []
    stack: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "&":
            decoded, i = _decode_entity(text, i)
            out.append(decoded)
        elif char != "<":
            out.append(char)
            i += 1
        elif text.startswith("</", i):
            offset = _byte_offset(text, i)
            end = text.find(">", i)
            if end < 0:
                raise _entity_error("Unclosed end tag", offset)
            name = text[i + 2 : end].strip().lower()
            if not stack:
                raise _entity_error("Unexpected end tag", offset)
            if name != stack[-1]:
                raise ParseError(
                    f"can't parse entities: Unmatched end tag at byte offset {offset}, expected "
                    f'"</{stack[-1]}>", found "</{name}>"'
                )
            stack.pop()
            i = end + 1
        else:
            offset = _byte_offset(text, i)
            name, attrs, i = _parse_start_tag(text, i)
            _check_tag_attributes(name, attrs, offset)
            stack.append(name)
    if stack:
        raise ParseError("can't parse entities: Can't find end tag corresponding to start "
                         f'tag "{stack[-1]}"')
    return "".join(out)


def visible_text(text: str, parse_mode: str | None) -> str:
    """The text Telegram would store: entities parsed (HTML only), surrounding space stripped."""
    mode = (parse_mode or "").strip().lower()
    if mode == "html":
        text = html_to_plain(text)
    elif mode not in ("", "markdown", "markdownv2"):
        raise ParseError("unsupported parse_mode")
    return text.strip()


def check_reply_markup(markup: Any) -> None:
    """Validate a decoded reply_markup object (inline keyboard or reply keyboard variants)."""
    if not isinstance(markup, dict):
        raise ParseError("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
    elif "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise ParseError("field \"keyboard\" must be an Array of Arrays")
    elif not ("remove_keyboard" in markup or "force_reply" in markup):
        raise ParseError("can't parse reply keyboard markup JSON object")


def _check_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ParseError('field "inline_keyboard" must be an Array of Arrays')
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise ParseError("can't find field \"text\"")
            if not button["text"].strip():
                raise ParseError("BUTTON_TEXT_INVALID")
            actions = [key for key in _BUTTON_ACTIONS if key in button]
            if len(actions) != 1:
                raise ParseError("text buttons are unallowed in the inline keyboard")
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
                    raise ParseError("BUTTON_DATA_INVALID")
            if "url" in button and not _URL_RE.match(str(button["url"])):
                raise ParseError("BUTTON_URL_INVALID")


def command_entities(text: str, bot_username: str) -> list[dict[str, Any]]:
    """Entities Telegram adds: bot_command at offset 0 for "/cmd", mention for "@bot"."""
    entities: list[dict[str, Any]] = []
    command = re.match(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{3,32})?", text)
    if command:
        entities.append({"type": "bot_command", "offset": 0,
                         "length": utf16_len(command.group(0))})
    start = command.end() if command else 0
    for match in re.finditer(rf"@{re.escape(bot_username)}\b", text[start:], re.IGNORECASE):
        entities.append({"type": "mention", "offset": utf16_len(text[: start + match.start()]),
                         "length": utf16_len(match.group(0))})
    return entities
