"""The words the answer engine's readers look for, in folded form (lower case, å/ä/ö as a/a/o).

Kept apart from the engine so that the readers' logic reads as logic; a curator adding a
synonym edits one list here (or, for topics and core areas, the knowledge files).
"""
from __future__ import annotations

from bot.answers.frame import ORDINALS

# Confidence bands, calibrated on tests/data/labelled_questions.jsonl (see bench/).
ANSWER_THRESHOLD = 0.62
SUGGEST_THRESHOLD = 0.42
SUGGESTION_FLOOR = 0.30
MAX_SUGGESTIONS = 3

APPLY_CUES = frozenset({
    "soka", "ansoka", "soker", "ansoker", "sokt", "sokande", "ansokare", "apply", "applying",
    "submit", "submits", "submitted", "applicant", "applicants", "eligible", "berattigad",
    "berattigade", "behorig", "behoriga",
    "delta", "medverka", "huvudsokande", "sokas",
})
APPLY_PHRASES = frozenset({("va", "med"), ("vara", "med"), ("ratt", "malgrupp"), ("fa", "pengar"),
                           ("fa", "stod"), ("ga", "med"), ("be", "part"), ("skicka", "in"),
                           ("skickar", "in"), ("lamna", "in"), ("lamnar", "in")})
GREETINGS = frozenset({"hej", "hejsan", "tjena", "tjenare", "hallo", "hello", "hi", "hey", "tack",
                       "thanks", "god", "morgon", "dag"})
DEADLINE_CUES = frozenset({
    "deadline", "deadlinen", "sista", "ansokningsdag", "ansokningsdagen", "stanger", "stangt",
    "stangde", "closes", "closing", "closed", "oppen", "oppet", "forsent", "hinner", "kvar",
    "slutdatum", "sistadag", "due", "datum", "date", "still", "fortfarande", "oppna",
})
DEADLINE_PREFIXES = ("stang", "deadline", "sistadag", "ansokningsperiod", "ansokningstid")
WE_WORDS = frozenset({"vi", "we"})   # "we" apply; "vår partnerkommun" is still foreign
FOREIGN_LINKS = frozenset({"i", "in", "fran", "from", "pa"})
# "vi är en kommun i Danmark": the writer describes themselves, so "we" are the foreign side.
SELF_DESCRIPTION = (("vi", "ar"), ("we", "are"), ("jag", "jobbar"), ("jag", "arbetar"),
                    ("vi", "jobbar"), ("vi", "arbetar"), ("i", "work"), ("we", "work"))
THANKS = frozenset({"tack", "tackar", "thanks", "thank", "tusen", "stort"})
BYE = frozenset({"hejda", "bye", "goodbye", "adjo"})
# A yes/no about the call being open, and the words that turn its polarity ("för sent?").
# "har vi missat ansökan?" asks whether it has closed, as "har den stängt?" does
MISSED_WORDS = frozenset({"missat", "missa", "missade", "missed", "miss"})
# ... but "har vi missat något i ansökan?" does not
SOMETHING = frozenset({"nagot", "nagonting", "nanting", "something", "anything"})
OPEN_WORDS = frozenset({"oppen", "oppet", "oppna", "open", "fortfarande", "still", "stangt",
                        "stangd", "stangts", "stangde", "closed", "sent", "late", "forsent",
                        *MISSED_WORDS})
STILL_OPEN = frozenset({"oppen", "oppet", "oppna", "open", "fortfarande", "still"})
CLOSED_WORDS = frozenset({"stangt", "stangd", "stangts", "stangde", "closed", "sent", "late",
                          "forsent", *MISSED_WORDS})
# A date in a question is about the deadline unless it is about something else the call names.
OTHER_DATES = frozenset({"skr", "skrs", "internationella", "international", "publicerad"})
# A time of day in the question: the announcement gives none (the deadline_time answer).
CLOCK_WORDS = frozenset({"kl", "klockan", "klockslag", "midnatt", "midnight", "oclock"})
DATE_CHECK = frozenset({"hinner", "hinna", "racker", "okej", "ok", "bra", "sent", "tid", "skicka",
                        "inom", "within",
                        "skickar", "lamna", "lamnar", "inne", "submit", "submitting", "send",
                        "sending", "time", "late", "okay", "fine", "klara", "klart", "godkand",
                        "funkar", "duger", "ihop", "hinns", "klarar", "funka", "fungerar", "gar",
                        "efter", "fore", "innan", "before", "after", "senast", "lugnt", "safe"})
DATE_SUBJECTS = frozenset({"ansokan", "ansokningen", "in", "inne", "datum", "deadline", "dagen",
                           "application", "date"})
DEADLINE_EQUALITY = frozenset({"stanger", "stangs", "deadline", "deadlinen", "sista", "closes",
                               "closing", "slutdatum", "sistadag", "stangde", "stangt", "closed"})
