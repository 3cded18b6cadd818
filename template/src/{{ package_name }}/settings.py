"""Everything the bot reads from its environment, in one typed object.

Values come from the process environment first and from `.env` second, so containers, CI and
orchestrators can inject DISCORD_TOKEN without a file. The token never appears in a repr, a log
line or an error message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

ENV_FILE = Path(".env")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_SNOWFLAKE = re.compile(r"[1-9][0-9]{0,19}")
_SHARD_NUMBER = re.compile(r"[0-9]{1,5}")


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
    env_file: Path = ENV_FILE


def load_settings(env_file: Path = ENV_FILE, environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings; a non-empty variable in the environment wins over `.env`."""
    values = {key: value for key, value in dotenv_values(env_file).items() if value is not None}
    environment = os.environ if environ is None else environ
    values.update({key: value for key, value in environment.items() if value})
    shard_count, shard_ids = _shards(values, env_file)
    return Settings(
        token=values.get("DISCORD_TOKEN", "").strip(),
        dev_guild_id=_snowflake(values, "DEV_GUILD_ID", env_file),
        log_level=_log_level(values, env_file),
        shard_count=shard_count,
        shard_ids=shard_ids,
        env_file=env_file,
    )


def _snowflake(values: Mapping[str, str], name: str, env_file: Path) -> int | None:
    text = values.get(name, "").strip()
    if not text:
        return None
    if not _SNOWFLAKE.fullmatch(text) or int(text) >= 2**64:
        raise SettingsError(
            f"{name} in {env_file} must be a server ID such as 123456789012345678, not {text!r}. "
            "In Discord, turn on Settings -> Advanced -> Developer Mode, then right-click "
            "the server -> Copy Server ID. Leave it empty to use global commands only."
        )
    return int(text)


def _log_level(values: Mapping[str, str], env_file: Path) -> str:
    level = values.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if level not in LOG_LEVELS:
        raise SettingsError(
            f"LOG_LEVEL in {env_file} must be one of {', '.join(LOG_LEVELS)}, not {level!r}."
        )
    return level


def _shards(values: Mapping[str, str], env_file: Path) -> tuple[int | None, tuple[int, ...] | None]:
    count_text = values.get("SHARD_COUNT", "").strip()
    ids_text = values.get("SHARD_IDS", "").strip()
    if not count_text:
        if ids_text:
            raise SettingsError(
                f"SHARD_IDS is set in {env_file} but SHARD_COUNT is not: set SHARD_COUNT to the "
                "total number of shards, for example SHARD_COUNT=4 with SHARD_IDS=2,3."
            )
        return None, None
    if not _SHARD_NUMBER.fullmatch(count_text) or int(count_text) < 1:
        raise SettingsError(
            f"SHARD_COUNT in {env_file} must be a whole number of shards (1 or more), "
            f"not {count_text!r}. Leave it empty to run without sharding."
        )
    count = int(count_text)
    if not ids_text:
        return count, None
    parts = [part.strip() for part in ids_text.split(",")]
    if not all(_SHARD_NUMBER.fullmatch(part) and int(part) < count for part in parts):
        raise SettingsError(
            f"SHARD_IDS in {env_file} must be comma-separated shard numbers from 0 to "
            f"{count - 1} (SHARD_COUNT={count}), for example SHARD_IDS=0,1; not {ids_text!r}."
        )
    return count, tuple(sorted({int(part) for part in parts}))
