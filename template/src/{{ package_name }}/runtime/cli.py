"""The command line: run the bot, print its invite links, sync its commands or check it, or try
it in the playground (a Discord-like page on this computer, with no token and no Discord).

Every failure a new bot author can cause ends here as one clear message on stderr and a
non-zero exit status, never a traceback: 2 for a setting to fix, 1 for an answer from Discord,
69 when Discord cannot be reached (try again later), 75 when today's IDENTIFY budget is spent
(runtime/guard.py). With ON_FATAL_ERROR=wait (the container image), `run` then waits instead of
exiting, so that a restart policy does not repeat the message (runtime/launch.py, `park`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from .. import app
from . import explain, launch
from .logs import setup_logging
from .settings import Settings, SettingsError, load_settings, server_id_problem

if TYPE_CHECKING:
    import argparse

log = logging.getLogger(__name__)
# The usual start: `run` with no options, or nothing at all. It needs no parser, so a bot that
# only runs never loads argparse; nor the other verbs' modules (portal.py, preflight.py, the
# playground), which each verb imports itself.
PLAIN_RUN: tuple[list[str], ...] = ([], ["run"])


def server_id(text: str) -> int:
    """`sync --guild ID`: a server ID, or argparse's error with how to copy one."""
    import argparse

    problem = server_id_problem(text.strip())
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return int(text)


