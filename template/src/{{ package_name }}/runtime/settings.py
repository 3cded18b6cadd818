"""The settings: everything the bot reads from .env and its environment, in one typed object.

Values come from the process environment first and from `.env` second, so containers, CI and
orchestrators can inject DISCORD_TOKEN without a file. The token never appears in a repr, a log
line or an error message.
"""

from __future__ import annotations

import codecs
import io
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ENV_FILE = Path(".env")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# A Discord ID: 17 to 20 digits today (a snowflake, below 2**64), never a leading zero.
_SNOWFLAKE = re.compile(r"[1-9][0-9]{16,19}")
COPY_SERVER_ID = (
    "In Discord, turn on Settings -> Advanced -> Developer Mode, then right-click the server "
    "-> Copy Server ID."
)
_SHARD_NUMBER = re.compile(r"[0-9]{1,5}")
_MESSAGE_COUNT = re.compile(r"[0-9]{1,7}")
MEMBER_CACHES = ("none", "voice", "all")
_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")
LOG_FORMATS = ("text", "json")
FATAL_ERROR_CHOICES = ("exit", "wait")
_PORT = re.compile(r"[0-9]{1,5}")
# Values longer than this, or shaped like a token, are described in errors, never echoed: the
# token pasted on the wrong line would otherwise end up on the screen and in logs.
_ECHO_LIMIT = 24
_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{10,}")


class SettingsError(Exception):
    """A setting is malformed; the message names it and says how to fix it."""


@dataclass(frozen=True, slots=True)
class Settings:
    """The bot's configuration. `token` is kept out of repr() so it cannot leak into logs."""

    token: str = field(repr=False)
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    # Sharding: None runs one connection. With a count, this process runs shard_ids of it
    # (all of them when shard_ids is None), so several processes or hosts can split one bot.
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    # Caches (README, "Memory"): by default only what the bot's own commands use. None keeps
    # no messages; "none" keeps only the bot's own member in each server.
    max_messages: int | None = None
    member_cache: str = "none"
    chunk_guilds_at_startup: bool = False
    # Storage (app.DATABASE): which file or server, as a SQLAlchemy URL; empty for the default
    # (runtime/database.py). It may hold a password, so it stays out of repr() too.
    database_url: str = field(default="", repr=False)
    env_file: Path = ENV_FILE
    # Operations (docs/operations.md): log lines as text or JSON; the health and metrics
    # server (off unless health_port); what a mistake a restart cannot fix does.
    log_format: str = "text"
    health_host: str = "127.0.0.1"
    health_port: int | None = None
    wait_on_fatal_error: bool = False


