"""Orchestration: every measurement, each side by side with its floor, in the same invocation.

Every timed figure is the median of ``repeat`` runs made after one unmeasured warm-up run (which
also writes the bytecode caches, as a user's first run does), alternating the sides' order run by
run: on a shared machine absolute times are noise, ratios much less. Counts (compilations,
processes) come from one extra run each and do not vary.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from bench import bot_runs, copier_runs
from bench.answer_sets import AnswerSet
from bench.bot_runs import BotRun, BotUnderTest
from bench.copier_runs import Counts, Template, Timing
from bench.report import Row

T = TypeVar("T")
# Issue 18's: the plain bot within 1.10x (start) and 1.05x (peak) of bare discord.py; a bot with a
# feature (storage, the health server) within 1.10x of the floor bot that uses the same libraries.
TARGETS = {
    "render": 1.25,
    "update": 1.25,
    "ready": 1.10,
    "rss": 1.05,
    "per_guild": 0.50,
    "feature": 1.10,
    "suite": 2.0,  # the generated project's tests against collecting them
}
# A bot starts in a fraction of a second, the noisiest figure on a shared machine: more runs.
STARTUP_RUNS = 3
ONE_FILE = "one-file-floor"
# Where measure_copier keeps its snapshot of this template, under the work folder.
THIS_TEMPLATE = "ours"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def alternating(
    repeat: int, sides: Sequence[str], measure: Callable[[str, int], T], *, warm_up: bool = True
) -> dict[str, list[T]]:
    """``measure(side, run)``: a warm-up run 0 (not kept), then runs 1 to ``repeat``.

    The order of the sides is reversed from run to run, so that none always runs on a machine
    another has just warmed (or loaded).
    """
    results: dict[str, list[T]] = {side: [] for side in sides}
    for run in range(0 if warm_up else 1, repeat + 1):
        order = sides if run % 2 == 0 else list(reversed(sides))
        for side in order:
            value = measure(side, run)
            if run:
                results[side].append(value)
    return results


def _slug(name: str) -> str:
    return name.replace(" ", "-")


@dataclass(frozen=True)
class CopierResults:
    """The copier rows, the counted rows, and where each answer set's render is."""

    rows: list[Row]
    counts: list[Row]
    projects: dict[str, Path]  # each answer set's warm-up render, by the set's name

    @property
    def project(self) -> Path:
        """The first answer set's render (every part on), for the bot rows."""
        return next(iter(self.projects.values()))


@dataclass(frozen=True)
class Sides:
    """Every template the copier rows compare, by side name, and the files each renders."""

    templates: dict[str, Template]
    files: dict[str, int]

    @staticmethod
    def ours(answer_set: AnswerSet) -> str:
        return f"ours-{_slug(answer_set.name)}"

    @staticmethod
    def plain(answer_set: AnswerSet) -> str:
        return f"plain-{_slug(answer_set.name)}"


def _sides(workdir: Path, env: Mapping[str, str], answer_sets: Sequence[AnswerSet]) -> Sides:
    """This template once, the one-file floor, and a plain-file floor for every answer set."""
    ours = copier_runs.snapshot_this_template(workdir / THIS_TEMPLATE, env)
    templates = {ONE_FILE: copier_runs.snapshot_floor_template(workdir / ONE_FILE, env)}
    files: dict[str, int] = {}
    probes = workdir / "probes"
    probes.mkdir()
    for answer_set in answer_sets:
        template = Template(f"this template, {answer_set.name}", ours, answer_set.answers())
        # One untimed render says which files the set produces: its plain-file floor copies them.
        probe = probes / _slug(answer_set.name)
        copier_runs.run(copier_runs.copier(*copier_runs.copy_command(template, probe)), probes, env)
        count = len(copier_runs.rendered_files(probe))
        templates[Sides.ours(answer_set)] = template
        templates[Sides.plain(answer_set)] = copier_runs.snapshot_plain_floor(
            workdir / Sides.plain(answer_set), probe, env, f"{count} plain files"
        )
        files[Sides.ours(answer_set)] = files[Sides.plain(answer_set)] = count
    return Sides(templates, files)


