"""Reminders and broadcasts: a pure schedule, and a delivery loop handed a send function.

``schedule`` says which reminder is due from the call's dates and the clock; ``delivery``
sends it (and admin broadcasts) through a ``Sender`` it is given, recording every message
in the store; ``ratelimit`` keeps within Telegram's limits; ``lease`` lets one process deliver
at a time; ``ics`` makes the calendar file.

May import: knowledge, answers' text helpers, the store, clock and python-telegram-bot's
error types. Never the Telegram layer (``bot.telegram``): it gets a send function instead.
"""
