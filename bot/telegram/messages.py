"""What the Telegram bot says around the engine's answers: Swedish ("du"-form) constants, and
their English versions in EN, chosen with `tr(NAME, lang)`."""
from __future__ import annotations

BOT_COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Börja här: vad jag kan hjälpa till med"),
    ("hjalp", "Vad du kan fråga och alla kommandon"),
    ("lander", "Samarbetsländerna – vilka länder ni kan samarbeta med"),
    ("deadline", "Sista ansökningsdag och hur länge det är kvar"),
    ("omraden", "Partnerskapets fyra kärnområden"),
    ("vem", "Vem som kan söka"),
    ("prenumerera", "Få påminnelser inför sista ansökningsdag"),
    ("avsluta", "Sluta få påminnelser"),
    ("kalender", "Sista ansökningsdag som kalenderfil (.ics)"),
    ("mina_uppgifter", "Se allt som är sparat om den här chatten"),
    ("glom_mig", "Radera allt som är sparat om den här chatten"),
)

# Commands -> the FAQ entry whose answer they show.
TOPIC_COMMANDS: dict[str, str] = {
    "hjalp": "help", "help": "help", "lander": "countries", "deadline": "deadline",
    "omraden": "core_areas", "vem": "who_can_apply",
}
ALL_COMMANDS: frozenset[str] = frozenset(
    {c for c, _ in BOT_COMMANDS} | set(TOPIC_COMMANDS) | {
        "subscribe", "unsubscribe", "stopp", "stop", "stats", "broadcast", "reload"})
START_TOPICS: tuple[str, ...] = ("countries", "deadline", "who_can_apply", "core_areas")

REMIND_ME = "🔔 Påminn mig"
STOP_REMINDERS = "🔕 Avsluta påminnelser"
MY_DATA_BUTTON = "Mina uppgifter"
ICLD_BUTTON = "🌐 Läs mer hos ICLD"
WHICH_CORE_AREA = "Vilket passar vårt projekt?"
FEEDBACK_THANKS = "Tack för att du sa vad du tyckte!"
FEEDBACK_ALREADY = "Tack! Det här svaret har redan fått ditt omdöme."
DID_YOU_MEAN = "Menade du något av det här?"
SEE_ALSO = "Läs mer:"
NON_TEXT = ("Jag förstår bara textfrågor. Skriv din fråga om kommunalt partnerskap, "
            "till exempel ”Kan vi samarbeta med Kenya?”.")
SLOW_DOWN = "Oj, det gick fort! Vänta en liten stund innan du skriver igen, så hinner jag med."
GROUP_ADMINS_ONLY = ("I en grupp är det bara gruppens administratörer som kan ändra "
                     "påminnelserna eller radera gruppens uppgifter.")
SOMETHING_WENT_WRONG = "Oj, något gick fel hos mig. Försök gärna igen om en stund."
STALE_BUTTON = "Den knappen fungerar inte längre. Skriv din fråga igen, så svarar jag."

SUBSCRIBED = ("Klart! Du får påminnelser inför sista ansökningsdag ({deadline}). "
              "Skriv /avsluta när du inte vill ha fler.")
ALREADY_SUBSCRIBED = "Du prenumererar redan på påminnelser. Skriv /avsluta om du vill sluta."
SUBSCRIBED_CLOSED = ("Utlysningen stängde den {deadline}, så det finns inga fler påminnelser att "
                     "skicka just nu. Jag har sparat din prenumeration: om en ny ansökningsomgång "
                     "läggs in här får du påminnelser inför den. Skriv /avsluta för att sluta.")
UNSUBSCRIBED = "Du får inga fler påminnelser. Välkommen tillbaka med /prenumerera!"
NOT_SUBSCRIBED = "Du prenumererar inte på påminnelser. Skriv /prenumerera om du vill ha dem."
STORE_BUSY = ("Jag kunde inte spara det just nu eftersom databasen är upptagen. "
              "Försök igen om en liten stund – inget har ändrats.")
STORE_BROKEN = ("Jag kan tyvärr inte spara något just nu på grund av ett tekniskt fel. "
                "Jag svarar fortfarande på frågor – försök igen senare.")

CALENDAR_CAPTION = ("Sista ansökningsdag för {call} som kalenderfil. Öppna filen för att lägga "
                    "in den i Outlook eller Google Kalender.")

