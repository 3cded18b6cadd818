"""The playground as its users start it (`<package> playground`), driven through its page's API.

`PlaygroundProcess` starts it in its own process, with the test-only cogs of playground_cogs/
in a folder of their own (playground_entry.py), reads the one line it prints, and talks to it as
the page does: HTTP for what the person does, the websocket (`frames`) for what changes.
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import shutil
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, cast

import aiohttp

from ..conftest import SETTINGS
from .harness import start_process

Json = dict[str, Any]
TEST_COGS = Path(__file__).resolve().parent / "playground_cogs"
ENTRY = str(Path(__file__).resolve().parent / "playground_entry.py")  # run as a script
ADDRESS = "Playground: "


class PlaygroundProcess:
    """`playground --port 0 ARGS` in `cwd`, its cogs plus those in `cogs`.

    It opens no browser (`--no-browser`), unless `browser` is a path: then the "browser" that
    Python's webbrowser module starts (through $BROWSER) writes the address it was given into a
    pipe there, and `opened()` returns it.
    """

    def __init__(
        self,
        *args: str,
        cwd: Path,
        cogs: Path,
        browser: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        cogs.mkdir(parents=True, exist_ok=True)
        for module in TEST_COGS.glob("*.py"):
            shutil.copy(module, cogs / module.name)
        environment = {key: value for key, value in os.environ.items() if key not in SETTINGS}
        environment.update(env or {})
        arguments = [str(cogs)]
        self.cwd = cwd
        self._browser, self._opened = browser, list[str]()
        if browser is None:
            arguments.append("--no-browser")
        else:
            os.mkfifo(browser)  # reading waits for the writer: an event, not a polling loop
            self._browser_reader = threading.Thread(
                target=lambda: self._opened.append(browser.read_text()), daemon=True
            )
            self._browser_reader.start()
            record = "import pathlib, sys; pathlib.Path(sys.argv[1]).write_text(sys.argv[2])"
            opener = [sys.executable, "-c", record, str(browser)]
            environment["BROWSER"] = shlex.join(opener) + " %s"
        arguments += ["--port", "0", *args]
        self.process = start_process(
            arguments, environment=environment, cwd=cwd, script=ENTRY, separate_stderr=True
        )
        self.cogs = cogs
        self._stdout: list[str] = []
        self._stderr: list[str] = []
        self._changed = threading.Condition()
        streams = ((self.process.stdout, self._stdout), (self.process.stderr, self._stderr))
        self._readers = [
            threading.Thread(target=self._read, args=(stream, lines), daemon=True)
            for stream, lines in streams
        ]
        for reader in self._readers:
            reader.start()
        self.url = self._address()
        self.frames = Frames(self.url)

    def _read(self, stream: Any, lines: list[str]) -> None:
        for line in stream:
            with self._changed:
                lines.append(line)
                self._changed.notify_all()
        with self._changed:
            lines.append("")  # the end
            self._changed.notify_all()

    def _address(self, timeout: float = 30.0) -> str:
        with self._changed:
            self._changed.wait_for(lambda: bool(self._stdout), timeout)
            first = self._stdout[0] if self._stdout else ""
        if not first.startswith(ADDRESS):
            self.process.kill()
            raise AssertionError(f"the playground printed no address; its log:\n{self.log}")
        return first[len(ADDRESS) :].strip()

    def opened(self, timeout: float = 10.0) -> str | None:
        """The address the browser was asked to open, or None if it was not."""
        if self._browser is not None:
            self._browser_reader.join(timeout)
        return self._opened[0] if self._opened else None

    @property
    def printed(self) -> list[str]:
        """The lines printed on stdout, so far."""
        with self._changed:
            return [line for line in self._stdout if line]

    @property
    def log(self) -> str:
        """Everything logged on stderr, so far."""
        with self._changed:
            return "".join(self._stderr)

    def wait_for_log(self, text: str, timeout: float = 15.0) -> str:
        """The log once `text` is in it (stderr is read on its own thread, after the page hears)."""
        with self._changed:
            self._changed.wait_for(lambda: text in "".join(self._stderr), timeout)
            return "".join(self._stderr)

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url + path.lstrip("/"), timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def state(self) -> Json:
        status, body = self.get("api/state")
        assert status == 200, body
        return cast(Json, json.loads(body))

    def post(self, path: str, body: Json) -> tuple[int, Json]:
        """POST JSON as the page does; the status and the JSON answer."""
        request = urllib.request.Request(
            self.url + path.lstrip("/"),
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, cast(Json, json.load(response))
        except urllib.error.HTTPError as error:
            return error.code, cast(Json, json.loads(error.read().decode() or "{}"))

    def interact(self, **body: Any) -> Json:
        """An interaction the bot answered: {"response": its callback, "messages": [...]}."""
        status, answer = self.post("api/interactions", body)
        assert status == 200 and answer["ok"], answer
        return answer

    def command(self, name: str, **options: Any) -> Json:
        return self.interact(kind="command", name=name, options=options)

    def stop(self, signal_number: int, timeout: float = 15.0) -> int:
        """Send a signal; wait for the exit and the end of the output; the exit status."""
        self.frames.close()
        self.process.send_signal(signal_number)
        status = self.process.wait(timeout)
        for reader in self._readers:
            reader.join(timeout)
        return status

    def close(self) -> None:
        """Never leave a playground running: kill it if a test failed before stopping it."""
        self.frames.close()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(15)
        if self._browser is not None and self._browser_reader.is_alive():
            os.close(os.open(self._browser, os.O_WRONLY | os.O_NONBLOCK))  # unblock the reader
            self._browser_reader.join(15)
        for reader in self._readers:
            reader.join(15)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    def write_cog(self, name: str, source: str) -> Path:
        """Write cogs/<name>.py (in the test folder) with a new modification time."""
        path = self.cogs / f"{name}.py"
        path.write_text(source, encoding="utf-8")
        return path


class Frames:
    """The page's websocket, read on a background thread: every frame since it connected."""

    def __init__(self, url: str) -> None:
        self.received: list[Json] = []
        self._changed = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._closing = asyncio.run_coroutine_threadsafe(self._connect(url), self._loop)
        self.wait_for(lambda frame: frame["kind"] == "state")

    async def _connect(self, url: str) -> None:
        self._stop = asyncio.Event()
        live = url.replace("http://", "ws://") + "api/live"
        async with aiohttp.ClientSession() as session, session.ws_connect(live) as socket:
            reader = asyncio.ensure_future(self._read(socket))
            await self._stop.wait()
            reader.cancel()

    async def _read(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        async for message in socket:
            if message.type is aiohttp.WSMsgType.TEXT:
                with self._changed:
                    self.received.append(json.loads(message.data))
                    self._changed.notify_all()

    def mark(self) -> int:
        """Where the frames from now on start, for wait_for(since=...)."""
        with self._changed:
            return len(self.received)

    def wait_for(
        self, predicate: Callable[[Json], bool], since: int = 0, timeout: float = 10.0
    ) -> Json:
        """The first frame from `since` on that satisfies `predicate`; fails after `timeout`."""

        def found() -> Json | None:
            return next((frame for frame in self.received[since:] if predicate(frame)), None)

        with self._changed:
            frame = self._changed.wait_for(found, timeout)
            seen = [f"{frame['kind']}" for frame in self.received[since:]]
        if frame is None:
            raise AssertionError(f"no such frame within {timeout} s; frames: {seen}")
        return frame

    def messages(self, since: int = 0) -> Iterable[Json]:
        with self._changed:
            return [frame["message"] for frame in self.received[since:] if "message" in frame]

    def close(self) -> None:
        if self._loop.is_closed():
            return
        if hasattr(self, "_stop"):
            self._loop.call_soon_threadsafe(self._stop.set)
        try:
            self._closing.result(10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()
