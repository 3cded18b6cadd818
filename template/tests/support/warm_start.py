"""Bot processes that start in milliseconds: forks of one process that imported discord.py once.

Every test that runs the bot as its own process first pays for importing discord.py, aiohttp
and the fake Discord's launcher (0.6 s or more on a small machine) before one line of the bot
runs. `WarmStarter` pays it once per test session: it starts this file as a process that
imports them, then forks a child for each start. The child becomes what a fresh start would
have been: its own session, the test's working folder, environment, arguments and output pipe,
then the same launcher entry (`launch MODULE[:FUNCTION] ARGS`), `python -m MODULE` or
`python SCRIPT`. It is a real process, with real signals and a real exit status, which this
server reports back.

A start that changes what Python reads as it starts (a PYTHON* variable: the import log,
PYTHONPATH for an import hook) needs a fresh interpreter: `WarmStarter.can_start` says no, and
the harness starts it cold. Linux only (pidfd_open, SCM_RIGHTS); elsewhere every start is cold,
and `WARM_START=0 uv run pytest` makes them cold everywhere (to rule the starter out, or for a
tool that follows subprocesses from their start, such as coverage).

    python warm_start.py SOCKET LAUNCHER_FILE [MODULE...]    (WarmStarter starts it)
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import runpy
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import IO, Any

READY = "ready"
MESSAGE_SIZE = 1 << 20  # one start request: arguments, environment and folder, as JSON


def supported() -> bool:
    """Forking from a server and passing file descriptors: Linux, with a socket path it takes."""
    short_enough = len(os.path.join(tempfile.gettempdir(), "warm-start-12345678", "socket")) < 100
    return sys.platform == "linux" and hasattr(os, "pidfd_open") and short_enough


def wanted(environment: Mapping[str, str]) -> bool:
    """Supported, and not turned off with WARM_START=0."""
    return supported() and environment.get("WARM_START", "").strip() != "0"


def python_settings(environment: Mapping[str, str]) -> dict[str, str]:
    """The variables Python reads once, as it starts."""
    return {name: value for name, value in environment.items() if name.startswith("PYTHON")}


# --- The server: this file run as a script ---------------------------------------------------


def load_launcher(path: str, imports: Sequence[str]) -> ModuleType:
    """Import the fake Discord's launcher (and with it discord.py and aiohttp) from its file,
    then `imports`: the libraries every bot process imports before its own code runs."""
    spec = importlib.util.spec_from_file_location("fake_discord_launcher", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    for name in imports:
        importlib.import_module(name)
    return module


def serve(listener: socket.socket) -> tuple[dict[str, Any], list[int]]:
    """Fork a child for each request; report each child's exit status. Returns in a child only.

    The server also ends when its stdin closes: the test session is gone, whatever killed it.
    """
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    selector.register(sys.stdin, selectors.EVENT_READ)
    children: dict[int, tuple[int, socket.socket]] = {}  # pidfd -> pid, the requester's socket
    try:
        os.close(os.pidfd_open(os.getpid()))
    except OSError:  # a kernel older than 5.3: the client starts every bot cold
        print("unsupported", flush=True)
        sys.exit(0)
    print(READY, flush=True)
    while True:
        for key, _ in selector.select():
            if key.fileobj is sys.stdin:
                sys.exit(0)
            if key.fileobj is listener:
                connection, _ = listener.accept()
                try:
                    message, fds, _, _ = socket.recv_fds(connection, MESSAGE_SIZE, 3)
                except OSError:  # the requester went away: the others still count on us
                    message, fds = b"", []
                if not message or len(fds) != 3:
                    for fd in fds:
                        os.close(fd)
                    connection.close()
                    continue
                pid = os.fork()
                if pid == 0:
                    selector.close()
                    listener.close()
                    for pidfd, (_, requester) in children.items():
                        os.close(pidfd)
                        requester.close()
                    connection.close()
                    return json.loads(message), fds
                for fd in fds:
                    os.close(fd)
                pidfd = os.pidfd_open(pid)
                children[pidfd] = (pid, connection)
                selector.register(pidfd, selectors.EVENT_READ)
                connection.send(json.dumps({"pid": pid}).encode())
            else:
                pid, connection = children.pop(key.fd)
                selector.unregister(key.fd)
                os.close(key.fd)
                _, wait_status = os.waitpid(pid, 0)
                with contextlib.suppress(OSError):
                    status = os.waitstatus_to_exitcode(wait_status)
                    connection.send(json.dumps({"status": status}).encode())
                connection.close()


def become(request: dict[str, Any], fds: list[int], launcher: ModuleType) -> None:
    """In the child: turn into the process the request describes, then run it."""
    os.setsid()  # as start_new_session=True: the terminal's signals reach the tests only
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    for fd in set(fds) - {0, 1, 2}:
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["environment"])
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    if "module" in request:  # python -m MODULE ARGS: the working folder first on sys.path
        sys.argv = [request["module"], *request["arguments"]]
        sys.path.insert(0, os.getcwd())
        runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
    elif "script" in request:  # python SCRIPT ARGS: the script's folder first on sys.path
        sys.argv = [request["script"], *request["arguments"]]
        sys.path.insert(0, os.path.dirname(request["script"]))
        runpy.run_path(request["script"], run_name="__main__")
    else:
        launcher.main(["launch", *request["arguments"]])
    sys.exit(0)


def main() -> None:
    path, launcher_file, *imports = sys.argv[1:]
    launcher = load_launcher(launcher_file, imports)
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as listener:
        listener.bind(path)
        listener.listen()
        request, fds = serve(listener)
    become(request, fds, launcher)


# --- The client: what the harness uses -------------------------------------------------------


class WarmProcess:
    """A started child, with the part of subprocess.Popen's interface the harness uses."""

    def __init__(
        self, connection: socket.socket, stdout: IO[str], stderr: IO[str] | None = None
    ) -> None:
        self._connection = connection
        self.stdout, self.stderr = stdout, stderr
        connection.settimeout(30)  # a fork takes milliseconds, even on a busy machine
        self.pid = int(json.loads(connection.recv(MESSAGE_SIZE))["pid"])
        self.returncode: int | None = None
        try:
            self._pidfd: int | None = os.pidfd_open(self.pid)
        except ProcessLookupError:  # ended already: its status is on the way
            self._pidfd = None

    def send_signal(self, signal_number: int) -> None:
        """Signal it through its pidfd, which never reaches another process that took its pid."""
        if self.returncode is None and self._pidfd is not None:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self._pidfd, signal_number)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def poll(self) -> int | None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            return self.wait(0)
        return None

    def wait(self, timeout: float | None = None) -> int:
        """Its exit status, as the server reports it; subprocess.TimeoutExpired as Popen."""
        if self.returncode is None:
            self._connection.settimeout(timeout if timeout is None else max(timeout, 1e-6))
            try:
                message = self._connection.recv(MESSAGE_SIZE)
            except TimeoutError:
                raise subprocess.TimeoutExpired(f"warm start {self.pid}", timeout or 0) from None
            if not message:
                raise RuntimeError("the warm starter ended before reporting the exit status")
            self.returncode = int(json.loads(message)["status"])
            self._connection.close()
            if self._pidfd is not None:
                os.close(self._pidfd)
        return self.returncode


