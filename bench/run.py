"""Run every measurement and print the Markdown table (see README.md, "Performance").

Usage: ``uv run python -m bench [--repeat N] [--guilds 1000,10000] [--speed-extras]``.

Every figure is the median of ``--repeat`` runs made after one unmeasured warm-up run (which
also writes the bytecode caches, as a user's first run does), and is printed next to a floor
measured in the same invocation, alternating sides run by run: on a shared machine absolute times
are noise, ratios are not.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from bench import bot_runs, copier_runs
from bench.bot_runs import BotRun, BotUnderTest

T = TypeVar("T")
GENERATED_TARGET = f"{copier_runs.OUR_DATA['package_name']}.runtime.entry:main"
# The generated project's test suite runs for tens of seconds: fewer repetitions by default.
DEFAULT_SUITE_REPEAT = 3
# A bot starts in a fraction of a second, the noisiest figure on a shared machine: more runs.
STARTUP_RUNS = 3
MAX_GUILDS = 20 * bot_runs.GUILDS_PER_SHARD
TARGETS = {"render": 1.25, "update": 1.25, "ready": 1.20, "rss": 1.10, "per_guild": 0.50}


@dataclass(frozen=True)
class Row:
    """One line of the table: a measure, both sides' medians, and the target for the ratio."""

    measure: str
    ours: float
    floor: float
    unit: str
    target: float | None = None

    @property
    def ratio(self) -> float:
        return self.ours / self.floor if self.floor else float("inf")

    def cells(self) -> list[str]:
        if self.target is None:
            verdict, target = "", "-"
        else:
            verdict = "met" if self.ratio <= self.target else "**missed**"
            target = f"<= {self.target:.2f}x"
        return [
            self.measure,
            _quantity(self.ours, self.unit),
            _quantity(self.floor, self.unit),
            f"{self.ratio:.2f}x",
            target,
            verdict,
        ]


