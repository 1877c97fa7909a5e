"""What the Telegram layer says itself, around the engine's answers: the command menu and
descriptions, buttons, confirmations, /mina_uppgifter, the broadcast frame, admin and
staff-group notes. Swedish ("du"-form) constants, and their English versions in EN, chosen
with `tr(NAME, lang)`.

The answers themselves and the reminders are worded by the engine, in bot/answers/texts.py;
the terminal's few words are in bot/cli.py."""
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
# The command menu for users whose Telegram is set to English: the English aliases.
BOT_COMMANDS_EN: tuple[tuple[str, str], ...] = (
    ("start", "Start here: what I can help with"),
    ("help", "What you can ask, and all commands"),
    ("countries", "The partner countries you can cooperate with"),
    ("deadline", "The application deadline and how long is left"),
    ("areas", "The four core areas of a partnership"),
    ("who", "Who can apply"),
    ("subscribe", "Get reminders before the deadline"),
    ("unsubscribe", "Stop getting reminders"),
    ("calendar", "The deadline as a calendar file (.ics)"),
    ("mydata", "See everything stored about this chat"),
    ("forgetme", "Erase everything stored about this chat"),
)

# Commands -> the FAQ entry whose answer they show.
TOPIC_COMMANDS: dict[str, str] = {
    "hjalp": "help", "help": "help", "lander": "countries", "countries": "countries",
    "deadline": "deadline", "omraden": "core_areas", "areas": "core_areas",
    "vem": "who_can_apply", "who": "who_can_apply",
}
SUBSCRIBE_COMMANDS = ("prenumerera", "subscribe")
UNSUBSCRIBE_COMMANDS = ("avsluta", "stopp", "unsubscribe", "stop")
CALENDAR_COMMANDS = ("kalender", "calendar")
MY_DATA_COMMANDS = ("mina_uppgifter", "mydata", "my_data")
FORGET_COMMANDS = ("glom_mig", "forgetme", "forget_me")
# An English command answers in English; Swedish ones follow the conversation (see handlers).
ENGLISH_COMMANDS = frozenset({"help", "countries", "areas", "who", "subscribe", "unsubscribe",
                              "stop", "calendar", "mydata", "my_data", "forgetme", "forget_me"})
SWEDISH_COMMANDS = frozenset({"hjalp", "lander", "omraden", "vem", "prenumerera", "avsluta",
                              "stopp", "kalender", "mina_uppgifter", "glom_mig"})
CLOSE_CASE_COMMAND = "stang"     # staff, in the staff group, as a reply to a case
ALL_COMMANDS: frozenset[str] = ENGLISH_COMMANDS | SWEDISH_COMMANDS | {
    "start", "deadline", "stats", "broadcast", "reload", CLOSE_CASE_COMMAND}
START_TOPICS: tuple[str, ...] = ("countries", "deadline", "who_can_apply", "core_areas")

REMIND_ME = "🔔 Påminn mig"
STOP_REMINDERS = "🔕 Avsluta påminnelser"
MY_DATA_BUTTON = "Mina uppgifter"
ICLD_BUTTON = "🌐 Läs mer hos ICLD"
SOURCE_BUTTON = "📄 Källa"
SOURCE_TITLE = "Så står det i utlysningen ”{title}” (ICLD, 2020):"
SOURCE_NONE = "Det svaret bygger inte på något citat ur utlysningen."
WHICH_CORE_AREA = "Vilket passar vårt projekt?"
FEEDBACK_THANKS = "Tack för att du sa vad du tyckte!"
FEEDBACK_ALREADY = "Tack! Det här svaret har redan fått ditt omdöme."
DID_YOU_MEAN = "Menade du något av det här?"
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
CALENDAR_CLOSED = ("Utlysningen stängde den {deadline}, så det finns inget kvar att lägga in i "
                   "kalendern. Håll utkik hos ICLD ({url}) efter kommande utlysningar.")
SUBSCRIBED_CLOSED = ("Utlysningen stängde den {deadline}, så det finns inga fler påminnelser att "
                     "skicka just nu. Jag har sparat din prenumeration: om en ny ansökningsomgång "
                     "läggs in här får du påminnelser inför den. Skriv /avsluta för att sluta.")
