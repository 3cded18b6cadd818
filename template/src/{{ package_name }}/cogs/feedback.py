"""/feedback: a form (a modal) for members, and a button that opens it from any message.

The button is a persistent `DynamicItem`: everything it needs is in its custom_id, so it keeps
working on messages sent before the bot restarted (setup() registers it; /about shows it).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord
from discord import app_commands, ui
from discord.ext import commands

from ..runtime.translations import tr

log = logging.getLogger(__name__)


class FeedbackForm(ui.Modal):
    """The form: a text above, then a topic to pick and a message to write, each in a Label."""

    def __init__(self, interaction: discord.Interaction) -> None:
        super().__init__(title=tr(interaction, "Feedback"), timeout=600)
        self.topic: ui.Select[FeedbackForm] = ui.Select(
            options=[
                discord.SelectOption(label=tr(interaction, "An idea"), value="idea"),
                discord.SelectOption(label=tr(interaction, "A problem"), value="problem"),
                discord.SelectOption(label=tr(interaction, "Praise"), value="praise"),
            ]
        )
        self.message: ui.TextInput[FeedbackForm] = ui.TextInput(
            style=discord.TextStyle.paragraph, min_length=5, max_length=1000
        )
        self.add_item(ui.TextDisplay(tr(interaction, "The bot's owner reads every message.")))
        self.add_item(ui.Label(text=tr(interaction, "Topic"), component=self.topic))
        self.add_item(ui.Label(text=tr(interaction, "Your message"), component=self.message))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Keep the feedback in the log (a storage cog could save it), and thank the member."""
        log.info(
            "Feedback (%s) from %s: %s", self.topic.values[0], interaction.user, self.message.value
        )
        thanks = tr(interaction, "Thank you! Your feedback was sent.")
        await interaction.response.send_message(thanks, ephemeral=True)


class FeedbackButton(ui.DynamicItem[ui.Button[ui.LayoutView]], template=r"feedback:open"):
    """A button that opens the form; it answers on any message, old ones included."""

    def __init__(self, label: str = "Send feedback") -> None:
        super().__init__(ui.Button(label=label, custom_id="feedback:open"))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str], /
    ) -> FeedbackButton:
        """discord.py calls this for a click on a button whose custom_id fits the template."""
        return cls()

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(FeedbackForm(interaction))


class Feedback(commands.Cog):
    """Hear from the people who use the bot."""

    @app_commands.command(description="Tell the bot's owner what you think.")
    async def feedback(self, interaction: discord.Interaction) -> None:
        """Open the form; what the member writes arrives in FeedbackForm.on_submit."""
        await interaction.response.send_modal(FeedbackForm(interaction))


async def setup(bot: commands.Bot) -> None:
    """Add the cog, and the button's handler: from then on it answers clicks on any message."""
    bot.add_dynamic_items(FeedbackButton)
    await bot.add_cog(Feedback())


async def teardown(bot: commands.Bot) -> None:
    """Called by bot.unload_extension() (and reload_extension())."""
    bot.remove_dynamic_items(FeedbackButton)
