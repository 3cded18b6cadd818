"""Creating and running the bot: one connection or shards, lean caches, the dev server's sync.

The extension point is bot.py's `Bot` class, imported by name and created as `Bot(**options)`
with the options from .env; with SHARD_COUNT set it is mixed with discord.py's AutoShardedBot.
"""

from __future__ import annotations

import importlib
import logging
from types import ModuleType
from typing import Any, cast

import discord
from discord.ext import commands

from .. import app
from . import explain, sync
from .invite import invite_links
from .settings import Settings, SettingsError

log = logging.getLogger(__name__)

# This bot does not join voice channels: discord.py's start-up warnings about the optional
# voice libraries (PyNaCl, davey) would only alarm a new bot author.
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False


def bot_class() -> type[commands.Bot]:
    """The `Bot` class of bot.py, looked up by name."""
    module = importlib.import_module(f"{app.PACKAGE}.bot")
    return cast("type[commands.Bot]", module.Bot)


def sharded(bot_type: type[commands.Bot]) -> type[commands.Bot]:
    """The same bot over several gateway connections (shards), for 2,500 servers and more."""
    bases = (bot_type, commands.AutoShardedBot)
    return cast("type[commands.Bot]", type(f"Sharded{bot_type.__name__}", bases, {}))


def cache_options(settings: Settings) -> dict[str, Any]:
    """What discord.py keeps in memory: MAX_MESSAGES, MEMBER_CACHE, CHUNK_GUILDS_AT_STARTUP.

    The defaults keep only what the bot's own commands need (no messages, only its own member
    in each server); the README's "Memory" section says what each cache is for.
    """
    options: dict[str, Any] = {
        "max_messages": settings.max_messages,
        "chunk_guilds_at_startup": settings.chunk_guilds_at_startup,
    }
    if settings.member_cache != "all":  # "all" is discord.py's default: whom the intents send
        members = discord.MemberCacheFlags.none()  # the bot's own member is always kept
        members.voice = settings.member_cache == "voice"
        options["member_cache_flags"] = members
    return options


def create_bot(
    settings: Settings, bot_type: type[commands.Bot] | None = None, **extra: Any
) -> commands.Bot:
    """bot.py's Bot (or `bot_type`) with the settings' caches, sharded when SHARD_COUNT is set.

    With SHARD_IDS (or SHARD_GROUP) this process runs only those shards of SHARD_COUNT, so
    several processes or machines can split one bot. `extra` goes to discord.py as it is.
    """
    bot_type = bot_type or bot_class()
    options = {**cache_options(settings), **extra}
    if settings.shard_count is not None:
        bot_type = sharded(bot_type)
        options["shard_count"] = settings.shard_count
        if settings.shard_ids is not None:
            options["shard_ids"] = list(settings.shard_ids)
    try:
        bot = bot_type(**options)
    except ValueError as error:  # discord.py checks the caches against the bot's intents
        if settings.chunk_guilds_at_startup and "Intents.members" in str(error):
            raise SettingsError(explain.chunking_needs_members()) from error
        raise
    if app.DATABASE:
        storage().attach(bot, settings)  # DATABASE_URL; connected on first use
    return bot


def storage() -> ModuleType:
    """runtime/database.py, which only bots with storage have (app.DATABASE): imported when
    used, so that a bot without it never loads SQLAlchemy."""
    return importlib.import_module(f"{__package__}.database")


def privileged_intents(bot: discord.Client) -> list[str]:
    """The privileged intents the bot really asks for, by discord.Intents name."""
    return [name for name in app.PORTAL_SWITCHES if getattr(bot.intents, name)]


async def serve(bot: commands.Bot, settings: Settings) -> None:
    """Log in, publish the commands to DEV_GUILD_ID if set, connect; return when closed.

    This is `bot.start()`, with the development server's sync between login and connect.
    """
    announce_when_ready(bot, settings)
    await bot.login(settings.token)
    if settings.dev_guild_id is not None:
        guild = discord.Object(id=settings.dev_guild_id)
        bot.tree.copy_global_to(guild=guild)
        try:
            await sync.sync_commands(bot, guild_id=guild.id)
        except discord.HTTPException as error:
            raise explain.sync_refused(bot, f"server {guild.id}", error) from error
    await bot.connect()


def announce_when_ready(bot: commands.Bot, settings: Settings) -> None:
    """Log each READY; the first time, the invite links if unknown and a never-synced hint."""
    first = True

    async def on_ready() -> None:
        nonlocal first
        log.info("Ready: logged in as %s in %d servers", bot.user, len(bot.guilds))
        if not first:
            return
        first = False
        if app.APPLICATION_ID is None and bot.application_id is not None:
            for context, link in invite_links(bot.application_id).items():
                log.info("Invite link (%s install): %s", context, link)
        if settings.dev_guild_id is None and not sync.synced_globally(bot.application_id):
            log.warning(explain.never_synced())

    bot.add_listener(on_ready, "on_ready")
