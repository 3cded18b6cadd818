"""Publishing the slash commands on purpose: to one server for development, or globally.

Discord allows 200 command creations a day per server. Syncing on every start is how bots in a
restart loop hit that limit, so a sync is skipped when the command set is unchanged since the
last successful sync to the same place (remembered in SYNC_STATE_FILE).

What is sent is what discord.py's `tree.sync()` would send, translations included (so a changed
translation is a changed command set), checked against Discord's rules first (limits.py). A
global sync also sends back the application's Entry Point command: Discord creates one (type 4,
"launch") when Activities are switched on, discord.py does not know the type, and Discord
refuses an overwrite that drops it (error 50240).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands
from discord.http import Route

from . import explain

log = logging.getLogger(__name__)

SYNC_STATE_FILE = Path(".discord-sync.json")
# What a bulk overwrite may say of an existing Entry Point command to keep it as it is.
ENTRY_POINT_FIELDS = (
    "id",
    "type",
    "name",
    "name_localizations",
    "description",
    "description_localizations",
    "handler",
    "integration_types",
    "contexts",
    "default_member_permissions",
    "nsfw",
)


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What a sync did: where, how many commands, whether Discord was called at all, and the
    Entry Point commands it sent back unchanged."""

    target: str
    command_count: int
    sent: bool
    kept: tuple[str, ...] = ()


class CommandRulesError(explain.PreflightError):
    """A command breaks one of Discord's rules; nothing was sent. Exit status 2."""


async def command_payload(bot: commands.Bot, guild_id: int | None) -> list[dict[str, Any]]:
    """The bot's commands exactly as a sync sends them, translated as `tree.sync()` does."""
    tree = bot.tree
    found = tree.get_commands(guild=discord.Object(id=guild_id) if guild_id else None)
    translator = tree.translator
    if translator is None:
        payload = [command.to_dict(tree) for command in found]
    else:
        payload = [await command.get_translated_payload(tree, translator) for command in found]
    for command, sent in zip(found, payload, strict=True):
        # guild_only() sets contexts=[guild] only; discord.py then merges in the tree's default
        # DM contexts (bot.py), flag by flag. Keep what guild_only() says: servers only.
        if getattr(command, "guild_only", False) and sent.get("contexts"):
            sent["contexts"] = [app_commands.AppCommandContext.GUILD]
    return payload


def command_fingerprint(payload: list[dict[str, Any]]) -> str:
    """A hash of exactly what a sync would send, so identical command sets are recognised."""
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


async def sync_commands(
    bot: commands.Bot,
    *,
    guild_id: int | None,
    force: bool = False,
    state_file: Path | None = None,
) -> SyncResult:
    """Sync the command tree to one guild (None: globally) unless nothing has changed.

    The state is remembered in ``state_file``, by default SYNC_STATE_FILE as it is when called
    (the playground points it elsewhere: its fake Discord starts empty every time).
    """
    state_file = state_file or SYNC_STATE_FILE
    target = f"server {guild_id}" if guild_id else "all servers (global)"
    key = f"{bot.application_id}:{guild_id or 'global'}"
    from . import limits  # only a sync checks Discord's rules: a plain run never loads them

    payload = await command_payload(bot, guild_id)
    if problems := limits.command_problems(payload, guild=guild_id is not None):
        raise CommandRulesError(explain.commands_break_rules(target, problems))
    fingerprint = command_fingerprint(payload)
    state = _read_state(state_file)
    if not force and state.get(key) == fingerprint:
        log.info("Commands for %s unchanged since the last sync; not calling Discord", target)
        return SyncResult(target, len(payload), sent=False)
    application_id = bot.application_id
    if application_id is None:  # set by bot.login()
        raise app_commands.MissingApplicationID
    kept: list[dict[str, Any]] = []
    if guild_id:
        await bot.http.bulk_upsert_guild_commands(application_id, guild_id, payload=payload)
    else:
        kept = await entry_point_commands(bot, application_id)
        await bot.http.bulk_upsert_global_commands(application_id, payload=[*payload, *kept])
    state[key] = fingerprint
    _write_state(state_file, state)
    log.info("Synced %d commands to %s", len(payload), target)
    return SyncResult(target, len(payload), sent=True, kept=tuple(c["name"] for c in kept))


async def entry_point_commands(bot: commands.Bot, application_id: int) -> list[dict[str, Any]]:
    """The application's Entry Point commands (type 4), as a bulk overwrite must send them back.

    discord.py has no call for this (`tree.fetch_commands()` keeps no `handler` and asks for no
    translations), so the request goes through its HTTP client (authorization, rate limits).
    """
    from . import limits

    route = Route("GET", "/applications/{application_id}/commands", application_id=application_id)
    existing = await bot.http.request(route, params={"with_localizations": "true"})
    return [
        {field: command[field] for field in ENTRY_POINT_FIELDS if field in command}
        for command in existing
        if command.get("type") == limits.ENTRY_POINT
    ]


def synced_globally(application_id: int | None, state_file: Path = SYNC_STATE_FILE) -> bool:
    """Whether a global sync of this application was recorded here (by `sync --global`)."""
    return f"{application_id}:global" in _read_state(state_file)


def _read_state(state_file: Path) -> dict[str, str]:
    try:
        state = json.loads(state_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _write_state(state_file: Path, state: dict[str, str]) -> None:
    state_file.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n", encoding="utf-8")
