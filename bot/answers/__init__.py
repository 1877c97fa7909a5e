"""The answer engine: a question's text in, an ``Answer`` out.

Reads the question (normalisation, language, countries, phrases), finds what it asks, and
writes the reply from the knowledge. Pure and synchronous; the clock is an argument.

May import: ``bot.knowledge`` and ``bot.clock``. Never Telegram, the store or reminders: the
CLI and the Telegram layer both call it the same way.
"""
