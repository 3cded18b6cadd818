"""The log: readable text in a terminal, plain text in files and containers, or JSON lines.

discord.py colours its log whenever `/.dockerenv` exists, so `docker logs` would fill with
escape codes; here colour needs a terminal (and no NO_COLOR). LOG_FORMAT=json writes one JSON
object per line, with the shard, server (guild), interaction and command of the event being
handled when the line was written: runtime/gateway.py records them as each event arrives.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from contextvars import ContextVar
from typing import Any, TextIO

import discord

# What the code that writes a log line is handling; every task started for an event (a command,
# a listener) inherits the values the event set.
SHARD: ContextVar[int | None] = ContextVar("shard", default=None)
GUILD: ContextVar[int | None] = ContextVar("guild", default=None)
INTERACTION: ContextVar[int | None] = ContextVar("interaction", default=None)
COMMAND: ContextVar[str | None] = ContextVar("command", default=None)
_CONTEXT = (("shard", SHARD), ("guild", GUILD), ("interaction", INTERACTION), ("command", COMMAND))


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, context ids, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, variable in _CONTEXT:
            value = variable.get()
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def wants_colour(stream: TextIO) -> bool:
    """Colour only on a terminal, and never with NO_COLOR set (https://no-color.org)."""
    return stream.isatty() and not os.environ.get("NO_COLOR")


def setup_logging(level: str, log_format: str = "text", stream: TextIO | None = None) -> None:
    """Log to stderr at `level` for the whole process, as `log_format` says."""
    stream = stream or sys.stderr
    handler = logging.StreamHandler(stream)
    numeric_level = logging.getLevelName(level)
    if log_format == "json":
        discord.utils.setup_logging(handler=handler, formatter=JsonFormatter(), level=numeric_level)
    elif wants_colour(stream):
        discord.utils.setup_logging(handler=handler, level=numeric_level)  # discord.py's colours
    else:
        plain = logging.Formatter(
            "[{asctime}] [{levelname:<8}] {name}: {message}", "%Y-%m-%d %H:%M:%S", style="{"
        )
        discord.utils.setup_logging(handler=handler, formatter=plain, level=numeric_level)
