"""Every refusal in words: the mistakes every new bot author makes once, and Discord's answers.

Each message names the setting, says what is wrong and gives the one next step, with a link to
this application's page in the Developer Portal. None of them ever repeats the token itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import discord
from discord import app_commands

from .. import app
from .invite import invite_links, portal_url

# Three base64url segments: the bot user's ID, a timestamp, an HMAC (27 characters or more).
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}")
_CLIENT_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{32}")
_PUBLIC_KEY_SHAPE = re.compile(r"[0-9a-f]{64}")
_SNOWFLAKE_SHAPE = re.compile(r"[1-9][0-9]{16,19}")
_PLACEHOLDER_WORDS = ("token", "your", "paste", "here", "changeme", "xxx", "<", ">")


class PreflightError(Exception):
    """The bot cannot start; the message says why and what to do next. Exit status 2."""


class Refused(Exception):
    """Discord refused something; the message says what to do. Exit status 1."""


def _reset_token_steps(env_file: Path) -> str:
    return (
        f"Open {portal_url('bot')} -> Reset Token -> Copy, then paste it after DISCORD_TOKEN= "
        f"in {env_file} (no quotes, no spaces)."
    )


def token_problem(token: str, env_file: Path = Path(".env")) -> str | None:
    """Say what is wrong with DISCORD_TOKEN's value, or None when it looks like a bot token.

    The shape is only a hint; Discord's answer at login is the real check.
    """
    steps = _reset_token_steps(env_file)
    if not token:
        return f"DISCORD_TOKEN is not set. {steps}"
    lowered = token.lower()
    if any(word in lowered for word in _PLACEHOLDER_WORDS) and "." not in token:
        return f"DISCORD_TOKEN still holds a placeholder, not your bot token. {steps}"
    if lowered.startswith("bot "):
        return f"DISCORD_TOKEN starts with 'Bot ': keep only the token after it, in {env_file}."
    if token[0] in "'\"" or any(character.isspace() for character in token):
        return (
            "DISCORD_TOKEN contains quotes or spaces: write it bare, as "
            f"DISCORD_TOKEN=abc.def.ghi, in {env_file}."
        )
    if _SNOWFLAKE_SHAPE.fullmatch(token):
        return (
            "DISCORD_TOKEN holds a number: that is an ID (the application or bot ID), not the "
            f"token. {steps}"
        )
    if _PUBLIC_KEY_SHAPE.fullmatch(token):
        return (
            "DISCORD_TOKEN holds the application's public key (General Information), not the "
            f"bot token. {steps}"
        )
    if _CLIENT_SECRET_SHAPE.fullmatch(token):
        return (
            "DISCORD_TOKEN looks like the OAuth2 client secret (32 characters, no dots), not the "
            f"bot token. The bot token is on the Bot page. {steps}"
        )
    if not _TOKEN_SHAPE.fullmatch(token):
        return (
            f"DISCORD_TOKEN does not look like a bot token (three parts separated by dots). {steps}"
        )
    return None


def check_token(token: str, env_file: Path = Path(".env")) -> None:
    """Raise PreflightError when the token cannot be a bot token."""
    problem = token_problem(token, env_file)
    if problem:
        raise PreflightError(problem)


def login_failed(env_file: Path) -> str:
    """Discord answered 401: the token was reset, revoked or mistyped."""
    return (
        "Discord rejected DISCORD_TOKEN (401 Unauthorized): it was reset, revoked (Discord "
        "revokes tokens found in public code) or mistyped. "
        f"{_reset_token_steps(env_file)}"
    )


def privileged_intents_missing(intents: Iterable[str]) -> str:
    """The gateway closed with 4014: a privileged intent is requested but switched off."""
    switches = [app.PORTAL_SWITCHES[name] for name in intents]
    named = ", ".join(switches) if switches else "the privileged intents this bot asks for"
    return (
        f"Discord refused the privileged intents this bot asks for (close code 4014). "
        f"Open {portal_url('bot')} -> Privileged Gateway Intents, switch on {named}, "
        "press Save Changes, then start the bot again."
    )


def missing_access(target: str, invite_link: str | None) -> str:
    """Syncing commands failed with 403 / 50001 Missing Access."""
    link = invite_link or f"the link from {portal_url('oauth2')}"
    return (
        f"Discord answered 50001 Missing Access while syncing commands to {target}. The bot is "
        "not in that server, or it was invited without the applications.commands scope. "
        f"Invite it again with {link} (both scopes), then run the sync again."
    )


def sync_refused(bot: discord.Client, target: str, error: discord.HTTPException) -> Refused:
    """Why Discord refused a command sync: missing access, the daily limit, or else."""
    if isinstance(error, discord.Forbidden):
        links = invite_links(bot.application_id) if bot.application_id else {}
        return Refused(missing_access(target, links.get("guild")))
    if error.code == 30034:
        return Refused(daily_limit_reached())
    if error.code == 50240:
        return Refused(entry_point_removed())
    return Refused(f"Discord refused the sync to {target}: {error}")


def daily_limit_reached() -> str:
    """Error 30034: more than 200 new commands created in a day."""
    return (
        "Discord's limit of 200 command creations a day was reached (error 30034). Wait until "
        "tomorrow; sync only when commands change (the sync verb skips unchanged command sets)."
    )


def missing_application_id() -> str:
    """Explains why the links are not known yet."""
    return (
        f"This project does not know its application ID yet. Create the application at "
        f"{portal_url()}, then run `copier update --data application_id=<its ID>`; "
        "meanwhile the bot prints its invite link when it starts."
    )


def chunking_needs_members() -> str:
    """CHUNK_GUILDS_AT_STARTUP=true, but the bot does not ask for the Server Members intent."""
    wanted = ", ".join((*app.PRIVILEGED_INTENTS, "members"))
    return (
        "CHUNK_GUILDS_AT_STARTUP=true needs the Server Members intent, which this bot does "
        f"not request: run `copier update --data 'privileged_intents=[{wanted}]'` and switch "
        "it on in the Developer Portal (Bot page), or set CHUNK_GUILDS_AT_STARTUP=false."
    )


def never_synced() -> str:
    """READY, but no slash command was ever published: Discord shows none of them yet."""
    if not app.GUILD_INSTALL:  # a user install only sees global commands
        return (
            "The slash commands were never published, so Discord does not show them yet. "
            f"Publish them once: `uv run {app.PACKAGE} sync --global` (again after you change one)."
        )
    return (
        "The slash commands were never published, so Discord does not show them yet. Put your "
        "test server's ID after DEV_GUILD_ID= in .env (Discord: Settings -> Advanced -> "
        "Developer Mode, then right-click the server -> Copy Server ID) and start the bot again."
    )


def commands_break_rules(target: str, problems: Iterable[str]) -> str:
    """Before a sync: commands that Discord would refuse, each named; nothing was sent."""
    listed = "\n".join(f"  - {problem}" for problem in problems)
    return (
        f"Not synced to {target}: Discord would refuse these commands (nothing was sent).\n"
        f"{listed}\nFix them in cogs/ or in the file of src/{app.PACKAGE}/locales/ named, then "
        "sync again."
    )


def entry_point_removed() -> str:
    """Error 50240: the overwrite lacked the Activity's Entry Point command."""
    return (
        "Discord refused the sync (error 50240): it would have removed this app's Entry Point "
        "command, which Discord made when Activities were switched on. The sync sends it back, "
        "so it was created meanwhile: run the sync again."
    )


def too_many_context_menus(error: app_commands.CommandLimitReached, module: str) -> str:
    """discord.py refused a command when a cog added it: its own limit, not Discord's."""
    kind = error.type.name if error.type else "slash"
    if kind in ("user", "message"):
        return (
            f"{module} adds a {kind} context menu beyond discord.py's limit of {error.limit} "
            f"(discord.py {discord.__version__} still has it; Discord allows 15 of each since "
            "2026-03-03). Remove one, or merge two into one with a choice, until a discord.py "
            "release raises its limit."
        )
    return f"{module} adds a slash command beyond Discord's limit of {error.limit}: remove one."