def _medians(timings: Sequence[Timing]) -> Timing:
    return Timing(
        statistics.median(t.wall for t in timings), statistics.median(t.cpu for t in timings)
    )


def _timed(
    workdir: Path, repeat: int, env: Mapping[str, str], sides: Sides
) -> tuple[dict[str, Timing], dict[str, Timing]]:
    """Median `copier copy` and `copier update` times of every side, alternating sides."""
    templates = sides.templates
    for name in ("copies", "updates"):
        (workdir / name).mkdir()

    def copy(side: str, run: int) -> Timing:
        log(f"render: {templates[side].name}, run {run}/{repeat}")
        destination = workdir / "copies" / f"{side}-{run}"
        return copier_runs.time_copy(templates[side], destination, env)

    def update(side: str, run: int) -> Timing:
        log(f"update: {templates[side].name}, run {run}/{repeat}")
        project = workdir / "updates" / f"{side}-{run}"
        return copier_runs.time_update(templates[side], project, env)

    medians = [
        {
            side: _medians(runs)
            for side, runs in alternating(repeat, list(templates), measure).items()
        }
        for measure in (copy, update)
    ]
    for side, count in sides.files.items():
        rendered = len(copier_runs.rendered_files(workdir / "copies" / f"{side}-0"))
        if rendered != count:  # a plain-file floor must be as large as the set it stands for
            raise RuntimeError(f"{templates[side].name} rendered {rendered} files, not {count}")
    return medians[0], medians[1]


def _counted(
    workdir: Path, env: Mapping[str, str], sides: Sides
) -> dict[str, tuple[Counts, Counts]]:
    """One counted `copier copy` and `copier update` of every side."""
    log("counting compilations and processes (one run of each)")
    (workdir / "counted").mkdir()
    return {
        side: (
            copier_runs.count_copy(template, workdir / "counted" / f"copy-{side}", env),
            copier_runs.count_update(template, workdir / "counted" / f"update-{side}", env),
        )
        for side, template in sides.templates.items()
    }


def measure_copier(
    workdir: Path, repeat: int, env: Mapping[str, str], answer_sets: Sequence[AnswerSet]
) -> CopierResults:
    """`copier copy` and `copier update` of every answer set against its two floors."""
    sides = _sides(workdir, env, answer_sets)
    copies, updates = _timed(workdir, repeat, env, sides)
    counted = _counted(workdir, env, sides)
    floor_files = len(copier_runs.rendered_files(workdir / "copies" / f"{ONE_FILE}-0"))
    rows: list[Row] = []
    counts: list[Row] = []
    for answer_set in answer_sets:
        ours, plain, name = Sides.ours(answer_set), Sides.plain(answer_set), answer_set.name
        files = sides.files[ours]
        for index, (verb, command, times, target) in enumerate(
            (
                ("Render", "`copier copy`", copies, TARGETS["render"]),
                ("Update", "`copier update` to the next version", updates, TARGETS["update"]),
            )
        ):
            mine, one_file, same_size = times[ours], times[ONE_FILE], times[plain]
            # What the files beyond the one-file floor's cost, each, once its time is taken off.
            beyond = max(files - floor_files, 1)
            rows += [
                Row(
                    f"{verb}: {command}, {name} ({files} files)",
                    mine.wall,
                    one_file.wall,
                    "s",
                    target,
                ),
                Row(f"{verb}, {name}: CPU time", mine.cpu, one_file.cpu, "s"),
                Row(
                    f"{verb}, {name}: CPU time against {files} plain files",
                    mine.cpu,
                    same_size.cpu,
                    "s",
                ),
                Row(
                    f"{verb}, {name}: CPU time per file beyond the one-file floor",
                    1000 * (mine.cpu - one_file.cpu) / beyond,
                    1000 * (same_size.cpu - one_file.cpu) / beyond,
                    "ms",
                ),
            ]
            ours_counts, plain_counts = counted[ours][index], counted[plain][index]
            counts += [
                Row(
                    f"{verb}, {name}: Jinja compilations",
                    ours_counts.total_compilations,
                    plain_counts.total_compilations,
                    "",
                ),
                Row(
                    f"{verb}, {name}: processes started by Copier",
                    ours_counts.total_processes,
                    plain_counts.total_processes,
                    "",
                ),
            ]
    projects = {s.name: workdir / "copies" / f"{Sides.ours(s)}-0" for s in answer_sets}
    return CopierResults(rows, counts, projects)


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
    bots: Mapping[str, BotUnderTest],
    sizes: Sequence[int],
    repeat: int,
    project: Path,
    logs: Path,
    fake_options: Mapping[str, Any] | None = None,
) -> dict[tuple[str, int], list[BotRun]]:
    """Both bots at every server count, against the generated project's fake Discord."""
    fake_path = bot_runs.GeneratedBot.of(project).fake_discord
    fake = bot_runs.load_fake(fake_path)
    runs: dict[tuple[str, int], list[BotRun]] = {}
    for size in sizes:

        def measure(side: str, run: int, size: int = size) -> BotRun:
            log(f"bot: {bots[side].name}, {size:,} servers, run {run}/{repeat}")
            return bot_runs.run_bot(bots[side], fake, fake_path, size, logs, fake_options)

        for side, results in alternating(repeat, list(bots), measure).items():
            runs[side, size] = results
    return runs


