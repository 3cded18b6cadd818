"""Creating and running the bot: one connection or shards, lean caches, the dev server's sync,
the IDENTIFY budget, the health server, and stops that always stop.

The extension point is bot.py's `Bot` class, imported by name and created as `Bot(**options)`
with the options from .env; with SHARD_COUNT set it is mixed with discord.py's AutoShardedBot.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import os
import signal
import sys
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Any, cast

import discord
from discord.ext import commands

from .. import app
from . import explain, gateway, guard, sync
from .invite import invite_links
from .settings import (
    Settings,
    SettingsError,
    health_port,
    setting_values,
    wait_on_fatal_error,
)

log = logging.getLogger(__name__)

# A stop closes the gateway connections cleanly (Discord then shows the bot offline at once)
# but waits at most this long for Discord's answer: `docker stop` kills after 10 s.
CLOSE_TIMEOUT = 3.0
# The start-up sync waits out a rate limit (HTTP 429) of at most this many seconds; a longer
# one is given up, said, and the bot starts without it. (discord.py's floor for this limit.)
SYNC_PATIENCE = 30.0
COMMAND_SYNC = "command_sync"  # dispatched as on_command_sync(result): sent, unchanged, ...

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
    gateway.skip_malformed_events(bot)
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


@dataclass
class Progress:
    """How far the start has got, and why it waits if it does: /readyz shows both."""

    phase: str = "starting"
    detail: str | None = None
    budget: guard.Budget | None = None  # the IDENTIFY budget, as read before connecting

    def enter(self, phase: str, detail: str | None = None) -> None:
        self.phase, self.detail = phase, detail

    def waiting(self, detail: str) -> None:
        self.enter("waiting", detail)


async def serve(bot: commands.Bot, settings: Settings, progress: Progress | None = None) -> None:
    """Log in, publish the commands to DEV_GUILD_ID if set, check the IDENTIFY budget, connect.

    This is `bot.start()`, with the development server's sync and runtime/guard.py's check
    between login and connect. Returns when the bot is closed.
    """
    progress = progress or Progress()
    announce_when_ready(bot, settings)
    progress.enter("logging in")
    await bot.login(settings.token)
    if settings.dev_guild_id is not None:
        progress.enter("syncing the commands")
        await sync_dev_guild(bot, settings.dev_guild_id)
    progress.enter("reading the IDENTIFY budget")
    progress.budget = await guard.before_connect(bot, settings, on_wait=progress.waiting)
    progress.enter("connecting")
    await bot.connect()


async def sync_dev_guild(bot: commands.Bot, guild_id: int) -> None:
    """Copy the commands to the development server; a long rate limit is given up, not waited."""
    guild = discord.Object(id=guild_id)
    target = f"server {guild.id}"
    bot.tree.copy_global_to(guild=guild)
    patience = bot.http.max_ratelimit_timeout
    bot.http.max_ratelimit_timeout = SYNC_PATIENCE  # longer 429s raise discord.RateLimited
    try:
        result = await sync.sync_commands(bot, guild_id=guild.id)
    except discord.RateLimited as error:
        bot.dispatch(COMMAND_SYNC, "rate_limited")
        log.warning(explain.sync_rate_limited(target, error.retry_after))
        return
    except discord.HTTPException as error:
        bot.dispatch(COMMAND_SYNC, "refused")
        raise explain.sync_refused(bot, target, error) from error
    finally:
        bot.http.max_ratelimit_timeout = patience
    bot.dispatch(COMMAND_SYNC, "sent" if result.sent else "unchanged")


async def run(settings: Settings) -> None:
    """`run`: serve until Discord ends it (an explained error) or SIGINT/SIGTERM stops it.

    A stop always stops, whatever the bot is doing (logging in, waiting on a rate limit or the
    IDENTIFY budget, opening shards, serving): the start is cancelled, then the connections
    are closed (waiting at most CLOSE_TIMEOUT for Discord), and `run` returns normally.
    """
    stop = _stop_on_signals()
    progress = Progress()
    server: Any = None
    options: dict[str, Any] = {}
    if settings.health_port is not None:
        # Only now: a bot without HEALTH_PORT imports neither aiohttp.web nor prometheus_client.
        from . import health

        server = health.HealthServer(settings, progress)
        options = server.bot_options()
    async with create_bot(settings, **options) as bot:
        if server is not None:
            await server.start(bot)
        try:
            await _serve_until_stopped(bot, settings, progress, stop)
        finally:
            if server is not None:
                await server.stop()


async def _serve_until_stopped(
    bot: commands.Bot, settings: Settings, progress: Progress, stop: asyncio.Event
) -> None:
    runner = asyncio.create_task(serve(bot, settings, progress), name="serve")
    stopper = asyncio.create_task(stop.wait(), name="stop signal")
    await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
    if not stop.is_set():
        stopper.cancel()
        error = runner.exception()
        if error is None:
            return
        budget = progress.budget
        shards = budget.recommended_shards if budget else None
        explained = explain.refusal(bot, settings.env_file, error, recommended_shards=shards)
        if explained is None:
            raise error
        raise explained from error
    log.info("Stopping: closing the connection to Discord")
    progress.enter("stopping")
    runner.cancel()
    await asyncio.wait({runner}, timeout=CLOSE_TIMEOUT)
    try:
        await asyncio.wait_for(bot.close(), CLOSE_TIMEOUT)
    except Exception as error:  # too slow, or half-open: the process ends next anyway
        log.debug("Closing the connection failed (%r); stopping anyway", error)
        await bot.http.close()
    runner.cancel()
    outcome = (await asyncio.gather(runner, return_exceptions=True))[0]
    if isinstance(outcome, Exception):  # e.g. the HTTP session closed under a request
        log.debug("The start ended with %r while stopping", outcome)
    log.info("Stopped.")
    _ignore_stop_signals()


def park(status: int, message: str, until: float | None = None) -> int:
    """ON_FATAL_ERROR=wait: after a mistake a restart cannot fix, wait to be stopped; `status`.

    Docker restarts a container whatever its exit status, and a StatefulSet's pods always
    restart (Kubernetes backs off to 5 minutes, Docker to 1): exiting would print the same error
    again and again, and spend an IDENTIFY each time for a gateway refusal such as 4014. So the
    process stays up, connected to nothing, with /livez answering (no liveness restart) and
    /readyz saying why it is not ready. With `until` (when the IDENTIFY budget is back) it exits
    then, so that the restart finds the budget. Without ON_FATAL_ERROR=wait: returns at once.
    """
    try:
        values = setting_values()
    except SettingsError:  # .env unreadable: the environment alone
        values = {key: value for key, value in os.environ.items() if value}
    try:
        if not wait_on_fatal_error(values):
            return status
        port = health_port(values)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return status
    print(
        "The bot waits here, connected to nothing, instead of exiting, so that a restart "
        "policy does not repeat this (ON_FATAL_ERROR=wait). Fix it, then restart the "
        "container; Ctrl+C, `docker stop` or `docker compose down` stops it.",
        file=sys.stderr,
    )
    host = values.get("HEALTH_HOST", "").strip() or "127.0.0.1"
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_parked(message, until, host, port))
    return status


async def _parked(message: str, until: float | None, host: str, port: int | None) -> None:
    stop = _stop_on_signals()
    server: Any = None
    if port is not None:
        from . import health

        settings = replace(Settings(token=""), health_host=host, health_port=port)
        server = health.HealthServer(settings, Progress("stopped", message), with_metrics=False)
        try:
            await server.start(None)
        except SettingsError as error:  # the port itself is the problem: wait without it
            print(f"error: {error}", file=sys.stderr)
            server = None
        else:
            print(f"http://{host}:{server.port}/readyz says why.", file=sys.stderr)
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), until)
    finally:
        if server is not None:
            await server.stop()
        _ignore_stop_signals()


def _stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT (Ctrl+C) or SIGTERM (`docker stop`, Kubernetes)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        # Windows has no loop signal handlers; Ctrl+C still ends the bot there.
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signal_number, stop.set)
    return stop


def _ignore_stop_signals() -> None:
    """Once stopped, a second Ctrl+C (`uv run` passes it on) or SIGTERM changes nothing.

    Ignored before the event loop closes: asyncio closes its self-pipe before it unregisters
    its signal handlers, and a signal in between made Python print "Exception ignored when
    trying to write to the signal wakeup fd" with a traceback (about one Ctrl+C in a hundred).
    """
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.remove_signal_handler(signal_number)
        signal.signal(signal_number, signal.SIG_IGN)


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
