"""Sentences the engine builds around knowledge facts, in Swedish and English.

Facts (names, dates, countries) come from the knowledge files; this module only holds the
wording around them, so that a translator or editor finds every user-facing template in one place.
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache

from babel.dates import format_date

SV: dict[str, str] = {
    "region.europe": "Europa", "region.asia": "Asien", "region.africa": "Afrika",
    "region.americas": "Nord- och Sydamerika", "region.oceania": "Oceanien",
    "country.yes": "Ja! {country} är ett av de {count} samarbetsländerna ({region}). "
                   "Ni kan söka kommunalt partnerskap med en motsvarighet i {country}.",
    "country.yes.short": "{country}: ja, ett av samarbetsländerna ({region}).",
    "country.no": "Nej, {country} är tyvärr inte ett av de {count} samarbetsländerna.",
    "country.no.short": "{country}: nej, inget samarbetsland.",
    "country.nearby": "I {region} kan ni samarbeta med {countries}.",
    "country.none_nearby": "Samarbetsländerna finns i Europa, Asien och Afrika – "
                           "skriv /lander för hela listan.",
    "country.closed": "Obs: ansökningsomgången stängde den {deadline}.",
    "region.all": "Totalt finns det {count} samarbetsländer – skriv /lander för hela listan.",
    "partial_unknown": "Resten av frågan kan jag tyvärr inte svara på – det står inget om det i "
                       "utlysningen. Fråga gärna ICLD: {url}",
    "countdown.days": "Det är {days} dagar kvar till sista ansökningsdag.",
    "countdown.one": "Det är 1 dag kvar – i morgon är sista ansökningsdag.",
    "countdown.today": "Sista ansökningsdag är idag! Ansökan är öppen till midnatt.",
    "countdown.closed": "Utlysningen stängde den {deadline}, så den här ansökningsomgången är "
                        "avslutad. Håll utkik hos ICLD ({url}) efter kommande utlysningar.",
    "applicant.yes": "Ja, {kind} i Sverige kan söka kommunalt partnerskap. "
                     "De som kan söka är {eligible}.",
    "applicant.no": "Nej, {kind} kan inte söka kommunalt partnerskap. "
                    "Det är bara {eligible} i Sverige som kan söka.",
    "applicant.foreign": "Nej, en kommun eller region i {country} kan inte söka på egen hand: "
                         "det är {eligible} i Sverige som söker, tillsammans med en motsvarighet "
                         "i något av samarbetsländerna.",
    "applicant.foreign.partner": "{country} är ett av samarbetsländerna, så en kommun eller "
                                 "region där kan vara er partner.",
    "applicant.foreign.not_partner": "{country} är inte ett av samarbetsländerna.",
    "unknown": "Det vet jag tyvärr inte – det står inget om det i utlysningen jag bygger på. "
               "Fråga ICLD direkt: {url}\n\nDu kan fråga mig om vem som kan söka, vilka länder "
               "som ingår, kärnområdena och sista ansökningsdag. Skriv /hjalp för fler tips.",
    "empty": "Skriv en fråga om kommunalt partnerskap, till exempel ”Kan vi samarbeta med "
             "Kenya?” eller ”När stänger ansökan?”. Skriv /hjalp för fler tips.",
    "did_you_mean": "Menade du något av det här?",
    "and": "och",
}

EN: dict[str, str] = {
    "region.europe": "Europe", "region.asia": "Asia", "region.africa": "Africa",
    "region.americas": "the Americas", "region.oceania": "Oceania",
    "country.yes": "Yes! {country} is one of the {count} partner countries ({region}). "
                   "You can apply for a municipal partnership with a counterpart in {country}.",
    "country.yes.short": "{country}: yes, one of the partner countries ({region}).",
    "country.no": "No, {country} is unfortunately outside the list of {count} partner countries.",
    "country.no.short": "{country}: no, it is outside the list.",
    "country.nearby": "In {region} you can partner with {countries}.",
    "country.none_nearby": "The partner countries are in Europe, Asia and Africa – "
                           "type /lander for the full list.",
    "country.closed": "Note: the call closed on {deadline}.",
    "region.all": "There are {count} partner countries in all – type /lander for the full list.",
    "partial_unknown": "I'm afraid I don't know about the rest of your question – the call "
                       "doesn't say. Please ask ICLD: {url}",
    "countdown.days": "There are {days} days left until the deadline.",
    "countdown.one": "There is 1 day left – tomorrow is the last day to apply.",
    "countdown.today": "Today is the last day to apply! The call is open until midnight.",
    "countdown.closed": "The call closed on {deadline}, so this round is over. "
                        "Keep an eye on ICLD ({url}) for future calls.",
    "applicant.yes": "Yes, {kind} in Sweden can apply for a municipal partnership. "
                     "Those who can apply are {eligible}.",
    "applicant.no": "No, {kind} cannot apply for a municipal partnership. "
                    "Only {eligible} in Sweden can apply.",
    "applicant.foreign": "No, a municipality or region in {country} cannot apply on its own: "
                         "{eligible} in Sweden apply, together with a counterpart in one of "
                         "the partner countries.",
    "applicant.foreign.partner": "{country} is one of the partner countries, so a municipality "
                                 "or region there can be your partner.",
    "applicant.foreign.not_partner": "{country} is outside the list of partner countries.",
    "unknown": "I'm sorry, I don't know – the call announcement I'm built on doesn't say. "
               "Please ask ICLD directly: {url}\n\nYou can ask me who can apply, which countries "
               "are included, the core areas and the deadline. Type /hjalp for more.",
    "empty": "Ask me something about the municipal partnership call, e.g. \"Can we partner with "
             "Kenya?\" or \"When is the deadline?\".",
    "did_you_mean": "Did you mean one of these?",
    "and": "and",
}


def t(lang: str, key: str, **values: object) -> str:
    table = EN if lang == "en" else SV
    return table[key].format(**values)


@lru_cache(maxsize=1024)
def format_day(day: date, lang: str) -> str:
    """15 mars 2020 / 15 March 2020."""
    return format_date(day, "d MMMM y", locale="en" if lang == "en" else "sv")


def join_names(names: list[str], lang: str) -> str:
    """"A, B och C" / "A, B and C"."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {t(lang, 'and')} {names[-1]}"
