"""What runs the bot: you never need to open this folder to write commands.

cli.py       the command line (`run`, `invite`, `sync`, `check`, `playground`), the only entry point
settings.py  .env and the environment, read into one typed object
launch.py    creates bot.Bot with the settings (one connection or shards, lean caches), runs it
explain.py   every refusal in words: what went wrong and the one thing to do
sync.py      publishing the slash commands on purpose, skipped when nothing changed
invite.py    the invite links and Developer Portal pages, from app.py
fake_discord.py  a Discord on 127.0.0.1 for the tests and the playground; never used by `run`
playground/  `playground`: the bot against fake_discord.py, in a Discord-like page

Extension points: launch.py creates the `Bot` class of bot.py as `Bot(**options)`, and
bot.py loads every module of cogs/. Nothing here imports the commands themselves (the
playground's --reload only reloads them, by name, through the bot).
"""