UNSUBSCRIBED = "Du får inga fler påminnelser. Välkommen tillbaka med /prenumerera!"
NOT_SUBSCRIBED = "Du prenumererar inte på påminnelser. Skriv /prenumerera om du vill ha dem."
STORE_BUSY = ("Jag kunde inte spara det just nu eftersom databasen är upptagen. "
              "Försök igen om en liten stund – inget har ändrats.")
STORE_BROKEN = ("Jag kan tyvärr inte spara något just nu på grund av ett tekniskt fel. "
                "Jag svarar fortfarande på frågor – försök igen senare.")

CALENDAR_FILE = "sista-ansokningsdag-{day}.ics"
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
           "• Om du trycker på ”Fråga en handläggare” och bekräftar sparar jag frågan (utan namn "
           "och kontaktuppgifter), tiden, svaren och chattens id – id:t bara för att kunna "
           "skicka svaret hit. Handläggarna ser bara frågan, tiden, språket och ett "
           "ärendenummer. Ärendet raderas 90 dagar efter att det har avslutats, eller när du "
           "skriver /glom_mig.\n"
           "• Hur många frågor som ställs per dag (bara en siffra).\n"
           "Inget annat sparas – varken vem du är eller dina andra meddelanden.")
MY_DATA_NONE = "Jag har inget sparat som är kopplat till den här chatten."
MY_DATA_HEAD = "Det här har jag sparat om den här chatten:"
MY_DATA_SUB = ("• Prenumeration: {state}, språk {language}, startad {since}"
               "{until}")
MY_DATA_DELIVERIES = "• Skickade påminnelser och utskick: {count}{latest}"
MY_DATA_CASE = "• Fråga till en handläggare, ärende #{case} ({state}), ställd {when}: ”{question}”"
MY_DATA_FOOT = "Skriv /glom_mig för att radera allt som är kopplat till den här chatten."

FORGET_ASK = ("Vill du att jag raderar allt som är sparat om den här chatten? "
              "Du slutar då också att få påminnelser.")
FORGET_YES = "Ja, radera allt"
FORGET_NO = "Nej, avbryt"
FORGET_DONE = "Klart! Jag har raderat allt jag hade sparat om den här chatten."
FORGET_NOTHING = "Det fanns inget sparat om den här chatten, så det finns inget att radera."
FORGET_CANCELLED = "Okej, jag har inte raderat något."

# Handing a question to a person (PARTNERBOT_HANDOFF_CHAT): what the user reads.
HANDOFF_BUTTON = "Fråga en handläggare"
HANDOFF_WRITE = ("Skriv din fråga till handläggaren i ett meddelande. Innan något skickas visar "
                 "jag exakt vad handläggaren får se, och du får bekräfta.")
HANDOFF_CONFIRM = ("Vill du att en handläggare svarar? Då skickar jag det här till "
                   "handläggarna:\n\n”{question}”\n\n– och ett ärendenummer, inget annat. Ditt "
                   "namn, ditt användarnamn och chattens id skickas inte, och namn, "
                   "telefonnummer, e-postadresser och personnummer i frågan har jag tagit bort. "
                   "Svaret kommer här i chatten.")
HANDOFF_YES = "Ja, skicka"
HANDOFF_NO = "Nej, avbryt"
HANDOFF_SENT = ("Klart! Din fråga är skickad till en handläggare som ärende #{case}. Svaret "
                "kommer här i chatten – under tiden kan du fortsätta fråga mig.")
HANDOFF_ALREADY = ("Din fråga är redan skickad som ärende #{case}, så jag skickar den inte igen. "
                   "Svaret kommer här i chatten.")
HANDOFF_CANCELLED = "Okej, jag har inte skickat något."
HANDOFF_FAILED = ("Jag kunde inte skicka frågan till handläggarna just nu. Tryck på ”Ja, skicka” "
                  "igen om en stund.")
HANDOFF_OFF = "Det går inte att fråga en handläggare här just nu."
HANDOFF_ANSWER_HEAD = "💬 Svar från en handläggare (ärende #{case}):"
HANDOFF_ANSWER_FOOT = ("Det här skrev en människa, inte jag. Svara på det här meddelandet om du "
                       "vill skriva till handläggaren.")
HANDOFF_FOLLOWUP_SENT = "Jag har skickat det till handläggaren (ärende #{case})."
HANDOFF_CASE_CLOSED = ("Ärende #{case} är avslutat, så jag skickar inte det här vidare. Har du en "
                       "ny fråga kan du skriva /hjalp och trycka på ”Fråga en handläggare”.")