def _quantity(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "MB":
        return f"{value / 2**20:.1f} MB"
    if unit == "KB":
        return f"{value / 2**10:.2f} KB"
    raise ValueError(unit)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _alternating(
    repeat: int, sides: Sequence[str], measure: Callable[[str, int], T], *, warm_up: bool = True
) -> dict[str, list[T]]:
    """``measure(side, run)``: a warm-up run 0 (not kept), then runs 1 to ``repeat``.

    The side that goes first alternates from run to run, so that neither always runs on a
    machine the other has just warmed (or loaded).
    """
    results: dict[str, list[T]] = {side: [] for side in sides}
    for run in range(0 if warm_up else 1, repeat + 1):
        order = sides if run % 2 == 0 else list(reversed(sides))
        for side in order:
            value = measure(side, run)
            if run:
                results[side].append(value)
    return results


def measure_copier(workdir: Path, repeat: int, env: dict[str, str]) -> list[Row]:
    """Rows for `copier copy` and `copier update`, this template against the one-file floor."""
    (workdir / "ours").mkdir()
    (workdir / "floor").mkdir()
    templates = {
        "ours": copier_runs.snapshot_this_template(workdir / "ours", env),
        "floor": copier_runs.snapshot_floor_template(workdir / "floor", env),
    }
    for name in ("copies", "updates"):
        (workdir / name).mkdir()

    def copy(side: str, run: int) -> float:
        _log(f"render: {templates[side].name}, run {run}/{repeat}")
        return copier_runs.time_copy(templates[side], workdir / "copies" / f"{side}-{run}", env)

    def update(side: str, run: int) -> float:
        _log(f"update: {templates[side].name}, run {run}/{repeat}")
        return copier_runs.time_update(templates[side], workdir / "updates" / f"{side}-{run}", env)

    copies = _alternating(repeat, ["ours", "floor"], copy)
    updates = _alternating(repeat, ["ours", "floor"], update)
    return [
        Row(
            "Render: `copier copy`",
            statistics.median(copies["ours"]),
            statistics.median(copies["floor"]),
            "s",
            TARGETS["render"],
        ),
        Row(
            "Update: `copier update` to the next version",
            statistics.median(updates["ours"]),
            statistics.median(updates["floor"]),
            "s",
            TARGETS["update"],
        ),
    ]


def uv_command() -> str:
    """uv itself: `uv run` says where it is in $UV."""
    return os.environ.get("UV") or shutil.which("uv") or "uv"


def uv_environment() -> dict[str, str]:
    """For uv in the generated project: never download an interpreter, never reuse ours."""
    env = bot_runs.bot_environment()
    env["UV_PYTHON_DOWNLOADS"] = "never"
    return env


def install(project: Path, *extra: str) -> Path:
    """`uv sync` the rendered project (then `uv add` extras); return its Python."""
    for args in (["sync", "--quiet"], *([["add", "--quiet", *extra]] if extra else [])):
        subprocess.run(
            [uv_command(), *args],
            cwd=project,
            env=uv_environment(),
            check=True,
            capture_output=True,
        )
    return project / ".venv" / "bin" / "python"


def compare_bots(
    bots: Mapping[str, BotUnderTest], sizes: Sequence[int], repeat: int, project: Path, logs: Path
) -> dict[tuple[str, int], list[BotRun]]:
    """Both bots at every server count, against the generated project's fake Discord."""
    package = copier_runs.OUR_DATA["package_name"]
    fake_path = project / "src" / package / "runtime" / "fake_discord.py"
    fake = bot_runs.load_fake(fake_path)
    runs: dict[tuple[str, int], list[BotRun]] = {}
    for size in sizes:

        def measure(side: str, run: int, size: int = size) -> BotRun:
            _log(f"bot: {bots[side].name}, {size:,} servers, run {run}/{repeat}")
            return bot_runs.run_bot(bots[side], fake, fake_path, size, logs)

        for side, results in _alternating(repeat, list(bots), measure).items():
            runs[side, size] = results
    return runs


def bot_rows(runs: dict[tuple[str, int], list[BotRun]], sizes: Sequence[int]) -> list[Row]:
    """Start-up and memory at 1 server, then load time, memory and memory per server at scale."""

    def median(side: str, size: int, field: str) -> float:
        return _median(runs, side, size, field)

    rows = [
        Row(
            "Bot, 1 server: start to READY",
            median("ours", 1, "ready"),
            median("floor", 1, "ready"),
            "s",
            TARGETS["ready"],
        ),
        Row(
            "Bot, 1 server: peak RSS",
            median("ours", 1, "peak_rss"),
            median("floor", 1, "peak_rss"),
            "MB",
            TARGETS["rss"],
        ),
    ]
    for size in sizes:
        shards = bot_runs.shard_count_for(size)
        label = f"{size:,} servers" + (f" ({shards} shards)" if shards else "")
        per_guild = {
            side: (median(side, size, "peak_rss") - median(side, 1, "peak_rss")) / (size - 1)
            for side in ("ours", "floor")
        }
        rows += [
            Row(
                f"{label}: start to all loaded",
                median("ours", size, "loaded"),
                median("floor", size, "loaded"),
                "s",
            ),
            Row(
                f"{label}: peak RSS",
                median("ours", size, "peak_rss"),
                median("floor", size, "peak_rss"),
                "MB",
            ),
            Row(
                f"{label}: memory per server",
                per_guild["ours"],
                per_guild["floor"],
                "KB",
                TARGETS["per_guild"],
            ),
        ]
    return rows


def measure_suite(project: Path, repeat: int) -> Row:
    """`uv run pytest` in the generated project, against pytest collecting the same tests."""
    commands = {
        "ours": [uv_command(), "run", "pytest", "-q"],
        "floor": [uv_command(), "run", "pytest", "-q", "--collect-only"],
    }

    def measure(side: str, run: int) -> float:
        _log(f"test suite: {' '.join(commands[side][1:])}, run {run}/{repeat}")
        return copier_runs.run(commands[side], project, uv_environment())

    measure("floor", 0)  # the warm-up: collecting imports every test module once
    times = _alternating(repeat, list(commands), measure, warm_up=False)
    return Row(
        "Generated project: `uv run pytest`",
        statistics.median(times["ours"]),
        statistics.median(times["floor"]),
        "s",
    )


def _median(runs: dict[tuple[str, int], list[BotRun]], side: str, size: int, field: str) -> float:
    return statistics.median(getattr(run, field) for run in runs[side, size])


def measure_speed_extras(
    project: Path, python: Path, workdir: Path, size: int, repeat: int
) -> list[Row]:
    """The generated bot with and without discord.py[speed], in a throwaway copy of the project."""
    speedy = workdir / "speed-extras"
    shutil.copytree(project, speedy, ignore=shutil.ignore_patterns(".venv", "__pycache__"))
    bots = {
        "ours": BotUnderTest(
            "bot with speed extras",
            install(speedy, "discord.py[speed]>=2.7,<3"),
            GENERATED_TARGET,
            has_about=True,
        ),
        "floor": BotUnderTest("bot without", python, GENERATED_TARGET, has_about=True),
    }
    runs = compare_bots(bots, [1, size], repeat, project, workdir / "logs")
    rows = []
    for label, guilds, field, unit in (
        ("1 server: start to READY", 1, "ready", "s"),
        ("1 server: peak RSS", 1, "peak_rss", "MB"),
        (f"{size:,} servers: start to all loaded", size, "loaded", "s"),
        (f"{size:,} servers: peak RSS", size, "peak_rss", "MB"),
    ):
        ours, without = (_median(runs, side, guilds, field) for side in ("ours", "floor"))
        rows.append(Row(label, ours, without, unit))
    return rows


def machine(python: Path) -> str:
    """One line naming what the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    with_cpuinfo = Path("/proc/cpuinfo")
    if with_cpuinfo.exists():
        for line in with_cpuinfo.read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    discord_version = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('discord.py'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return (
        f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, Copier {importlib.metadata.version('copier')}, "
        f"discord.py {discord_version}"
    )


def table(rows: Sequence[Row], header: Sequence[str]) -> str:
    """A Markdown table of the rows."""
    lines = [
        "| " + " | ".join(header) + " |",
        "| --- | ---: | ---: | ---: | --- | --- |",
        *("| " + " | ".join(row.cells()) + " |" for row in rows),
    ]
    return "\n".join(lines)


def _runs(count: int) -> str:
    return f"{count} measured run{'s' if count > 1 else ''}"


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected numbers such as 1000,10000, not {text!r}"
        ) from None
    if any(not 2 <= size <= MAX_GUILDS for size in sizes):
        # The fake lays out guild IDs so that guild i is on shard i for up to 20 shards, which
        # is how every shard gets probed (bot_runs._drive).
        raise argparse.ArgumentTypeError(f"each server count must be from 2 to {MAX_GUILDS:,}")
    return sizes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repeat", type=int, default=5, help="measured runs per figure (default 5)"
    )
    parser.add_argument(
        "--suite-repeat",
        type=int,
        default=DEFAULT_SUITE_REPEAT,
        help=f"measured runs of the generated test suite (default {DEFAULT_SUITE_REPEAT})",
    )
    parser.add_argument(
        "--guilds",
        type=_sizes,
        default=[1000, 10000],
        metavar="N,N",
        help="server counts for the scale rows (default 1000,10000)",
    )
    parser.add_argument(
        "--speed-extras",
        action="store_true",
        help="also compare the generated bot with and without discord.py[speed]",
    )
    parser.add_argument("--keep", type=Path, metavar="DIR", help="work in DIR and keep it")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Measure everything, print the tables on stdout (progress goes to stderr)."""
    args = build_parser().parse_args(argv)
    if args.repeat < 1 or args.suite_repeat < 1:
        raise SystemExit("--repeat and --suite-repeat must be at least 1")
    if args.keep and args.keep.exists() and any(args.keep.iterdir()):
        raise SystemExit(f"--keep {args.keep}: give a new or empty folder")
    started = time.perf_counter()
    with contextlib.ExitStack() as cleanup:
        if args.keep:
            workdir = args.keep.resolve()
            workdir.mkdir(parents=True, exist_ok=True)
        else:
            workdir = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
        env = copier_runs.child_environment(workdir)
        rows = measure_copier(workdir, args.repeat, env)
        project = workdir / "copies" / "ours-0"  # the warm-up render, reused
        _log("uv sync of the generated project")
        python = install(project)
        bots = {
            "ours": BotUnderTest("generated bot", python, GENERATED_TARGET, has_about=True),
            "floor": BotUnderTest("floor bot", python, bot_runs.FLOOR_TARGET, has_about=False),
        }
        runs = compare_bots(bots, [1], STARTUP_RUNS * args.repeat, project, workdir / "logs")
        runs |= compare_bots(bots, args.guilds, args.repeat, project, workdir / "logs")
        rows += bot_rows(runs, args.guilds)
        rows.append(measure_suite(project, args.suite_repeat))
        extras = (
            measure_speed_extras(project, python, workdir, max(args.guilds), args.repeat)
            if args.speed_extras
            else []
        )
        description = machine(python)
    print(
        f"Medians of {_runs(args.repeat)} per figure ({STARTUP_RUNS * args.repeat} for the "
        f"1-server bot rows, {args.suite_repeat} for the generated test suite), each after a "
        f"warm-up run, on {description}.\n"
    )
    print(table(rows, ["Measure", "This template", "Floor", "Ratio", "Target", ""]))
    if extras:
        print("\ndiscord.py[speed] in the generated bot (same runs, same fake):\n")
        print(table(extras, ["Measure", "With [speed]", "Without", "Ratio", "Target", ""]))
    _log(f"benchmark took {time.perf_counter() - started:.0f} s")
    return 0
