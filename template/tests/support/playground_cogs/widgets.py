"""Test-only commands for the playground's tests: buttons, a select, a modal, a Components V2
layout, edits, a deletion and a failure, whatever the author's own cogs have.

tests/support/playground.py copies this file into a folder that the playground process adds to
cogs/ (`cogs.__path__`), so the bot loads it as one of its own cogs; never part of the bot.
"""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands, ui
from discord.ext import commands


class Counter(ui.View):
    """A button that edits its own message, and a select that answers privately."""

    def __init__(self) -> None:
        super().__init__(timeout=None)
        self.count = 0

    @ui.button(label="Add one", style=discord.ButtonStyle.primary, custom_id="counter:add")
    async def add(self, interaction: discord.Interaction, button: ui.Button[Counter]) -> None:
        self.count += 1
        await interaction.response.edit_message(content=f"Count: {self.count}", view=self)

    @ui.select(
        custom_id="counter:colour",
        placeholder="Pick a colour",
        options=[discord.SelectOption(label="Red"), discord.SelectOption(label="Blue")],
    )
    async def colour(self, interaction: discord.Interaction, select: ui.Select[Counter]) -> None:
        await interaction.response.send_message(f"You picked {select.values[0]}.", ephemeral=True)


class Survey(ui.Modal, title="Survey"):
    """A modal with a labelled text input and a select, as discord.py 2.6+ writes them."""

    opinion: ui.Label[Survey] = ui.Label(
        text="What do you think?",
        component=ui.TextInput(custom_id="feedback:opinion", style=discord.TextStyle.paragraph),
    )
    mood: ui.Label[Survey] = ui.Label(
        text="Mood",
        component=ui.Select(
            custom_id="feedback:mood",
            options=[discord.SelectOption(label="Happy"), discord.SelectOption(label="Grumpy")],
        ),
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        assert isinstance(self.opinion.component, ui.TextInput)
        assert isinstance(self.mood.component, ui.Select)
        opinion, mood = self.opinion.component.value, self.mood.component.values[0]
        await interaction.response.send_message(f"Thanks! {opinion} ({mood})")


class Layout(ui.LayoutView):
    """Components V2: a container with text, a separator and a section with a button."""

    def __init__(self) -> None:
        super().__init__(timeout=None)
        button: ui.Button[Layout] = ui.Button(label="Open the modal", custom_id="layout:modal")
        button.callback = self.open_modal  # type: ignore[method-assign]
        self.add_item(
            ui.Container(
                ui.TextDisplay("## A layout"),
                ui.Separator(),
                ui.Section("Sections put a button beside the text.", accessory=button),
                accent_colour=discord.Colour.blurple(),
            )
        )

    async def open_modal(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Survey())


class Widgets(commands.Cog):
    """Commands whose answers exercise every kind of interaction the playground handles."""

    @app_commands.command(description="A counter: its button edits the message.")
    async def counter(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Count: 0", view=Counter())

    @app_commands.command(description="A Components V2 layout whose button opens a modal.")
    async def layout(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(view=Layout())

    @app_commands.command(description="A modal, straight away.")
    async def survey(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Survey())

    @app_commands.command(description="Thinks, answers, then edits the answer.")
    async def slow(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(0.05)
        await interaction.followup.send("Done thinking.")
        await interaction.edit_original_response(content="Done thinking, and edited.")

    @app_commands.command(description="Answers, then deletes the answer.")
    async def vanish(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Now you see me.")
        await interaction.delete_original_response()

    @app_commands.command(description="Fails, as every bot does some day.")
    async def broken(self, interaction: discord.Interaction) -> None:
        raise RuntimeError("a bug in /broken")


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Widgets())
