"""A start's own work, counted exactly: the instructions from process start to on_ready.

Start times on a shared machine move by a tenth from pass to pass, and single runs by a third,
so a wall-clock ratio near its target says "met" in one pass and "missed" in the next. Counted
under valgrind's cachegrind (instructions only, `--cache-sim=no`; `PYTHONHASHSEED=0`), the same
start repeats to within a few hundred instructions of a billion, so the ratio is exact and a
change to the bot shows in it however small. The launcher ends the process as discord.py
dispatches on_ready ($BENCH_EXIT_AT_READY, bots/launcher.py), for both bots alike: the count is
the start's, not the traffic after it, nor the exit (which the generated bot shortens with
`gc.freeze()`, and which would hide part of its start's cost).

Each bot first runs once uncounted (the bytecode caches, a SQLite schema, as the timed rows'
warm-up), then once counted. Without valgrind the part is left out, saying how to install it.
"""

from __future__ import annotations

import contextlib
import functools
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from bench import bot_runs, health_runs, run, storage_runs
from bench.bot_runs import BotUnderTest
from bench.report import Row

NOT_MEASURED = "instructions not counted: no valgrind (apt-get install valgrind)"
# Under cachegrind a start takes about 20 times as long: 5 to 10 s here.
COUNT_TIMEOUT = 600.0
SUMMARY = re.compile(r"^summary: (\d+)$", re.MULTILINE)
LABEL = "instructions to on_ready"


def valgrind() -> str | None:
    """valgrind's path, if it is installed."""
    return shutil.which("valgrind")


@functools.cache
def _fake(project: Path) -> tuple[Path, ModuleType]:
    """The project's fake_discord.py and its module, loaded once for all of its bots' starts."""
    fake_path = bot_runs.GeneratedBot.of(project).fake_discord
    return fake_path, bot_runs.load_fake(fake_path)


def start_to_ready(bot: BotUnderTest, project: Path, logs: Path, *, counted: bool) -> int | None:
    """Start `bot` against the project's fake Discord and let it end at on_ready; with
    `counted`, under cachegrind, returning the instructions it ran."""
    fake_path, fake_module = _fake(project)
    logs.mkdir(parents=True, exist_ok=True)
    slug = bot.name.replace(" ", "-").replace("(", "").replace(")", "")
    out = logs / f"cachegrind-{slug}.out"
    log_path = logs / f"instructions-{slug}{'' if counted else '-warm-up'}.log"
    prefix: list[str] = []
    if counted:
        tool = valgrind()
        if tool is None:
            raise RuntimeError(NOT_MEASURED)
        prefix = [tool, "--tool=cachegrind", "--cache-sim=no", f"--cachegrind-out-file={out}"]
    with fake_module.FakeDiscordThread(guild_count=1) as fake, log_path.open("w") as log:
        env = bot_runs.launch_environment(fake, bot, BENCH_EXIT_AT_READY="1", PYTHONHASHSEED="0")
        command = [str(bot.python), str(bot_runs.LAUNCHER), str(fake_path), bot.target]
        finished = subprocess.run(
            [*prefix, *command],
            cwd=logs,  # the timed rows' folder: a SQLite schema made there is found again
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=COUNT_TIMEOUT,
            check=False,
        )
        identified = len(fake.fake.identifies)
    if finished.returncode != 0 or identified != 1:
        raise RuntimeError(
            f"{bot.name} did not reach on_ready (exit status {finished.returncode}, "
            f"{identified} IDENTIFY); its log: {log_path}"
        )
    if not counted:
        return None
    found = SUMMARY.search(out.read_text(encoding="utf-8"))
    if found is None:
        raise RuntimeError(f"no instruction count in {out}")
    return int(found.group(1))


def count(bots: Mapping[str, tuple[BotUnderTest, Path]], logs: Path) -> dict[str, int]:
    """Each bot (with the project whose fake it logs into): a warm-up, then a counted start."""
    counts: dict[str, int] = {}
    for side, (bot, project) in bots.items():
        run.log(f"instructions: {bot.name}, warm-up")
        start_to_ready(bot, project, logs, counted=False)
        run.log(f"instructions: {bot.name}, counted under cachegrind")
        instructions = start_to_ready(bot, project, logs, counted=True)
        assert instructions is not None
        counts[side] = instructions
    return counts


@dataclass(frozen=True)
class Counted:
    """The rows, and how far the floor bot's count moved when it was counted a second time."""

    rows: list[Row]
    repeat_difference: int  # instructions, either way
    floor_count: int

    def repeatability(self) -> str:
        share = 100 * self.repeat_difference / self.floor_count
        return (
            f"counted twice, the floor bot's start differed by {self.repeat_difference:,} "
            f"instructions ({share:.5f} %)"
        )


def measure_instructions(
    project: Path, python: Path, stores: Mapping[str, storage_runs.Installed], logs: Path
) -> Counted | None:
    """The plain bot against bare discord.py and the commands.Bot floor; the bot with its health
    server, and with each storage in `stores` (database answer -> its synced project), against
    their floors. PostgreSQL's pair runs on a throwaway server, left out (saying why) without
    one. None without valgrind."""
    if valgrind() is None:
        run.log(NOT_MEASURED)
        return None
    plain = run.generated_and_floor_bots(project, python)
    commands_floor = BotUnderTest(
        "commands.Bot floor", python, bot_runs.COMMANDS_FLOOR_TARGET, has_about=False
    )
    health = health_runs.pair(project, python)
    bots: dict[str, tuple[BotUnderTest, Path]] = {
        "plain": (plain["ours"], project),
        "floor": (plain["floor"], project),
        "commands floor": (commands_floor, project),
        "health": (health["ours"], project),
        "health floor": (health["floor"], project),
    }
    with contextlib.ExitStack() as servers:
        for database, installed in stores.items():
            pair = storage_runs.serving_pair(installed, logs, servers)
            if pair is None:
                continue
            bots[database] = (pair["ours"], installed.project)
            bots[f"{database} floor"] = (pair["floor"], installed.project)
        counts = count(bots, logs)
        run.log("instructions: floor bot, counted again (how exactly a count repeats)")
        again = start_to_ready(plain["floor"], project, logs, counted=True)
    assert again is not None
    feature = run.TARGETS["feature"]
    rows = [
        Row(f"Bot, 1 server: {LABEL}", counts["plain"], counts["floor"], "", run.TARGETS["ready"]),
        Row(
            f"Bot, 1 server: {LABEL}, against a floor on commands.Bot",
            counts["plain"],
            counts["commands floor"],
            "",
        ),
        Row(f"{health_runs.LABEL}: {LABEL}", counts["health"], counts["health floor"], "", feature),
        *(
            Row(
                f"Bot with {storage_runs.LABELS[database]}: {LABEL}",
                counts[database],
                counts[f"{database} floor"],
                "",
                feature,
            )
            for database in stores
            if database in counts
        ),
    ]
    return Counted(rows, abs(again - counts["floor"]), counts["floor"])