def load_settings(env_file: Path = ENV_FILE, environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings; a non-empty variable in the environment wins over `.env`."""
    values = setting_values(env_file, environ)
    shard_count, shard_ids = _shards(values, env_file)
    member_cache, chunk_guilds_at_startup = _member_cache(values, env_file)
    return Settings(
        token=values.get("DISCORD_TOKEN", "").strip(),
        dev_guild_id=_snowflake(values, "DEV_GUILD_ID", env_file),
        log_level=_log_level(values, env_file),
        shard_count=shard_count,
        shard_ids=shard_ids,
        max_messages=_max_messages(values, env_file),
        member_cache=member_cache,
        chunk_guilds_at_startup=chunk_guilds_at_startup,
        database_url=values.get("DATABASE_URL", "").strip(),
        env_file=env_file,
        log_format=_choice(values, "LOG_FORMAT", LOG_FORMATS, env_file),
        health_host=values.get("HEALTH_HOST", "").strip() or "127.0.0.1",
        health_port=health_port(values, env_file),
        wait_on_fatal_error=wait_on_fatal_error(values, env_file),
    )


def setting_values(
    env_file: Path = ENV_FILE, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The raw values: `.env` (if readable) overlaid with the non-empty environment variables."""
    values: dict[str, str] = {}
    if text := read_env_file(env_file):  # none in a container: python-dotenv is not loaded
        from dotenv import dotenv_values

        parsed = dotenv_values(stream=io.StringIO(text))
        values = {key: value for key, value in parsed.items() if value is not None}
    environment = os.environ if environ is None else environ
    values.update({key: value for key, value in environment.items() if value})
    return values


def read_env_file(env_file: Path) -> str:
    """The text of `.env` ("" when absent), or a SettingsError that says how to repair it.

    Editors on Windows may save it as UTF-16 ("Unicode") or with a byte-order mark: python-dotenv
    would then fail with a traceback, or read the first name with an invisible character in front.
    """
    try:
        data = env_file.read_bytes()
    except FileNotFoundError:
        return ""
    except IsADirectoryError as error:
        raise SettingsError(
            f"{env_file} is a folder, not a file: remove it and create the file."
        ) from error
    except OSError as error:
        raise SettingsError(f"Cannot read {env_file}: {error.strerror}.") from error
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data:
        raise SettingsError(
            f'{env_file} is saved as UTF-16 (Windows calls it "Unicode"), which nothing else '
            "reads: open it in your editor and save it as UTF-8 (in Notepad: Save As -> "
            "Encoding -> UTF-8)."
        )
    try:
        return data.decode("utf-8-sig")  # a leading byte-order mark is dropped
    except UnicodeDecodeError as error:
        raise SettingsError(
            f"{env_file} is not UTF-8 text (byte {error.start + 1} cannot be read): save it as "
            "UTF-8 in your editor, and keep only NAME=value lines in it."
        ) from error


def shown(text: str) -> str:
    """`text` quoted for an error message, unless it could be a secret: then only its shape.

    A bot token pasted after the wrong name must not be printed back (screens, CI logs and
    container logs are read by others); short values such as "abc" are echoed, to help.
    """
    if len(text) <= _ECHO_LIMIT and not _SECRET_SHAPE.search(text):
        return repr(text)
    if _SECRET_SHAPE.search(text):
        return (
            f"a {len(text)}-character value shaped like a bot token (not shown; if it is your "
            "token, it belongs after DISCORD_TOKEN=)"
        )
    return f"a {len(text)}-character value (not shown)"


def server_id_problem(text: str) -> str | None:
    """Why `text` is not a server (guild) ID, with how to copy one; None when it is one."""
    if _SNOWFLAKE.fullmatch(text) and int(text) < 2**64:
        return None
    return f"a server ID is 17 to 20 digits, such as 123456789012345678, not {shown(text)}. " + (
        COPY_SERVER_ID
    )


def _snowflake(values: Mapping[str, str], name: str, env_file: Path) -> int | None:
    text = values.get(name, "").strip()
    if not text:
        return None
    problem = server_id_problem(text)
    if problem:
        raise SettingsError(
            f"{name} in {env_file}: {problem} Leave it empty to use global commands only."
        )
    return int(text)


def _log_level(values: Mapping[str, str], env_file: Path) -> str:
    level = values.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if level not in LOG_LEVELS:
        raise SettingsError(
            f"LOG_LEVEL in {env_file} must be one of {', '.join(LOG_LEVELS)}, not {shown(level)}."
        )
    return level


def _shards(values: Mapping[str, str], env_file: Path) -> tuple[int | None, tuple[int, ...] | None]:
    count_text = values.get("SHARD_COUNT", "").strip()
    ids_text = values.get("SHARD_IDS", "").strip()
    grouped = any(values.get(name, "").strip() for name in ("SHARD_GROUP", "SHARD_GROUP_COUNT"))
    if not count_text:
        if grouped:
            raise SettingsError(
                f"SHARD_GROUP is set in {env_file} but SHARD_COUNT is not: set SHARD_COUNT to the "
                "total number of shards, the same for every process of the bot."
            )
        if ids_text:
            raise SettingsError(
                f"SHARD_IDS is set in {env_file} but SHARD_COUNT is not: set SHARD_COUNT to the "
                "total number of shards, for example SHARD_COUNT=4 with SHARD_IDS=2,3."
            )
        return None, None
    if not _SHARD_NUMBER.fullmatch(count_text) or int(count_text) < 1:
        raise SettingsError(
            f"SHARD_COUNT in {env_file} must be a whole number of shards (1 or more), "
            f"not {shown(count_text)}. Leave it empty to run without sharding."
        )
    count = int(count_text)
    if grouped:
        if ids_text:
            raise SettingsError(
                f"Set either SHARD_IDS or SHARD_GROUP with SHARD_GROUP_COUNT in {env_file}, "
                "not both: the group already chooses this process's shards."
            )
        return count, _group_shard_ids(values, env_file, count)
    if not ids_text:
        return count, None
    parts = [part.strip() for part in ids_text.split(",")]
    if not all(_SHARD_NUMBER.fullmatch(part) and int(part) < count for part in parts):
        raise SettingsError(
            f"SHARD_IDS in {env_file} must be comma-separated shard numbers from 0 to "
            f"{count - 1} (SHARD_COUNT={count}), for example SHARD_IDS=0,1; not {shown(ids_text)}."
        )
    return count, tuple(sorted({int(part) for part in parts}))


def _group_shard_ids(values: Mapping[str, str], env_file: Path, count: int) -> tuple[int, ...]:
    groups_text = values.get("SHARD_GROUP_COUNT", "").strip()
    group_text = values.get("SHARD_GROUP", "").strip()
    if not _SHARD_NUMBER.fullmatch(groups_text) or not 1 <= int(groups_text) <= count:
        raise SettingsError(
            f"SHARD_GROUP_COUNT in {env_file} must be the number of processes that share the "
            f"{count} shards (1 to {count}), not {shown(groups_text)}."
        )
    groups = int(groups_text)
    if not _SHARD_NUMBER.fullmatch(group_text) or int(group_text) >= groups:
        raise SettingsError(
            f"SHARD_GROUP in {env_file} must be this process's number, from 0 to {groups - 1} "
            f"(SHARD_GROUP_COUNT={groups}), not {shown(group_text)}; in Kubernetes, the pod's "
            "ordinal."
        )
    return shard_group(int(group_text), groups, count)


def shard_group(group: int, groups: int, count: int) -> tuple[int, ...]:
    """The shards process `group` of `groups` runs: contiguous, near-equal, together all `count`.

    Every process computes its share alone (from SHARD_GROUP, e.g. a StatefulSet pod's ordinal),
    so a fleet splits one bot with no coordinator and no list of shard IDs to keep in sync.
    """
    return tuple(range(group * count // groups, (group + 1) * count // groups))


def _max_messages(values: Mapping[str, str], env_file: Path) -> int | None:
    text = values.get("MAX_MESSAGES", "").strip()
    if not _MESSAGE_COUNT.fullmatch(text or "0"):
        raise SettingsError(
            f"MAX_MESSAGES in {env_file} must be a whole number of messages to keep in memory, "
            f"not {shown(text)}: 0 keeps none (the default), 1000 is discord.py's own default."
        )
    return int(text or "0") or None  # discord.py turns the cache off with None, not 0


def _member_cache(values: Mapping[str, str], env_file: Path) -> tuple[str, bool]:
    cache = values.get("MEMBER_CACHE", "").strip().lower() or "none"
    if cache not in MEMBER_CACHES:
        raise SettingsError(
            f"MEMBER_CACHE in {env_file} must be none, voice or all, not {shown(cache)}: none "
            "keeps only the bot's own member, voice the members in voice channels, all every "
            "member Discord sends (discord.py's default)."
        )
    chunk_text = values.get("CHUNK_GUILDS_AT_STARTUP", "").strip().lower() or "false"
    if chunk_text not in _TRUE + _FALSE:
        raise SettingsError(
            f"CHUNK_GUILDS_AT_STARTUP in {env_file} must be true or false, not {shown(chunk_text)}."
        )
    chunk = chunk_text in _TRUE
    if chunk and cache != "all":
        raise SettingsError(
            f"CHUNK_GUILDS_AT_STARTUP=true downloads every server's member list into the member "
            f"cache, but MEMBER_CACHE={cache} would drop it: set MEMBER_CACHE=all in {env_file} "
            "too, or CHUNK_GUILDS_AT_STARTUP=false."
        )
    return cache, chunk


def _choice(values: Mapping[str, str], name: str, choices: tuple[str, ...], env_file: Path) -> str:
    text = values.get(name, "").strip().lower() or choices[0]
    if text not in choices:
        raise SettingsError(
            f"{name} in {env_file} must be {' or '.join(choices)}, not {shown(text)}."
        )
    return text


def health_port(values: Mapping[str, str], env_file: Path = ENV_FILE) -> int | None:
    """HEALTH_PORT: the port of /livez, /readyz and /metrics; None (unset) serves nothing, and 0
    any free port (the log says which)."""
    text = values.get("HEALTH_PORT", "").strip()
    if not text:
        return None
    if not _PORT.fullmatch(text) or int(text) > 65535:
        raise SettingsError(
            f"HEALTH_PORT in {env_file} must be a TCP port from 1 to 65535, such as 8080, "
            f"not {shown(text)}. Leave it empty to serve no health or metrics endpoints."
        )
    return int(text)


def wait_on_fatal_error(values: Mapping[str, str], env_file: Path = ENV_FILE) -> bool:
    """ON_FATAL_ERROR=wait: after a mistake a restart cannot fix, stay up (idle) until stopped.

    Docker restarts a container whatever its exit status, and a StatefulSet's pods always
    restart: exiting would repeat the same error every few seconds. The image sets it.
    """
    return _choice(values, "ON_FATAL_ERROR", FATAL_ERROR_CHOICES, env_file) == "wait"
