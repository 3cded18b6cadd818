"""What runs the bot: you never need to open this folder to write commands.

entry.py     the console script: signals handled from the first instant, then cli.py
cli.py       the command line (`run`, `invite`, `sync`, `check`, `playground`,
             and `db` when the bot keeps data)
settings.py  .env and the environment, read into one typed object
launch.py    creates bot.Bot with the settings (one connection or shards, lean caches), runs it
             and stops it, whatever it is doing
guard.py     Discord's daily IDENTIFY budget: read before connecting, never spent out
gateway.py   malformed gateway events skipped; each event's ids for the log
logs.py      text or JSON log lines, colour only on a terminal
health.py    /livez, /readyz, /metrics (only with HEALTH_PORT); metrics.py: the metrics
probe.py     the container's HEALTHCHECK, asking health.py
database.py  with storage: the engine, a session per command, migrations/ applied by `db`
preflight.py what `check` warns about (docker env files, resource settings, pod counts)
explain.py   every refusal in words: what went wrong and the one thing to do
sync.py      publishing the slash commands on purpose, skipped when nothing changed
limits.py    Discord's rules for commands, checked before a sync sends anything
translations.py  the locales/ files as discord.py's Translator, and tr() for replies
portal.py    `check --online`: the Developer Portal's settings against the answers
invite.py    the invite links and Developer Portal pages, from app.py
fake_discord.py  a Discord on 127.0.0.1 for the tests and the playground; never used by `run`
playground/  `playground`: the bot against fake_discord.py, in a Discord-like page

Extension points: launch.py creates the `Bot` class of bot.py as `Bot(**options)`, and
bot.py loads every module of cogs/. Nothing here imports the commands themselves (the
playground's --reload only reloads them, by name, through the bot).
"""