def median_of(runs: dict[tuple[str, int], list[BotRun]], side: str, size: int, field: str) -> float:
    return statistics.median(getattr(run, field) for run in runs[side, size])


def memory_per_server(
    measure: str,
    runs: dict[tuple[str, int], list[BotRun]],
    servers: int,
    target: float | None,
) -> Row:
    """(peak RSS at `servers` - peak RSS at 1 server) / (servers - 1), for each side.

    A peak moves from run to run by pages, allocator arenas and, for these bots, the step of
    Python's table of interned names (0.8 MB): a growth no larger than the spread of the runs'
    peaks is noise, not a figure. Ours is then at most that growth plus the spread; a floor
    within the noise leaves no ratio. One run a side has no spread to go by.
    """

    def growth_and_spread(side: str) -> tuple[float, float]:
        one, many = ([run.peak_rss for run in runs[side, size]] for size in (1, servers))
        spread = max(max(one) - min(one), max(many) - min(many))
        return statistics.median(many) - statistics.median(one), spread

    (ours, ours_spread), (floor, floor_spread) = map(growth_and_spread, ("ours", "floor"))
    ours_at_most = ours <= ours_spread
    if ours_at_most:
        ours = max(ours, 0) + ours_spread
    return Row(
        measure,
        ours / (servers - 1),
        floor / (servers - 1),
        "KB",
        target,
        ours_at_most=ours_at_most,
        resolved=floor > floor_spread,
    )


def feature_rows(label: str, runs: dict[tuple[str, int], list[BotRun]]) -> list[Row]:
    """`label`'s start-to-READY and peak-RSS rows at one server, against its own floor."""
    return [
        Row(
            f"{label}: {measure}",
            median_of(runs, "ours", 1, field),
            median_of(runs, "floor", 1, field),
            unit,
            TARGETS["feature"],
        )
        for measure, field, unit in (
            ("start to READY", "ready", "s"),
            ("peak RSS", "peak_rss", "MB"),
        )
    ]


def generated_and_floor_bots(project: Path, python: Path) -> dict[str, BotUnderTest]:
    target = bot_runs.GeneratedBot.of(project).target
    return {
        "ours": BotUnderTest("generated bot", python, target, has_about=True),
        "floor": BotUnderTest("floor bot", python, bot_runs.FLOOR_TARGET, has_about=False),
    }