def port_number(text: str) -> int:
    """`playground --port PORT`: 0 (a free port) to 65535."""
    import argparse

    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"a port is a number from 1 to 65535, not {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    """The command line; `run` is the default verb."""
    import argparse

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
        "--online", action="store_true", help="also log in and compare the portal's settings"
    )
    play = verbs.add_parser(
        "playground", help="try the bot in a Discord-like page: offline, no token needed"
    )
    play.add_argument(
        "--port", type=port_number, default=0, help="the page's port (default: a free one)"
    )
    play.add_argument("--no-browser", action="store_true", help="only print the page's address")
    play.add_argument("--reload", action="store_true", help="reload a cog when its file changes")
    if app.DATABASE:
        launch.storage().add_verbs(verbs)  # db upgrade, revision, current, downgrade
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script and of `python -m <package>`."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = None if argv in PLAIN_RUN else build_parser().parse_args(argv)
    verb = (args.verb or "run") if args is not None else "run"
    if verb == "invite":
        return print_invite_links()
    try:
        settings = load_settings()
        setup_logging(settings.log_level, settings.log_format)
        if verb == "db":  # the database's verbs need no token (compose's migrate service)
            assert args is not None
            asyncio.run(launch.storage().run_verb(settings, args))
            return 0
        if verb != "playground":  # the playground brings its own fake Discord and token
            explain.check_token(settings.token, settings.env_file)
        if verb == "check" and args is not None and not args.online:
            return print_check(settings)
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run(settings) if args is None else _VERBS[verb](settings, args))
    except (SettingsError, explain.PreflightError) as error:
        return _failed(verb, error, 2)
    except explain.Refused as error:
        return _failed(verb, error, 1)
    except explain.Unavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 69  # EX_UNAVAILABLE: a restart later may work, so never waits
    except explain.BudgetSpent as error:
        return _failed(verb, error, 75, until=error.reset_after)  # EX_TEMPFAIL
    return 0


def _failed(verb: str, error: Exception, status: int, until: float | None = None) -> int:
    """Print the error once; `run` with ON_FATAL_ERROR=wait then waits (until `until` s)."""
    print(f"error: {error}", file=sys.stderr)
    if verb == "run":
        return launch.park(status, str(error), until)
    return status


def print_invite_links() -> int:
    """Print the invite links computed from the template answers, as in the README."""
    from .invite import invite_links

    if app.APPLICATION_ID is None:
        print(explain.missing_application_id(), file=sys.stderr)
        return 2
    for context, link in invite_links(app.APPLICATION_ID).items():
        print(f"{context}: {link}")
    return 0


def print_check(settings: Settings) -> int:
    """Offline: the settings parse, the bot can be built with them, the token has its shape."""
    from . import portal, preflight

    intents = launch.privileged_intents(launch.create_bot(settings))
    # Which database; refuses a SQLite file shared between processes.
    database = launch.storage().describe(settings) if app.DATABASE else None
    print(f"Settings OK: {settings!r}")
    print(f"Privileged intents requested: {', '.join(intents) or 'none'}")
    if database:
        print(database)
    for warning in preflight.warnings(settings):
        print(f"warning: {warning}")
    for finding in portal.permission_splits(app.PERMISSIONS):
        print(f"warning: {finding.text}")
    print("Run with --online to log in and compare them with the portal's settings.")
    return 0


async def run(settings: Settings, args: argparse.Namespace | None = None) -> None:
    """Connect and serve until Discord fails us or SIGINT/SIGTERM asks us to stop (exit 0)."""
    if app.DATABASE:  # before Discord: the schema matches the code (runtime/database.py)
        await launch.storage().preflight(settings)
    await launch.run(settings)


async def sync(settings: Settings, args: argparse.Namespace) -> None:
    """Log in over HTTP only (no gateway) and sync the command tree where asked."""
    from .sync import sync_commands

    async with launch.create_bot(settings) as bot:
        await _explained(bot, settings, bot.login(settings.token))
        guild_id = None if args.everywhere else args.guild
        if guild_id:
            bot.tree.copy_global_to(guild=discord.Object(id=guild_id))
        target = f"server {guild_id}" if guild_id else "all servers"
        bot.http.max_ratelimit_timeout = launch.SYNC_PATIENCE  # longer 429s raise RateLimited
        try:
            result = await sync_commands(bot, guild_id=guild_id, force=args.force)
        except discord.RateLimited as error:
            waited_too_long = explain.sync_verb_rate_limited(target, error.retry_after)
            raise explain.Refused(waited_too_long) from error
        except discord.HTTPException as error:
            raise explain.sync_refused(bot, target, error) from error
        verb = "Synced" if result.sent else "Unchanged, not sent:"
        print(f"{verb} {result.command_count} commands to {result.target}.")
        for name in result.kept:
            print(f"Kept the Activity's Entry Point command {name!r} (Discord requires it).")


async def check(settings: Settings, args: argparse.Namespace) -> None:
    """Online: the token logs in, and the portal's settings match what the bot needs."""
    from . import portal
    from .invite import portal_url

    async with launch.create_bot(settings) as bot:
        await _explained(bot, settings, bot.login(settings.token))
        application = await portal.read_application(bot)
        requested = launch.privileged_intents(bot)
        found = portal.findings(application, requested)
        print(f"Token OK: logged in as {bot.user} for application {application['name']!r}.")
        for finding in found:
            if not finding.blocking:
                print(f"warning: {finding.text}")
        if blocking := [finding.text for finding in found if finding.blocking]:
            raise explain.Refused("\n".join(blocking))
        print(f"Privileged intents enabled in the portal: {', '.join(requested) or 'none needed'}.")
        print(f"Portal: {portal_url(application_id=int(application['id']))}")


async def _explained(bot: commands.Bot, settings: Settings, step: Awaitable[None]) -> None:
    """Await a login or start, turning Discord's refusals into the fix the author needs."""
    try:
        await step
    except (commands.ExtensionFailed, app_commands.CommandLimitReached) as error:
        # discord.py's own command limits, met while setup_hook() loads the cogs
        limit = getattr(error, "original", error)
        if not isinstance(limit, app_commands.CommandLimitReached):
            raise
        module = error.name if isinstance(error, commands.ExtensionFailed) else "A cog"
        raise explain.PreflightError(explain.too_many_context_menus(limit, module)) from error
    except Exception as error:
        explained = explain.refusal(bot, settings.env_file, error)
        if explained is None:
            raise
        raise explained from error


async def playground(settings: Settings, args: argparse.Namespace) -> None:
    """The bot against a fake Discord on 127.0.0.1, in a page; the real token is never used."""
    from . import playground  # with the fake Discord: imported by this verb only, never by `run`

    await playground.serve(
        settings, port=args.port, open_browser=not args.no_browser, reload=args.reload
    )


_VERBS = {"run": run, "sync": sync, "check": check, "playground": playground}