CORE_CUES = ("karnomrad", "fokusomrad", "omrade", "omraden", "omradet", "omradena")
CORE_SPELLINGS = ("karnomrade", "karnomraden", "karnomradet", "karnomradena")   # for typos
# "Måste vi ta med alla kärnområden?" asks how many to choose, not whether X is one of them.
CORE_CHOICE = frozenset({"alla", "allihop", "samtliga", "flera", "racker", "valja", "valj",
                         "bara", "endast", "all", "several", "enough", "choose", "only", "both",
                         "bada", "kombinera", "combine", "maste", "must", "behover", "need"})
CORE_FILLER = frozenset({"fyra", "four", "one", "ett", "en", "av", "de", "the", "of", "raknas",
                         "ingar", "galler", "counted", "included", "core", "area", "areas",
                         "nagot", "nagon", "dem", "those", "among", "bland", "kallade", "sa"})
COUNTRY_WORDS = ("land", "lander", "samarbetsland", "partnerland", "countr", "nation", "stat")
KIND_WORDS = ("typ", "slag", "sort", "organisation", "kind", "type", "aktor", "sokande")
# "…, har jag rätt?", "e det sant", "is that right?": a claim said before is being checked.
CLAIM_CHECKS = frozenset({"stammer", "ratt", "sant", "riktigt", "korrekt", "true", "right",
                          "correct", "eller", "va", "vet", "know"})     # "… Vet du?"
# "Måste partnern i Kenya …?", "Does our partner in Ukraine need to …?": a requirement asked.
NEED_WORDS = frozenset({"maste", "behover", "kravs", "need", "needs", "must", "required"})
# "stora städer", "en så liten kommun": the announcement sets no size for who may apply.
SIZE_WORDS = frozenset({"liten", "litet", "lilla", "sma", "stor", "stort", "stora", "storre",
                        "mindre", "small", "smaller", "big", "bigger", "large", "larger", "tiny"})
# "utanför Afrika", "outside Europe"
OUTSIDE = frozenset({"utanfor", "outside", "forutom", "except", "besides"})
NUMBERS = {"tva": 2, "two": 2, "tre": 3, "three": 3, "fyra": 4,
           "four": 4, "fem": 5, "five": 5, "sex": 6, "six": 6, "1": 1, "2": 2, "3": 3, "4": 4,
           "5": 5, "6": 6}
# The programme's own name: no word of a question's own ("passar kommunala partnerskap in i det?")
PROGRAMME_WORDS = frozenset({"kommunala", "kommunalt", "partnerskap", "partnerskapet",
                             "programmet", "program", "utlysningen", "icld", "municipal",
                             "partnership", "programme", "call"})
# "Uppfyller vi villkoren?", "Håller alla tre delarna?": every condition said before is asked.
CONDITION_CHECKS = frozenset({"uppfyller", "villkor", "villkoren", "krav", "kraven", "grundkraven",
                              "kriterier", "kriterierna", "delarna", "allt", "alltihop",
                              "requirements", "criteria", "conditions", "haller",
                              "everything"})
# "inte kommunen", "not the municipality": a kind set aside.
NEGATIONS = frozenset({"inte", "ej", "icke", "not", "never", "aldrig"})
# "två kommuner söker tillsammans": several Swedish applicants in one application
JOINT_WORDS = frozenset({"tillsammans", "ihop", "gemensamt", "gemensam", "gemensamma", "samma",
                         "together", "jointly", "joint", "same"})
ALSO = frozenset({"ocksa", "aven", "likasa", "too", "also", "as", "well"})
# "kan det vara ett sätt att jobba med det?", "en del av det arbetet?", "fit into that work?"
FITS_INTO = (("ett", "satt"), ("en", "del", "av"), ("del", "av"), ("a", "way"), ("part", "of"),
             ("fit", "into"), ("fits", "into"), ("passa", "in"), ("passar", "in"))
THEN = frozenset({"da", "then"})
BECAUSE = frozenset({"eftersom", "because", "since", "ty"})
BOTH = frozenset({"bada", "both", "alla", "all"})
POINTERS_IT = frozenset({"det", "den", "it", "that", "this"})
PLURAL_WHICH = frozenset({"vilka", "karnomraden", "karnomradena", "areas", "omraden", "omradena"})
# "vad får vi ut av det?", "what do we gain?": asks what, not whether one may apply
WHAT_WORDS = frozenset({"vad", "what", "varfor", "why", "hur", "how"})
# "vem som helst", "vilken organisation som helst", "anyone": a claim that anyone may apply
ANYONE = (("vem", "som", "helst"), ("organisation", "som", "helst"), ("anyone",), ("anybody",), ("everyone",),
          ("any", "organisation"), ("any", "organization"), ("alla", "organisationer"),
          ("alla", "kan"), ("all", "organisations"), ("all", "organizations"))
