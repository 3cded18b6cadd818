"""A fake Discord on 127.0.0.1, so the bot can be tried and tested without the network.

Used by the tests (tests/support/harness.py) and never by `run`. The real, unmodified
discord.py runs against it: login over REST, the gateway websocket (HELLO, IDENTIFY, READY,
GUILD_CREATE), slash and prefix commands. discord.py has exactly two seams for this,
``discord.http.Route.BASE`` and ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``;
``point_discord_at`` sets them. It knows Discord's rules on its own (not from app.py), so the
tests compare the bot with an independent model.

It behaves like Discord where bots usually go wrong: a wrong token is refused
(``discord.LoginFailure``); privileged intents not switched on in the portal close
the gateway with 4014 (``discord.PrivilegedIntentsRequired``); guild messages lose
their content without the MESSAGE_CONTENT intent, so prefix commands go silent;
syncing commands to a guild the bot is not in answers 403 / 50001; an interaction
not answered within 3 s fails the test.

And like Discord in 2026 (``Portal``, and the section "Discord in 2026" below): an app with
Activities has an Entry Point command that a bulk overwrite may not drop (50240); command
counts are limited per type; a message with IS_COMPONENTS_V2 may not carry content or embeds
nor more than 40 components, and a deferred answer may not set that flag; user installs answer
in DMs and group DMs, and privately in a server whose member may not use external apps;
/applications/@me shows the portal's Interactions Endpoint URL and install settings.

In-process (the bot and the fake share one event loop)::

    async def scenario(bot: discord.Client) -> None:
        async with FakeDiscord(enabled_intents={"message_content"}) as fake:
            with point_discord_at(fake):
                task = asyncio.create_task(bot.start(fake.token))
                try:
                    await fake.wait_until_ready_sent()
                    reply = await fake.send_slash_command("ping")
                    assert reply["data"]["content"].startswith("Pong!")
                    assert not fake.unexpected_requests
                finally:
                    await bot.close()  # always, even after a failed start
                    await task

As a subprocess, through the bot's own console entry point (``launch_command``)::

    with FakeDiscordThread() as fake:
        env = {**os.environ, **fake.env(), "DISCORD_TOKEN": fake.fake.token}
        bot = subprocess.Popen(launch_command("mybot.runtime.cli:main"), env=env)
        try:
            fake.call(fake.fake.wait_until_ready_sent, timeout=10)
            assert fake.call(fake.fake.send_slash_command, "ping")["data"]["content"]
        finally:
            bot.send_signal(signal.SIGINT)  # the bot then exits 0
            assert bot.wait(10) == 0

A bot started in-process gets on_ready ``guild_ready_timeout`` seconds (2 s by default) after
its last GUILD_CREATE; the harness passes a small value. AutoShardedBot sleeps 5 s before
every IDENTIFY but the first (``before_identify_hook``): replace that hook in sharded tests.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import fnmatch
import functools
import importlib
import itertools
import json
import os
import re
import runpy
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
import discord
import discord.gateway
import discord.http
import discord.state
import yarl

if TYPE_CHECKING:  # imported where the server starts: the launcher of a bot process needs none
    from aiohttp import web

Json = dict[str, Any]
T = TypeVar("T")

# --- Constants: IDs and token the fake uses unless told otherwise -------------------

DISCORD_EPOCH_MS = 1_420_070_400_000  # 2015-01-01, the zero of every snowflake
APPLICATION_ID = 1_111_111_111_111_111_111  # modern bots: user id == application id
TESTER_ID = 1_222_222_222_222_222_222  # the human who talks to the bot by default
# Guild i has id (GUILD_BASE_MS + i) << 22: early 2024, and a multiple of 1..20,
# so guild i lives on shard i % shard_count for any shard count up to 20.
GUILD_BASE_MS = 1220 * 232_792_560
MAX_GUILDS_PER_SHARD = 2500  # Discord closes with 4011 from here on

API_PREFIX = "/api/v10"
GATEWAY_PATH = "/gateway"

# Gateway intents (discord.Intents values) the fake needs to reason about.
GUILD_MESSAGES = 1 << 9
DIRECT_MESSAGES = 1 << 12
MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = {"members": 1 << 1, "presences": 1 << 8, "message_content": 1 << 15}
GUILD_MEMBERS = PRIVILEGED_INTENTS["members"]
GUILD_PRESENCES = PRIVILEGED_INTENTS["presences"]
# Application flags (discord.ApplicationFlags): (flag for 100+ guilds, flag under 100).
APP_INTENT_FLAGS = {
    "presences": (1 << 12, 1 << 13),
    "members": (1 << 14, 1 << 15),
    "message_content": (1 << 18, 1 << 19),
}
EPHEMERAL = 1 << 6  # message flag
LOADING = 1 << 7  # message flag: "Bot is thinking...", a deferred answer not sent yet

EVERYONE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    add_reactions=True,
    use_application_commands=True,
).value
ALL_PERMISSIONS = discord.Permissions.all().value
JOINED_AT = "2024-01-01T00:00:00.000000+00:00"

# Member lists, as Discord's gateway documentation gives them ("Identify", "Guild Create",
# "Request Guild Members"): IDENTIFY's large_threshold lies from 50 (its default) to 250;
# GUILD_CREATE carries every member of a server up to it, only the online, nicknamed (or with a
# role, or in voice) ones above it, and only the bot's own member without the presences intent
# or above 75,000 members; Request Guild Members answers in chunks of up to 1,000, at most 100
# for a name prefix or a list of user IDs, and the whole list only with the members intent.
LARGE_THRESHOLD_RANGE = (50, 250)
MAX_LISTED_MEMBERS = 75_000
MAX_MEMBERS_PER_CHUNK = 1000
MAX_QUERIED_MEMBERS = 100
MAX_NONCE_BYTES = 32
# The fake's made-up members (beyond the bot and the tester): member n of guild i has user id
# MEMBER_USER_BASE + i * MAX_MEMBERS_PER_GUILD + n; every 5th is online, every 10th has a nickname.
MEMBER_USER_BASE = 1_300_000_000_000_000_000
MAX_MEMBERS_PER_GUILD = 1_000_000


def make_token(bot_user_id: int) -> str:
    """Build a well-formed but fake bot token: segment one is base64 of the user id."""
    first = base64.urlsafe_b64encode(str(bot_user_id).encode()).decode().rstrip("=")
    return f"{first}.GFakeT.fake_token_for_tests_only_never_valid"


def guild_id_for(index: int) -> int:
    """The id of the fake's guild number ``index`` (0-based)."""
    return (GUILD_BASE_MS + index) << 22


def shard_of(guild_id: int, shard_count: int) -> int:
    """Discord's rule for which shard receives a guild's events."""
    return (guild_id >> 22) % shard_count


# --- Payload factories: every dict discord.py parses is built here -------------------
# discord.py indexes some keys directly (member "flags", interaction
# "attachment_size_limit", ...); one missing key crashes the whole client, so keep
# payloads complete and build them only through these functions.


def user_payload(user_id: int, username: str, *, bot: bool = False) -> Json:
    return {
        "id": str(user_id),
        "username": username,
        "global_name": None if bot else username.title(),
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "system": False,
        "public_flags": 0,
    }


def member_payload(user: Json, *, permissions: int | None = None, with_user: bool = True) -> Json:
    """A guild member; inside a message (author, mentions) it comes without ``user``."""
    member: Json = {
        "nick": None,
        "avatar": None,
        "roles": [],
        "joined_at": JOINED_AT,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }
    if with_user:
        member["user"] = user
    if permissions is not None:  # only interactions carry resolved permissions
        member["permissions"] = str(permissions)
    return member


def text_channel_payload(channel_id: int, guild_id: int) -> Json:
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(guild_id),
        "name": "general",
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "rate_limit_per_user": 0,
        "last_message_id": None,
        "flags": 0,
    }


def dm_channel_payload(channel_id: int, recipient: Json) -> Json:
    return {
        "id": str(channel_id),
        "type": 1,
        "recipients": [recipient],
        "flags": 0,
        "last_message_id": None,
    }


