"""The health server's cost: the generated bot with HEALTH_PORT set, next to a floor of its kind.

Without HEALTH_PORT the generated bot serves nothing and imports neither aiohttp's server nor
prometheus-client: that is the plain bot of the main table. With it, the bot serves /livez,
/readyz and /metrics; its floor is bots/health_floor_bot.py, the floor bot serving the same three
paths from the same libraries (aiohttp, prometheus-client) in the same virtual environment.
Each run answers a scrape of every path (200) before its peak is read, so both sides have served
a Prometheus scrape and the platform's probes; otherwise the runs are the bot rows' (one server,
the generated project's fake Discord, a warm-up run first).
"""

from __future__ import annotations

import socket
from pathlib import Path

from bench import bot_runs, run
from bench.bot_runs import BotUnderTest
from bench.report import Row

HEALTH_FLOOR_TARGET = "health_floor_bot:main"
PATHS = ("/livez", "/readyz", "/metrics")
LABEL = "Bot with health server"


def free_port() -> int:
    """A TCP port nothing listens on now, for HEALTH_PORT (both bots run one after the other)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def pair(project: Path, python: Path) -> dict[str, BotUnderTest]:
    """The generated bot and the health floor, both with HEALTH_PORT, from one environment."""
    settings = {"HEALTH_PORT": str(free_port())}
    target = bot_runs.GeneratedBot.of(project).target
    return {
        "ours": BotUnderTest("bot (health)", python, target, True, settings, scrape=PATHS),
        "floor": BotUnderTest(
            "floor (health)", python, HEALTH_FLOOR_TARGET, False, settings, scrape=PATHS
        ),
    }


def measure_health(project: Path, python: Path, repeat: int, logs: Path) -> list[Row]:
    """A start-to-READY row and a peak-RSS row for the bot with its health server on."""
    runs = run.compare_bots(pair(project, python), [1], run.STARTUP_RUNS * repeat, project, logs)
    return run.feature_rows(LABEL, runs)
