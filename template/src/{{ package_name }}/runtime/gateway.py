"""What arrives from Discord's gateway: malformed events are skipped, each event named in the log.

discord.py stops the whole bot when one gateway message cannot be read (invalid JSON) or one
event lacks a field it expects (a GUILD_CREATE or INTERACTION_CREATE without "id"): the error
escapes its connection loop. Here such a message is logged (its event name, shard and error,
never its content) and skipped, and the bot keeps serving. Each event also records its shard,
server, interaction and command for the log lines written while it is handled (runtime/logs.py).

discord.py has no public hook for either, so two of its internals are wrapped: every event
parser of a bot (`ConnectionState.parsers`, per bot) and `DiscordWebSocket.received_message`
(once per process, for messages that are not even JSON).
"""

from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Callable, Coroutine
from contextvars import Token
from typing import Any

import discord
from discord.gateway import DiscordWebSocket

from . import logs

log = logging.getLogger(__name__)

# What a parser raises on a payload that lacks or mistypes a field.
MALFORMED = (LookupError, TypeError, ValueError, AttributeError)
SKIPPED_EVENT = "malformed_gateway_event"  # dispatched as on_malformed_gateway_event(event)


def skip_malformed_events(bot: discord.Client) -> None:
    """Make every event parser of `bot` skip a payload it cannot read, and tag the log."""
    parsers: dict[str, Callable[[Any], None]] = bot._connection.parsers
    for event, parse in list(parsers.items()):
        if not isinstance(parse, _SkipMalformed):
            parsers[event] = _SkipMalformed(bot, event, parse)
    _guard_received_message()


class _SkipMalformed:
    """One event's parser, skipping a payload it cannot read: a small object (a bot has about
    75 parsers), where a closure with an attribute would take eight times the memory."""

    __slots__ = ("bot", "event", "parse")

    def __init__(self, bot: discord.Client, event: str, parse: Callable[[Any], None]) -> None:
        self.bot, self.event, self.parse = bot, event, parse

    def __call__(self, data: Any) -> None:
        tokens = _enter_context(self.event, data)
        try:
            self.parse(data)
        except MALFORMED as error:
            _log_skipped(self.event, logs.SHARD.get(), error)
            self.bot.dispatch(SKIPPED_EVENT, self.event)
        finally:
            for variable, token in tokens:
                variable.reset(token)


def _enter_context(event: str, data: Any) -> list[tuple[Any, Token[Any]]]:
    """Set the log context from an event's ids; tasks started while it is parsed inherit it."""
    if not isinstance(data, dict):
        return []
    guild = data.get("id") if event.startswith("GUILD_") and "guild_id" not in data else None
    values: list[tuple[Any, Any]] = [(logs.GUILD, _snowflake(data.get("guild_id") or guild))]
    if event == "INTERACTION_CREATE":
        values.append((logs.INTERACTION, _snowflake(data.get("id"))))
        command = data.get("data")
        if data.get("type") in (2, 4) and isinstance(command, dict):  # a command, autocomplete
            values.append((logs.COMMAND, _command_name(command)))
    return [(variable, variable.set(value)) for variable, value in values if value is not None]


def _snowflake(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _command_name(data: dict[str, Any]) -> str | None:
    """ "group sub" for subcommands, as Discord's users type it."""
    names = [data.get("name")]
    options = data.get("options")
    while isinstance(options, list) and options and isinstance(options[0], dict):
        if options[0].get("type") not in (1, 2):  # SUB_COMMAND, SUB_COMMAND_GROUP
            break
        names.append(options[0].get("name"))
        options = options[0].get("options")
    if not all(isinstance(name, str) for name in names):
        return None
    return " ".join(str(name) for name in names)


def _log_skipped(event: str | None, shard: int | None, error: Exception) -> None:
    """Name the event, the shard and where it failed: never the payload (message content)."""
    frames = traceback.extract_tb(error.__traceback__)
    place = f" at {frames[-1].filename.rpartition('/')[2]}:{frames[-1].lineno}" if frames else ""
    key = error.args[0] if isinstance(error, KeyError) and error.args else None
    detail = f" {key!r}" if isinstance(key, str | int) and len(str(key)) <= 40 else ""
    log.error(
        "Skipped a malformed gateway %s%s: %s%s%s. The bot carries on; if this repeats, "
        "update discord.py (uv lock --upgrade-package discord.py).",
        f"event {event}" if event else "message",
        "" if shard is None else f" on shard {shard}",
        type(error).__name__,
        detail,
        place,
    )


_Receive = Callable[[DiscordWebSocket, Any], Coroutine[Any, Any, None]]


def _guard_received_message() -> None:
    """Once per process: a gateway message that is not JSON is skipped, not fatal."""
    received: _Receive = DiscordWebSocket.received_message
    if getattr(received, "skips_malformed", False):
        return

    @functools.wraps(received)
    async def received_message(self: DiscordWebSocket, msg: Any, /) -> None:
        token = logs.SHARD.set(self.shard_id)
        try:
            await received(self, msg)
        except MALFORMED as error:
            _log_skipped(None, self.shard_id, error)
            self._dispatch(SKIPPED_EVENT, None)
        finally:
            logs.SHARD.reset(token)

    received_message.skips_malformed = True  # type: ignore[attr-defined]
    DiscordWebSocket.received_message = received_message  # type: ignore[method-assign]