def measure_bots(
    project: Path, python: Path, sizes: Sequence[int], repeat: int, logs: Path
) -> list[Row]:
    """Start-up and memory at 1 server, then load time, memory and memory per server at scale."""
    bots = generated_and_floor_bots(project, python)
    # At one server, the floor on commands.Bot too: what of the gap is discord.ext.commands.
    commands_floor = BotUnderTest(
        "commands.Bot floor", python, bot_runs.COMMANDS_FLOOR_TARGET, has_about=False
    )
    runs = compare_bots(
        {**bots, "commands floor": commands_floor}, [1], STARTUP_RUNS * repeat, project, logs
    )
    runs |= compare_bots(bots, sizes, repeat, project, logs)

    def median(side: str, size: int, field: str) -> float:
        return median_of(runs, side, size, field)

    # At one server: the measure, the field it reads, its unit, the floor it is set against and
    # the target for the ratio.
    one_server = (
        ("start to READY", "ready", "s", "floor", TARGETS["ready"]),
        ("CPU time to READY", "ready_cpu", "s", "floor", None),
        ("peak RSS", "peak_rss", "MB", "floor", TARGETS["rss"]),
        ("start to READY, against a floor on commands.Bot", "ready", "s", "commands floor", None),
        ("peak RSS, against a floor on commands.Bot", "peak_rss", "MB", "commands floor", None),
        ("SIGINT to exit", "exit", "s", "floor", None),
    )
    rows = [
        Row(
            f"Bot, 1 server: {measure}",
            median("ours", 1, field),
            median(floor, 1, field),
            unit,
            target,
        )
        for measure, field, unit, floor, target in one_server
    ]
    for size in sizes:
        shards = bot_runs.shard_count_for(size)
        label = f"{size:,} servers" + (f" ({shards} shards)" if shards else "")
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
            memory_per_server(f"{label}: memory per server", runs, size, TARGETS["per_guild"]),
        ]
    return rows


def measure_suite(project: Path, repeat: int, answer_set: str = "") -> Row:
    """`uv run pytest` in the generated project, against pytest collecting the same tests."""
    commands = {
        "ours": [uv_command(), "run", "pytest", "-q"],
        "floor": [uv_command(), "run", "pytest", "-q", "--collect-only"],
    }

    def measure(side: str, run: int) -> float:
        log(f"test suite {answer_set}: {' '.join(commands[side][1:])}, run {run}/{repeat}")
        return copier_runs.run(commands[side], project, uv_environment())

    measure("floor", 0)  # the warm-up: collecting imports every test module once
    times = alternating(repeat, list(commands), measure, warm_up=False)
    return Row(
        f"Generated project{f' ({answer_set})' if answer_set else ''}: `uv run pytest`",
        statistics.median(times["ours"]),
        statistics.median(times["floor"]),
        "s",
        TARGETS["suite"],
    )


def measure_speed_extras(
    project: Path, python: Path, workdir: Path, size: int, repeat: int
) -> list[Row]:
    """The generated bot with and without discord.py[speed], in a throwaway copy of the project."""
    speedy = workdir / "speed-extras"
    shutil.copytree(project, speedy, ignore=shutil.ignore_patterns(".venv", "__pycache__"))
    target = bot_runs.GeneratedBot.of(project).target
    bots = {
        "ours": BotUnderTest(
            "bot with speed extras",
            install(speedy, "discord.py[speed]>=2.7,<3"),
            target,
            has_about=True,
        ),
        "floor": BotUnderTest("bot without", python, target, has_about=True),
    }
    runs = compare_bots(bots, [1, size], repeat, project, workdir / "logs")
    rows = []
    for label, guilds, field, unit in (
        ("1 server: start to READY", 1, "ready", "s"),
        ("1 server: peak RSS", 1, "peak_rss", "MB"),
        (f"{size:,} servers: start to all loaded", size, "loaded", "s"),
        (f"{size:,} servers: peak RSS", size, "peak_rss", "MB"),
    ):
        ours, without = (median_of(runs, side, guilds, field) for side in ("ours", "floor"))
        rows.append(Row(label, ours, without, unit))
    return rows