class WarmStarter:
    """The session's warm process: started once, asked for each start, stopped at the end."""

    def __init__(self, launcher_file: str, imports: Sequence[str] = ()) -> None:
        # A folder only this user can enter: whoever reaches the socket can start code as us.
        self._folder = tempfile.mkdtemp(prefix="warm-start-")
        self.path = os.path.join(self._folder, "socket")
        self._python_settings = python_settings(os.environ)
        self.process = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), self.path, launcher_file, *imports],
            stdin=subprocess.PIPE,  # closed by close(), or by the end of this process
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self._ready: bool | None = None
        self._lock = threading.Lock()

    def can_start(self, environment: Mapping[str, str]) -> bool:
        """A start Python would begin the same way as the server: no PYTHON* of its own."""
        return python_settings(environment) == self._python_settings

    def _wait_until_ready(self) -> bool:
        with self._lock:
            if self._ready is None:
                assert self.process.stdout is not None
                self._ready = self.process.stdout.readline().strip() == READY
            return self._ready

    def start(
        self,
        arguments: Sequence[str],
        *,
        environment: Mapping[str, str],
        cwd: Path | None,
        module: str | None = None,
        script: str | None = None,
        separate_stderr: bool = False,
    ) -> WarmProcess | None:
        """Fork `launch ARGUMENTS`, `python -m MODULE ARGUMENTS` or `python SCRIPT ARGUMENTS`;
        None if it cannot.

        Its stdout and stderr come on one pipe (`stdout`), or on two with `separate_stderr`.
        """
        if not self.can_start(environment) or not self._wait_until_ready():
            return None
        request: dict[str, Any] = {
            "arguments": list(arguments),
            "environment": dict(environment),
            "cwd": str(cwd or Path.cwd()),
        }
        if module is not None:
            request["module"] = module
        if script is not None:
            request["script"] = os.path.abspath(script)
        pipes = [os.pipe() for _ in range(2 if separate_stderr else 1)]
        writers = [write_end for _, write_end in pipes]
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            with open(os.devnull, "rb") as nothing:
                connection.connect(self.path)
                fds = [nothing.fileno(), writers[0], writers[-1]]
                socket.send_fds(connection, [json.dumps(request).encode()], fds)
        except BaseException as error:
            connection.close()
            for read_end, _ in pipes:
                os.close(read_end)
            if isinstance(error, OSError):  # the server is gone: this and later starts are cold
                self._ready = False
                return None
            raise
        finally:
            for write_end in writers:
                os.close(write_end)
        readers = [os.fdopen(end, encoding="utf-8", errors="replace") for end, _ in pipes]
        return WarmProcess(connection, readers[0], readers[1] if separate_stderr else None)

    def close(self) -> None:
        """Stop the server; children still running are the tests' to stop."""
        assert self.process.stdin is not None and self.process.stdout is not None
        if self._ready is None:  # never asked (a session without process tests): no children
            self.process.kill()  # and no need to wait for its imports to end
        self.process.stdin.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        shutil.rmtree(self._folder, ignore_errors=True)


if __name__ == "__main__":
    main()
