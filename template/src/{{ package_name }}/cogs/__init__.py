"""The bot's commands. Every module here with a `setup(bot)` function is loaded at start.

Add a command: copy example.py to a new module (its test too: tests/test_example.py), rename
the class and the command, and restart the bot. Modules whose names start with "_" are skipped.
"""
