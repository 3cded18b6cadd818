"""The storage floor: the floor bot, plus a database opened through the generated bot's library.

SQLAlchemy's asyncio engine on $DATABASE_URL, with the driver the generated bot uses (aiosqlite
for SQLite, asyncpg for PostgreSQL): one query before connecting to Discord, the engine kept open,
one query for each /ping. That is the least a bot that keeps data does; the benchmark compares
the generated bot with storage against it, started from the same virtual environment.
"""

from __future__ import annotations

import os

import discord
from discord import app_commands
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine


class StorageFloorBot(discord.Client):
    """discord.py's example client, with an engine opened in setup_hook and closed on close."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default())
        self.tree = app_commands.CommandTree(self)
        self.engine = create_async_engine(os.environ["DATABASE_URL"])

    async def setup_hook(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def close(self) -> None:
        await super().close()
        await self.engine.dispose()


def main() -> None:
    """Run until SIGINT; DISCORD_TOKEN and DATABASE_URL come from the environment."""
    bot = StorageFloorBot()

    @bot.tree.command(description="Is the bot alive?")
    async def ping(interaction: discord.Interaction) -> None:
        async with bot.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        await interaction.response.send_message("pong")

    bot.run(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    main()
