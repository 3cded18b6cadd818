"""The bots' side: a bot process against the generated project's own fake Discord.

Each run starts the bot as its own process (its virtual environment's Python, nothing in
between), serves it `guild_count` servers from a FakeDiscord on 127.0.0.1 and measures:

- ready: process start until the fake has sent READY and every GUILD_CREATE;
- loaded: process start until every shard has answered /ping, so every server is in its cache;
- peak RSS: the process's high-water mark of resident memory (Linux: VmHWM, read just before
  the stop; elsewhere ru_maxrss, which also covers the shutdown), after a member said something
  in every server, so that message caches fill as they do in real use, and after a bot that
  downloads the member lists at start-up (discord.py's default with the members intent) has
  asked for every one of them.

The fake's servers may carry member lists (its ``members_per_guild``; bench/member_runs.py):
each server's "hello" then comes from one of its own members, not always the same person.
discord.py's gateway rate limit (110 frames a minute, which Discord enforces, the fake does not)
is lifted for both bots alike ($BENCH_SKIP_GATEWAY_RATE_LIMIT): asking for 1,000 member lists
would otherwise take nine minutes of waiting, and change no memory figure.

Discord refuses 2,500 servers or more on one connection (close code 4011, and so does the
fake), so from there both bots shard alike: SHARD_COUNT is set to one shard per 1,000 servers,
Discord's own recommendation (what GET /gateway/bot answers).
"""

from __future__ import annotations

import asyncio
import importlib.util
import math
import os
import re
import signal
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

