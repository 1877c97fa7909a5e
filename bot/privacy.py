"""What identifies a person is removed from a question before its text is ever stored.

Stored question texts (unanswered questions, 👎 feedback) are curator statistics with a time
but no chat or user id. People still write "jag heter Karin Svensson, ring mig 070-123 45 67"
into them, so every text goes through `scrub` first: phone numbers, e-mail addresses,
personnummer, "jag heter / mitt namn är NAME", a signature at the end and @usernames become
placeholders. Stored texts are kept at most `RETENTION` (pruned by the running bot).
"""
from __future__ import annotations

import re
from datetime import timedelta

RETENTION = timedelta(days=90)

_NAME_WORD = r"[^\W\d_][\w'’-]*"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# 6-10 digits with an optional century, YYMMDD-NNNN / YYYYMMDDNNNN / YYMMDD+NNNN
_PERSONNUMMER = re.compile(r"(?<!\d)(?:19|20)?\d{6}[-+ ]?\d{4}(?!\d)")
# starts with + or 0 (Swedish and international numbers); at least 6 digits in all
_PHONE = re.compile(r"(?<![\w+])(?:\+|00|0)\d[\d \-–/().]{4,}\d(?!\d)")
_USERNAME = re.compile(r"(?<![\w@])@\w{2,}")
# "jag heter Karin Svensson", "mitt namn är Karin", "my name is John Smith", "I'm Karin" …
_NAME_INTRO = re.compile(
    r"\b(jag heter|mitt namn är|mitt namn ar|my name is|i'm called|i am called|namn:|name:)\s+"
    rf"({_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}})", re.IGNORECASE)
# words after an introduction that are not part of the name ("jag heter Karin på Ånge kommun")
_NOT_NAME = frozenset("""
på pa från fran i och och, at from in and with med och som working work jobbar arbetar
handläggare handlaggare samordnare ansvarig kommun kommunen region regionen a an the
interested intresserad undrar wonder wondering wanted vill would like ringer skriver
""".split())
# "Mvh Karin Svensson", "Med vänliga hälsningar, Karin", "Regards, John", "/Karin", "– Karin S"
_SIGNATURE = re.compile(
    r"(?:\b(?:mvh|m\.v\.h\.?|vh|hälsningar|halsningar|med vänlig(?:a)? hälsning(?:ar)?|"
    r"vänliga hälsningar|vanliga halsningar|hälsar|halsar|regards|best regards|kind regards|"
    r"best wishes|cheers|sincerely)\b[\s,.:!]*|(?:^|\s)//?\s*(?-i:(?=[A-ZÅÄÖ]))|"
    r"\n\s*[–—-]{1,2}\s*(?-i:(?=[A-ZÅÄÖ])))"
    rf"{_NAME_WORD}(?:[\s,]+{_NAME_WORD}){{0,4}}[\s.!]*$",
    re.IGNORECASE)

NAME = "[namn]"
PHONE = "[telefon]"
EMAIL = "[e-post]"
PERSONNUMMER = "[personnummer]"
USERNAME = "[användarnamn]"


def _name(match: re.Match[str]) -> str:
    intro, words = match.group(1), match.group(2).split()
    taken = 0
    for word in words:
        if word.casefold().strip(",.") in _NOT_NAME:
            break
        taken += 1
    if taken == 0:
        return match.group(0)
    rest = " ".join(words[taken:])
    return f"{intro} {NAME}" + (f" {rest}" if rest else "")


def _phone(match: re.Match[str]) -> str:
    digits = sum(ch.isdigit() for ch in match.group(0))
    return PHONE if digits >= 6 else match.group(0)


def scrub(text: str) -> str:
    """``text`` with what identifies a person replaced by placeholders; spaces normalised."""
    text = _EMAIL.sub(EMAIL, text)
    text = _USERNAME.sub(USERNAME, text)
    text = _PERSONNUMMER.sub(PERSONNUMMER, text)
    text = _PHONE.sub(_phone, text)
    text = _SIGNATURE.sub(" ", text)
    text = _NAME_INTRO.sub(_name, text)
    return " ".join(text.split())
