"""A second floor: the same bot as floor_bot.py, built on `discord.ext.commands`.

A bot made of cogs stands on `commands.Bot` (its cogs, extensions and text commands), which bare
discord.py (`discord.Client`, floor_bot.py) does not import. Measured beside both, it shows how
much of the generated bot's start and memory is that library and how much is the template's own:
`commands.Bot` with every discord.py default, one cog answering /ping, nothing else.
"""

from __future__ import annotations

import os

import discord
from discord import app_commands
from discord.ext import commands


class General(commands.Cog):
    @app_commands.command(description="Is the bot alive?")
    async def ping(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")


class Bot(commands.Bot):
    async def setup_hook(self) -> None:
        await self.add_cog(General())


def main() -> None:
    """Run until SIGINT; DISCORD_TOKEN comes from the environment."""
    Bot(command_prefix="!", intents=discord.Intents.default()).run(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    main()
