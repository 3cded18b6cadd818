"""Command extensions. Every module here with a `setup(bot)` function is loaded at start.

Add a command: copy general.py to a new module, rename the class, and restart the bot.
Modules whose names start with "_" are skipped.
"""