def everyone_role_payload(guild_id: int) -> Json:
    return {
        "id": str(guild_id),  # @everyone shares the guild's id
        "name": "@everyone",
        "permissions": str(EVERYONE_PERMISSIONS),
        "position": 0,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def presence_payload(user_id: int, guild_id: int) -> Json:
    """An online member's presence, as GUILD_CREATE and member chunks list it."""
    return {
        "user": {"id": str(user_id)},
        "guild_id": str(guild_id),
        "status": "online",
        "activities": [],
        "client_status": {"desktop": "online"},
    }


def guild_payload(
    guild_id: int,
    *,
    name: str,
    channel_id: int,
    members: list[Json],
    member_count: int = 2,
    large: bool = False,
    presences: Sequence[Json] = (),
) -> Json:
    """A GUILD_CREATE guild: one @everyone role, one text channel; by default 2 members (the bot
    and the tester), all of them in ``members``."""
    return {
        "id": str(guild_id),
        "name": name,
        "icon": None,
        "owner_id": str(TESTER_ID),
        "unavailable": False,
        "member_count": member_count,
        "large": large,
        "joined_at": JOINED_AT,
        "roles": [everyone_role_payload(guild_id)],
        "channels": [text_channel_payload(channel_id, guild_id)],
        "members": members,
        "features": [],
        "emojis": [],
        "stickers": [],
        "voice_states": [],
        "presences": list(presences),
        "threads": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "system_channel_id": str(channel_id),
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "preferred_locale": "en-US",
    }


def message_payload(
    message_id: int,
    channel_id: int,
    author: Json,
    content: str,
    *,
    guild_id: int | None = None,
    member: Json | None = None,
    mentions: Sequence[Json] = (),
    embeds: Sequence[Json] = (),
    attachments: Sequence[Json] = (),
    components: Sequence[Json] = (),
    flags: int = 0,
    reference: Json | None = None,
    webhook_id: int | None = None,
) -> Json:
    message: Json = {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "author": author,
        "content": content,
        "timestamp": _iso_now(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": list(mentions),
        "mention_roles": [],
        "attachments": list(attachments),
        "embeds": list(embeds),
        "components": list(components),
        "reactions": [],
        "pinned": False,
        "type": 19 if reference else 0,  # 19 = reply
        "flags": flags,
    }
    if guild_id is not None:
        message["guild_id"] = str(guild_id)
    if member is not None:
        message["member"] = member
    if reference is not None:
        message["message_reference"] = reference
    if webhook_id is not None:
        message["webhook_id"] = str(webhook_id)
    return message


def interaction_payload(
    interaction_id: int,
    *,
    application_id: int,
    token: str,
    data: Json,
    user: Json,
    channel: Json,
    guild_id: int | None,
    permissions: int,
    locale: str = "en-US",
) -> Json:
    """An INTERACTION_CREATE for a slash command (type 2) in a guild or a bot DM."""
    payload: Json = {
        "id": str(interaction_id),
        "application_id": str(application_id),
        "type": 2,
        "data": data,
        "token": token,
        "version": 1,
        "channel_id": channel["id"],
        "channel": channel,
        "app_permissions": str(EVERYONE_PERMISSIONS),
        "locale": locale,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": 10 * 1024 * 1024,
        # Key "0" = guild install: the guild's id, or "0" in a DM with the bot.
        "authorizing_integration_owners": {"0": str(guild_id or 0)},
        "context": 0 if guild_id else 1,  # 0 = GUILD, 1 = BOT_DM
    }
    if guild_id is not None:
        payload["guild_id"] = str(guild_id)
        payload["guild"] = {"id": str(guild_id), "locale": "en-US", "features": []}
        payload["guild_locale"] = "en-US"
        payload["member"] = member_payload(user, permissions=permissions)
    else:
        payload["user"] = user
    return payload


def attachment_payload(attachment_id: int, filename: str, size: int) -> Json:
    url = f"https://cdn.discordapp.com/attachments/0/{attachment_id}/{filename}"
    return {
        "id": str(attachment_id),
        "filename": filename,
        "size": size,
        "url": url,
        "proxy_url": url,
    }


def _iso_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00", time.gmtime())


def _error(status: int, message: str, code: int = 0) -> tuple[int, Json]:
    return status, {"message": message, "code": code}


# --- Records the tests look at ---------------------------------------------------


@dataclass
class RecordedRequest:
    """One REST call the bot made; ``path`` is relative to /api/v10."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    auth_sent: bool
    auth_valid: bool
    files: list[str] = field(default_factory=list)
    status: int = 0


@dataclass
class Identify:
    """One IDENTIFY the bot sent (``shard`` is ``(shard_id, shard_count)`` or None)."""

    token: str
    intents: int
    shard: tuple[int, int] | None
    payload: Json


@dataclass
class _Fault:
    """An injected answer for the next ``times`` REST calls that match."""

    method: str
    path: str
    status: int
    times: int
    body: Json
    headers: dict[str, str]


def _matches(req: RecordedRequest, method: str, path_pattern: str) -> bool:
    return req.method == method and fnmatch.fnmatchcase(req.path, path_pattern)


@dataclass
class GatewaySession:
    """A gateway session: one bot, or one shard of it; survives a RESUME."""

    session_id: str
    ws: web.WebSocketResponse
    intents: int
    shard: tuple[int, int]
    seq: int = 0
    observer: Callable[[str, Json], None] | None = None  # sees every event dispatched

    def receives(self, guild_id: int | None) -> bool:
        """DMs go to shard 0; guild events to the shard ``shard_of`` names."""
        shard_id, count = self.shard
        return shard_id == (0 if guild_id is None else shard_of(guild_id, count))

    async def dispatch(self, event: str, data: Json) -> None:
        if self.observer is not None:
            self.observer(event, data)
        self.seq += 1
        await _send(self.ws, {"op": 0, "t": event, "s": self.seq, "d": data})


async def _send(ws: web.WebSocketResponse, payload: Json) -> None:
    """Plain JSON in TEXT frames: discord.py only decompresses binary frames."""
    await ws.send_str(json.dumps(payload, separators=(",", ":")))


Handler = Callable[..., Awaitable[tuple[int, Any]]]


# --- Discord in 2026: entry points, limits, user installs, Components V2, the portal ----
# Discord's own rules, written from its documentation (not from app.py or runtime/limits.py),
# so the bot's checks meet an independent model.

IS_COMPONENTS_V2 = 1 << 15  # message flag: a layout of components, no content or embeds
SUPPRESS_EMBEDS = 1 << 2  # message flag: no link previews
MAX_V2_COMPONENTS = 40  # in all, nested ones included
USE_EXTERNAL_APPS = 1 << 50  # lets a user-installed app answer publicly in a server
ENTRY_POINT = 4  # PRIMARY_ENTRY_POINT: the command that launches an Activity
EMBEDDED = 1 << 17  # application flag: the app has an Activity
GUILD_INSTALL, USER_INSTALL = 0, 1  # installation contexts (integration types)
CONTEXTS = {"guild": 0, "bot_dm": 1, "private_channel": 2}  # interaction context types
# Commands an application may have, per type, globally and again per guild.
COMMAND_LIMITS = {1: 100, 2: 15, 3: 15, ENTRY_POINT: 1}
MAX_OPTIONS = 25
# A server where the app is installed by a member but the bot is not (user installs).
FOREIGN_GUILD_ID = guild_id_for(999)
FRIEND = user_payload(1_444_444_444_444_444_444, "friend")  # the tester's group DM companion
ENTRY_POINT_REMOVED = "You cannot remove this app's Entry Point command in a bulk update operation"


def _new_app_install_settings() -> dict[int, Json | None]:
    """A new application's Installation page: both contexts, Discord's own install link."""
    return {
        GUILD_INSTALL: {"scopes": ["applications.commands"], "permissions": "0"},
        USER_INSTALL: {"scopes": ["applications.commands"], "permissions": "0"},
    }


@dataclass
class Portal:
    """The Developer Portal's settings of the fake's application, as /applications/@me shows.

    ``install_settings`` maps each installation context switched on (GUILD_INSTALL,
    USER_INSTALL) to its Default Install Settings (``{"scopes": [...], "permissions": "0"}``),
    or to None when the install link is not Discord's own. ``activities``: Activities are on,
    so Discord made the app an Entry Point command, "launch".
    """

    interactions_endpoint_url: str | None = None
    install_settings: dict[int, Json | None] = field(default_factory=_new_app_install_settings)
    activities: bool = False


def entry_point_command_payload(command_id: int, application_id: int, version: int) -> Json:
    """The Entry Point command Discord creates when Activities are switched on."""
    return {
        "id": str(command_id),
        "application_id": str(application_id),
        "version": str(version),
        "type": ENTRY_POINT,
        "name": "launch",
        "description": "Launch the Activity",
        "name_localizations": None,
        "description_localizations": None,
        "handler": 2,  # DISCORD_LAUNCH_ACTIVITY: Discord launches it, the bot never sees it
        "integration_types": [GUILD_INSTALL, USER_INSTALL],
        "contexts": [0, 1, 2],
        "default_member_permissions": None,
        "dm_permission": True,
        "nsfw": False,
    }


def group_dm_payload(channel_id: int, recipients: Sequence[Json]) -> Json:
    """A group DM (channel type 3): where a user-installed app answers in PRIVATE_CHANNEL."""
    return {
        "id": str(channel_id),
        "type": 3,
        "recipients": list(recipients),
        "owner_id": recipients[0]["id"],
        "name": None,
        "icon": None,
        "flags": 0,
        "last_message_id": None,
    }


def user_install_interaction_payload(
    interaction_id: int,
    *,
    application_id: int,
    token: str,
    data: Json,
    user: Json,
    context: str,
    channel: Json,
    guild_id: int | None,
    guild_installed: bool,
    member_permissions: int,
    locale: str = "en-US",
) -> Json:
    """An INTERACTION_CREATE for a command of an app the member installed on their account.

    ``authorizing_integration_owners`` says who installed it: key "1" (user install) is the
    member; key "0" (guild install) only where the app is installed in that server too. The
    app's permissions in DMs and group DMs are the few Discord grants there.
    """
    payload = interaction_payload(
        interaction_id,
        application_id=application_id,
        token=token,
        data=data,
        user=user,
        channel=channel,
        guild_id=guild_id,
        permissions=member_permissions,
        locale=locale,
    )
    owners = {str(USER_INSTALL): user["id"]}
    if guild_installed:
        owners[str(GUILD_INSTALL)] = str(guild_id or 0)
    payload["authorizing_integration_owners"] = owners
    payload["context"] = CONTEXTS[context]
    if guild_id is None:
        granted = discord.Permissions(attach_files=True, embed_links=True, mention_everyone=True)
        granted.use_external_emojis = context == "bot_dm"
        payload["app_permissions"] = str(granted.value)
    return payload


def iter_components(components: Iterable[Json]) -> Iterator[Json]:
    """Every component of a layout, nested ones included (rows, containers, sections, labels)."""
    for component in components:
        yield component
        yield from iter_components(component.get("components") or [])
        for key in ("accessory", "component"):
            if component.get(key):
                yield from iter_components([component[key]])


def components_v2_problem(body: Json, existing_flags: int = 0) -> str | None:
    """Discord's rules for a message with IS_COMPONENTS_V2 (``existing_flags``: an edit's)."""
    if not ((body.get("flags") or 0) | existing_flags) & IS_COMPONENTS_V2:
        return None
    if mixed := [key for key in ("content", "embeds", "poll", "sticker_ids") if body.get(key)]:
        return f"Invalid Form Body: IS_COMPONENTS_V2 messages cannot have {', '.join(mixed)}"
    count = sum(1 for _ in iter_components(body.get("components") or []))
    if count > MAX_V2_COMPONENTS:
        return f"Invalid Form Body: {count} components, at most {MAX_V2_COMPONENTS}"
    return None


def edited_flags(old: int, body: Json) -> int:
    """A message's flags after an edit: only SUPPRESS_EMBEDS changes either way, IS_COMPONENTS_V2
    can only be set, and the rest (EPHEMERAL above all) stays as it was."""
    if body.get("flags") is None:
        return old & ~LOADING
    new = int(body["flags"])
    return ((old & ~SUPPRESS_EMBEDS) | (new & (SUPPRESS_EMBEDS | IS_COMPONENTS_V2))) & ~LOADING


def command_set_problem(commands: Sequence[Json], *, guild: bool) -> str | None:
    """What Discord refuses in a bulk overwrite: too many of a type, 26 options, long texts."""
    kinds = [command.get("type", 1) for command in commands]
    if guild and ENTRY_POINT in kinds:
        return "Invalid Form Body: an Entry Point command cannot be a guild command"
    for kind, limit in COMMAND_LIMITS.items():
        if kinds.count(kind) > limit:
            return f"Invalid Form Body: {kinds.count(kind)} commands of type {kind}, max {limit}"
    for command in commands:
        if not 1 <= len(command.get("name", "")) <= 32:
            return f"Invalid Form Body: name {command.get('name')!r} must be 1-32 characters"
        if command.get("type", 1) == 1 and not 1 <= len(command.get("description", "")) <= 100:
            return f"Invalid Form Body: /{command['name']}: description must be 1-100 characters"
        if len(command.get("options") or []) > MAX_OPTIONS:
            return f"Invalid Form Body: /{command['name']}: at most {MAX_OPTIONS} options"
    return None


# --- The fake itself ----------------------------------------------------------------


class FakeDiscord:
    """REST under /api/v10 and the gateway at /gateway, on one 127.0.0.1 port.

    There are ``guild_count`` guilds (``guild_ids``, made by ``guild_id_for``), each
    with one text channel (``channel_id(guild)``) and two members: the bot and
    ``tester``, who owns the guilds and the application and is the default author of
    what the test sends. ``members_per_guild`` above 2 adds made-up members, each server
    its own users (``guild_members``); GUILD_CREATE and member chunks list them as Discord
    does (see "Member lists" above). ``enabled_intents`` are the privileged intents
    switched on in the portal. ``gateway_close_code`` answers every IDENTIFY by closing
    with that code; pick one discord.py does not retry (4004, 4010-4014) or it reconnects.
    ``portal`` holds the application's other portal settings (``Portal``: installation,
    Interactions Endpoint URL, Activities).

    A bad day on Discord, for the operations tests (section "fault injection"): the IDENTIFY
    budget (``set_session_start_limit``; each IDENTIFY spends one), close codes
    (``refuse_identify``, like ``gateway_close_code``), 429s and 5xx
    (``fail_requests``), a slow API (``hold_requests``), a gateway that accepts but never says
    HELLO (``hold_gateway``), disconnects (``close_gateway``) and unreadable events
    (``send_raw_frame``, ``send_raw_event``).

    Records for assertions: ``requests`` and ``unexpected_requests`` (REST),
    ``identifies``, ``member_requests`` (Request Guild Members; the ones Discord leaves
    unanswered again in ``unanswered_member_requests``), ``sent_messages`` (channel
    messages), ``interactions`` and ``interaction_responses`` (by interaction id),
    ``global_commands`` and ``guild_commands`` (what the last sync stored).
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        application_id: int = APPLICATION_ID,
        bot_user_id: int | None = None,
        bot_username: str = "FakeBot",
        description: str = "A bot under test",
        guild_count: int = 1,
        members_per_guild: int = 2,
        enabled_intents: Iterable[str] = (),
        gateway_close_code: int | None = None,
        recommended_shards: int | None = None,
        portal: Portal | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.enabled_intents = frozenset(enabled_intents)
        if unknown := self.enabled_intents - PRIVILEGED_INTENTS.keys():
            raise ValueError(f"not privileged: {sorted(unknown)}; use {sorted(PRIVILEGED_INTENTS)}")
        self.application_id = application_id
        self.bot_user_id = application_id if bot_user_id is None else bot_user_id
        self.token = make_token(self.bot_user_id) if token is None else token
        self.gateway_close_code = gateway_close_code
        self.recommended_shards = recommended_shards or max(1, -(-guild_count // 1000))
        self.bot_user = user_payload(self.bot_user_id, bot_username, bot=True)
        self.description = description  # the application's, as the portal would have it
        self.tester = user_payload(TESTER_ID, "tester")
        # Whom options and selects can name (resolved data): add the users a test invents.
        self.known_users = {TESTER_ID: self.tester, self.bot_user_id: self.bot_user}
        self.guild_ids = [guild_id_for(i) for i in range(guild_count)]
        if not 2 <= members_per_guild <= MAX_MEMBERS_PER_GUILD:
            raise ValueError(
                f"members_per_guild must be from 2 (the bot and the tester) to "
                f"{MAX_MEMBERS_PER_GUILD:,}, not {members_per_guild}"
            )
        self.members_per_guild = members_per_guild
        self._guild_set = set(self.guild_ids)
        self._host, self._port = host, port

        # What happened, for assertions.
        self.requests: list[RecordedRequest] = []
        self.unexpected_requests: list[RecordedRequest] = []
        self.identifies: list[Identify] = []
        self.member_requests: list[Json] = []  # op 8 payloads, in order, once handled
        self.unanswered_member_requests: list[Json] = []  # those Discord ignores
        self.sent_messages: list[Json] = []  # messages the bot POSTed to channels
        self.interactions: dict[int, Json] = {}  # INTERACTION_CREATE payloads sent
        self.interaction_responses: dict[int, Json] = {}  # callback bodies, by id
        self.global_commands: list[Json] = []
        self.guild_commands: dict[int, list[Json]] = {}

        self._sessions: dict[str, GatewaySession] = {}
        self._sockets: set[web.WebSocketResponse] = set()
        # Operations: the IDENTIFY budget GET /gateway/bot reports (spent by each IDENTIFY),
        # and what the fault-injection functions below set up.
        self.session_start_limit: Json = {
            "total": 1000,
            "remaining": 1000,
            "reset_after": 0,
            "max_concurrency": 1,
        }
        self._faults: list[_Fault] = []
        self._held_requests: list[tuple[str, str]] = []
        self._requests_released = asyncio.Event()
        self._gateway_open = asyncio.Event()
        self._gateway_open.set()
        self.held_connections = 0  # gateway connections waiting for release_gateway()
        # interaction token -> {message id or "@original": message} for webhook edits
        self._webhook_messages: dict[str, dict[str, Json]] = {}
        self._dm_channels: dict[int, int] = {}  # user id -> DM channel id
        self.member_messages: list[Json] = []  # what members posted (send/dispatch_message)
        self._listeners: list[Callable[[str, Json], None]] = []  # add_listener()
        self._ready_sent = 0
        self._ids = itertools.count(1)
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._routes: list[tuple[str, re.Pattern[str], Handler, bool]] = []
        webhook_message = "/webhooks/{app}/{token}/messages/{message}"
        reaction = "/channels/{channel}/messages/{message}/reactions/{emoji}/@me"
        routes: list[tuple[str, str, Handler, bool]] = [
            ("GET", "/users/@me", self._get_me, True),
            ("POST", "/users/@me/channels", self._create_dm, True),
            ("GET", "/oauth2/applications/@me", self._get_application, True),
            ("GET", "/gateway", self._get_gateway, False),
            ("GET", "/gateway/bot", self._get_gateway_bot, True),
            ("GET", "/applications/{app}/commands", self._get_commands, True),
            ("PUT", "/applications/{app}/commands", self._put_commands, True),
            ("GET", "/applications/{app}/guilds/{guild}/commands", self._get_commands, True),
            ("PUT", "/applications/{app}/guilds/{guild}/commands", self._put_commands, True),
            # Interaction answers carry no Authorization: the token is in the path.
            ("POST", "/interactions/{iid}/{token}/callback", self._callback, False),
            ("POST", "/webhooks/{app}/{token}", self._followup, False),
            ("GET", webhook_message, self._webhook_message, False),
            ("PATCH", webhook_message, self._webhook_message, False),
            ("DELETE", webhook_message, self._webhook_message, False),
            ("POST", "/channels/{channel}/messages", self._create_message, True),
            ("PATCH", "/channels/{channel}/messages/{message}", self._edit_message, True),
            ("DELETE", "/channels/{channel}/messages/{message}", self._delete_message, True),
            ("POST", "/channels/{channel}/typing", self._no_content, True),
            ("PUT", reaction, self._no_content, True),
        ]
        for method, path, handler, auth in routes:
            self.add_route(method, path, handler, auth=auth)
        self._model_discord_2026(portal or Portal())

    # -- lifecycle ----------------------------------------------------------------

    async def start(self) -> None:
        from aiohttp import web

        app = web.Application()
        app.router.add_get(GATEWAY_PATH, self._gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._port).start()
        self._port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close(code=1001, message=b"fake Discord stopping")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def api_base(self) -> str:
        return f"http://{self._host}:{self._port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self._host}:{self._port}{GATEWAY_PATH}"

    def channel_id(self, guild_id: int) -> int:
        """The one text channel of a guild."""
        return guild_id + 1

    def dm_channel_id(self, user_id: int = TESTER_ID) -> int:
        return self._dm_channels.setdefault(user_id, self._new_id())

    def add_route(self, method: str, path: str, handler: Handler, *, auth: bool = True) -> None:
        """Serve a REST route such as ``/channels/{channel}``.

        ``handler(request: RecordedRequest, channel=...)`` returns ``(status, json)``;
        json None means an empty body. ``auth`` routes answer 401 to a wrong token.
        A later route wins over an earlier one, so a test can replace a built-in.
        """
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path)  # Discord paths: no regex chars
        self._routes.append((method, re.compile(pattern), handler, auth))

    # -- test driving -------------------------------------------------------------

    async def wait_until_identified(self, count: int = 1, timeout: float = 5.0) -> Identify:
        """Wait for the ``count``-th IDENTIFY (one per shard) and return it."""
        await self._wait_for(lambda: len(self.identifies) >= count, timeout, f"IDENTIFY #{count}")
        return self.identifies[count - 1]

    async def wait_until_ready_sent(self, count: int = 1, timeout: float = 5.0) -> None:
        """Wait until READY and every GUILD_CREATE went out on ``count`` sessions.

        The bot's on_ready follows ``guild_ready_timeout`` seconds later.
        """
        await self._wait_for(
            lambda: self._ready_sent >= count, timeout, f"READY on {count} session(s)"
        )

    async def wait_for_request(
        self, method: str, path_pattern: str, *, timeout: float = 3.0, start: int = 0
    ) -> RecordedRequest:
        """First request from index ``start`` on matching a glob, e.g. ``/webhooks/*``."""

        def found() -> RecordedRequest | None:
            for req in self.requests[start:]:
                if req.method == method and fnmatch.fnmatchcase(req.path, path_pattern):
                    return req
            return None

        return await self._wait_for(found, timeout, f"{method} {path_pattern}")

    async def send_slash_command(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[Json] | None = None,
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
        dm: bool = False,
        user: Json | None = None,
        locale: str = "en-US",
        timeout: float = 3.0,
    ) -> Json:
        """Invoke ``/name`` (``"group sub"`` for subcommands); return the bot's callback body.

        ``options`` maps option names to values (types come from the synced command,
        else are guessed) or is a list of raw option dicts. Raises TimeoutError if the
        bot does not answer within ``timeout`` (Discord allows 3 s).
        """
        user = user or self.tester
        guild = None if dm else self._default_guild(guild_id)
        top, *subs = name.split()
        command = self._find_command(top, guild)
        data: Json = {
            "id": command["id"] if command else str(self._new_id()),
            "name": top,
            "type": 1,
            "options": _command_options(subs, options, command),
        }
        if command and command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        if resolved := self._resolved_options(data["options"], guild):
            data["resolved"] = resolved
        if guild is None:
            channel = dm_channel_payload(self.dm_channel_id(int(user["id"])), user)
        else:
            channel = text_channel_payload(channel_id or self.channel_id(guild), guild)
        owner = user["id"] == self.tester["id"]
        iid = self._new_id()
        payload = interaction_payload(
            iid,
            application_id=self.application_id,
            token=f"fake-interaction-token-{iid}",
            data=data,
            user=user,
            channel=channel,
            guild_id=guild,
            permissions=ALL_PERMISSIONS if owner else EVERYONE_PERMISSIONS,
            locale=locale,
        )
        self.interactions[iid] = payload
        await self._session_for(guild).dispatch("INTERACTION_CREATE", payload)
        return await self._wait_for(
            lambda: self.interaction_responses.get(iid),
            timeout,
            f"the bot to answer /{name} (not in its command tree? did it raise? see the log)",
        )

    async def send_message(
        self,
        content: str,
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
        dm: bool = False,
        user: Json | None = None,
        mention_bot: bool = False,
        quiet_period: float = 0.2,
        timeout: float = 3.0,
    ) -> list[Json]:
        """Deliver a MESSAGE_CREATE; return what the bot posted until it went quiet.

        Delivered as ``dispatch_message`` says: like Discord, without the content when the bot
        lacks the MESSAGE_CONTENT intent.
        """
        start = len(self.sent_messages)
        await self.dispatch_message(
            content,
            guild_id=guild_id,
            channel_id=channel_id,
            dm=dm,
            user=user,
            mention_bot=mention_bot,
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        quiet_until = loop.time() + quiet_period
        seen = start
        while (now := loop.time()) < min(quiet_until, deadline):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(quiet_until, deadline) - now)
            if len(self.sent_messages) > seen:
                seen = len(self.sent_messages)
                quiet_until = loop.time() + quiet_period
        return self.sent_messages[start:]

    async def dispatch_message(
        self,
        content: str,
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
        dm: bool = False,
        user: Json | None = None,
        mention_bot: bool = False,
    ) -> Json:
        """Post ``content`` as ``user`` (the tester) and return the message as they wrote it.

        Like Discord: nothing is delivered without the GUILD_MESSAGES / DIRECT_MESSAGES
        intent, and guild messages arrive with empty content unless the IDENTIFY had
        MESSAGE_CONTENT or the bot is mentioned (``mention_bot`` prepends a mention). The
        returned message says what the bot got: ``delivered`` is the content it received,
        or None when it received nothing.
        """
        user = user or self.tester
        guild = None if dm else self._default_guild(guild_id)
        session = self._session_for(guild)
        mention = f"<@{self.bot_user_id}>"
        if mention_bot and mention not in content and f"<@!{self.bot_user_id}>" not in content:
            content = f"{mention} {content}"
        mentioned = mention in content or f"<@!{self.bot_user_id}>" in content
        bot_member = member_payload(self.bot_user, with_user=False)
        mentions = [{**self.bot_user, "member": bot_member}] if mentioned else []
        delivered = content
        if guild is None:
            channel = self.dm_channel_id(int(user["id"]))
            needed = DIRECT_MESSAGES
        else:
            channel = channel_id or self.channel_id(guild)
            needed = GUILD_MESSAGES
            if not (session.intents & MESSAGE_CONTENT or mentioned):
                delivered = ""  # embeds, attachments and components are blank already
        member = None if guild is None else member_payload(user, with_user=False)
        message = message_payload(
            self._new_id(), channel, user, content, guild_id=guild, member=member, mentions=mentions
        )
        received = delivered if session.intents & needed else None
        self.member_messages.append(message)
        self._emit("message_create", {**message, "delivered": received})
        if received is not None:
            await session.dispatch("MESSAGE_CREATE", {**message, "content": received})
        return {**message, "delivered": received}

    async def close_gateway(self, code: int = 4000) -> None:
        """Drop every gateway connection with ``code``; discord.py should RESUME."""
        for ws in list(self._sockets):
            await ws.close(code=code, message=b"fake Discord closed the connection")

    # -- fault injection: what Discord does to a bot on a bad day ------------------------

    def set_session_start_limit(
        self,
        *,
        remaining: int | None = None,
        total: int | None = None,
        reset_after: float | None = None,
        max_concurrency: int | None = None,
    ) -> None:
        """What GET /gateway/bot reports as the IDENTIFY budget (``reset_after`` in seconds);
        each IDENTIFY spends one, as on Discord."""
        limit = self.session_start_limit
        for key, value in (("remaining", remaining), ("total", total)):
            if value is not None:
                limit[key] = value
        if reset_after is not None:
            limit["reset_after"] = int(reset_after * 1000)
        if max_concurrency is not None:
            limit["max_concurrency"] = max_concurrency

    def refuse_identify(self, code: int | None) -> None:
        """Close the gateway with ``code`` at every IDENTIFY from now on (None: accept again).

        discord.py gives up only on 4004 and 4010-4014; on other codes it reconnects.
        """
        self.gateway_close_code = code

    def fail_requests(
        self,
        method: str,
        path_pattern: str,
        status: int,
        *,
        times: int = 1,
        retry_after: float = 1.0,
        scope: str = "user",
    ) -> None:
        """Answer the next ``times`` matching REST calls with ``status`` instead of the route.

        429 comes as Discord sends it (``retry_after`` in the body, the ``Via`` header that
        tells discord.py it is not a Cloudflare ban, ``X-RateLimit-Scope``); 5xx with an error
        body. discord.py retries 500, 502, 504 and 524 itself, up to 5 times.
        """
        headers: dict[str, str] = {}
        if status == 429:
            body: Json = {
                "message": "You are being rate limited.",
                "retry_after": retry_after,
                "global": scope == "global",
            }
            headers = {"Via": "1.1 google", "X-RateLimit-Scope": scope}
            if scope == "global":
                headers["X-RateLimit-Global"] = "true"
        else:
            body = {"message": f"{status}: injected by the test", "code": 0}
        self._faults.append(_Fault(method, path_pattern, status, times, body, headers))

    def hold_requests(self, method: str, path_pattern: str) -> None:
        """Keep matching REST calls waiting (a slow Discord) until ``release_requests()``."""
        self._requests_released.clear()
        self._held_requests.append((method, path_pattern))

    def release_requests(self) -> None:
        self._held_requests.clear()
        self._requests_released.set()

    async def wait_until_held(self, count: int = 1, timeout: float = 5.0) -> None:
        """Wait until ``count`` gateway connections wait for ``release_gateway()``."""
        await self._wait_for(
            lambda: self.held_connections >= count, timeout, f"{count} held gateway connection(s)"
        )

    def hold_gateway(self) -> None:
        """New gateway connections are accepted but get no HELLO until ``release_gateway()``:
        the bot is then connecting, or reconnecting after ``close_gateway()``."""
        self._gateway_open.clear()

    def release_gateway(self) -> None:
        self.held_connections = 0
        self._gateway_open.set()

    async def send_raw_frame(self, text: str, *, guild_id: int | None = None) -> None:
        """Send ``text`` as it is (e.g. not JSON at all) on the session of ``guild_id``."""
        await self._session_for(self._default_guild(guild_id)).ws.send_str(text)

    async def send_raw_event(self, event: str, data: Json, *, guild_id: int | None = None) -> None:
        """Dispatch ``data`` as event ``event`` unchecked: payloads that lack fields, say."""
        await self._session_for(self._default_guild(guild_id)).dispatch(event, data)

    # -- helpers --------------------------------------------------------------------

    def _new_id(self) -> int:
        """A fresh snowflake stamped with the current time."""
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (next(self._ids) & 0x3FFFFF)

    def _changed_now(self) -> None:
        """Wake every ``_wait_for``; each waits on the event current when it looped."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_for(self, predicate: Callable[[], T | None], timeout: float, what: str) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (result := predicate()):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"fake Discord: waited {timeout} s for {what}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
        return result

    def _default_guild(self, guild_id: int | None) -> int:
        if guild_id is None:
            if not self.guild_ids:
                raise AssertionError("fake Discord has no guilds (guild_count=0); pass dm=True")
            return self.guild_ids[0]
        if guild_id not in self._guild_set:
            raise AssertionError(f"guild {guild_id} is not one of the fake's guilds")
        return guild_id

    def _session_for(self, guild_id: int | None) -> GatewaySession:
        for session in reversed(list(self._sessions.values())):
            if not session.ws.closed and session.receives(guild_id):
                return session
        where = "DMs" if guild_id is None else f"guild {guild_id}"
        raise AssertionError(f"no connected gateway session receives {where}; is the bot running?")

    def _find_command(self, name: str, guild_id: int | None) -> Json | None:
        scoped = self.guild_commands.get(guild_id, []) if guild_id else []
        for command in [*scoped, *self.global_commands]:
            if command["name"] == name and command.get("type", 1) == 1:
                return command
        return None

    def _channel_guild(self, channel_id: int) -> tuple[bool, int | None]:
        """(exists, guild id or None for a DM channel)."""
        if channel_id - 1 in self._guild_set:
            return True, channel_id - 1
        return channel_id in self._dm_channels.values(), None

    def _bot_message(self, channel_id: int, body: Json, files: list[str], **extra: Any) -> Json:
        _, guild = self._channel_guild(channel_id)
        return message_payload(
            self._new_id(),
            channel_id,
            self.bot_user,
            body.get("content") or "",
            guild_id=guild,
            embeds=body.get("embeds") or [],
            components=body.get("components") or [],
            attachments=[attachment_payload(self._new_id(), name, 0) for name in files],
            flags=body.get("flags") or 0,
            reference=_stored_reference(body.get("message_reference")),
            **extra,
        )

    # -- the playground's needs: an event feed, components, modals, resolved data --------
    # The page of `<package> playground` sees everything through add_listener(), and the
    # person in it clicks buttons, picks from selects and submits modals through these.

    def add_listener(self, listener: Callable[[str, Json], None]) -> None:
        """Call ``listener(kind, data)`` for what happens, with a copy of the data.

        Kinds: ``message_create`` / ``message_update`` (a message as Discord shows it; a
        member's carries ``delivered``, see ``dispatch_message``), ``message_delete`` (``id``,
        ``channel_id``), ``modal`` (a modal the bot opened, with ``interaction_id``),
        ``commands`` (a sync stored them), and the traffic: ``rest`` (each REST call, with
        its answer), ``dispatch`` (each gateway event sent) and ``frame`` (IDENTIFY and RESUME
        received, token masked).
        """
        self._listeners.append(listener)

    def _emit(self, kind: str, data: Json) -> None:
        if self._listeners:
            copied = json.loads(json.dumps(data, default=str))
            for listener in self._listeners:
                listener(kind, copied)

    def _observe_dispatch(self, event: str, data: Json) -> None:
        self._emit("dispatch", {"t": event, "d": data})

    def _observe_frame(self, op: Any, data: Any) -> None:
        if op in (2, 6) and isinstance(data, dict):  # IDENTIFY, RESUME: never show the token
            name = "IDENTIFY" if op == 2 else "RESUME"
            self._emit("frame", {"op": op, "name": name, "d": {**data, "token": "(hidden)"}})

    def _observe_rest(self, req: RecordedRequest, result: Any) -> None:
        call = {"method": req.method, "path": req.path, "status": req.status}
        self._emit("rest", {**call, "query": req.query, "json": req.json, "response": result})

    async def send_component_interaction(
        self,
        message_id: int | str,
        custom_id: str,
        *,
        values: Sequence[str] = (),
        user: Json | None = None,
        timeout: float = 3.0,
    ) -> Json:
        """Click a button or pick ``values`` in a select of a bot message; the callback body.

        Refused like the Discord client would: an unknown or disabled component, a link
        button (it has no custom_id), values a string select does not offer, or too few or
        too many of them.
        """
        message = self._find_message(int(message_id))
        if message is None:
            raise LookupError(f"no message {message_id} in the fake's channels")
        component = _find_component(message.get("components") or [], custom_id)
        if component is None:
            raise LookupError(f"message {message_id} has no component with custom_id {custom_id!r}")
        if component.get("disabled"):
            raise ValueError(f"the component {custom_id!r} is disabled")
        kind = int(component["type"])
        data: Json = {"custom_id": custom_id, "component_type": kind}
        if kind in SELECT_TYPES:
            data["values"] = _checked_select_values(component, [str(v) for v in values])
            if kind != 3:
                guild = int(message["guild_id"]) if message.get("guild_id") else None
                data["resolved"] = self._resolved({SELECT_TYPES[kind]: data["values"]}, guild)
        return await self._interact(3, data, message=message, user=user, timeout=timeout)

    async def send_modal_submit(
        self,
        opened_by: int,
        values: Mapping[str, Any],
        *,
        user: Json | None = None,
        timeout: float = 3.0,
    ) -> Json:
        """Submit the modal the bot opened in answer to interaction ``opened_by``.

        ``values`` maps each field's custom_id to its text (text inputs), its chosen values
        (selects, checkbox groups), its choice (radio groups) or True/False (checkboxes).
        Required fields left empty are refused, as the Discord client would.
        """
        response = self.interaction_responses.get(opened_by)
        if response is None or response.get("type") != 9:
            raise LookupError(f"interaction {opened_by} was not answered with a modal")
        modal, opener = response["data"], self.interactions[opened_by]
        data: Json = {
            "custom_id": modal["custom_id"],
            "components": _modal_submission(modal.get("components") or [], values),
        }
        message = opener.get("message")  # a modal opened by a button belongs to its message
        if message is not None:
            message = self._find_message(int(message["id"])) or message
        who = user or opener.get("user") or opener["member"]["user"]
        guild = int(opener["guild_id"]) if opener.get("guild_id") else None
        return await self._interact(
            5,
            data,
            message=message,
            user=who,
            guild_id=guild,
            channel_id=int(opener["channel_id"]),
            timeout=timeout,
        )

    async def _interact(
        self,
        kind: int,
        data: Json,
        *,
        message: Json | None,
        user: Json | None,
        guild_id: int | None = None,
        channel_id: int | None = None,
        timeout: float,
    ) -> Json:
        """Send an INTERACTION_CREATE of ``kind`` (3 component, 5 modal submit) and wait."""
        user = user or self.tester
        if message is not None:
            guild_id = int(message["guild_id"]) if message.get("guild_id") else None
            channel_id = int(message["channel_id"])
        if guild_id is None:
            channel = dm_channel_payload(channel_id or self.dm_channel_id(int(user["id"])), user)
        else:
            channel = text_channel_payload(channel_id or self.channel_id(guild_id), guild_id)
        owner = user["id"] == self.tester["id"]
        iid = self._new_id()
        payload = interaction_payload(
            iid,
            application_id=self.application_id,
            token=f"fake-interaction-token-{iid}",
            data=data,
            user=user,
            channel=channel,
            guild_id=guild_id,
            permissions=ALL_PERMISSIONS if owner else EVERYONE_PERMISSIONS,
        )
        payload["type"] = kind
        if message is not None:
            payload["message"] = json.loads(json.dumps(message))
            # Discord: the "original response" of a component interaction is its message.
            self._webhook_messages.setdefault(payload["token"], {})["@original"] = message
        self.interactions[iid] = payload
        self.known_users.setdefault(int(user["id"]), user)
        await self._session_for(guild_id).dispatch("INTERACTION_CREATE", payload)
        what = "component" if kind == 3 else "modal submit"
        return await self._wait_for(
            lambda: self.interaction_responses.get(iid),
            timeout,
            f"the bot to answer the {what} {data['custom_id']!r} (no view waiting? see the log)",
        )

    def _update_interaction_message(self, interaction: Json, body: Json) -> Json:
        """Callback type 7: edit the message whose component (or modal) was used."""
        shown = interaction.get("message")
        message = self._find_message(int(shown["id"])) if shown else None
        if message is None:
            raise LookupError("type 7 (UPDATE_MESSAGE) answers only a component or its modal")
        return self._edit_and_relay(message, body)

    def _edit_and_relay(self, message: Json, body: Json) -> Json:
        _apply_edit(message, body)
        self._emit("message_update", message)
        return message

    def _find_message(self, message_id: int, *, bot_only: bool = False) -> Json | None:
        """A message posted in the fake's channels: by the bot, or by a member."""
        wanted = str(message_id)
        webhook = [m for kept in self._webhook_messages.values() for m in kept.values()]
        members = [] if bot_only else self.member_messages
        messages = [*self.sent_messages, *webhook, *members]
        return next((message for message in messages if message["id"] == wanted), None)

    async def _delete_message(
        self, req: RecordedRequest, channel: str, message: str
    ) -> tuple[int, Any]:
        """A bot deletes its own message or a member's (moderation); others' pages see it go."""
        found = self._find_message(int(message))
        if found is not None:
            for messages in (self.sent_messages, self.member_messages):
                if found in messages:
                    messages.remove(found)
            for kept in self._webhook_messages.values():
                for key in [key for key, kept_one in kept.items() if kept_one is found]:
                    del kept[key]
            self._emit("message_delete", {"id": found["id"], "channel_id": found["channel_id"]})
        return 204, None

    def _resolved_options(self, options: Sequence[Json], guild_id: int | None) -> Json:
        """The ``resolved`` data of a command's user, channel, role and mentionable options."""
        wanted: dict[str, list[str]] = {}
        for kind, snowflake in _option_ids(options):
            wanted.setdefault(kind, []).append(snowflake)
        return self._resolved(wanted, guild_id) if wanted else {}

    def _resolved(self, wanted: Mapping[str, Sequence[str]], guild_id: int | None) -> Json:
        """Resolved users (with members), roles and channels, as Discord sends with an id."""
        resolved: Json = {}
        for kind, ids in wanted.items():
            for snowflake in ids:
                user = self.known_users.get(int(snowflake))
                if kind in ("user", "mentionable") and user is not None:
                    resolved.setdefault("users", {})[snowflake] = user
                    if guild_id is not None:
                        owner = int(snowflake) == TESTER_ID
                        permissions = ALL_PERMISSIONS if owner else EVERYONE_PERMISSIONS
                        member = member_payload(user, permissions=permissions, with_user=False)
                        resolved.setdefault("members", {})[snowflake] = member
                elif kind in ("role", "mentionable") and guild_id and int(snowflake) == guild_id:
                    resolved.setdefault("roles", {})[snowflake] = everyone_role_payload(guild_id)
                elif kind == "channel":
                    exists, guild = self._channel_guild(int(snowflake))
                    if exists and guild is not None:
                        channel = text_channel_payload(int(snowflake), guild)
                        channel["permissions"] = str(ALL_PERMISSIONS)
                        resolved.setdefault("channels", {})[snowflake] = channel
        return resolved

    # -- gateway --------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        from aiohttp import web

        ws = web.WebSocketResponse(compress=False, max_msg_size=0)
        await ws.prepare(request)
        self._sockets.add(ws)
        try:
            if not self._gateway_open.is_set():  # hold_gateway(): no HELLO until released
                self.held_connections += 1
                self._changed_now()
                await self._gateway_open.wait()
                if ws.closed:  # the bot gave up meanwhile
                    return ws
            await _send(ws, {"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
            async for msg in ws:
                if msg.type is not aiohttp.WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                op, data = frame.get("op"), frame.get("d")
                self._observe_frame(op, data)
                if op == 1:  # heartbeat
                    await _send(ws, {"op": 11, "d": None, "s": None, "t": None})
                elif op == 2:
                    await self._identify(ws, data)
                elif op == 6:
                    await self._resume(ws, data)
                elif op == 8:
                    await self._request_members(ws, data)
        finally:
            self._sockets.discard(ws)
            self._changed_now()
        return ws

    async def _identify(self, ws: web.WebSocketResponse, data: Json) -> None:
        shard = (int(data["shard"][0]), int(data["shard"][1])) if data.get("shard") else None
        intents = int(data.get("intents", 0))
        self.identifies.append(Identify(data.get("token", ""), intents, shard, data))
        limit = self.session_start_limit
        limit["remaining"] = max(0, int(limit["remaining"]) - 1)
        self._changed_now()
        shard_id, count = shard or (0, 1)
        requested = {name for name, bit in PRIVILEGED_INTENTS.items() if intents & bit}
        guilds = [g for g in self.guild_ids if shard_of(g, count) == shard_id]
        if self.gateway_close_code is not None:
            await ws.close(code=self.gateway_close_code, message=b"forced by the test")
        elif data.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
        elif not 0 <= shard_id < count:
            await ws.close(code=4010, message=b"Invalid shard.")
        elif len(guilds) >= MAX_GUILDS_PER_SHARD:
            await ws.close(code=4011, message=b"Sharding required.")
        elif requested - self.enabled_intents:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
        else:
            session = GatewaySession(
                f"fake-session-{self._new_id()}",
                ws,
                intents,
                (shard_id, count),
                observer=self._observe_dispatch,
            )
            self._sessions[session.session_id] = session
            await session.dispatch("READY", self._ready_payload(session, guilds, shard))
            low, high = LARGE_THRESHOLD_RANGE
            large_threshold = min(max(int(data.get("large_threshold") or low), low), high)
            for guild_id in guilds:
                name = f"Fake Guild {(guild_id >> 22) - GUILD_BASE_MS}"
                members, presences = self._guild_create_members(guild_id, intents, large_threshold)
                payload = guild_payload(
                    guild_id,
                    name=name,
                    channel_id=self.channel_id(guild_id),
                    members=members,
                    member_count=self.members_per_guild,
                    large=self.members_per_guild > large_threshold,
                    presences=presences,
                )
                await session.dispatch("GUILD_CREATE", payload)
            self._ready_sent += 1
            self._changed_now()

    def _ready_payload(
        self, session: GatewaySession, guilds: list[int], shard: tuple[int, int] | None
    ) -> Json:
        ready: Json = {
            "v": 10,
            "user": self._client_user(),
            "guilds": [{"id": str(g), "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": self._application_flags()},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "session_type": "normal",
        }
        if shard is not None:
            ready["shard"] = list(shard)
        return ready

    async def _resume(self, ws: web.WebSocketResponse, data: Json) -> None:
        session = self._sessions.get(data.get("session_id", ""))
        if data.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
        elif session is None:
            await _send(ws, {"op": 9, "d": False, "s": None, "t": None})  # identify again
        else:
            session.ws = ws  # nothing was missed: the fake queues no events
            await session.dispatch("RESUMED", {})
            self._changed_now()

    # -- member lists: GUILD_CREATE's and Request Guild Members (see "Member lists") -------

    def guild_members(self, guild_id: int) -> list[Json]:
        """Every member of a guild, with its user: the bot, the tester, then the made-up ones."""
        return [member for member, _ in self._member_rows(guild_id)]

    def _member_rows(self, guild_id: int) -> list[tuple[Json, bool]]:
        """(member, online) for each member of the guild, built the same way every time."""
        rows = [(member_payload(self.bot_user), True), (member_payload(self.tester), True)]
        index = (guild_id >> 22) - GUILD_BASE_MS
        for number in range(2, self.members_per_guild):
            user_id = MEMBER_USER_BASE + index * MAX_MEMBERS_PER_GUILD + number
            member = member_payload(user_payload(user_id, f"member_{index}_{number}"))
            if number % 10 == 0:
                member["nick"] = f"Member {number}"
            rows.append((member, number % 5 == 0))
        return rows

    def _guild_create_members(
        self, guild_id: int, intents: int, large_threshold: int
    ) -> tuple[list[Json], list[Json]]:
        """The members and presences GUILD_CREATE carries (the fake has no voice channels)."""
        if not intents & GUILD_PRESENCES or self.members_per_guild > MAX_LISTED_MEMBERS:
            return [member_payload(self.bot_user)], []
        rows = self._member_rows(guild_id)
        if self.members_per_guild > large_threshold:  # "large": online or nicknamed only
            rows = [(member, online) for member, online in rows if online or member["nick"]]
        members = [member for member, _ in rows]
        presences = [
            presence_payload(int(member["user"]["id"]), guild_id)
            for member, online in rows
            if online
        ]
        return members, presences

    async def _request_members(self, ws: web.WebSocketResponse, data: Json) -> None:
        """Answer Request Guild Members (op 8) with GUILD_MEMBERS_CHUNK events, as Discord does:
        one guild per request, the whole list only with the members intent (without it Discord
        sends nothing back), presences only with the presences intent. Recorded once handled, so
        a request in ``member_requests`` has had all its chunks sent."""
        session = next((s for s in self._sessions.values() if s.ws is ws), None)
        guild = data.get("guild_id")
        if isinstance(guild, list):  # Discord answers for the first guild only
            guild = guild[0] if guild else None
        guild_id = int(str(guild)) if str(guild).isdigit() else None
        query, user_ids = data.get("query"), data.get("user_ids")
        limit = int(data.get("limit") or 0)
        whole_list = user_ids is None and query == ""
        if (
            session is None
            or guild_id is None
            or guild_id not in self._guild_set
            or not session.receives(guild_id)
            or (query is None and user_ids is None)
            or (whole_list and not session.intents & GUILD_MEMBERS)
        ):
            self.member_requests.append(data)
            self.unanswered_member_requests.append(data)
            self._changed_now()
            return
        rows = self._member_rows(guild_id)
        not_found: list[str] = []
        if user_ids is not None:
            wanted = [int(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])]
            by_id = {int(m["user"]["id"]): (m, online) for m, online in rows}
            wanted = wanted[:MAX_QUERIED_MEMBERS]
            rows = [by_id[u] for u in wanted if u in by_id]
            not_found = [str(u) for u in wanted if u not in by_id]
        elif query:
            prefix = str(query).lower()
            rows = [
                (m, online)
                for m, online in rows
                if m["user"]["username"].startswith(prefix)
                or (m["nick"] or "").lower().startswith(prefix)
            ][: min(limit or MAX_QUERIED_MEMBERS, MAX_QUERIED_MEMBERS)]
        elif limit:
            rows = rows[:limit]
        with_presences = bool(data.get("presences")) and bool(session.intents & GUILD_PRESENCES)
        nonce = data.get("nonce")
        if not isinstance(nonce, str) or len(nonce.encode()) > MAX_NONCE_BYTES:
            nonce = None  # Discord ignores a bad nonce: the chunks then carry none
        chunks = [
            rows[first : first + MAX_MEMBERS_PER_CHUNK]
            for first in range(0, len(rows), MAX_MEMBERS_PER_CHUNK)
        ] or [[]]
        for index, chunk_rows in enumerate(chunks):
            chunk: Json = {
                "guild_id": str(guild_id),
                "members": [member for member, _ in chunk_rows],
                "chunk_index": index,
                "chunk_count": len(chunks),
                "not_found": not_found,
            }
            if with_presences:
                chunk["presences"] = [
                    presence_payload(int(member["user"]["id"]), guild_id)
                    for member, online in chunk_rows
                    if online
                ]
            if nonce is not None:
                chunk["nonce"] = nonce
            await session.dispatch("GUILD_MEMBERS_CHUNK", chunk)
        self.member_requests.append(data)
        self._changed_now()

    def _client_user(self) -> Json:
        """The bot as it sees itself (/users/@me and READY): a few more fields."""
        return {**self.bot_user, "verified": True, "mfa_enabled": False, "flags": 0}

    def _application_flags(self) -> int:
        verified = len(self.guild_ids) >= 100  # unverified apps get the *_LIMITED flags
        return sum(APP_INTENT_FLAGS[name][0 if verified else 1] for name in self.enabled_intents)

    # -- REST -------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        """Record the call, check auth, and hand it to the matching route."""
        from aiohttp import web

        body: Any = None
        files: list[str] = []
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, aiohttp.BodyPartReader):
                    continue
                if part.name == "payload_json":
                    body = json.loads(await part.text())
                else:
                    await part.read()
                    files.append(part.filename or part.name or "file")
        elif request.can_read_body:
            body = await request.text()
            if request.content_type == "application/json":
                with contextlib.suppress(ValueError):  # a bad body is recorded as text
                    body = json.loads(body)
        auth = request.headers.get("Authorization")
        path = request.path[len(API_PREFIX) :]
        req = RecordedRequest(
            request.method,
            path,
            dict(request.query),
            body,
            auth is not None,
            auth == f"Bot {self.token}",
            files,
        )
        self.requests.append(req)
        if any(_matches(req, *held) for held in self._held_requests):
            self._changed_now()  # wait_for_request() sees it while it is held
            await self._requests_released.wait()
        fault = next((f for f in self._faults if f.times and _matches(req, f.method, f.path)), None)
        if fault is not None:
            fault.times -= 1
            req.status = fault.status
            self._changed_now()
            return web.Response(
                status=fault.status,
                body=json.dumps(fault.body).encode(),
                headers={"Content-Type": "application/json", **fault.headers},
            )
        for method, pattern, handler, needs_auth in reversed(self._routes):
            match = pattern.fullmatch(path)
            if method == request.method and match:
                if needs_auth and not req.auth_valid:
                    status, result = _error(401, "401: Unauthorized")
                else:
                    status, result = await self._run_handler(handler, req, match.groupdict())
                break
        else:
            self.unexpected_requests.append(req)
            status, result = _error(404, "404: Not Found")
        req.status = status
        self._observe_rest(req, result)
        self._changed_now()
        if result is None:
            return web.Response(status=status)
        # Exactly "application/json": with "; charset=utf-8" discord.py reads text.
        body_bytes = json.dumps(result).encode()
        return web.Response(
            status=status, body=body_bytes, headers={"Content-Type": "application/json"}
        )

    async def _run_handler(
        self, handler: Handler, req: RecordedRequest, params: dict[str, str]
    ) -> tuple[int, Any]:
        """A crash becomes a 400 (not a 500, which discord.py retries for seconds)."""
        try:
            return await handler(req, **params)
        except Exception as exc:  # reported through unexpected_requests
            self.unexpected_requests.append(req)
            return _error(400, f"fake Discord could not handle this request: {exc!r}", 50035)

    async def _get_me(self, req: RecordedRequest) -> tuple[int, Any]:
        return 200, self._client_user()

    async def _create_dm(self, req: RecordedRequest) -> tuple[int, Any]:
        user_id = int(req.json["recipient_id"])
        recipient = self.tester if user_id == TESTER_ID else user_payload(user_id, f"user{user_id}")
        return 200, dm_channel_payload(self.dm_channel_id(user_id), recipient)

    async def _get_application(self, req: RecordedRequest) -> tuple[int, Any]:
        return 200, {
            "id": str(self.application_id),
            "name": self.bot_user["username"],
            "description": self.description,
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self.tester,
            "team": None,
            "verify_key": "0" * 64,
            "flags": self._application_flags(),
            "bot": self.bot_user,
            "approximate_guild_count": len(self.guild_ids),
            "interactions_endpoint_url": None,
            "redirect_uris": [],
            "tags": [],
        }

    async def _get_gateway(self, req: RecordedRequest) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url}

    async def _get_gateway_bot(self, req: RecordedRequest) -> tuple[int, Any]:
        return 200, {
            "url": self.gateway_url,
            "shards": self.recommended_shards,
            "session_start_limit": dict(self.session_start_limit),
        }

    def _command_scope(self, app: str, guild: str | None) -> tuple[int, Any] | None:
        """Refuse, like Discord, another application or a guild the bot is not in."""
        if int(app) != self.application_id or (
            guild is not None and int(guild) not in self._guild_set
        ):
            return _error(403, "Missing Access", 50001)
        return None

    async def _get_commands(
        self, req: RecordedRequest, app: str, guild: str | None = None
    ) -> tuple[int, Any]:
        refused = self._command_scope(app, guild)
        if refused:
            return refused
        return 200, self.guild_commands.get(int(guild), []) if guild else self.global_commands

    async def _put_commands(
        self, req: RecordedRequest, app: str, guild: str | None = None
    ) -> tuple[int, Any]:
        """Bulk overwrite (what ``tree.sync()`` sends); a command keeps its id."""
        refused = self._command_scope(app, guild)
        if refused:
            return refused
        old = {
            (c["name"], c["type"]): c["id"]
            for c in (self.guild_commands.get(int(guild), []) if guild else self.global_commands)
        }
        stored = []
        for command in req.json:
            kind = command.get("type", 1)
            entry = {"description": "", "options": [], **command, "type": kind}
            entry["id"] = old.get((command["name"], kind)) or str(self._new_id())
            entry["application_id"] = str(self.application_id)
            entry["version"] = str(self._new_id())
            if guild:
                entry["guild_id"] = guild
            stored.append(entry)
        if guild:
            self.guild_commands[int(guild)] = stored
        else:
            self.global_commands = stored
        self._emit("commands", {"guild_id": guild, "commands": stored})
        return 200, stored

    async def _callback(self, req: RecordedRequest, iid: str, token: str) -> tuple[int, Any]:
        """Record the answer and reply as Discord does for ``?with_response=1``."""
        interaction = self.interactions.get(int(iid))
        if interaction is None or interaction["token"] != token:
            return _error(404, "Unknown interaction", 10062)
        if int(iid) in self.interaction_responses:
            return _error(400, "Interaction has already been acknowledged.", 40060)
        body = req.json or {}
        self.interaction_responses[int(iid)] = body
        kind, data = body.get("type"), body.get("data") or {}
        result: Json = {
            "interaction": {
                "id": iid,
                "type": interaction["type"],
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool((data.get("flags") or 0) & EPHEMERAL),
            },
            "resource": {"type": kind},
        }
        if kind in (4, 5):  # a message (or its "thinking..." placeholder) now exists
            if kind == 5:
                data = {**data, "flags": (data.get("flags") or 0) | LOADING}
            message = self._webhook_message_for(interaction, data, req.files, original=True)
            result["interaction"]["response_message_id"] = message["id"]
            result["resource"]["message"] = message
        elif kind == 7:  # a component's or modal's message, edited in place
            message = self._update_interaction_message(interaction, data)
            result["interaction"]["response_message_id"] = message["id"]
            result["resource"]["message"] = message
        elif kind == 9:
            self._emit("modal", {"interaction_id": iid, **data})
        return 200, result

    def _webhook_message_for(
        self, interaction: Json, body: Json, files: list[str], *, original: bool = False
    ) -> Json:
        """A message the bot sent through an interaction's webhook, kept for edits."""
        channel = int(interaction["channel_id"])
        message = self._bot_message(channel, body, files, webhook_id=self.application_id)
        message["interaction_metadata"] = {
            "id": interaction["id"],
            "type": interaction["type"],
            "user": interaction.get("user") or interaction["member"]["user"],
            "authorizing_integration_owners": interaction["authorizing_integration_owners"],
        }
        kept = self._webhook_messages.setdefault(interaction["token"], {})
        kept[message["id"]] = message
        if original:
            kept["@original"] = message
        self._emit("message_create", message)
        return message

    def _interaction_by_token(self, app: str, token: str) -> Json | None:
        if int(app) != self.application_id:
            return None
        return next((i for i in self.interactions.values() if i["token"] == token), None)

    async def _followup(self, req: RecordedRequest, app: str, token: str) -> tuple[int, Any]:
        interaction = self._interaction_by_token(app, token)
        if interaction is None:
            return _error(404, "Unknown Webhook", 10015)
        thinking = self._webhook_messages.get(token, {}).get("@original")
        if thinking is not None and (thinking.get("flags") or 0) & LOADING:
            # Discord: the first followup after "thinking..." becomes that message.
            message = self._edit_and_relay(thinking, req.json or {})
        else:
            message = self._webhook_message_for(interaction, req.json or {}, req.files)
        if req.query.get("wait") in ("1", "true", "True"):
            return 200, message
        return 204, None

    async def _webhook_message(
        self, req: RecordedRequest, app: str, token: str, message: str
    ) -> tuple[int, Any]:
        """GET / PATCH / DELETE an interaction's original response (@original) or followup."""
        if self._interaction_by_token(app, token) is None:
            return _error(404, "Unknown Webhook", 10015)
        kept = self._webhook_messages.get(token, {})
        if message not in kept:
            return _error(404, "Unknown Message", 10008)
        if req.method == "DELETE":
            deleted = kept.pop(message)
            for key in [key for key, kept_one in kept.items() if kept_one is deleted]:
                del kept[key]  # @original and its id are the same message
            self._emit("message_delete", {"id": deleted["id"], "channel_id": deleted["channel_id"]})
            return 204, None
        if req.method == "PATCH":
            self._edit_and_relay(kept[message], req.json or {})
        return 200, kept[message]

    async def _create_message(self, req: RecordedRequest, channel: str) -> tuple[int, Any]:
        exists, _ = self._channel_guild(int(channel))
        if not exists:
            return _error(404, "Unknown Channel", 10003)
        message = self._bot_message(int(channel), req.json or {}, req.files)
        self.sent_messages.append(message)
        self._emit("message_create", message)
        return 200, message

    async def _edit_message(
        self, req: RecordedRequest, channel: str, message: str
    ) -> tuple[int, Any]:
        found = self._find_message(int(message), bot_only=True)
        if found is None:
            return _error(404, "Unknown Message", 10008)
        return 200, self._edit_and_relay(found, req.json or {})

    async def _no_content(self, req: RecordedRequest, **ignored: str) -> tuple[int, Any]:
        return 204, None

    # -- Discord in 2026: the portal, entry points, limits, Components V2, user installs --
    # Later routes win (add_route), so these wrap the handlers above instead of editing them.

    def _model_discord_2026(self, portal: Portal) -> None:
        self.portal = portal
        if portal.activities:
            launch = entry_point_command_payload(self._new_id(), self.application_id, 1)
            self.global_commands.append(launch)
        webhook_message = "/webhooks/{app}/{token}/messages/{message}"
        routes: list[tuple[str, str, Handler, bool]] = [
            ("GET", "/applications/@me", self._get_application_2026, True),
            ("GET", "/oauth2/applications/@me", self._get_application_2026, True),
            ("PUT", "/applications/{app}/commands", self._put_commands_2026, True),
            ("PUT", "/applications/{app}/guilds/{guild}/commands", self._put_commands_2026, True),
            ("POST", "/interactions/{iid}/{token}/callback", self._callback_2026, False),
            ("POST", "/webhooks/{app}/{token}", self._followup_2026, False),
            ("PATCH", webhook_message, self._edit_webhook_message_2026, False),
            ("POST", "/channels/{channel}/messages", self._create_message_2026, True),
            ("PATCH", "/channels/{channel}/messages/{message}", self._edit_message_2026, True),
        ]
        for method, path, handler, auth in routes:
            self.add_route(method, path, handler, auth=auth)

    async def _get_application_2026(self, req: RecordedRequest) -> tuple[int, Any]:
        """The application with the portal's settings: GET /applications/@me (and /oauth2/)."""
        status, application = await self._get_application(req)
        config: Json = {}
        for context, settings in self.portal.install_settings.items():
            config[str(context)] = {"oauth2_install_params": settings} if settings else {}
        guild_settings = self.portal.install_settings.get(GUILD_INSTALL)
        application.update(
            flags=application["flags"] | (EMBEDDED if self.portal.activities else 0),
            interactions_endpoint_url=self.portal.interactions_endpoint_url,
            integration_types_config=config,
            approximate_user_install_count=0,
        )
        if guild_settings:
            application["install_params"] = guild_settings
        return status, application

    async def _put_commands_2026(
        self, req: RecordedRequest, app: str, guild: str | None = None
    ) -> tuple[int, Any]:
        """A bulk overwrite, refused whole as Discord does: over a limit, or dropping an Entry
        Point command (which only Discord creates, and discord.py does not know)."""
        refused = self._command_scope(app, guild)
        if refused:
            return refused
        commands = req.json if isinstance(req.json, list) else []
        if problem := command_set_problem(commands, guild=guild is not None):
            return _error(400, problem, 50035)
        kept = {c["name"] for c in commands if c.get("type") == ENTRY_POINT}
        if guild is None and any(
            c["type"] == ENTRY_POINT and c["name"] not in kept for c in self.global_commands
        ):
            return _error(400, ENTRY_POINT_REMOVED, 50240)
        return await self._put_commands(req, app, guild)

    async def _callback_2026(self, req: RecordedRequest, iid: str, token: str) -> tuple[int, Any]:
        """An interaction's answer: the Components V2 rules first, then Discord's own privacy
        rule for user installs (``user_install_is_private``)."""
        body = req.json or {}
        kind, data = body.get("type"), body.get("data") or {}
        interaction = self.interactions.get(int(iid))
        if kind == 5 and (data.get("flags") or 0) & ~EPHEMERAL:
            return _error(400, "Invalid Form Body: a deferred answer may set EPHEMERAL only", 50035)
        shown = (interaction or {}).get("message") or {}
        existing = (shown.get("flags") or 0) if kind == 7 else 0
        if kind in (4, 7) and (problem := components_v2_problem(data, existing)):
            return _error(400, problem, 50035)
        status, result = await self._callback(req, iid, token)
        message = result.get("resource", {}).get("message") if status == 200 else None
        if message is not None and kind == 7:  # the component's message, edited
            message["flags"] = edited_flags(existing, data)
        if message is not None and kind in (4, 5) and self.user_install_is_private(interaction):
            message["flags"] = (message.get("flags") or 0) | EPHEMERAL
            result["interaction"]["response_message_ephemeral"] = True
        return status, result

    async def _followup_2026(self, req: RecordedRequest, app: str, token: str) -> tuple[int, Any]:
        if problem := components_v2_problem(req.json or {}):
            return _error(400, problem, 50035)
        original = self._webhook_messages.get(token, {}).get("@original")
        old_flags = (original or {}).get("flags") or 0
        status, message = await self._followup(req, app, token)
        if status == 200 and original is not None and message is original:  # "thinking..." edited
            original["flags"] = edited_flags(old_flags, req.json or {})
        if status == 200 and self.user_install_is_private(self._interaction_by_token(app, token)):
            message["flags"] = (message.get("flags") or 0) | EPHEMERAL
        return status, message

    async def _edit_webhook_message_2026(
        self, req: RecordedRequest, app: str, token: str, message: str
    ) -> tuple[int, Any]:
        """Editing an answer: a message that has IS_COMPONENTS_V2 keeps it (it cannot be unset),
        and the editing of a deferred answer is where a layout may first set it."""
        kept = self._webhook_messages.get(token, {}).get(message) or {}
        old_flags = kept.get("flags") or 0
        if problem := components_v2_problem(req.json or {}, old_flags):
            return _error(400, problem, 50035)
        status, edited = await self._webhook_message(req, app, token, message)
        if status == 200:
            edited["flags"] = edited_flags(old_flags, req.json or {})
        return status, edited

    async def _create_message_2026(self, req: RecordedRequest, channel: str) -> tuple[int, Any]:
        if problem := components_v2_problem(req.json or {}):
            return _error(400, problem, 50035)
        return await self._create_message(req, channel)

    async def _edit_message_2026(
        self, req: RecordedRequest, channel: str, message: str
    ) -> tuple[int, Any]:
        found = self._find_message(int(message), bot_only=True) or {}
        old_flags = found.get("flags") or 0
        if problem := components_v2_problem(req.json or {}, old_flags):
            return _error(400, problem, 50035)
        status, edited = await self._edit_message(req, channel, message)
        if status == 200:
            edited["flags"] = edited_flags(old_flags, req.json or {})
        return status, edited

    def user_install_is_private(self, interaction: Json | None) -> bool:
        """Discord's rule: an app installed by the member only (not in the server) answers in a
        server privately when the member lacks USE_EXTERNAL_APPS there."""
        if interaction is None or interaction.get("guild_id") is None:
            return False
        if str(GUILD_INSTALL) in interaction["authorizing_integration_owners"]:
            return False
        return not int(interaction["member"]["permissions"]) & USE_EXTERNAL_APPS

    def shown_response(self, interaction_id: int) -> Json:
        """The answer to an interaction as members see it (Discord may have made it private)."""
        token = self.interactions[interaction_id]["token"]
        return self._webhook_messages[token]["@original"]

    async def send_user_install_command(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[Json] | None = None,
        *,
        context: str = "bot_dm",
        guild_installed: bool = False,
        member_permissions: int = EVERYONE_PERMISSIONS | USE_EXTERNAL_APPS,
        user: Json | None = None,
        locale: str = "en-US",
        timeout: float = 3.0,
    ) -> Json:
        """Invoke ``/name`` of the app as installed on the member's account; the callback body.

        ``context``: "bot_dm" (a DM with the bot), "private_channel" (a group DM with FRIEND) or
        "guild": a server where only the member installed the app (FOREIGN_GUILD_ID), or with
        ``guild_installed`` the fake's first server, where the bot is too.
        ``member_permissions`` are the member's there (Discord's default grants
        USE_EXTERNAL_APPS). As in Discord, only global commands that offer the user install and
        this context can be used: anything else raises AssertionError.
        """
        user = user or self.tester
        command = next((c for c in self.global_commands if c["name"] == name), None)
        if command is None or command.get("type", 1) != 1:
            raise AssertionError(f"no global /{name}: user installs see global commands only")
        if USER_INSTALL not in (command.get("integration_types") or [GUILD_INSTALL]):
            raise AssertionError(f"/{name} is not offered to user installs (integration_types)")
        if CONTEXTS[context] not in (command.get("contexts") or [0, 1, 2]):
            raise AssertionError(f"/{name} is not offered in {context} (contexts)")
        guild: int | None = None
        if context == "guild":
            guild = self._default_guild(None) if guild_installed else FOREIGN_GUILD_ID
            channel = text_channel_payload(self.channel_id(guild), guild)
        elif context == "bot_dm":
            channel = dm_channel_payload(self.dm_channel_id(int(user["id"])), user)
        else:
            channel = group_dm_payload(self._new_id(), [user, FRIEND])
        data: Json = {
            "id": command["id"],
            "name": name,
            "type": 1,
            "options": _command_options([], options, command),
        }
        iid = self._new_id()
        payload = user_install_interaction_payload(
            iid,
            application_id=self.application_id,
            token=f"fake-interaction-token-{iid}",
            data=data,
            user=user,
            context=context,
            channel=channel,
            guild_id=guild,
            guild_installed=guild_installed,
            member_permissions=member_permissions,
            locale=locale,
        )
        self.interactions[iid] = payload
        await self._session_for(guild).dispatch("INTERACTION_CREATE", payload)
        return await self._wait_for(
            lambda: self.interaction_responses.get(iid),
            timeout,
            f"the bot to answer /{name} in {context} (a user install; see the log)",
        )


def _apply_edit(message: Json, body: Json) -> Json:
    """Apply a message edit in place, as Discord does (absent keys stay)."""
    for key in ("content", "embeds", "components", "flags"):
        if body.get(key) is not None:
            message[key] = body[key]
    message["flags"] = (message.get("flags") or 0) & ~LOADING  # answered: no longer thinking
    message["edited_timestamp"] = _iso_now()
    return message


def _stored_reference(reference: Json | None) -> Json | None:
    """A reply's reference as Discord stores it: ids as strings (discord.py sends integers)."""
    if not reference:
        return None
    stored = {key: str(value) for key, value in reference.items() if key.endswith("_id")}
    return {"type": 0, **stored}


def _command_options(
    subcommands: list[str], options: Mapping[str, Any] | Sequence[Json] | None, command: Json | None
) -> list[Json]:
    """Interaction options, nesting ``["group", "sub"]`` as Discord does."""
    schema = (command or {}).get("options", [])
    for name in subcommands:  # walk the synced schema down to the subcommand
        schema = next((o.get("options", []) for o in schema if o.get("name") == name), [])
    if isinstance(options, Mapping):
        types = {o["name"]: o["type"] for o in schema}
        built = [
            {"name": k, "type": types.get(k) or _guess_option_type(v), "value": v}
            for k, v in options.items()
        ]
    else:
        built = list(options or [])
    for depth, name in reversed(list(enumerate(subcommands))):
        kind = 1 if depth == len(subcommands) - 1 else 2  # 1 = subcommand, 2 = group
        built = [{"name": name, "type": kind, "options": built}]
    return built


def _guess_option_type(value: Any) -> int:
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    return 3


# Selects and what their values name: 3 string, 5 user, 6 role, 7 mentionable, 8 channel.
SELECT_TYPES = {3: "string", 5: "user", 6: "role", 7: "mentionable", 8: "channel"}
# Command option types whose values are ids, resolved by Discord: user, channel, role, either.
OPTION_RESOLVES = {6: "user", 7: "channel", 8: "role", 9: "mentionable"}


def _option_ids(options: Sequence[Json]) -> Iterator[tuple[str, str]]:
    """(kind, id) of every option that names a user, channel or role, subcommands included."""
    for option in options:
        if option.get("type") in (1, 2):  # a subcommand (group): its options are inside
            yield from _option_ids(option.get("options", []))
        elif option.get("type") in OPTION_RESOLVES:
            yield OPTION_RESOLVES[option["type"]], str(option["value"])


def _find_component(components: Sequence[Json], custom_id: str) -> Json | None:
    """The interactive component with ``custom_id``, anywhere in a message's layout."""
    for component in components:
        if component.get("custom_id") == custom_id and component.get("type") in (2, *SELECT_TYPES):
            return component
        children = [*component.get("components", [])]
        if component.get("accessory"):
            children.append(component["accessory"])
        if found := _find_component(children, custom_id):
            return found
    return None


def _checked_select_values(select: Json, values: list[str]) -> list[str]:
    """What a member may pick: between min_values and max_values, offered options only."""
    low, high = select.get("min_values", 1), select.get("max_values", 1)
    if not low <= len(values) <= high:
        name = select["custom_id"]
        raise ValueError(f"pick {low} to {high} values in {name!r}, not {len(values)}")
    if select["type"] == 3:
        offered = {option["value"] for option in select.get("options", [])}
        if unknown := [value for value in values if value not in offered]:
            raise ValueError(f"{select['custom_id']!r} does not offer {unknown}")
    return values


def _modal_submission(components: Sequence[Json], values: Mapping[str, Any]) -> list[Json]:
    """A modal's answer: its layout (rows, labels) with each field's value, as Discord sends."""
    submitted: list[Json] = []
    for component in components:
        kind = component.get("type")
        if kind == 1:  # action row (older modals): its fields inside
            inner = _modal_submission(component.get("components", []), values)
            submitted.append({"type": 1, "id": component.get("id"), "components": inner})
        elif kind == 18:  # label: one field inside
            (inner_field,) = _modal_submission([component["component"]], values)
            submitted.append({"type": 18, "id": component.get("id"), "component": inner_field})
        elif kind == 10:  # a text display: sent back without a value
            submitted.append({"type": 10, "id": component.get("id")})
        elif "custom_id" in component:
            submitted.append(_field_value(component, values.get(component["custom_id"])))
    return submitted


def _field_value(field: Json, value: Any) -> Json:
    """One modal field's answer; a required one left empty is refused."""
    kind, custom_id = field["type"], field["custom_id"]
    answer: Json = {"type": kind, "id": field.get("id"), "custom_id": custom_id}
    empty = value in (None, "", [], ())
    if empty and field.get("required", kind in (4, 21)) and kind != 23:
        raise ValueError(f"the modal's field {custom_id!r} is required")
    if kind == 4:  # text input
        text = "" if value is None else str(value)
        low, high = field.get("min_length", 0), field.get("max_length", 4000)
        if text and not low <= len(text) <= high:
            raise ValueError(f"{custom_id!r} takes {low} to {high} characters, not {len(text)}")
        answer["value"] = text
    elif kind == 21:  # radio group: one choice
        answer["value"] = None if empty else str(value)
    elif kind == 23:  # checkbox
        answer["value"] = bool(value)
    else:  # selects, checkbox groups: a list of values
        answer["values"] = [] if empty else [str(v) for v in value]
    return answer


# --- Pointing discord.py at the fake ----------------------------------------------


def _point(api_base: str, gateway_url: str) -> None:
    discord.http.Route.BASE = api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


@contextlib.contextmanager
def point_discord_at(fake: FakeDiscord | FakeDiscordThread) -> Iterator[None]:
    """Send discord.py's REST and gateway traffic to ``fake``; restore afterwards."""
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    _point(fake.api_base, fake.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


class FakeDiscordThread:
    """A FakeDiscord on its own event loop in a background thread.

    For tests whose bot runs as a subprocess: the test stays synchronous and drives
    the fake through ``call``, e.g. ``t.call(t.fake.send_slash_command, "ping")``.
    """

    def __init__(self, **options: Any) -> None:
        self._options = options
        self.fake: FakeDiscord

    def __enter__(self) -> FakeDiscordThread:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="fake-discord", daemon=True
        )
        self._thread.start()

        async def create() -> FakeDiscord:
            fake = FakeDiscord(**self._options)
            await fake.start()
            return fake

        self.fake = self.call(create)
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            self.call(self.fake.stop)
            self.call(_cancel_other_tasks)  # what the bot left, e.g. its views' timeouts
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
            self._loop.close()

    def call(
        self, coro_fn: Callable[..., Awaitable[T]], *args: Any, timeout: float = 30.0, **kwargs: Any
    ) -> T:
        """Run ``await coro_fn(*args, **kwargs)`` on the fake's loop and return its result."""

        async def run() -> T:
            return await coro_fn(*args, **kwargs)

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout)

    @property
    def api_base(self) -> str:
        return self.fake.api_base

    @property
    def gateway_url(self) -> str:
        return self.fake.gateway_url

    def env(self, guild_ready_timeout: float | None = 0.05) -> dict[str, str]:
        """Environment for ``launch_command``: where the fake is, and a short ready delay."""
        env = {"FAKE_DISCORD_API": self.api_base, "FAKE_DISCORD_GATEWAY": self.gateway_url}
        if guild_ready_timeout is not None:
            env["FAKE_DISCORD_GUILD_READY_TIMEOUT"] = str(guild_ready_timeout)
        return env


