"""Start a bot against the fake Discord, as the generated project's own tests do.

Usage: ``python launcher.py FAKE_DISCORD_PY MODULE:FUNCTION``. Runs inside the bot's virtual
environment. It loads the generated project's fake_discord.py (bot_runs.GeneratedBot says where
it is) and hands over to its ``launch`` (which points discord.py at $FAKE_DISCORD_API /
$FAKE_DISCORD_GATEWAY). This folder is on sys.path (a script's folder always is), so
``floor_bot:main`` resolves here.

With $BENCH_SKIP_IDENTIFY_WAIT set, discord.py's 5 s pause before each shard's IDENTIFY (Discord's
rate limit, which the fake does not have) is skipped, for both bots alike: otherwise 10 shards
would measure 45 s of sleeping. With $BENCH_SKIP_GATEWAY_RATE_LIMIT set, discord.py's own
gateway rate limit (110 frames a minute) is lifted, for both bots alike: a bot that asks for
1,000 servers' member lists would otherwise wait nine minutes (the fake enforces no limit).
With $BENCH_EXIT_AT_READY set, the process ends (exit status 0) as discord.py dispatches
on_ready, before any handler runs, for both bots alike: the instruction counts
(bench/instruction_runs.py) then cover the start alone.
"""

from __future__ import annotations

import faulthandler
import importlib.util
import os
import signal
import sys
from typing import Any

import discord
import discord.gateway


async def _identify_now(
    self: discord.Client, shard_id: int | None, *, initial: bool = False
) -> None:
    """Replaces Client.before_identify_hook: no pause between shards."""


def _no_delay(self: discord.gateway.GatewayRatelimiter) -> float:
    """Replaces GatewayRatelimiter.get_delay: every frame may go now."""
    return 0.0


def _exit_at_ready(dispatch: Any) -> Any:
    """Wraps Client.dispatch: the process ends as discord.py dispatches on_ready."""

    def dispatch_or_exit(self: discord.Client, event: str, /, *args: Any, **kwargs: Any) -> None:
        if event == "ready":
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)
        dispatch(self, event, *args, **kwargs)

    return dispatch_or_exit


def main(argv: list[str]) -> None:
    """Load the fake's launcher from its file and run the target through it."""
    fake_path, target, *args = argv
    spec = importlib.util.spec_from_file_location("fake_discord", fake_path)
    if spec is None or spec.loader is None:
        sys.exit(f"cannot load {fake_path}")
    fake: Any = importlib.util.module_from_spec(spec)
    sys.modules["fake_discord"] = fake
    spec.loader.exec_module(fake)
    # A background job starts with SIGINT ignored, and children inherit that: give the bot
    # Python's usual Ctrl+C, which is how the benchmark stops it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # The benchmark sends SIGUSR1 to a bot that ignores SIGINT: its stacks then go to its log.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    if os.environ.get("BENCH_SKIP_IDENTIFY_WAIT"):
        discord.Client.before_identify_hook = _identify_now  # type: ignore[method-assign]
    if os.environ.get("BENCH_SKIP_GATEWAY_RATE_LIMIT"):
        discord.gateway.GatewayRatelimiter.get_delay = _no_delay  # type: ignore[method-assign]
    if os.environ.get("BENCH_EXIT_AT_READY"):
        exit_at_ready = _exit_at_ready(discord.Client.dispatch)
        discord.Client.dispatch = exit_at_ready  # type: ignore[method-assign]
    fake.main(["launch", target, *args])


if __name__ == "__main__":
    main(sys.argv[1:])
