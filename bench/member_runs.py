"""Memory per server when servers have members: the generated bot against discord.py's defaults.

The fake's servers carry member lists (``members_per_guild``: every server its own users, the
fields a real member has, every 5th online and every 10th nicknamed), and both bots run with
the same intents, in three cases:

- without the Server Members intent: the generated bot of the first answer set against
  bots/floor_bot.py (discord.py's defaults: no member list is downloaded, members in voice
  cached, 1,000 messages kept);
- with it: the generated bot rendered with ``privileged_intents: [members]`` and its own
  defaults (MEMBER_CACHE=none, CHUNK_GUILDS_AT_STARTUP=false) against the floor with the same
  intent, whose discord.py defaults download every server's member list at start-up (Request
  Guild Members) and keep every member;
- with it and the full member cache the author can switch on (MEMBER_CACHE=all,
  CHUNK_GUILDS_AT_STARTUP=true): what the floor keeps, so no target.

Memory per server is (peak RSS at N servers - peak RSS at 1 server of the same size) / (N - 1).
A profile is N servers of M members each: the default 1,000 servers of 50 members is a common
small-community bot; 20 servers of 5,000 members are large servers (over discord.py's
large_threshold of 250, each list downloaded in 5 chunks of 1,000).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import bot_runs, copier_runs, run
from bench.bot_runs import BotRun, BotUnderTest
from bench.copier_runs import Template
from bench.report import Row

MEMBERS_INTENT = "members"
FULL_MEMBER_CACHE = {"MEMBER_CACHE": "all", "CHUNK_GUILDS_AT_STARTUP": "true"}
# servers x members per server
DEFAULT_PROFILES = ((1000, 50), (20, 5000))
MAX_MEMBERS = 100_000  # per server: the fake builds each list on every request
Runs = dict[tuple[str, int], list[BotRun]]


@dataclass(frozen=True)
class Case:
    """One row group: which project's bot, with which settings, against which floor."""

    label: str
    members_intent: bool
    ours_settings: Mapping[str, str]
    target: float | None


CASES = (
    Case("no Server Members intent", False, {}, run.TARGETS["per_guild"]),
    Case("Server Members intent", True, {}, run.TARGETS["per_guild"]),
    Case("Server Members intent, full member cache", True, FULL_MEMBER_CACHE, None),
)


def profiles(text: str) -> list[tuple[int, int]]:
    """``1000x50,20x5000``: servers x members per server."""
    chosen = []
    for part in text.split(","):
        servers, _, members = part.partition("x")
        if not (servers.isdigit() and members.isdigit()):
            raise argparse.ArgumentTypeError(
                f"expected servers x members such as 1000x50,20x5000, not {part!r}"
            )
        count, size = int(servers), int(members)
        if not 2 <= count <= bot_runs.MAX_GUILDS:
            raise argparse.ArgumentTypeError(
                f"{part}: the server count must be from 2 to {bot_runs.MAX_GUILDS:,}"
            )
        if not 2 <= size <= MAX_MEMBERS:
            raise argparse.ArgumentTypeError(
                f"{part}: members per server must be from 2 (the bot and its owner) "
                f"to {MAX_MEMBERS:,}"
            )
        chosen.append((count, size))
    return chosen


def render_with_members(template: Template, workdir: Path, env: Mapping[str, str]) -> Path:
    """The generated project with the Server Members intent chosen, synced."""
    answers = {**template.answers, "privileged_intents": [MEMBERS_INTENT]}
    project = workdir / "with-members-intent"
    copier_runs.time_copy(Template(template.name, template.path, answers), project, env)
    run.log("members: uv sync of the generated project with the Server Members intent")
    run.install(project)
    return project


def bots_for(case: Case, projects: Mapping[bool, Path]) -> dict[str, BotUnderTest]:
    project = projects[case.members_intent]
    python = project / ".venv" / "bin" / "python"
    target = bot_runs.GeneratedBot.of(project).target
    floor_settings = {"BENCH_INTENTS": MEMBERS_INTENT} if case.members_intent else {}
    return {
        "ours": BotUnderTest(
            f"generated bot {case.label}",
            python,
            target,
            has_about=True,
            settings=case.ours_settings,
            chunks_at_startup=bool(case.ours_settings),
        ),
        "floor": BotUnderTest(
            f"floor bot {case.label}",
            python,
            bot_runs.FLOOR_TARGET,
            has_about=False,
            settings=floor_settings,
            chunks_at_startup=case.members_intent,
        ),
    }


def measure_members(
    projects: Mapping[bool, Path],
    chosen: Sequence[tuple[int, int]],
    repeat: int,
    logs: Path,
) -> list[Row]:
    """Peak RSS and memory per server for every profile and case.

    `projects`: the rendered, synced project without (False) and with (True) the Server Members
    intent.
    """
    rows: list[Row] = []
    for servers, members in chosen:
        # The portal has the intent switched on: only the bots' IDENTIFY decides.
        fake_options = {"members_per_guild": members, "enabled_intents": [MEMBERS_INTENT]}
        for case in CASES:
            bots = bots_for(case, projects)
            runs = run.compare_bots(
                bots,
                [1, servers],
                repeat,
                projects[case.members_intent],
                logs / f"members-{servers}x{members}",
                fake_options,
            )

            def median(side: str, size: int, runs: Runs = runs) -> float:
                return run.median_of(runs, side, size, "peak_rss")

            label = f"{servers:,} servers of {members:,} members, {case.label}"
            rows += [
                Row(f"{label}: peak RSS", median("ours", servers), median("floor", servers), "MB"),
                run.memory_per_server(f"{label}: memory per server", runs, servers, case.target),
            ]
    return rows
