"""A Telegram Bot API stand-in for the tests and the benchmarks (not part of the installed bot).

`StandIn` is an HTTP/1.1 server on 127.0.0.1 that the real python-telegram-bot client talks
to; `standin.botrunner` runs the real Partnerbot application against it. One module per concern:

- server.py      `StandIn`: lifecycle (in the running loop or a thread), connections, routing
- state.py       chats, messages, the update queue, getUpdates, push_* (injecting updates)
- methods.py     the Bot API methods (`_m_sendMessage`, ...) and their request validation
- faults.py      injected faults: fail_next, drops, blocked chats, delays, rate caps
- inspection.py  recorded calls and sends, wait_for / wait_messages
- records.py     bot constants, `Call`, `Sent`, `RateViolation`
- markup.py      Telegram HTML to plain text, UTF-16 length, reply_markup checks
- wire.py        Bot API errors, request parameters, a minimal HTTP/1.1 reader/writer
- botrunner.py   the bot in-process (`running_bot`) or as a process (`start_bot_process`)
"""

from standin.markup import ParseError, html_to_plain, utf16_len, visible_text
from standin.records import (BLOCKED, BOT_ID, BOT_USER, BOT_USERNAME, CONFLICT, DEFAULT_TOKEN,
                             STALE_QUERY, Call, RateViolation, Sent)
from standin.server import StandIn, main

__all__ = ["BLOCKED", "BOT_ID", "BOT_USER", "BOT_USERNAME", "CONFLICT", "DEFAULT_TOKEN",
           "STALE_QUERY", "Call", "ParseError", "RateViolation", "Sent", "StandIn", "html_to_plain",
           "main", "utf16_len", "visible_text"]
