"""One playground session: a fake Discord, the bot run as `run` runs it, and the page.

The bot is the one `run` starts: bot.py's Bot created by launch.create_bot() from the same
settings, served by launch.serve(), which logs in and syncs the commands to a development
server, here the fake's. Only the token differs: the fake's, so the real one is never sent,
checked or printed. The fake starts empty every time, so the sync state, and a bot with storage
keeps its data, in a temporary folder: never the project's .discord-sync.json, SQLite file or
PostgreSQL server (the fake's servers and members are not real; nor is what they store).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import importlib.metadata
import logging
import os
import signal
import sys
import tempfile
import threading
import webbrowser
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from discord.ext import commands

from ... import app
from .. import fake_discord, launch, sync
from ..settings import Settings, SettingsError
from .page import Page
from .reload import CogReloader

log = logging.getLogger(__name__)

# on_ready comes this long after the fake's one server arrived (discord.py waits 2 s by default,
# for servers that Discord sends late; the fake sends its only one at once).
READY_DELAY = 0.05


async def serve(settings: Settings, *, port: int, open_browser: bool, reload: bool) -> None:
    """Run the playground until SIGINT or SIGTERM (or the bot stops by itself)."""
    fake = fake_discord.FakeDiscord(
        application_id=app.APPLICATION_ID or fake_discord.APPLICATION_ID,
        bot_username=app.NAME,
        description=_description(),
        # The portal's switches are on for every privileged intent the bot asks for.
        enabled_intents=fake_discord.PRIVILEGED_INTENTS,
    )
    settings = dataclasses.replace(
        settings,
        token=fake.token,
        dev_guild_id=fake.guild_ids[0],  # where launch.serve() syncs the commands
        shard_count=None,  # one server: one connection
        shard_ids=None,
    )
    stop = asyncio.Event()
    with _stop_on_signals(stop):
        await _serve(fake, settings, stop, port=port, open_browser=open_browser, reload=reload)


async def _serve(
    fake: fake_discord.FakeDiscord,
    settings: Settings,
    stop: asyncio.Event,
    *,
    port: int,
    open_browser: bool,
    reload: bool,
) -> None:
    async with fake, _page_server(fake, port, reload) as page:
        with fake_discord.point_discord_at(fake), _scratch_folder() as scratch:
            if app.DATABASE:
                playground_data = f"sqlite+aiosqlite:///{(scratch / 'playground.db').as_posix()}"
                settings = dataclasses.replace(settings, database_url=playground_data)
            async with launch.create_bot(settings, guild_ready_timeout=READY_DELAY) as bot:
                runner = asyncio.create_task(launch.serve(bot, settings), name="bot")
                if not await _ready(bot, runner, stop):
                    return
                print(f"Playground: {page.url}", flush=True)
                if open_browser:
                    _open_in_browser(page.url)
                reloader = CogReloader(bot, page) if reload else None
                watching = asyncio.create_task(reloader.watch()) if reloader else None
                stopper = asyncio.create_task(stop.wait())
                await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
                stopper.cancel()
                if watching is not None:
                    watching.cancel()
                    await asyncio.gather(watching, return_exceptions=True)
                log.info("Stopping the playground")
                await bot.close()
                await runner  # an error the bot ended with ends the playground with it


async def _ready(bot: commands.Bot, runner: asyncio.Task[None], stop: asyncio.Event) -> bool:
    """Wait for on_ready; False if asked to stop first. Raises what stopped the bot."""
    ready = asyncio.create_task(bot.wait_until_ready())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({runner, ready, stopping}, return_when=asyncio.FIRST_COMPLETED)
    for task in (ready, stopping):
        task.cancel()
    if runner.done():
        runner.result()  # raises why the bot stopped, as `run` would
        return False
    if stop.is_set():
        await bot.close()
        await runner
        return False
    return True


@contextlib.asynccontextmanager
async def _page_server(
    fake: fake_discord.FakeDiscord, port: int, reload: bool
) -> AsyncIterator[Page]:
    page = Page(fake, reloading=reload)
    try:
        await page.start(port)
    except OSError as error:
        raise SettingsError(
            f"The playground cannot use port {port} ({error.strerror or error}): choose "
            "another with --port, or leave --port out to get a free one."
        ) from error
    handler = page.log_handler()
    logging.getLogger().addHandler(handler)
    try:
        yield page
    finally:
        logging.getLogger().removeHandler(handler)
        await page.stop()


@contextlib.contextmanager
def _scratch_folder() -> Iterator[Path]:
    """A folder gone when the playground stops: its syncs (not .discord-sync.json), its data."""
    saved = sync.SYNC_STATE_FILE
    with tempfile.TemporaryDirectory(prefix="playground-") as folder:
        sync.SYNC_STATE_FILE = Path(folder) / "sync.json"
        try:
            yield Path(folder)
        finally:
            sync.SYNC_STATE_FILE = saved


def _description() -> str:
    """The project's description (pyproject.toml, the template's answer), for the portal's."""
    for script in importlib.metadata.entry_points(group="console_scripts", name=app.PACKAGE):
        if script.dist is not None:
            summary: list[str] = script.dist.metadata.get_all("Summary") or [""]
            return summary[0]
    return ""


def _open_in_browser(url: str) -> None:
    """Open the page in the default browser, unless there is no screen to show it on.

    On Linux without a graphical session, `webbrowser` would start a text browser in this
    terminal; the address printed is enough there (or set BROWSER).
    """
    graphical = any(os.environ.get(name) for name in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY"))
    if sys.platform.startswith("linux") and not graphical:
        log.info("No graphical session: open %s in a browser", url)
        return
    threading.Thread(target=webbrowser.open, args=(url,), name="browser", daemon=True).start()


@contextlib.contextmanager
def _stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """SIGINT (Ctrl+C) and SIGTERM stop the playground, with exit status 0.

    `uv run` passes Ctrl+C on to the playground a second time, sometimes once it has stopped:
    after a stop both signals are ignored, or Python's default would turn exit 0 into 130.
    """
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    previous = {number: signal.getsignal(number) for number in signals}

    def stop_soon(signal_number: int, frame: object) -> None:
        if not loop.is_closed():
            loop.call_soon_threadsafe(stop.set)

    for number in signals:
        signal.signal(number, stop_soon)
    try:
        yield
    finally:
        for number in signals:
            signal.signal(number, signal.SIG_IGN if stop.is_set() else previous[number])