LAUNCHER = Path(__file__).resolve().parent / "bots" / "launcher.py"
FLOOR_TARGET = "floor_bot:main"
COMMANDS_FLOOR_TARGET = "commands_floor_bot:main"  # the same on commands.Bot, with one cog
MAX_GUILDS_PER_CONNECTION = 2500
GUILDS_PER_SHARD = 1000
# The fake lays out guild IDs so that guild i is on shard i for up to 20 shards (see _drive).
MAX_GUILDS = 20 * GUILDS_PER_SHARD
STOP_TIMEOUT = 30.0
MESSAGE_BATCH = 100
# Settings of the generated bot that must come from the benchmark only, never the caller's
# shell: every variable the template's .env.example lists (the image's, commented out, too).
ENV_EXAMPLE = Path(__file__).resolve().parent.parent / "template" / ".env.example.jinja"
BOT_SETTINGS = tuple(
    re.findall(r"^(?:# )?([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(encoding="utf-8"), re.MULTILINE)
)
# Where a generated project keeps its fake Discord, newest layout first.
FAKE_DISCORD_PLACES = ("src/{package}/runtime/fake_discord.py", "tests/fake_discord.py")


@dataclass(frozen=True)
class GeneratedBot:
    """Where a rendered project's bot starts and where its fake Discord is: the one place the
    benchmark learns the generated layout, from the project itself."""

    package: str
    target: str  # MODULE:FUNCTION of the console script `uv run <package>` runs
    fake_discord: Path

    @classmethod
    def of(cls, project: Path) -> GeneratedBot:
        answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
        package = answers["package_name"]
        pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
        target = pyproject["project"]["scripts"][package]
        places = [project / place.format(package=package) for place in FAKE_DISCORD_PLACES]
        fake = next((place for place in places if place.is_file()), None)
        if fake is None:
            raise RuntimeError(f"no fake Discord in {project}: looked for {places}")
        return cls(package, target, fake)


@dataclass(frozen=True)
class BotUnderTest:
    """A bot to start: which Python runs it, and its entry point for the launcher."""

    name: str
    python: Path
    target: str
    # The generated bot has /about, whose server count must survive its lean caches.
    has_about: bool
    # Settings of its own, such as DATABASE_URL (bench/storage_runs.py): after the benchmark's.
    settings: Mapping[str, str] = field(default_factory=dict)
    # It asks for every server's member list at start-up: the run waits for all the requests.
    chunks_at_startup: bool = False
    # Paths on 127.0.0.1:$HEALTH_PORT that must answer 200 before the peak is read, as a
    # Prometheus scrape and the platform's probes would ask them (bench/health_runs.py).
    scrape: tuple[str, ...] = ()


@dataclass(frozen=True)
class BotRun:
    """What one run measured."""

    ready: float
    loaded: float
    peak_rss: int  # bytes
    exit: float  # seconds from SIGINT to the process's end
    # CPU seconds (user and system) the process had used at READY: the start's own work, which
    # other processes on the machine move far less than its wall time.
    ready_cpu: float


def shard_count_for(guild_count: int) -> int | None:
    """None (one connection) below Discord's limit, else one shard per 1,000 servers."""
    if guild_count < MAX_GUILDS_PER_CONNECTION:
        return None
    return math.ceil(guild_count / GUILDS_PER_SHARD)


def load_fake(fake_path: Path) -> ModuleType:
    """The generated project's fake_discord.py, imported from its file."""
    spec = importlib.util.spec_from_file_location("bench_fake_discord", fake_path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot import {fake_path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def bot_environment() -> dict[str, str]:
    """The caller's environment without bot settings, with bytecode caching on (as for users)."""
    dropped = {*BOT_SETTINGS, "PYTHONDONTWRITEBYTECODE", "VIRTUAL_ENV"}
    return {key: value for key, value in os.environ.items() if key not in dropped}


def launch_environment(fake: Any, bot: BotUnderTest, **extra: str) -> dict[str, str]:
    """What a bot process is started with: the caller's environment without bot settings, the
    fake's addresses and token, no pause before IDENTIFY, `extra`, then the bot's own settings."""
    env = bot_environment()
    env.update(fake.env())
    env.update(DISCORD_TOKEN=fake.fake.token, BENCH_SKIP_IDENTIFY_WAIT="1", **extra)
    env.update(bot.settings)
    return env


def run_bot(
    bot: BotUnderTest,
    fake_module: ModuleType,
    fake_path: Path,
    guild_count: int,
    logs: Path,
    fake_options: Mapping[str, Any] | None = None,
) -> BotRun:
    """Start the bot, drive it through the fake, stop it with SIGINT; fail loudly on trouble.

    `fake_options` go to the FakeDiscord, such as members_per_guild and enabled_intents.
    """
    shards = shard_count_for(guild_count)
    patience = 60.0 + guild_count / 100  # generous: a failure, not a slow run, should end it
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / f"{bot.name.replace(' ', '-')}-{guild_count}-{time.monotonic_ns()}.log"
    with (
        fake_module.FakeDiscordThread(guild_count=guild_count, **(fake_options or {})) as fake,
        log_path.open("w", encoding="utf-8") as log,
    ):
        env = launch_environment(fake, bot, BENCH_SKIP_GATEWAY_RATE_LIMIT="1")
        if shards:
            env["SHARD_COUNT"] = str(shards)
        # Guild i is on shard i (for up to 20 shards): these reach every shard once.
        probes = [fake_module.guild_id_for(shard) for shard in range(shards or 1)]
        start = time.perf_counter()
        process = subprocess.Popen(
            [str(bot.python), str(LAUNCHER), str(fake_path), bot.target],
            cwd=logs,  # no .env there: the settings above are the only ones
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            ready, ready_cpu, loaded = fake.call(
                lambda: _drive(fake.fake, bot, probes, start, process.pid, patience),
                timeout=4 * patience,
            )
        except Exception as error:
            process.kill()
            process.wait()
            raise RuntimeError(f"{bot.name} failed; its log: {log_path}") from error
        except BaseException:  # Ctrl+C: leave no bot behind
            process.kill()
            process.wait()
            raise
        # on_ready follows the last GUILD_CREATE by guild_ready_timeout (0.05 s here): let it
        # happen, so the run covers a complete start and the stop is not a stop mid-start.
        time.sleep(0.5)
        for path in bot.scrape:
            _answers_200(int(env["HEALTH_PORT"]), path, log_path)
        serving_peak = _high_water_mark(process.pid)
        lifetime_peak, exit_seconds = _stop(process, log_path)
    return BotRun(
        ready=ready,
        loaded=loaded,
        peak_rss=serving_peak or lifetime_peak,
        exit=exit_seconds,
        ready_cpu=ready_cpu,
    )


async def _drive(
    fake: Any, bot: BotUnderTest, probes: list[int], start: float, pid: int, patience: float
) -> tuple[float, float, float]:
    """On the fake's event loop: wait for READY, check the bot, send the messages; the times
    to READY (wall and the bot's CPU) and to all loaded."""
    await fake.wait_until_ready_sent(len(probes), timeout=patience)
    ready = time.perf_counter() - start
    ready_cpu = _cpu_seconds(pid)
    await _ping(fake, probes, patience)
    loaded = time.perf_counter() - start
    # A member says "hello" in every server (not a command: no answer). In batches, each
    # followed by a /ping on every shard, so the bot keeps up as with real traffic instead of
    # queueing thousands of events at once.
    # With member lists, a member of each server's own says it (the last one listed).
    with_members = getattr(fake, "members_per_guild", 2) > 2
    for first in range(0, len(fake.guild_ids), MESSAGE_BATCH):
        for guild_id in fake.guild_ids[first : first + MESSAGE_BATCH]:
            author = fake.guild_members(guild_id)[-1]["user"] if with_members else None
            await fake.send_message("hello", guild_id=guild_id, user=author, quiet_period=0)
        await _ping(fake, probes, patience)
    if bot.chunks_at_startup:  # every member list asked for and sent (the fake records it then)
        deadline = time.monotonic() + patience
        while len(fake.member_requests) < len(fake.guild_ids):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(fake.member_requests)} member lists asked for, not all")
            await asyncio.sleep(0.05)
        await _ping(fake, probes, patience)  # answered after the chunks before it: all read
    if bot.has_about:  # lean caches may not lose servers: /about counts them all
        reply = await fake.send_slash_command("about", timeout=patience)
        texts = _layout_texts(reply["data"].get("components") or [])  # a Components V2 card
        counted = next(
            (text.split(": ", 1)[1] for text in texts if text.startswith("Servers: ")), None
        )
        if counted != str(len(fake.guild_ids)):
            raise RuntimeError(f"/about counted {counted} servers, not all")
    if fake.unexpected_requests:
        raise RuntimeError(f"unexpected requests: {fake.unexpected_requests}")
    return ready, ready_cpu, loaded


def _layout_texts(components: list[Any]) -> list[str]:
    """The text displays (type 10) of a Components V2 layout, nested ones included."""
    texts = []
    for component in components:
        if component.get("type") == 10:
            texts.append(component["content"])
        texts.extend(_layout_texts(component.get("components") or []))
    return texts


async def _ping(fake: Any, guild_ids: list[int], patience: float) -> None:
    """/ping in each of these servers; each must be answered."""
    for guild_id in guild_ids:
        reply = await fake.send_slash_command("ping", guild_id=guild_id, timeout=patience)
        if reply.get("type") != 4 or "ong" not in reply["data"].get("content", ""):
            raise RuntimeError(f"/ping in server {guild_id} was answered with {reply!r}")


def _answers_200(port: int, path: str, log_path: Path) -> None:
    """GET http://127.0.0.1:PORT/PATH must answer 200 (the body is read, as a scraper does)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
            answer.read()
    except OSError as error:  # URLError and HTTPError (not 200) are OSErrors
        raise RuntimeError(f"{path} on port {port}: {error}; the bot's log: {log_path}") from error


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far, from /proc (Linux only); NaN
    elsewhere, which the report prints as such."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return math.nan
    # The fields after the command name, which is in parentheses and may contain spaces:
    # utime and stime are the 14th and 15th fields of the whole line, in clock ticks.
    fields = stat.rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _high_water_mark(pid: int) -> int | None:
    """Peak resident memory so far, from /proc (Linux only), in bytes."""
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        return None
    for line in status.read_text(encoding="utf-8").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024  # reported in kB
    return None


def _stop(process: subprocess.Popen[bytes], log_path: Path) -> tuple[int, float]:
    """SIGINT (a clean stop, exit 0), then reap the child; return its lifetime peak RSS and the
    seconds it took to exit (to 0.01 s: the child is polled)."""
    process.send_signal(signal.SIGINT)
    sent = time.monotonic()
    deadline = sent + STOP_TIMEOUT
    killed = False
    while not (reaped := os.wait4(process.pid, os.WNOHANG))[0]:
        if time.monotonic() > deadline:
            # Seen rarely, on a loaded machine, with bare discord.py too: the figures are already
            # taken, so say so and go on rather than lose the whole benchmark.
            process.send_signal(signal.SIGUSR1)  # the launcher dumps the stacks into the log
            time.sleep(0.5)
            process.kill()
            killed = True
            print(
                f"warning: {log_path.stem} ignored SIGINT for {STOP_TIMEOUT:.0f} s and was "
                f"killed; its stacks are in {log_path}",
                file=sys.stderr,
            )
            reaped = os.wait4(process.pid, 0)
            break
        time.sleep(0.01)
    exit_seconds = time.monotonic() - sent
    _, status, usage = reaped
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0 and not killed:
        raise RuntimeError(f"the bot exited with {process.returncode}; its log: {log_path}")
    # ru_maxrss is in kilobytes on Linux, in bytes on macOS.
    peak = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024
    return peak, exit_seconds
