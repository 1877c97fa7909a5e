"""The Telegram layer: updates to engine calls, answers to replies.

``app`` builds the Application and registers the handlers (``handlers`` for questions,
``subscriptions`` for subscriptions, personal data and sending reminders, ``admin`` for
operators, ``handoff`` for questions passed to staff); ``polling`` and ``webhook`` receive
updates; ``transport`` talks to the Bot API and ``retries`` rides out its transient failures;
``formatting`` and ``messages`` make the replies, ``replies`` reads the chat's language and
sends them; ``services`` is what handlers share. Each button's callback-data prefix is a
constant beside the handler that reads it; ``app`` registers the handlers by those constants.

May import: every other part (answers, knowledge, reminders, the store, config, clock). It
sits on top; nothing but the CLI's ``operations`` imports it.
"""
