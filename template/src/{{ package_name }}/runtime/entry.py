"""The console script, `uv run <package>`: Ctrl+C and SIGTERM stop it from its first instant.

Until the bot's own handlers are in place (runtime/launch.py), Python turns Ctrl+C into a
KeyboardInterrupt traceback and SIGTERM kills it outright, and importing discord.py takes long
enough for an impatient Ctrl+C or a `docker stop` to land there. So this module imports nothing
heavy: it makes SIGTERM behave like Ctrl+C, then imports and runs cli.main; a stop on the way
ends quietly, with exit status 0. Once cli.main is done, signals are ignored (a stopped `run`
ignores them already, launch.py): the process is only exiting, and `uv run` passes a second
Ctrl+C on to it (uv's rule for an impatient user), which would otherwise turn a clean stop into
Python's exit status 130.

Exiting, Python's last garbage collections walk every object discord.py made, most of the exit's
time (about 0.25 s of 0.3 s on a small machine). `gc.freeze()` spares that walk once the bot has
stopped and closed what it opened; atexit handlers (logging's final flush) still run.
"""

from __future__ import annotations

import gc
import signal


def main() -> int:
    """Entry point of the console script and of `python -m <package>`."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        from .cli import main as run_command_line  # discord.py is imported here

        return run_command_line()
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        gc.freeze()
