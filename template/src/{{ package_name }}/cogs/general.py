"""Slash commands every bot should have: /ping and /about."""

from __future__ import annotations

import math

import discord
from discord import app_commands
from discord.ext import commands

from ..runtime.invite import invite_links


class General(commands.Cog):
    """Is the bot alive, and what is it?"""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(description="Check that the bot is alive and how fast Discord answers.")
    async def ping(self, interaction: discord.Interaction) -> None:
        """Answer privately with the gateway latency (unknown until the first heartbeat)."""
        latency = self.bot.latency
        measured = f"{latency * 1000:.0f} ms" if math.isfinite(latency) else "not measured yet"
        await interaction.response.send_message(
            f"Pong! Gateway latency: {measured}.", ephemeral=True
        )

    @app_commands.command(description="What this bot is and how to add it.")
    async def about(self, interaction: discord.Interaction) -> None:
        """Describe the bot from its application settings, with its invite links."""
        application = self.bot.application
        embed = discord.Embed(
            title=application.name if application else str(self.bot.user),
            description=(application.description if application else "") or None,
        )
        embed.add_field(name="Servers", value=str(len(self.bot.guilds)))
        if self.bot.application_id is not None:
            for context, link in invite_links(self.bot.application_id).items():
                label = "Add to a server" if context == "guild" else "Add to your apps"
                embed.add_field(name=label, value=f"[Invite link]({link})", inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    """Called by bot.load_extension()."""
    await bot.add_cog(General(bot))
