"""The command line: run the bot, print its invite links, sync its commands or check it.

Every failure a new bot author can cause ends here as one clear message on stderr and a
non-zero exit status, never a traceback: 2 for a setting to fix, 1 for an answer from Discord.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Sequence

import discord
from discord.ext import commands

from .. import app
from . import explain, launch
from .invite import invite_links, portal_url
from .settings import Settings, SettingsError, load_settings, server_id_problem
from .sync import sync_commands

log = logging.getLogger(__name__)


def server_id(text: str) -> int:
    """`sync --guild ID`: a server ID, or argparse's error with how to copy one."""
    problem = server_id_problem(text.strip())
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    """The command line; `run` is the default verb."""
    parser = argparse.ArgumentParser(
        prog=app.PACKAGE,
        description="Run the bot, or manage it. Settings come from the environment and .env.",
    )
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    verbs.add_parser("run", help="connect to Discord and answer commands (the default)")
    verbs.add_parser("invite", help="print the links that add the bot (offline)")
    sync = verbs.add_parser("sync", help="publish the slash commands to one server or everywhere")
    where = sync.add_mutually_exclusive_group(required=True)
    where.add_argument("--guild", type=server_id, metavar="ID", help="one server, instantly")
    where.add_argument("--global", dest="everywhere", action="store_true", help="every server")
    sync.add_argument("--force", action="store_true", help="sync even if nothing changed")
    check = verbs.add_parser("check", help="validate the settings (offline unless --online)")
    check.add_argument(
        "--online", action="store_true", help="also log in and check the portal's intent switches"
    )
    if app.DATABASE:
        launch.storage().add_verbs(verbs)  # db upgrade, revision, current, downgrade
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script and of `python -m <package>`."""
    args = build_parser().parse_args(argv)
    verb = args.verb or "run"
    if verb == "invite":
        return print_invite_links()
    try:
        settings = load_settings()
        discord.utils.setup_logging(level=logging.getLevelName(settings.log_level), root=True)
        if verb == "db":  # the database's verbs need no token (compose's migrate service)
            asyncio.run(launch.storage().run_verb(settings, args))
            return 0
        explain.check_token(settings.token, settings.env_file)
        if verb == "check" and not args.online:
            return print_check(settings)
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_VERBS[verb](settings, args))
    except (SettingsError, explain.PreflightError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except explain.Refused as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def print_invite_links() -> int:
    """Print the invite links computed from the template answers, as in the README."""
    if app.APPLICATION_ID is None:
        print(explain.missing_application_id(), file=sys.stderr)
        return 2
    for context, link in invite_links(app.APPLICATION_ID).items():
        print(f"{context}: {link}")
    return 0


def print_check(settings: Settings) -> int:
    """Offline: the settings parse, the bot can be built with them, the token has its shape."""
    intents = launch.privileged_intents(launch.create_bot(settings))
    # Which database; refuses a SQLite file shared between processes.
    database = launch.storage().describe(settings) if app.DATABASE else None
    print(f"Settings OK: {settings!r}")
    print(f"Privileged intents requested: {', '.join(intents) or 'none'}")
    if database:
        print(database)
    print("Run with --online to log in and compare them with the portal's switches.")
    return 0


async def run(settings: Settings, args: argparse.Namespace) -> None:
    """Connect and serve until Discord fails us or SIGINT/SIGTERM asks us to stop (exit 0)."""
    if app.DATABASE:  # before Discord: the schema matches the code (runtime/database.py)
        await launch.storage().preflight(settings)
    async with launch.create_bot(settings) as bot:
        stop = asyncio.Event()
        _stop_on_signals(stop)
        runner = asyncio.create_task(_explained(bot, settings, launch.serve(bot, settings)))
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if runner in done:
            stopper.cancel()
            runner.result()
            return
        log.info("Stopping: closing the connection to Discord")
        await bot.close()
        await runner


async def sync(settings: Settings, args: argparse.Namespace) -> None:
    """Log in over HTTP only (no gateway) and sync the command tree where asked."""
    async with launch.create_bot(settings) as bot:
        await _explained(bot, settings, bot.login(settings.token))
        guild_id = None if args.everywhere else args.guild
        if guild_id:
            bot.tree.copy_global_to(guild=discord.Object(id=guild_id))
        target = f"server {guild_id}" if guild_id else "all servers"
        try:
            result = await sync_commands(bot, guild_id=guild_id, force=args.force)
        except discord.HTTPException as error:
            raise explain.sync_refused(bot, target, error) from error
        verb = "Synced" if result.sent else "Unchanged, not sent:"
        print(f"{verb} {result.command_count} commands to {result.target}.")


async def check(settings: Settings, args: argparse.Namespace) -> None:
    """Online: the token logs in, and the portal switches on every privileged intent we ask for."""
    async with launch.create_bot(settings) as bot:
        await _explained(bot, settings, bot.login(settings.token))
        application = await bot.application_info()
        requested = launch.privileged_intents(bot)
        missing = [
            name
            for name in requested
            if not any(getattr(application.flags, flag) for flag in app.PORTAL_FLAGS[name])
        ]
        if missing:
            raise explain.Refused(explain.privileged_intents_missing(missing))
        print(f"Token OK: logged in as {bot.user} for application {application.name!r}.")
        print(f"Privileged intents enabled in the portal: {', '.join(requested) or 'none needed'}.")
        print(f"Portal: {portal_url(application_id=application.id)}")


async def _explained(bot: commands.Bot, settings: Settings, step: Awaitable[None]) -> None:
    """Await a login or start, turning Discord's refusals into the fix the author needs."""
    try:
        await step
    except discord.LoginFailure as error:
        raise explain.Refused(explain.login_failed(settings.env_file)) from error
    except discord.PrivilegedIntentsRequired as error:
        requested = launch.privileged_intents(bot)
        raise explain.Refused(explain.privileged_intents_missing(requested)) from error
    except discord.GatewayNotFound as error:
        raise explain.Refused("Discord's gateway is unreachable; try again in a minute.") from error
    except OSError as error:
        raise explain.Refused(f"Cannot reach Discord ({error}). Check the network.") from error


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        # Windows has no loop signal handlers; Ctrl+C still ends the bot there.
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signal_number, stop.set)


_VERBS = {"run": run, "sync": sync, "check": check}
