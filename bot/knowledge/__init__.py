"""The curated knowledge: YAML files read into frozen dataclasses, validated with file:line.

``model`` holds the dataclasses, ``reader`` the validation rules, ``yamlsource`` the YAML
loader that remembers line numbers, ``loader`` finds the folder and ties them together.

May import: nothing of the bot's other parts (answers, Telegram, reminders, the store).
"""
