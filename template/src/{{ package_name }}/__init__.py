"""A Discord bot built on discord.py.

Yours to edit: bot.py (the bot as a whole) and cogs/ (the commands). app.py holds the
template's answers; runtime/ runs the bot (`uv run <package> --help` lists its verbs).
"""