# "hur många länder", "how many", "antal": what a count question counts follows these
COUNT_WORDS = frozenset({"manga", "many", "antal", "antalet", "number"})
INCLUDE_PHRASES = (("ha", "med"), ("ta", "med"), ("include",), ("involve",), ("inkludera",),
                   ("involvera",), ("have", "on", "board"))
SEVERAL = frozenset({"tva", "tre", "fyra", "flera", "nagra", "manga", "annan", "andra", "two",
                     "three", "several", "some", "many", "another", "other", "fler"})
# "… och är klimat ett av dem?": what the question before in the message was about
THEM = frozenset({"dem", "de", "dessa", "them", "those", "these", "they"})
# "får det handla om äldreomsorg?", "as a theme": the theme of the cooperation is asked about
THEME_WORDS = frozenset({"tema", "temat", "teman", "ramen", "theme", "topic", "amne", "amnet"})
THEME_PHRASES = (("handla", "om"), ("handlar", "om"), ("be", "about"), ("focus", "on"),
                 ("fokusera", "pa"), ("fokus", "pa"), ("jobba", "med"), ("arbeta", "med"),
                 ("samarbeta", "kring"), ("samarbeta", "om"), ("work", "on"), ("rikta", "in"))
# "vår skola, alltså skolan": the same thing said again, more precisely.
REPHRASINGS = frozenset({"alltsa", "dvs", "ie", "namligen", "typ", "menar", "mean"})
KIND_ARTICLES = frozenset({"en", "ett", "the", "a", "an", "var", "vart", "our"})
# Words that join two items of a list ("kommuner och regioner").
LIST_LINKS = frozenset({"och", "eller", "and", "or", "samt", "plus", "med", "with", "el"})
# "är det fler än 20 länder?": a number claimed, to be checked.
COMPARISONS = frozenset({"fler", "farre", "mer", "mindre", "over", "under", "exakt", "precis",
                         "more", "fewer", "less", "than", "exactly", "about", "cirka", "ca"})
NUMBER_WORDS = frozenset({"tio", "femton", "sexton", "sjutton", "arton", "nitton", "tjugo",
                          "ten", "fifteen", "eighteen", "nineteen", "twenty", "tjugofem"})
# "innan deadline", "before the deadline": a time, not what is asked about.
TIME_PREPOSITIONS = frozenset({"innan", "fore", "before", "until", "till", "efter", "after", "by"})
# "kan man söka när som helst?", "löpande": a claim about when one may apply.
ANY_TIME = (("nar", "som", "helst"), ("lopande",), ("hela", "aret"), ("any", "time"),
            ("anytime",), ("all", "year"), ("rolling",), ("year", "round"))
# "hur lång tid har vi på oss?", "how much time do we have?": the time left to the deadline.
TIME_LEFT = (("har", "vi", "pa", "oss"), ("tid", "har", "vi"), ("much", "time"),
             ("how", "long", "do", "we", "have"), ("time", "left"), ("tid", "kvar"))
# Words of a question about partnering with a country ("kan vi samarbeta med Kenya?", "är
# Kenya med på listan?"). A question naming a country with other content words and none of
# these asks something else about it ("vilken valuta har Tanzania?", "hur många invånare …").
PARTNERING = ("samarb", "partner", "cooperat", "collaborat", "jobba", "work", "twin", "vanort",
              "sister", "utbyt", "exchange", "projekt", "project", "lista", "list", "godkan", "galler",
              "approved", "ok", "okej", "okay", "mojlig", "possibl", "tillat", "allowed", "ingar",
              "includ", "eligib", "valid", "giltig", "aktuell", "relevant", "funka", "funger",
              "fine", "good", "bra", "med", "also", "ocksa", "too", "about", "sags", "hur", "how",
              "kommun", "region", "municipal", "local", "lokal", "program")
# "vänkommun", "partnerkommun", "systerstad": by its name the partner abroad, never the applicant.
PARTNER_PREFIXES = ("van", "partner", "syster", "sister", "twin")
# "söka med Harrare", "en vänort i Kisumo": after these words an unknown word may be a place.
PLACE_LINKS = frozenset({"med", "me", "i", "with", "in", "fran", "from", "mot", "till", "to"})
# "… med en kommun där": a place named before.
PLACE_BACK = frozenset({"dar", "dit", "there"})
# "kan bara kommuner söka?", "only municipalities": a claim that one kind alone may apply.
ONLY = frozenset({"bara", "endast", "enbart", "only", "just"})
# "ett projekt om skolor", "a project on school meals": a kind of organisation after these
# words is what the project is about.
PROJECT_WORDS = ("projekt", "project", "samarbete", "partnerskap", "partnership", "arbete",
                 "work", "tema", "theme", "fokus", "focus", "jobba", "arbeta")
