"""The console script, `uv run <package>`: Ctrl+C and SIGTERM stop it from its first instant.

Until the bot's own handlers are in place (runtime/launch.py), Python turns Ctrl+C into a
KeyboardInterrupt traceback and SIGTERM kills it outright, and importing discord.py takes long
enough for an impatient Ctrl+C or a `docker stop` to land there. So this module imports nothing
heavy: it makes SIGTERM behave like Ctrl+C, then imports and runs cli.main; a stop on the way
ends quietly, with exit status 0.
"""

from __future__ import annotations

import signal


def main() -> int:
    """Entry point of the console script and of `python -m <package>`."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        from .cli import main as run_command_line  # discord.py is imported here

        return run_command_line()
    except KeyboardInterrupt:
        return 0
