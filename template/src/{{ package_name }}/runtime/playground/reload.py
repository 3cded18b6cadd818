"""--reload: a changed cog is reloaded in the running bot, and its commands are synced again.

The files of cogs/ are polled ten times a second (no file-watching dependency, the same on every
system). discord.py's reload_extension() keeps the previous version when the new one fails to
load, so a typo never stops the bot: the error shows in the page and in the terminal, and the
next save tries again.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import importlib.util
import logging
import traceback
from pathlib import Path

import discord
from discord.ext import commands

from ... import app
from .. import sync
from .page import Page

log = logging.getLogger(__name__)

POLL_SECONDS = 0.1  # a few stat() calls: cheap, and a save shows at once
# What a file looked like when last polled: (path, modification time in ns, size) per file.
Snapshot = dict[str, tuple[tuple[str, int, int], ...]]


class CogReloader:
    """Watches cogs/ for one bot; `watch()` runs until cancelled."""

    def __init__(self, bot: commands.Bot, page: Page, *, interval: float = POLL_SECONDS) -> None:
        self.bot, self.page, self.interval = bot, page, interval
        self.cogs = importlib.import_module(f"{app.PACKAGE}.cogs")
        self.guild = discord.Object(id=page.fake.guild_ids[0])
        bot_module = importlib.import_module(f"{app.PACKAGE}.bot")
        self.bot_file = Path(bot_module.__file__ or "bot.py")

    async def watch(self) -> None:
        previous = self.snapshot()
        while True:
            await asyncio.sleep(self.interval)
            current = self.snapshot()
            names = previous.keys() | current.keys()
            changed = sorted(name for name in names if previous.get(name) != current.get(name))
            previous = current
            if changed:
                await self.apply(changed, current)

    def snapshot(self) -> Snapshot:
        """Each extension of cogs/ (a module, or a package with its files), and bot.py."""
        found: Snapshot = {"bot.py": _stat(self.bot_file)}
        for folder in map(Path, self.cogs.__path__):
            for path in sorted(folder.iterdir()):
                if path.name.startswith(("_", ".")):
                    continue
                if path.suffix == ".py":
                    found[f"{self.cogs.__name__}.{path.stem}"] = _stat(path)
                elif (path / "__init__.py").is_file():
                    files = sorted(path.rglob("*.py"))
                    found[f"{self.cogs.__name__}.{path.name}"] = sum(map(_stat, files), ())
        return found

    async def apply(self, changed: list[str], current: Snapshot) -> None:
        """Load, reload or unload each changed extension; sync once if any of them worked."""
        if "bot.py" in changed:
            log.warning("bot.py changed: --reload follows cogs/ only; restart the playground.")
        worked = False
        for name in (name for name in changed if name != "bot.py"):
            for path, _, _ in current.get(name, ()):
                _forget_bytecode(path)  # a same-size edit within a second must not look cached
            worked |= await self._load(name, exists=name in current)
        if worked:
            try:
                self.bot.tree.clear_commands(guild=self.guild)  # a removed command goes too
                self.bot.tree.copy_global_to(guild=self.guild)
                await sync.sync_commands(self.bot, guild_id=self.guild.id)
            except Exception:
                log.exception("Could not sync the reloaded commands to the playground")

    async def _load(self, name: str, *, exists: bool) -> bool:
        short = name.removeprefix(f"{app.PACKAGE}.")
        try:
            if not exists:
                if name not in self.bot.extensions:
                    return False
                await self.bot.unload_extension(name)
                verb = "Unloaded"
            elif name in self.bot.extensions:
                await self.bot.reload_extension(name)
                verb = "Reloaded"
            else:
                await self.bot.load_extension(name)
                verb = "Loaded"
        except commands.ExtensionError as error:
            reason = _why(error)
            log.error(
                "Could not load %s; the bot keeps running its previous version.\n%s", short, reason
            )
            self.page.announce("reload", extension=short, ok=False, error=reason)
            return False
        log.info("%s %s", verb, short)
        self.page.announce("reload", extension=short, ok=True, action=verb.lower())
        return True


def _why(error: commands.ExtensionError) -> str:
    """The part of the error an author acts on: where the syntax error is, or the traceback."""
    original = error.__cause__ or getattr(error, "original", None) or error
    if isinstance(original, SyntaxError):
        return "".join(traceback.format_exception_only(original)).rstrip()
    return "".join(traceback.format_exception(original)).rstrip()


def _stat(path: Path) -> tuple[tuple[str, int, int], ...]:
    try:
        status = path.stat()
    except OSError:
        return ()
    return ((str(path), status.st_mtime_ns, status.st_size),)


def _forget_bytecode(path: str) -> None:
    """Python trusts __pycache__ when the source's size and mtime (in whole seconds) match."""
    with contextlib.suppress(OSError, NotImplementedError, ValueError):
        Path(importlib.util.cache_from_source(path)).unlink(missing_ok=True)