ABOUT_LINKS = frozenset({"om", "kring", "inom", "on", "about", "around", "regarding", "angande",
                         "med", "within", "for"})
# "ett sådant förbund", "such a federation": a pointer to what was said, no new subject.
POINTERS = frozenset({"sadan", "sadant", "sadana", "such", "this", "detta", "denna", "dessa",
                      "dylik", "dylikt", "dylika"})
# "nära gränsen mot Moldavien", "close to the border with Kenya": a country named as a landmark.
NEAR_WORDS = frozenset({"nara", "gransen", "grans", "mot", "near", "border", "close", "bredvid",
                        "granslandet", "neighbouring", "neighboring", "next"})
# Words that place a partner inside a country ("en kommun strax utanför Kapstaden", "en provins
# i norra Kina"): they say where, not what else is asked.
PLACE_WORDS = ("provins", "province", "utanfor", "outside", "nara", "near", "strax", "just",
               "close", "distrikt", "district", "stad", "city", "town", "by", "village", "kust",
               "coast", "norra", "sodra", "ostra", "vastra", "north", "south", "east", "west",
               "central", "landsbygd", "rural", "huvudstad", "capital", "gransen", "border")
# "…söka med en kommun i Belarus": after these words a kind of organisation is the partner.
PARTNER_LINKS = frozenset({"med", "with", "ihop", "tillsammans", "mot", "och", "and"})
OUR_WORDS = frozenset({"var", "vart", "vara", "our", "er", "ert", "era", "your", "min", "mitt", "my"})
FROM_WORDS = frozenset({"fran", "from", "of", "av", "hos", "at"})
LIST_WORDS = frozenset({"lista", "listan", "alla", "hela", "vilka", "list", "all", "which",
                        "samtliga", "rakna", "upprakning", "namn", "names"})
PROJECT_FIT = frozenset({"funkar", "fungerar", "passa", "platsa", "platsar", "ok", "okej",
                         "works", "work", "suitable", "eligible", "mojligt", "gar"})
# "Stämmer det verkligen?" says nothing of its own: it asks about what was just said; so do
# "förklara det första lite mer" and "vad betyder det tredje?".
ECHO_WORDS = frozenset({"sa", "ocksa", "verkligen", "right", "true", "correct", "ratt", "sant",
                        "lista", "rakna", "upp", "list", "forklara", "explain", "lite", "mer",
                        "more", "beratta", "tell", "mean", "means", *ORDINALS,
                        # "kan du skriva ut dom?", "could you print them?": the thing asked for
                        # was named before
                        "skriva", "skriv", "ut", "visa", "ge", "skicka", "print", "write", "show",
                        "give", "send", "out",
                        # "Vad säger utlysningen om det?", "What does the call say about that?"
                        "sager", "star", "sta", "utlysningen", "call", "announcement", "say",
                        "says", "about", "dos", "svara", "saga", "answer", "ska", "jag",
                        "all", "alla", "allihop", "samtliga"})
ACKNOWLEDGEMENTS = frozenset({"ok", "okej", "okay", "ja", "nej", "jaha", "aha", "japp", "nix",
                              "yes", "no", "tack", "thanks", "bra", "fint", "toppen", "great"})
FOLLOW_UP_WORDS = 6          # a follow-up is short; a longer message stands on its own
ABOUT_APPLYING = frozenset({"country", "applicant", "who_can_apply", "how_to_apply", "deadline",
                            "is_open", "region", "countries", "counterpart", "late_application",
                            "opening_date", "deadline_time"})
# Words that point back at a country ("går det dit?", "vilka av de länderna?"); a bare "det"
# does too, unless the sentence before it is about something else (Engine._other_subject).
COUNTRY_BACK = frozenset({"landet", "landerna", "dit", "dar", "darifran", "de", "dem", "dessa",
                          "bada", "both",
                          "country", "countries", "there", "them", "these", "those"})
REFERS_BACK = frozenset({"landet", "dit", "dar", "det", "den", "de", "dem", "dessa",
                         "country", "there", "it", "that", "them", "they", "these", "those"})
# How sure each reader is when it applies; the arbiter takes the highest. A date compared with
# the deadline or an explicit core-area question beats a curated topic word, which beats a
# country named in passing ("hur hittar vi en kommun i Kenya?" is about finding a partner).
SCORE = {"date": 0.99, "core": 0.97, "count": 0.97, "core_list": 0.965, "topic": 0.96,
         "applicant_asked": 0.955, "country": 0.95, "applicant": 0.94, "empty_region": 0.93,
         "region": 0.93, "country_list": 0.92, "deadline": 0.9, "misspelt_place": 0.85}
