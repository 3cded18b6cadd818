"""Every refusal in words: the mistakes every new bot author makes once, and Discord's answers.

Each message names the setting, says what is wrong and gives the one next step, with a link to
this application's page in the Developer Portal. None of them ever repeats the token itself.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterable
from pathlib import Path

import aiohttp
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


class Unavailable(Exception):
    """Discord cannot be reached or fails (5xx): try again later. Exit status 69."""


class BudgetSpent(Exception):
    """Too few IDENTIFYs are left today (runtime/guard.py). Exit status 75; `reset_after` in s."""

    def __init__(self, message: str, reset_after: float) -> None:
        super().__init__(message)
        self.reset_after = reset_after


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


def refusal(
    bot: discord.Client,
    env_file: Path,
    error: BaseException,
    *,
    step: str = "the login",
    recommended_shards: int | None = None,
) -> Exception | None:
    """What Discord's answer `error` means, as the error the command line explains; None if it
    is not Discord's answer but a bug (its traceback is then the useful part)."""
    if isinstance(error, Refused | Unavailable | BudgetSpent):
        return error
    if isinstance(error, discord.LoginFailure):
        return Refused(login_failed(env_file))
    if isinstance(error, discord.PrivilegedIntentsRequired):
        requested = [name for name in app.PORTAL_SWITCHES if getattr(bot.intents, name)]
        return Refused(privileged_intents_missing(requested))
    if isinstance(error, discord.ConnectionClosed):
        shard_count = getattr(bot, "shard_count", None)
        return Refused(
            gateway_closed(
                error.code,
                env_file=env_file,
                shard_id=error.shard_id,
                shard_count=shard_count,
                recommended_shards=recommended_shards,
            )
        )
    if isinstance(error, discord.GatewayNotFound):
        return Unavailable("Discord's gateway is unreachable; try again in a minute.")
    if isinstance(error, discord.DiscordServerError):
        return Unavailable(server_error(step, error))
    if isinstance(error, OSError | aiohttp.ClientError | asyncio.TimeoutError):
        return Unavailable(f"Cannot reach Discord ({error}). Check the network.")
    if isinstance(error, discord.HTTPException):
        return Refused(f"Discord answered {error.status} to {step}: {error.text or error}")
    return None


# --- The gateway's close codes that discord.py does not retry -----------------------------
# https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes
CLOSE_CODES_URL = (
    "https://discord.com/developers/docs/topics/opcodes-and-status-codes"
    "#gateway-gateway-close-event-codes"
)
README_SHARDING = 'README.md, "Sharding: past 2,500 servers, and past one machine"'


def gateway_closed(
    code: int | None,
    *,
    env_file: Path = Path(".env"),
    shard_id: int | None = None,
    shard_count: int | None = None,
    recommended_shards: int | None = None,
) -> str:
    """Why Discord closed the gateway for good (discord.py's ConnectionClosed), and the fix."""
    shard = f" on shard {shard_id} of {shard_count}" if shard_id is not None and shard_count else ""
    if code == 4004:
        return (
            f"Discord's gateway rejected DISCORD_TOKEN (close code 4004{shard}, authentication "
            f"failed): it was reset or revoked since the bot logged in. "
            f"{_reset_token_steps(env_file)}"
        )
    if code == 4010:
        return (
            f"Discord refused the shard this process asked for (close code 4010{shard}, invalid "
            f"shard). Every process of the bot needs the same SHARD_COUNT, and SHARD_IDS "
            f"(or SHARD_GROUP) below it: check them in {env_file} or the manifest."
        )
    if code == 4011:
        count = f"SHARD_COUNT={recommended_shards}" if recommended_shards else "SHARD_COUNT"
        more = (
            f" (Discord recommends {recommended_shards} for this bot)" if recommended_shards else ""
        )
        return (
            f"Discord requires sharding (close code 4011{shard}): the bot is in too many "
            f"servers for {f'{shard_count} shards' if shard_count else 'one connection'}, at most "
            f"2,500 per shard. Set {count} in {env_file}{more} and start it again; "
            f"{README_SHARDING} explains how to split the shards between processes."
        )
    if code == 4012:
        return (
            "Discord refused the gateway API version discord.py asked for (close code 4012): "
            "this discord.py is too old. Update it: `uv lock --upgrade-package discord.py`, "
            "then `uv sync`."
        )
    if code == 4013:
        return (
            "Discord refused the intents value the bot sent (close code 4013, invalid "
            "intents): discord.py may be too old for Discord's current intents. Update it "
            "(`uv lock --upgrade-package discord.py`, then `uv sync`) and check bot.py's intents."
        )
    if code == 4014:
        return privileged_intents_missing(app.PRIVILEGED_INTENTS)
    return (
        f"Discord closed the gateway connection with code {code}{shard}, and the bot cannot "
        f"reconnect. What the code means: {CLOSE_CODES_URL}"
    )


def server_error(step: str, error: discord.HTTPException) -> str:
    """A 5xx (after discord.py's own retries): Discord's trouble, not the bot's."""
    return (
        f"Discord answered {error.status} ({error.text or 'server error'}) to {step}: it is "
        "having trouble, not your bot. Start it again in a few minutes; "
        "https://discordstatus.com shows what Discord knows."
    )


def sync_rate_limited(target: str, retry_after: float) -> str:
    """The start-up sync met a long rate limit: the bot starts without it."""
    return (
        f"Discord asks to wait {duration(retry_after)} before the next command sync to "
        f"{target} (rate limited, HTTP 429), so the bot starts without publishing the commands: "
        f"that server keeps the ones synced last. Publish them later with `uv run {app.PACKAGE} "
        "sync --guild ID`, or start the bot again then."
    )


def sync_verb_rate_limited(target: str, retry_after: float) -> str:
    """`sync` met a long rate limit: nothing was sent, rather than a silent wait."""
    return (
        f"Discord asks to wait {duration(retry_after)} before the next command sync to "
        f"{target} (rate limited, HTTP 429). Nothing was sent: Discord keeps the commands "
        "synced last. Run the same command again after that."
    )


def identify_budget_spent(
    *, remaining: int, total: int, needed: int, reserve: int, reset_after: float
) -> str:
    """The IDENTIFY guard refuses to connect: how many are left and when they come back."""
    return (
        f"Not connecting to Discord: today's session starts (IDENTIFY) are down to {remaining} "
        f"of {total}, and this process needs {needed} plus {reserve} kept in reserve (one for "
        f"each of the bot's shards). Spending them all makes Discord end every session "
        f"and reset the token. They are back at {clock(reset_after)} ({duration(reset_after)} "
        "from now). Something restarted the bot too often: the error before this one in the "
        "log says what."
    )


def duration(seconds: float) -> str:
    """`3 h 12 min`, `5 min`, `40 s`: how long, for a person."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def clock(seconds_from_now: float) -> str:
    """The UTC time `seconds_from_now` from now, e.g. `14:05 UTC`."""
    return time.strftime("%H:%M UTC", time.gmtime(time.time() + seconds_from_now))


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