# What the staff group reads (Swedish only, like the other texts for those who run the bot).
STAFF_CASE = ("#{case} · ny fråga · {when} · {language}\n\n{question}\n\n"
              "Svara på det här meddelandet så skickar jag svaret till den som frågade. "
              "Svara /stang för att stänga ärendet.")
STAFF_FOLLOWUP = "#{case} · den som frågade svarar · {when}\n\n{text}"
STAFF_RELAYED = "Skickat till den som frågade (ärende #{case})."
STAFF_CLOSED = "Ärende #{case} är stängt."
STAFF_ALREADY_CLOSED = "Ärende #{case} var redan stängt."
STAFF_CASE_IS_CLOSED = ("Ärende #{case} är stängt, så svaret skickades inte. Den som frågade kan "
                        "ställa en ny fråga.")
STAFF_BLOCKED = ("Ärende #{case} är stängt: den som frågade har blockerat boten, så svaret kunde "
                 "inte lämnas fram.")
STAFF_NOT_DELIVERED = ("Svaret på ärende #{case} kunde inte skickas just nu (Telegram svarade "
                       "inte). Skicka det gärna igen om en stund.")
STAFF_TEXT_ONLY = "Bara text kan skickas vidare. Skriv svaret som text, som svar på ärendet."
STAFF_CLOSE_USAGE = "Svara /stang på ett ärendes meddelande för att stänga ärendet."
STAFF_LANGUAGES = {"sv": "svenska", "en": "engelska"}
STATS_CASES = "• Ärenden hos handläggare: {open} öppna; mediantid till första svar: {median}"

# The bot's profile (Telegram shows the description in an empty chat, the short one on its page).
DESCRIPTION = ("Jag är Partnerbot, en automatisk assistent (ingen människa) för dig som arbetar i "
               "en svensk kommun eller region och funderar på att söka ICLD:s utlysning "
               "Kommunalt partnerskap. Jag svarar på frågor om samarbetsländer, vem som kan söka, "
               "sista ansökningsdag och kärnområden, och kan påminna dig inför sista dagen. "
               "Allt jag säger kommer från utlysningstexten – när den inte säger något hänvisar "
               "jag till ICLD.")
SHORT_DESCRIPTION = ("Automatisk assistent som svarar på frågor om ICLD:s utlysning Kommunalt "
                     "partnerskap, utifrån utlysningstexten.")
DESCRIPTION_EN = ("I am Partnerbot, an automatic assistant (not a person) for staff at Swedish "
                  "municipalities and regions who are thinking of applying for ICLD's call "
                  "Kommunalt partnerskap (municipal partnership). I answer questions about the "
                  "partner countries, who can apply, the deadline and the core areas, and can "
                  "remind you before the deadline. Everything I say comes from the call "
                  "announcement – where it says nothing, I refer you to ICLD.")
SHORT_DESCRIPTION_EN = ("Automatic assistant answering questions about ICLD's call Kommunalt "
                        "partnerskap, based on the call announcement.")

# Inline mode: the button above the results that opens a private chat with the bot.
INLINE_PRIVATE = "Fråga mig i en privat chatt"

# Around an admin's broadcast, in each subscriber's language: who sent it and how to stop.
BROADCAST_FRAME = ("📣 Meddelande från dem som driver Partnerbot:\n\n{text}\n\n"
                   "Du får det här eftersom du prenumererar på påminnelser. Tryck på knappen "
                   "nedan eller skriv /avsluta om du inte vill ha fler.")

NOT_AVAILABLE = "Det kommandot är inte tillgängligt."
BROADCAST_USAGE = "Skriv texten efter kommandot, till exempel: /broadcast Påminnelse: …"
BROADCAST_ASK = "Skicka det här till {count} aktiva prenumeranter?\n\n{text}"
BROADCAST_SEND = "Ja, skicka"
BROADCAST_CANCEL = "Avbryt"
BROADCAST_STARTED = "Utskicket har startat till {count} prenumeranter. Jag meddelar när det är klart."
BROADCAST_DONE = ("Utskicket är klart. Skickat: {sent}. Har blockerat boten: {blocked}. "
                  "Gick inte att nå: {failed} (jag försöker igen med dem senare).")
BROADCAST_QUEUED = ("Utskicket är sparat. Ett annat utskick pågår just nu, så det här skickas "
                    "direkt efter det.")