async def _cancel_other_tasks() -> None:
    """Cancel and await every other task of this loop, as asyncio.run() does before closing."""
    tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


# --- Launcher: run an unmodified bot against the fake ------------------------------


def launch_command(target: str, *args: str) -> list[str]:
    """argv for ``subprocess``: this file's launcher running ``target`` with ``args``."""
    return [sys.executable, os.path.abspath(__file__), "launch", target, *args]


USAGE = """usage: python -m <package>.runtime.fake_discord launch MODULE[:FUNCTION] [ARGS...]

Runs the bot's entry point against a fake Discord that is already running, whose addresses
are in $FAKE_DISCORD_API and $FAKE_DISCORD_GATEWAY: the tests start it this way
(FakeDiscordThread.env() and launch_command() in this module). It is not a way to try the bot
by hand."""


def launch(target: str, args: Sequence[str]) -> Any:
    """Point discord.py at ``$FAKE_DISCORD_API`` / ``$FAKE_DISCORD_GATEWAY``, run the bot.

    ``target`` is a module run as ``__main__`` (like ``python -m``) or
    ``module:function`` called like a console-script entry point.
    ``$FAKE_DISCORD_GUILD_READY_TIMEOUT``, if set, replaces discord.py's default 2 s
    wait before on_ready (a value the bot passes itself still wins).
    """
    _point(os.environ["FAKE_DISCORD_API"], os.environ["FAKE_DISCORD_GATEWAY"])
    ready_timeout = os.environ.get("FAKE_DISCORD_GUILD_READY_TIMEOUT")
    if ready_timeout:
        original_init = discord.state.ConnectionState.__init__

        @functools.wraps(original_init)
        def init(self: discord.state.ConnectionState[Any], *a: Any, **options: Any) -> None:
            options.setdefault("guild_ready_timeout", float(ready_timeout))
            original_init(self, *a, **options)

        discord.state.ConnectionState.__init__ = init  # type: ignore[method-assign]
    module, _, attr = target.partition(":")
    sys.argv = [module, *args]
    if not attr:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        return None
    entry_point: Any = importlib.import_module(module)
    for name in attr.split("."):
        entry_point = getattr(entry_point, name)
    return entry_point()


def main(argv: Sequence[str] | None = None) -> None:
    """``launch MODULE[:FUNCTION] [ARGS...]``; exits like a console script would."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 2 or args[0] != "launch":
        sys.exit(USAGE)
    variables = ("FAKE_DISCORD_API", "FAKE_DISCORD_GATEWAY")
    if missing := [name for name in variables if not os.environ.get(name)]:
        sys.exit(f"error: {' and '.join(missing)} not set, so no fake Discord to use.\n{USAGE}")
    # Run as a script, this file put its folder first on sys.path: drop it, so that none of
    # its neighbours can shadow a top-level module.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    sys.exit(launch(args[1], args[2:]))


if __name__ == "__main__":
    main()
