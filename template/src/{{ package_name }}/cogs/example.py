"""An example command to copy: one slash command with typed options and a permission check.

Copy me to start a command of your own: copy this file to cogs/<name>.py and
tests/test_example.py to tests/test_<name>.py, rename the class and the command, and adapt.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands


class Example(commands.Cog):
    """/say: the bot repeats a message, for members who may manage messages."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    # The description and each option's describe() text are what Discord shows in its menu.
    # Names and texts are English; locales/ translates them (a line each, in each language).
    @app_commands.command(description="Make the bot say something in this channel.")
    @app_commands.describe(text="What the bot should say", times="How many times, 1 to 3")
    # Only in servers, and only for members with Manage Messages; others get bot.py's error reply.
    @app_commands.guild_only()
    @app_commands.checks.has_permissions(manage_messages=True)
    async def say(
        self,
        interaction: discord.Interaction,
        text: app_commands.Range[str, 1, 500],
        times: app_commands.Range[int, 1, 3] = 1,
    ) -> None:
        """Answer in the channel; the typed options arrive already checked by Discord."""
        await interaction.response.send_message(
            "\n".join([text] * times),
            allowed_mentions=discord.AllowedMentions.none(),  # never ping @everyone for a member
        )


async def setup(bot: commands.Bot) -> None:
    """Called by bot.load_extension(): adds the cog, and so its commands, to the bot."""
    await bot.add_cog(Example(bot))
