"""Publishing the slash commands on purpose: to one server for development, or globally.

Discord allows 200 command creations a day per server. Syncing on every start is how bots in a
restart loop hit that limit, so a sync is skipped when the command set is unchanged since the
last successful sync to the same place (remembered in SYNC_STATE_FILE).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import discord
from discord.ext import commands

log = logging.getLogger(__name__)

SYNC_STATE_FILE = Path(".discord-sync.json")


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What a sync did: where, how many commands, and whether Discord was called at all."""

    target: str
    command_count: int
    sent: bool


def command_fingerprint(bot: commands.Bot, guild_id: int | None) -> str:
    """A hash of exactly what a sync would send, so identical command sets are recognised."""
    guild = discord.Object(id=guild_id) if guild_id else None
    payload = [command.to_dict(bot.tree) for command in bot.tree.get_commands(guild=guild)]
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
    fingerprint = command_fingerprint(bot, guild_id)
    count = len(bot.tree.get_commands(guild=discord.Object(id=guild_id) if guild_id else None))
    state = _read_state(state_file)
    if not force and state.get(key) == fingerprint:
        log.info("Commands for %s unchanged since the last sync; not calling Discord", target)
        return SyncResult(target, count, sent=False)
    synced = await bot.tree.sync(guild=discord.Object(id=guild_id) if guild_id else None)
    state[key] = fingerprint
    _write_state(state_file, state)
    log.info("Synced %d commands to %s", len(synced), target)
    return SyncResult(target, len(synced), sent=True)


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
