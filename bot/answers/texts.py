"""Sentences the engine builds around knowledge facts, in Swedish and English.

Facts (names, dates, countries) come from the knowledge files; this module only holds the
wording around them — every sentence the answer engine (and the reminders and .ics files it
words) puts around a fact. The Telegram layer's own texts (buttons, commands, errors) are in
bot/telegram/messages.py.
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache

from babel.dates import format_date

SV: dict[str, str] = {
    "answered_by": "(Källa: {source} – ett svar från en person, inte ur utlysningen.)",
    "reminder.today": "⏰ I dag, {when}, är sista ansökningsdagen för {call}.",
    "reminder.tomorrow": "⏰ 1 dag kvar: i morgon, {when}, är sista ansökningsdag för {call}.",
    "reminder.days": "⏰ {n} dagar kvar till sista ansökningsdag {when} för {call}.",
    "reminder.tail": "Läs mer: {url}\n\nVill du inte ha fler påminnelser? Skriv /avsluta.",
    "ics.summary": "Sista ansökningsdag: {call}",
    "ics.description": "Sista dagen att ansöka till {call} är {deadline}.\nMer information: {url}",
    "ics.today": "i dag", "ics.tomorrow": "i morgon", "ics.days": "om {n} dagar",
    "ics.reminder": "Sista ansökningsdag för {call} är {deadline} ({when}).",
    "ics.reminder.summary": "Påminnelse: {call} – sista ansökningsdag {deadline}",
    "ics.more": "Mer information: {url}",
    "region.europe": "Europa", "region.asia": "Asien", "region.africa": "Afrika",
    "region.americas": "Nord- och Sydamerika", "region.oceania": "Oceanien",
    "country.yes": "Ja! {country} är ett av de {count} samarbetsländerna ({region}). "
                   "Ni kan söka kommunalt partnerskap med en motsvarighet i {country}.",
    "country.yes.short": "{country}: ja, ett av samarbetsländerna ({region}).",
    "country.no": "Nej, {country} är tyvärr inte ett av de {count} samarbetsländerna.",
    "country.no.short": "{country}: nej, inte ett av samarbetsländerna.",
    "country.nearby": "I {region} kan ni samarbeta med {countries}.",
    "country.did_you_mean": "Menade du {name}?",
    "country.aside": "Det du frågar om står inte i utlysningen jag bygger på – fråga ICLD: {url}",
    "country.aside.partners": "Det jag kan säga: {countries} finns bland de {count} "
                              "samarbetsländerna.",
    "country.aside.others": "Det jag kan säga: {countries} finns inte bland de {count} "
                            "samarbetsländerna.",
    "country.none_nearby": "Samarbetsländerna finns i Europa, Asien och Afrika – "
                           "skriv /lander för hela listan.",
    "closed.lead": "Obs: utlysningen stängde den {deadline}.",
    "closed.deadline": "Utlysningen stängde den {deadline}, så den här ansökningsomgången är "
                       "avslutad. Håll utkik hos ICLD ({url}) efter kommande utlysningar.",
    "region.all": "Totalt finns det {count} samarbetsländer – skriv /lander för hela listan.",
    "partial_unknown": "Resten av frågan kan jag tyvärr inte svara på – det står inget om det i "
                       "utlysningen. Fråga gärna ICLD: {url}",
    "countdown.days": "Det är {days} dagar kvar till sista ansökningsdag.",
    "countdown.span.weeks": "{weeks} veckor",
    "countdown.span.days": "{weeks} och {days} dagar",
    "countdown.span.day": "{weeks} och en dag",
    "countdown.one": "Det är 1 dag kvar – i morgon är sista ansökningsdag.",
    "countdown.today": "I dag är sista ansökningsdagen!",
    "open.yes": "Ja, utlysningen är öppen: sista ansökningsdag är den {deadline}. {countdown}",
    "open.no": "Nej, utlysningen är stängd: sista ansökningsdag var den {deadline}. Håll utkik "
               "hos ICLD ({url}) efter kommande utlysningar.",
    "late.no": "Nej, det är inte för sent: utlysningen är öppen till och med den {deadline}. "
               "{countdown}",
    "late.yes": "Ja, tyvärr: utlysningen stängde den {deadline}. Håll utkik hos ICLD ({url}) "
                "efter kommande utlysningar.",
    "date.in_time": "Ja, den {day} är i tid: sista ansökningsdag är den {deadline}. {countdown}",
    "date.last_day": "Ja, den {day} är sista ansökningsdagen, så det hinner ni. Utlysningen "
                     "anger ingen tid på dagen, så vänta inte till sista stund.",
    "date.too_late": "Nej, den {day} är för sent: sista ansökningsdag är den {deadline}. "
                     "Utlysningen säger inget om sena ansökningar – fråga ICLD: {url}",
    "date.closed": "Nej, utlysningen har redan stängt: sista ansökningsdag var den {deadline}. "
                   "Håll utkik hos ICLD ({url}) efter kommande utlysningar.",
    # "Är det för sent den 12 mars?" asks the other way round: the verdict turns with it.
    "date.in_time.late": "Nej, den {day} är inte för sent: sista ansökningsdag är den "
                         "{deadline}. {countdown}",
    "date.last_day.late": "Nej, den {day} är sista ansökningsdagen, så det är inte för sent. "
                          "Utlysningen anger ingen tid på dagen, så vänta inte till sista stund.",
    "date.too_late.late": "Ja, tyvärr: den {day} är för sent, sista ansökningsdag är den "
                          "{deadline}. Utlysningen säger inget om sena ansökningar – fråga ICLD: "
                          "{url}",
    "date.closed.late": "Ja, tyvärr: utlysningen har redan stängt, sista ansökningsdag var den "
                        "{deadline}. Håll utkik hos ICLD ({url}) efter kommande utlysningar.",
    "date.deadline_month": "Ja, men bara till och med den {deadline} – det är sista "
                           "ansökningsdag. {countdown}",
    "date.deadline_month.late": "Inte om ni skickar in senast den {deadline} – det är sista "
                                "ansökningsdag. {countdown}",
    "date.is_deadline": "Ja, sista ansökningsdag är den {day}.",
    "date.not_deadline": "Nej, sista ansökningsdag är den {deadline}, inte den {day}.",
    "date.not_deadline.month": "Nej, sista ansökningsdag är den {deadline}, inte {day}.",
    "core.count.yes": "Ja, det finns {count} kärnområden:\n{areas}",
    "core.count.no": "Nej, det finns {count} kärnområden:\n{areas}",
    "core.count": "Det finns {count} kärnområden. Partnerskapet ska stärka lokala och regionala "
                  "politiskt styrda organisationer inom något eller några av dem:\n{areas}",
    "core.yes": "Ja, {area} är ett av de {count} kärnområdena. Alla {count}:\n{areas}",
    "core.no.item": "Nej, {item} är inte ett av de {count} kärnområdena. De är:\n{areas}\nSjälva "
                    "temat för samarbetet kan däremot vara vad som helst inom det "
                    "kommunala/regionala ansvarsområdet – partnerskapet ska bidra till ökat "
                    "medborgarinflytande inom något eller några av kärnområdena.",
    "core.no": "Nej, det är inte ett av de {count} kärnområdena. De är:\n{areas}\nSjälva temat "
               "för samarbetet kan däremot vara vad som helst inom det kommunala/regionala "
               "ansvarsområdet – partnerskapet ska bidra till ökat medborgarinflytande inom något "
               "eller några av kärnområdena.",
    "core.meaning": "{area} är ett av de {count} kärnområdena i utlysningen. Kort förklarat "
                    "handlar det om {explanation} Förklaringen är min sammanfattning av orden – "
                    "utlysningen definierar inte kärnområdena närmare.",
    "core.fit": "Utifrån utlysningens ord passar det närmast kärnområdet {areas}. {explanation} "
                "Det är min vägledning utifrån texten, inte ICLD:s bedömning – och ett "
                "partnerskap kan stärka flera kärnområden.",
    "core.fit.explain": "Det handlar om {explanation}",
    "it": "det",
    "theme.remit": "Ja, {task} hör till {whose} uppgifter, så det kan vara temat: enligt "
                   "utlysningen kan utmaningen och temat vara vad som helst som ligger inom det "
                   "kommunala/regionala ansvarsområdet. Partnerskapet ska samtidigt stärka något "
                   "eller några av kärnområdena – skriv /omraden för att se dem. (Att {task} är en "
                   "uppgift för {who} står inte i utlysningen: det följer av kommunallagen och "
                   "speciallagarna.)",
    "remit.whose.kommun": "kommunernas",
    "remit.whose.region": "regionernas",
    "remit.whose.kommun och region": "kommunernas och regionernas",
    "remit.who.kommun": "kommuner",
    "remit.who.region": "regioner",
    "remit.who.kommun och region": "kommuner och regioner",
    "core.no.near": "Som arbete passar {item} närmast in under kärnområdet {area} – min "
                    "vägledning utifrån utlysningens ord, inte ICLD:s bedömning.",
    "core.fit.lead": "Det kan passa: temat för samarbetet kan vara vad som helst inom det "
                     "kommunala/regionala ansvarsområdet, och partnerskapet ska stärka något "
                     "eller några av kärnområdena.",
    "count.total": "Tillsammans {count}.",
    "core.fit.unknown": "Utifrån beskrivningen kan jag inte säga vilket kärnområde som passar "
                        "bäst. Kärnområdena är:\n{areas}\nICLD kan svara på hur de bedömer "
                        "ert projekt: {url}",
    "count.countries": "Det finns {count} samarbetsländer:\n{country_list}",
    "count.region": "I {region} finns {count} av samarbetsländerna: {countries}.",
    "count.group": "{where} finns {count} av samarbetsländerna: {countries}.",
    "count.outside": "{count} av samarbetsländerna ligger utanför {region}: {countries}.",
    "group.members": "Av samarbetsländerna finns {countries} {where}.",
    "count.applicants": "{count} slags organisationer i Sverige kan söka: {eligible}.",
    "empty_region": "Nej, inget av de {count} samarbetsländerna ligger i {region}.{note} "
                    "Samarbetsländerna finns i Europa, Asien och Afrika:\n{country_list}",
    "numbers": "noll,en,två,tre,fyra,fem,sex,sju,åtta,nio,tio,elva,tolv",
    "countdown.closed": "Utlysningen stängde den {deadline}, så den här ansökningsomgången är "
                        "avslutad. Håll utkik hos ICLD ({url}) efter kommande utlysningar.",
    "applicant.yes": "Ja, {kind} i Sverige kan söka kommunalt partnerskap. "
                     "De som kan söka är {eligible}.",
    "applicant.no": "Nej, {kind} kan inte söka kommunalt partnerskap. "
                    "Det är bara {eligible} i Sverige som kan söka.",
    "applicant.not_only": "Nej, inte bara {kind}: de som kan söka är {eligible} i Sverige.",
    "applicant.not_anyone": "Nej, inte vem som helst: det är bara {eligible} i Sverige som kan "
                            "söka kommunalt partnerskap.",
    "applicant.any_size": "Utlysningen nämner inget krav på storlek.",
    "applicant.any_size.claim": "Nej, utlysningen säger inget om storlek: {eligible} i Sverige kan "
                                "söka, utan något krav på hur stora de är.",
    "applicant.foreign": "Nej, en kommun eller region i {country} kan inte söka på egen hand: "
                         "det är {eligible} i Sverige som söker, tillsammans med en motsvarighet "
                         "i något av samarbetsländerna.",
    "applicant.foreign.partner": "{country} är ett av samarbetsländerna, så en kommun eller "
                                 "region där kan vara er partner.",
    "applicant.foreign.not_partner": "{country} är inte ett av samarbetsländerna.",
    "applicant.twin": "Nej, er partner utomlands kan inte söka på egen hand: det är {eligible} i "
                      "Sverige som söker, tillsammans med en motsvarighet i något av de {count} "
                      "samarbetsländerna.",
    "unknown": "Det vet jag tyvärr inte – det står inget om det i utlysningen jag bygger på. "
               "Fråga ICLD direkt: {url}\n\nDu kan fråga mig om vem som kan söka, vilka länder "
               "som ingår, kärnområdena och sista ansökningsdag. Skriv /hjalp för fler tips.",
    "empty": "Skriv en fråga om kommunalt partnerskap, till exempel ”Kan vi samarbeta med "
             "Kenya?” eller ”När stänger ansökan?”. Skriv /hjalp för fler tips.",
    "did_you_mean": "Menade du något av det här?",
    "and": "och",
}

EN: dict[str, str] = {
    "answered_by": "(Source: {source} – an answer from a person, not from the announcement.)",
    "reminder.today": "⏰ Today, {when}, is the last day to apply for {call}.",
    "reminder.tomorrow": "⏰ 1 day left: tomorrow, {when}, is the application deadline for {call}.",
    "reminder.days": "⏰ {n} days left until the application deadline {when} for {call}.",
    "reminder.tail": "Read more: {url}\n\nDon't want any more reminders? Send /unsubscribe.",
    "ics.summary": "Application deadline: {call}",
    "ics.description": "The last day to apply for {call} is {deadline}.\nMore information: {url}",
    "ics.today": "today", "ics.tomorrow": "tomorrow", "ics.days": "in {n} days",
    "ics.reminder": "The application deadline for {call} is {deadline} ({when}).",
    "ics.reminder.summary": "Reminder: {call} – application deadline {deadline}",
    "ics.more": "More information: {url}",
    "region.europe": "Europe", "region.asia": "Asia", "region.africa": "Africa",
    "region.americas": "the Americas", "region.oceania": "Oceania",
    "country.yes": "Yes! {country} is one of the {count} partner countries ({region}). "
                   "You can apply for a municipal partnership with a counterpart in {country}.",
    "country.yes.short": "{country}: yes, one of the partner countries ({region}).",
    "country.no": "No, unfortunately {country} is not one of the {count} partner countries.",
    "country.no.short": "{country}: no, not one of the partner countries.",
    "country.nearby": "In {region} you can partner with {countries}.",
    "country.did_you_mean": "Did you mean {name}?",
    "country.aside": "What you ask about isn't in the call announcement I'm built on – please "
                     "ask ICLD: {url}",
    "country.aside.partners": "What I can say: {countries} is among the {count} partner "
                              "countries.",
    "country.aside.others": "What I can say: {countries} is not among the {count} partner "
                            "countries.",
    "country.none_nearby": "The partner countries are in Europe, Asia and Africa – "
                           "type /countries for the full list.",
    "closed.lead": "Note: the call closed on {deadline}.",
    "closed.deadline": "The call closed on {deadline}, so this round is over. Keep an eye on "
                       "ICLD ({url}) for future calls.",
    "region.all": "There are {count} partner countries in all – type /countries for the full list.",
    "partial_unknown": "I'm afraid I don't know about the rest of your question – the call "
                       "doesn't say. Please ask ICLD: {url}",
    "countdown.days": "There are {days} days left until the deadline.",
    "countdown.span.weeks": "{weeks} weeks",
    "countdown.span.days": "{weeks} and {days} days",
    "countdown.span.day": "{weeks} and one day",
    "countdown.one": "There is 1 day left – tomorrow is the last day to apply.",
    "countdown.today": "Today is the last day to apply!",
    "open.yes": "Yes, the call is open: the last day to apply is {deadline}. {countdown}",
    "open.no": "No, the call is closed: the last day to apply was {deadline}. Keep an eye on "
               "ICLD ({url}) for future calls.",
    "late.no": "No, it is not too late: the call is open until and including {deadline}. "
               "{countdown}",
    "late.yes": "Yes, unfortunately: the call closed on {deadline}. Keep an eye on ICLD ({url}) "
                "for future calls.",
    "date.in_time": "Yes, {day} is in time: the last day to apply is {deadline}. {countdown}",
    "date.last_day": "Yes, {day} is the last day to apply, so you are in time. The announcement "
                     "gives no time of day, so do not wait until the last minute.",
    "date.too_late": "No, {day} is too late: the last day to apply is {deadline}. The "
                     "announcement says nothing about late applications – ask ICLD: {url}",
    "date.closed": "No, the call has already closed: the last day to apply was {deadline}. Keep "
                   "an eye on ICLD ({url}) for future calls.",
    "date.in_time.late": "No, {day} is not too late: the last day to apply is {deadline}. "
                         "{countdown}",
    "date.last_day.late": "No, {day} is the last day to apply, so it is not too late. The "
                          "announcement gives no time of day, so do not wait until the last minute.",
    "date.too_late.late": "Yes, unfortunately: {day} is too late, the last day to apply is "
                          "{deadline}. The announcement says nothing about late applications – "
                          "ask ICLD: {url}",
    "date.closed.late": "Yes, unfortunately: the call has already closed, the last day to apply "
                        "was {deadline}. Keep an eye on ICLD ({url}) for future calls.",
    "date.deadline_month": "Yes, but only up to and including {deadline} – that is the last day "
                           "to apply. {countdown}",
    "date.deadline_month.late": "Not if you submit by {deadline} at the latest – that is the last "
                                "day to apply. {countdown}",
    "date.is_deadline": "Yes, the last day to apply is {day}.",
    "date.not_deadline": "No, the last day to apply is {deadline}, not {day}.",
    "date.not_deadline.month": "No, the last day to apply is {deadline}, not {day}.",
    "core.count.yes": "Yes, there are {count} core areas:\n{areas}",
    "core.count.no": "No, there are {count} core areas:\n{areas}",
    "core.count": "There are {count} core areas. The partnership should strengthen local and "
                  "regional politically governed organisations within one or more of them:\n{areas}",
    "core.yes": "Yes, {area} is one of the {count} core areas. All {count}:\n{areas}",
    "core.no.item": "No, {item} is not one of the {count} core areas. They are:\n{areas}\nThe "
                    "theme of the cooperation itself can be anything within the municipal/regional "
                    "area of responsibility – the partnership should contribute to increased "
                    "citizen influence within one or more of the core areas.",
    "core.no": "No, that is not one of the {count} core areas. They are:\n{areas}\nThe theme of "
               "the cooperation itself can be anything within the municipal/regional area of "
               "responsibility – the partnership should contribute to increased citizen influence "
               "within one or more of the core areas.",
    "core.meaning": "{area} is one of the {count} core areas of the call. In short, it is about "
                    "{explanation} The explanation is my summary of the words – the announcement "
                    "does not define the core areas further.",
    "core.fit": "Going by the announcement's wording, it fits best under the core area {areas}. "
                "{explanation} This is my guidance from the text, not ICLD's assessment – and a "
                "partnership can strengthen several core areas.",
    "core.fit.explain": "It is about {explanation}",
    "it": "it",
    "theme.remit": "Yes, {task} is one of the tasks of {whose}, so it can be the theme: according "
                   "to the announcement the challenge and theme can be anything within the "
                   "municipal/regional area of responsibility. The partnership should at the same "
                   "time strengthen one or more of the core areas – type /areas to see them. "
                   "(That {task} is a task for {who} is not in the announcement: it follows from "
                   "the Swedish Local Government Act and special laws.)",
    "remit.whose.kommun": "municipalities",
    "remit.whose.region": "regions",
    "remit.whose.kommun och region": "municipalities and regions",
    "remit.who.kommun": "municipalities",
    "remit.who.region": "regions",
    "remit.who.kommun och region": "municipalities and regions",
    "core.no.near": "As work, though, {item} fits best under the core area {area} – my guidance "
                    "from the announcement's wording, not ICLD's assessment.",
    "core.fit.lead": "It can fit: the theme of the cooperation can be anything within the "
                     "municipal/regional area of responsibility, and the partnership should "
                     "strengthen one or more of the core areas.",
    "count.total": "{count} in all.",
    "core.fit.unknown": "From the description I cannot tell which core area fits best. The core "
                        "areas are:\n{areas}\nICLD can tell you how they would assess your "
                        "project: {url}",
    "count.countries": "There are {count} partner countries:\n{country_list}",
    "count.region": "{count} of the partner countries are in {region}: {countries}.",
    "count.group": "{count} of the partner countries are {where}: {countries}.",
    "count.outside": "{count} of the partner countries are outside {region}: {countries}.",
    "group.members": "The partner countries {where} are {countries}.",
    "count.applicants": "{count} kinds of organisation in Sweden can apply: {eligible}.",
    "empty_region": "No, none of the {count} partner countries is in {region}.{note} The partner "
                    "countries are in Europe, Asia and Africa:\n{country_list}",
    "numbers": "zero,one,two,three,four,five,six,seven,eight,nine,ten,eleven,twelve",
    "countdown.closed": "The call closed on {deadline}, so this round is over. "
                        "Keep an eye on ICLD ({url}) for future calls.",
    "applicant.yes": "Yes, {kind} in Sweden can apply for a municipal partnership. "
                     "Those who can apply are {eligible}.",
    "applicant.no": "No, {kind} cannot apply for a municipal partnership. "
                    "Only {eligible} in Sweden can apply.",
    "applicant.not_only": "No, not only {kind}: those who can apply are {eligible} in Sweden.",
    "applicant.not_anyone": "No, not just anyone: only {eligible} in Sweden can apply for a "
                            "municipal partnership.",
    "applicant.any_size": "The announcement sets no requirement on size.",
    "applicant.any_size.claim": "No, the announcement says nothing about size: {eligible} in "
                                "Sweden can apply, with no requirement on how large they are.",
    "applicant.foreign": "No, a municipality or region in {country} cannot apply on its own: "
                         "{eligible} in Sweden apply, together with a counterpart in one of "
                         "the partner countries.",
    "applicant.foreign.partner": "{country} is one of the partner countries, so a municipality "
                                 "or region there can be your partner.",
    "applicant.foreign.not_partner": "{country} is not one of the partner countries.",
    "applicant.twin": "No, your partner abroad cannot apply on its own: {eligible} in Sweden "
                      "apply, together with a counterpart in one of the {count} partner countries.",
    "unknown": "I'm sorry, I don't know – the call announcement I'm built on doesn't say. "
               "Please ask ICLD directly: {url}\n\nYou can ask me who can apply, which countries "
               "are included, the core areas and the deadline. Type /help for more.",
    "empty": "Ask me something about the municipal partnership call, e.g. \"Can we partner with "
             "Kenya?\" or \"When is the deadline?\".",
    "did_you_mean": "Did you mean one of these?",
    "and": "and",
}


def t(lang: str, key: str, **values: object) -> str:
    table = EN if lang == "en" else SV
    return table[key].format(**values)


@lru_cache(maxsize=1024)
@lru_cache(maxsize=256)
def format_day(day: date, lang: str) -> str:
    """15 mars 2020 / 15 March 2020."""
    return format_date(day, "d MMMM y", locale="en" if lang == "en" else "sv")


@lru_cache(maxsize=1024)
def format_day_month(day: date, lang: str) -> str:
    """14 mars / 14 March: a date the user named, without the year they did not write."""
    return format_date(day, "d MMMM", locale="en" if lang == "en" else "sv")


@lru_cache(maxsize=64)
def format_weekday(day: date, lang: str) -> str:
    """söndag / Sunday: "is the deadline a weekday?" matters when it falls on a weekend."""
    return format_date(day, "EEEE", locale="en" if lang == "en" else "sv")


@lru_cache(maxsize=64)
def format_month(day: date, lang: str) -> str:
    """i april / in April: a whole month the user named."""
    name = format_date(day, "MMMM", locale="en" if lang == "en" else "sv")
    return f"in {name}" if lang == "en" else f"i {name}"


def number_word(count: int, lang: str) -> str:
    """ "fyra" / "four" up to twelve, digits above (as Swedish style guides write numbers)."""
    words = t(lang, "numbers").split(",")
    return words[count] if 0 <= count < len(words) else str(count)


def join_names(names: list[str], lang: str) -> str:
    """"A, B och C" / "A, B and C"."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {t(lang, 'and')} {names[-1]}"
