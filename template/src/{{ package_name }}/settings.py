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


class SettingsError(Exception):
    """A setting is malformed; the message names it and says how to fix it."""


@dataclass(frozen=True, slots=True)
class Settings:
    """The bot's configuration. `token` is kept out of repr() so it cannot leak into logs."""

    token: str = field(repr=False)
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    env_file: Path = ENV_FILE


def load_settings(env_file: Path = ENV_FILE, environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings; a non-empty variable in the environment wins over `.env`."""
    values = {key: value for key, value in dotenv_values(env_file).items() if value is not None}
    environment = os.environ if environ is None else environ
    values.update({key: value for key, value in environment.items() if value})
    return Settings(
        token=values.get("DISCORD_TOKEN", "").strip(),
        dev_guild_id=_snowflake(values, "DEV_GUILD_ID", env_file),
        log_level=_log_level(values, env_file),
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
