"""The bot: which intents it asks for, how it loads its commands, how it answers errors.

The commands themselves live in cogs/. `uv run <package>` creates `Bot(**options)` with the
settings from .env (caches, shards: see runtime/launch.py), so keep that signature.
"""

from __future__ import annotations

import logging
import pkgutil
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from . import app, cogs
from .runtime.translations import Translator, tr

log = logging.getLogger(__name__)


class Bot(commands.Bot):
    """A discord.py bot whose commands live in the cogs package."""

    def __init__(self, **options: Any) -> None:
        # Every ordinary intent, plus the privileged ones chosen for this bot (app.py).
        intents = discord.Intents.default()
        for name in app.PRIVILEGED_INTENTS:
            setattr(intents, name, True)
        super().__init__(
            # Text commands need the Message Content intent; a mention works without it.
            command_prefix=(
                commands.when_mentioned_or(app.COMMAND_PREFIX)
                if app.COMMAND_PREFIX
                else commands.when_mentioned
            ),
            intents=intents,
            # Where the commands can be used: the install contexts chosen for the app.
            allowed_installs=app_commands.AppInstallationType(
                guild=app.GUILD_INSTALL, user=app.USER_INSTALL
            ),
            allowed_contexts=app_commands.AppCommandContext(
                guild=True, dm_channel=True, private_channel=app.USER_INSTALL
            ),
            **options,
        )
        self.tree.error(self.on_app_command_error)

    async def setup_hook(self) -> None:
        """Load the commands: every module in cogs/ whose name does not start with "_"."""
        # Their texts in other languages: one file per language in locales/ (see docs/).
        await self.tree.set_translator(Translator())
        for module in pkgutil.iter_modules(cogs.__path__, prefix=f"{cogs.__name__}."):
            if not module.name.rpartition(".")[2].startswith("_"):
                await self.load_extension(module.name)

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Answer the user privately and log the details; the bot keeps running."""
        # tr(): the reply in the member's language, when locales/ has it (English otherwise).
        if isinstance(error, app_commands.CommandOnCooldown):
            message = tr(
                interaction,
                "Slow down: try again in {seconds} s.",
                seconds=f"{error.retry_after:.0f}",
            )
        elif isinstance(error, app_commands.BotMissingPermissions):
            missing = ", ".join(error.missing_permissions)
            message = tr(interaction, "I am missing permissions here: {missing}", missing=missing)
        elif isinstance(error, app_commands.MissingPermissions):
            missing = ", ".join(error.missing_permissions)
            message = tr(interaction, "You need these permissions: {missing}", missing=missing)
        elif isinstance(error, app_commands.CheckFailure):
            message = tr(interaction, "You cannot use this command here.")
        else:
            command = interaction.command.qualified_name if interaction.command else "command"
            log.error("/%s failed", command, exc_info=error)
            message = tr(
                interaction,
                "Something went wrong; the bot's owner can find the details in its log.",
            )
        # Error texts can quote what the user typed: never let them ping anyone.
        quiet = discord.AllowedMentions.none()
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True, allowed_mentions=quiet)
        else:
            await interaction.response.send_message(message, ephemeral=True, allowed_mentions=quiet)

    async def on_command_error(
        self, context: commands.Context[Any], error: commands.CommandError
    ) -> None:
        """Text commands: ignore unknown ones (a mention in passing), answer and log the rest."""
        if isinstance(error, commands.CommandNotFound):
            return
        # The error text can quote what the user typed (@everyone, a role): never ping anyone.
        quiet = discord.AllowedMentions.none()
        if isinstance(error, commands.UserInputError):
            await context.reply(
                f"{error} Try `{context.clean_prefix}help`.", allowed_mentions=quiet
            )
            return
        log.error("%s%s failed", context.clean_prefix, context.invoked_with, exc_info=error)
        await context.reply(
            "Something went wrong; the bot's owner can find the details in its log.",
            allowed_mentions=quiet,
        )
