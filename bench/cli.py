"""Command line: measure, then print the Markdown tables (see docs/performance.md).

Usage: ``uv run python -m bench [--repeat N] [--guilds 1000,10000]
[--member-profiles 1000x50,20x5000]
[--only copier,bots,instructions,members,storage,health,suite]
[--speed-extras] [--keep DIR]``.

Progress goes to stderr, the report to stdout. Every figure sits next to a floor measured in the
same invocation (bench/run.py says how).
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench import (
    answer_sets,
    bot_runs,
    copier_runs,
    health_runs,
    instruction_runs,
    member_runs,
    report,
    run,
    storage_runs,
)
from bench.report import Row

# The generated project's test suite runs for seconds: fewer repetitions by default.
DEFAULT_SUITE_REPEAT = 3
MAX_GUILDS = bot_runs.MAX_GUILDS
PARTS = ("copier", "bots", "instructions", "members", "storage", "health", "suite")


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


def _parts(text: str) -> list[str]:
    parts = text.split(",")
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown part {', '.join(unknown)}: choose from {', '.join(PARTS)}"
        )
    return parts


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
        "--member-profiles",
        type=member_runs.profiles,
        default=list(member_runs.DEFAULT_PROFILES),
        metavar="NxM,NxM",
        help="for the members part: N servers of M members each (default 1000x50,20x5000)",
    )
    parser.add_argument(
        "--only",
        type=_parts,
        default=list(PARTS),
        metavar="PART,PART",
        help=f"measure only these parts: {', '.join(PARTS)} (default all)",
    )
    parser.add_argument(
        "--speed-extras",
        action="store_true",
        help="also compare the generated bot with and without discord.py[speed]",
    )
    parser.add_argument("--keep", type=Path, metavar="DIR", help="work in DIR and keep it")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print the tables on stdout (progress goes to stderr)."""
    args = build_parser().parse_args(argv)
    if args.repeat < 1 or args.suite_repeat < 1:
        raise SystemExit("--repeat and --suite-repeat must be at least 1")
    if args.keep and args.keep.exists() and any(args.keep.iterdir()):
        raise SystemExit(f"--keep {args.keep}: give a new or empty folder")
    try:
        sets = answer_sets.available(copier_runs.questions())
    except ValueError as error:
        raise SystemExit(str(error)) from None
    started = time.perf_counter()
    rows: list[Row] = []
    counts: list[Row] = []
    storage: list[Row] = []
    health: list[Row] = []
    extras: list[Row] = []
    members: list[Row] = []
    instructions: instruction_runs.Counted | None = None
    with contextlib.ExitStack() as cleanup:
        if args.keep:
            workdir = args.keep.resolve()
            workdir.mkdir(parents=True, exist_ok=True)
        else:
            workdir = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
        env = copier_runs.child_environment(workdir)
        # The bots and the suite need a rendered project: the copier part makes it anyway.
        copier_results = run.measure_copier(
            workdir, args.repeat if "copier" in args.only else 1, env, sets
        )
        if "copier" in args.only:
            rows += copier_results.rows
            counts += copier_results.counts
        project = copier_results.project
        python: Path | None = None  # the generated project's, once installed
        if {"bots", "instructions", "members", "health", "suite"} & set(
            args.only
        ) or args.speed_extras:
            run.log("uv sync of the generated project")
            python = run.install(project)
        if "bots" in args.only and python:
            rows += run.measure_bots(project, python, args.guilds, args.repeat, workdir / "logs")
        # The first set's answers, for the members and storage parts' own renders.
        first = sets[0]
        template = copier_runs.Template(first.name, workdir / run.THIS_TEMPLATE, first.answers())
        if "instructions" in args.only and python:
            installed = storage_runs.Installed(project, python)
            stores = {
                database: storage_runs.installed_with(database, template, workdir, env, installed)
                for database in ("sqlite", "postgresql")
            }
            instructions = instruction_runs.measure_instructions(
                project, python, stores, workdir / "logs" / "instructions"
            )
        if "members" in args.only and python:
            projects = {
                False: project,
                True: member_runs.render_with_members(template, workdir, env),
            }
            members = member_runs.measure_members(
                projects, args.member_profiles, args.repeat, workdir / "logs"
            )
        if "storage" in args.only:
            # Each `database` answer; the first set's own render is reused.
            installed = storage_runs.Installed(project, python) if python else None
            storage = storage_runs.measure_storage(template, workdir, args.repeat, env, installed)
        if "health" in args.only and python:
            health = health_runs.measure_health(project, python, args.repeat, workdir / "logs")
        if "suite" in args.only:
            for name, rendered in copier_results.projects.items():
                if rendered != project:  # the first set's is installed above
                    run.log(f"uv sync of the generated project ({name})")
                    run.install(rendered)
                rows.append(run.measure_suite(rendered, args.suite_repeat, name))
        if args.speed_extras and python:
            extras = run.measure_speed_extras(
                project, python, workdir, max(args.guilds), args.repeat
            )
        description = report.machine(python)
    # Only the parts measured: a run of `--only copier` has no bot rows to explain.
    more: list[str] = []
    if {"bots", "storage", "health"} & set(args.only):
        more.append(f"{run.STARTUP_RUNS * args.repeat} for the 1-server bot rows")
    if "suite" in args.only:
        more.append(f"{args.suite_repeat} for the generated test suite")
    print(
        f"Medians of {report.runs(args.repeat)} per figure"
        + (f" ({', '.join(more)})" if more else "")
        + f", each after a warm-up run, on {description}.\n"
    )
    if rows:
        print(report.table(rows))
    if counts:
        print(
            "\nCounted in one more run of each (exact, whatever the machine); the floor is "
            "Copier with the same number of plain files:\n"
        )
        print(report.table(counts))
    if instructions:
        print(
            "\nInstructions from process start to on_ready, counted under valgrind's cachegrind, "
            f"one run each after a warm-up ({instructions.repeatability()}):\n"
        )
        print(report.table(instructions.rows))
    elif "instructions" in args.only:
        print(f"\n{instruction_runs.NOT_MEASURED}.")
    if members:
        print(
            "\nMembers: servers with member lists, the generated bot against discord.py's "
            "defaults with the same intents (bench/member_runs.py says what each case is):\n"
        )
        print(report.table(members))
    if storage:
        print(
            "\nStorage, 1 server: the generated bot with each `database` answer; the floor is the "
            "floor bot, opening the same database through the same library (SQLAlchemy's asyncio "
            "engine, the same driver) when there is one:\n"
        )
        print(report.table(storage))
    if health:
        print(
            "\nHealth server, 1 server: the generated bot with HEALTH_PORT set (/livez, /readyz, "
            "/metrics, each scraped once per run); the floor is the floor bot serving the same "
            "paths from the same libraries (aiohttp, prometheus-client):\n"
        )
        print(report.table(health))
    if extras:
        print("\ndiscord.py[speed] in the generated bot (same runs, same fake):\n")
        print(report.table(extras, ["Measure", "With [speed]", "Without", "Ratio", "Target", ""]))
    run.log(f"benchmark took {time.perf_counter() - started:.0f} s")
    return 0