BROADCAST_CANCELLED = "Utskicket är avbrutet. Inget skickades."
BROADCAST_ALREADY_SENT = "Det här utskicket är redan skickat – det skickas inte igen."
BROADCAST_ALREADY_CANCELLED = "Det här utskicket är redan avbrutet."
STATS = ("Statistik\n• Aktiva prenumeranter: {active}\n• Frågor i dag: {today}\n"
         "• 👎 på svar (senaste 90 dagarna): {thumbs_down} – lista dem med partnerbot feedback\n"
         "• Obesvarade frågor (vanligast först):\n{unanswered}")
RELOAD_OK = "Kunskapsbasen är omladdad (sista ansökningsdag {deadline})."
RELOAD_FAILED = "Kunskapsbasen laddades inte om – den gamla används fortfarande. Fel:\n{problems}"


EN: dict[str, str] = {
    "REMIND_ME": "🔔 Remind me",
    "STOP_REMINDERS": "🔕 Stop reminders",
    "MY_DATA_BUTTON": "My data",
    "ICLD_BUTTON": "🌐 Read more at ICLD",
    "SOURCE_BUTTON": "📄 Source",
    "SOURCE_TITLE": "This is what the announcement “{title}” (ICLD, 2020) says, in Swedish:",
    "SOURCE_NONE": "That answer does not rest on a quote from the announcement.",
    "WHICH_CORE_AREA": "Which one fits our project?",
    "FEEDBACK_THANKS": "Thank you for telling me what you think!",
    "FEEDBACK_ALREADY": "Thanks! This answer already has your rating.",
    "DID_YOU_MEAN": "Did you mean one of these?",
    "NON_TEXT": ("I only understand text questions. Type your question about municipal "
                 "partnerships, for example “Can we cooperate with Kenya?”."),
    "SLOW_DOWN": "Whoa, that was fast! Please wait a moment before you write again, so I can keep up.",
    "GROUP_ADMINS_ONLY": ("In a group, only the group's administrators can change the reminders "
                          "or erase the group's data."),
    "SOMETHING_WENT_WRONG": "Oops, something went wrong on my side. Please try again in a moment.",
    "STALE_BUTTON": "That button no longer works. Type your question again and I will answer.",
    "SUBSCRIBED": ("Done! You will get reminders before the application deadline ({deadline}). "
                   "Type /unsubscribe when you want no more."),
    "ALREADY_SUBSCRIBED": "You already get reminders. Type /unsubscribe if you want to stop.",
    "CALENDAR_CLOSED": ("The call closed on {deadline}, so there is nothing left to put in a "
                        "calendar. Keep an eye on ICLD ({url}) for future calls."),
    "SUBSCRIBED_CLOSED": ("The call closed on {deadline}, so there are no more reminders to send "
                          "right now. I have kept your subscription: if a new call is added here, "
                          "you will get reminders before it. Type /unsubscribe to stop."),
    "UNSUBSCRIBED": "You will get no more reminders. Welcome back with /subscribe!",
    "NOT_SUBSCRIBED": "You don't get any reminders. Type /subscribe if you want them.",
    "STORE_BUSY": ("I could not save that just now because the database is busy. "
                   "Please try again in a moment – nothing has changed."),
    "STORE_BROKEN": ("Sorry, I cannot save anything right now because of a technical fault. "
                     "I still answer questions – please try again later."),
    "CALENDAR_FILE": "application-deadline-{day}.ics",
    "CALENDAR_CAPTION": ("The application deadline for {call} as a calendar file. Open it to add "
                         "it to Outlook or Google Calendar."),
    "START_PRIVACY": ("About your data: I keep only what is needed. If you type /subscribe, I "
                      "keep this chat's id, language and dates until you type /forgetme. "
                      "Questions I cannot answer are kept without any link to you and without "
                      "names or contact details, for at most 90 days. More with /mydata."),
    "PRIVACY": ("How I handle data:\n"
                "• If you type /subscribe, I keep this chat's id, language and dates, and which "
                "reminders I have sent – so that I can remind you. They stay until you type "
                "/forgetme.\n"
                "• Questions I cannot answer, and questions where you press 👎, are kept only as "
                "text and time, without any link to you. Names, phone numbers, e-mail "
                "addresses, personal identity numbers and usernames are removed before anything "
                "is stored. The texts help us improve the answers and are deleted after 90 "
                "days.\n"
                "• If you press “Ask a case officer” and confirm, I keep the question (without "
                "names or contact details), the time, the answers and this chat's id – the id "
                "only to send the answer here. The case officers see only the question, the "
                "time, the language and a case number. The case is deleted 90 days after it "
                "is closed, or when you type /forgetme.\n"
                "• How many questions are asked per day (just a number).\n"
                "Nothing else is stored – neither who you are nor your other messages."),
    "MY_DATA_NONE": "I have nothing stored that is linked to this chat.",
    "MY_DATA_HEAD": "This is what I have stored about this chat:",
    "MY_DATA_SUB": "• Subscription: {state}, language {language}, started {since}{until}",
    "MY_DATA_DELIVERIES": "• Reminders and announcements sent: {count}{latest}",
    "MY_DATA_CASE": "• Question to a case officer, case #{case} ({state}), asked {when}: “{question}”",
    "MY_DATA_FOOT": "Type /forgetme to erase everything linked to this chat.",
    "FORGET_ASK": ("Do you want me to erase everything stored about this chat? "
                   "You will then also stop getting reminders."),
    "FORGET_YES": "Yes, erase everything",
    "FORGET_NO": "No, cancel",
    "FORGET_DONE": "Done! I have erased everything I had stored about this chat.",
    "FORGET_NOTHING": "There was nothing stored about this chat, so there is nothing to erase.",
    "FORGET_CANCELLED": "OK, I have not erased anything.",
    "INLINE_PRIVATE": "Ask me in a private chat",
    "HANDOFF_BUTTON": "Ask a case officer",
    "HANDOFF_WRITE": ("Write your question to the case officer in one message. Before anything is "
                      "sent I will show you exactly what the case officer gets to see, and you "
                      "confirm it."),
    "HANDOFF_CONFIRM": ("Do you want a case officer to answer? Then I will send this to the case "
                        "officers:\n\n“{question}”\n\n– and a case number, nothing else. Your "
                        "name, your username and this chat's id are not sent, and I have removed "
                        "names, phone numbers, e-mail addresses and personal identity numbers "
                        "from the question. The answer will come here in this chat."),
    "HANDOFF_YES": "Yes, send it",
    "HANDOFF_NO": "No, cancel",
    "HANDOFF_SENT": ("Done! Your question has been passed on to a case officer as case #{case}. "
                     "The answer will come here in this chat – meanwhile you can keep asking me."),
    "HANDOFF_ALREADY": ("Your question has already been passed on as case #{case}, so I will not "
                        "send it again. The answer will come here in this chat."),
    "HANDOFF_CANCELLED": "OK, I have not sent anything.",
    "HANDOFF_FAILED": ("I could not pass your question on to the case officers just now. Please "
                       "press “Yes, send it” again in a moment."),
    "HANDOFF_OFF": "Asking a case officer is not available here right now.",
    "HANDOFF_ANSWER_HEAD": "💬 Answer from a case officer (case #{case}):",
    "HANDOFF_ANSWER_FOOT": ("A person wrote this, not me. Reply to this message if you want to "
                            "write to the case officer."),
    "HANDOFF_FOLLOWUP_SENT": "I have passed that on to the case officer (case #{case}).",
    "HANDOFF_CASE_CLOSED": ("Case #{case} is closed, so I will not pass this on. If you have a new "
                            "question, type /help and press “Ask a case officer”."),
    "BROADCAST_FRAME": ("📣 A message from the people who run Partnerbot:\n\n{text}\n\n"
                        "You get this because you subscribe to reminders. Press the button below "
                        "or type /unsubscribe if you want no more."),
}
# Words inside the /mina_uppgifter lines, by language.
WORDS: dict[str, dict[str, str]] = {
    "sv": {"active": "aktiv", "ended": "avslutad", "sv": "svenska", "en": "engelska",
           "open": "väntar på svar", "answered": "besvarad", "closed": "avslutad",
           "ended_at": ", avslutad {when}", "latest": ", senast {when}", "count": "{n} st"},
    "en": {"active": "active", "ended": "ended", "sv": "Swedish", "en": "English",
           "open": "waiting for an answer", "answered": "answered", "closed": "closed",
           "ended_at": ", ended {when}", "latest": ", latest {when}", "count": "{n}"},
}


def tr(name: str, lang: str) -> str:
    """The text called ``name`` in ``lang`` ("en" or Swedish)."""
    if lang == "en" and name in EN:
        return EN[name]
    return str(globals()[name])