# What is stored, why and for how long: said by /start, /mina_uppgifter and the README.
START_PRIVACY = ("Om dina uppgifter: jag sparar bara det som behövs. Skriver du /prenumerera "
                 "sparar jag chattens id, språk och datum tills du skriver /glom_mig. Frågor som "
                 "jag inte kan svara på sparas utan koppling till dig och utan namn och "
                 "kontaktuppgifter, i högst 90 dagar. Läs mer med /mina_uppgifter.")
PRIVACY = ("Så här hanterar jag uppgifter:\n"
           "• Om du skriver /prenumerera sparar jag chattens id, språk och datum, och vilka "
           "påminnelser jag har skickat – för att kunna påminna dig. Det finns kvar tills du "
           "skriver /glom_mig.\n"
           "• Frågor som jag inte kan svara på, och frågor där du trycker 👎, sparar jag bara som "
           "text och tid, utan koppling till dig. Namn, telefonnummer, e-postadresser, "
           "personnummer och användarnamn tas bort innan något sparas. Texterna hjälper oss att "
           "förbättra svaren och raderas efter 90 dagar.\n"
           "• Hur många frågor som ställs per dag (bara en siffra).\n"
           "Inget annat sparas – varken vem du är eller dina andra meddelanden.")
MY_DATA_NONE = "Jag har inget sparat som är kopplat till den här chatten."
MY_DATA_HEAD = "Det här har jag sparat om den här chatten:"
MY_DATA_SUB = ("• Prenumeration: {state}, språk {language}, startad {since}"
               "{until}")
MY_DATA_DELIVERIES = "• Skickade påminnelser och utskick: {count} st{latest}"
MY_DATA_FOOT = "Skriv /glom_mig för att radera allt som är kopplat till den här chatten."

FORGET_ASK = ("Vill du att jag raderar allt som är sparat om den här chatten? "
              "Du slutar då också att få påminnelser.")
FORGET_YES = "Ja, radera allt"
FORGET_NO = "Nej, avbryt"
FORGET_DONE = "Klart! Jag har raderat allt jag hade sparat om den här chatten."
FORGET_NOTHING = "Det fanns inget sparat om den här chatten, så det finns inget att radera."
FORGET_CANCELLED = "Okej, jag har inte raderat något."

NOT_AVAILABLE = "Det kommandot är inte tillgängligt."
BROADCAST_USAGE = "Skriv texten efter kommandot, till exempel: /broadcast Påminnelse: …"
BROADCAST_ASK = "Skicka det här till {count} aktiva prenumeranter?\n\n{text}"
BROADCAST_SEND = "Ja, skicka"
BROADCAST_CANCEL = "Avbryt"
BROADCAST_STARTED = "Utskicket har startat till {count} prenumeranter. Jag meddelar när det är klart."
BROADCAST_DONE = ("Utskicket är klart: {sent} skickade, {blocked} har blockerat boten "
                  "och {failed} gick inte att nå (de försöks igen senare).")
BROADCAST_QUEUED = ("Utskicket är sparat. Ett annat utskick pågår just nu, så det här skickas "
                    "direkt efter det.")
BROADCAST_CANCELLED = "Utskicket är avbrutet. Inget skickades."
STATS = ("Statistik\n• Aktiva prenumeranter: {active}\n• Frågor idag: {today}\n"
         "• 👎 på svar (senaste 90 dagarna): {thumbs_down} – lista dem med partnerbot feedback\n"
         "• Obesvarade frågor (vanligast först):\n{unanswered}")
RELOAD_OK = "Kunskapsbasen är omladdad (sista ansökningsdag {deadline})."
RELOAD_FAILED = "Kunskapsbasen laddades inte om – den gamla används fortfarande. Fel:\n{problems}"


EN: dict[str, str] = {
    "REMIND_ME": "🔔 Remind me",
    "STOP_REMINDERS": "🔕 Stop reminders",
    "MY_DATA_BUTTON": "My data",
    "ICLD_BUTTON": "🌐 Read more at ICLD",
    "WHICH_CORE_AREA": "Which one fits our project?",
    "FEEDBACK_THANKS": "Thank you for telling me what you think!",
    "FEEDBACK_ALREADY": "Thanks! This answer already has your rating.",
}


def tr(name: str, lang: str) -> str:
    """The text called ``name`` in ``lang`` ("en" or Swedish)."""
    if lang == "en" and name in EN:
        return EN[name]
    return str(globals()[name])
