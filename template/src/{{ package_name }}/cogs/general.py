"""Slash commands every bot should have: /ping and /about."""

from __future__ import annotations

import math

import discord
from discord import app_commands, ui
from discord.ext import commands

from ..runtime.invite import invite_links
from ..runtime.translations import tr
from .feedback import FeedbackButton


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
        await interaction.response.send_message(
            view=AboutCard(self.bot, interaction), ephemeral=True
        )


class AboutCard(ui.LayoutView):
    """/about's answer in Components V2: a card of texts, the bot's avatar, a line, buttons.

    A layout replaces content and embeds (Discord refuses both beside it), holds at most 40
    components, and may show buttons anywhere; replies use the member's language (tr).
    """

    def __init__(self, bot: commands.Bot, interaction: discord.Interaction) -> None:
        super().__init__()
        assert bot.user is not None  # interactions only arrive once the bot is logged in
        application = bot.application
        profile: ui.Section[AboutCard] = ui.Section(
            ui.TextDisplay(f"## {application.name if application else bot.user.name}"),
            accessory=ui.Thumbnail(bot.user.display_avatar.url),
        )
        if application and application.description:
            profile.add_item(ui.TextDisplay(application.description))
        buttons: ui.ActionRow[AboutCard] = ui.ActionRow()
        links = invite_links(bot.application_id) if bot.application_id else {}
        for context, link in links.items():
            label = tr(interaction, "Add to a server" if context == "guild" else "Add to your apps")
            buttons.add_item(ui.Button(label=label, url=link))
        buttons.add_item(FeedbackButton(tr(interaction, "Send feedback")))
        servers = tr(interaction, "Servers: {count}", count=len(bot.guilds))
        card = ui.Container(profile, ui.Separator(), ui.TextDisplay(servers), buttons)
        card.accent_colour = discord.Colour.blurple()
        self.add_item(card)


async def setup(bot: commands.Bot) -> None:
    """Called by bot.load_extension()."""
    await bot.add_cog(General(bot))
