"""The benchmark (`python -m bench`) runs end to end and prints complete tables.

A smoke run: one repetition, small server counts. It checks that every figure is there and
well-formed, never what it is: timings on a shared CI machine mean nothing. The smaller tests
check the parts the figures rest on: which answer sets are measured, the plain-file floor, and
what the counters attribute.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support.real_parts import in_ci
from support.template import TEMPLATE_ROOT

sys.path.insert(0, str(TEMPLATE_ROOT))  # the bench package lives beside tests/

from bench import (
    answer_sets,
    bot_runs,
    copier_runs,
    health_runs,
    instruction_runs,
    member_runs,
    run,
    storage_runs,
)
from bench.report import Row

# 2,600 servers need shards (Discord's limit is 2,500 a connection), as the default 10,000 do.
SIZES = (30, 2600)
# Servers x members: enough for the floor to download member lists, little enough to be quick.
MEMBER_PROFILE = (3, 30)
FIGURE = re.compile(r"-?\d+\.\d+ (s|ms|MB|KB)")
COUNT = re.compile(r"\d[\d,]*")
RATIO = re.compile(r"(-?\d+\.\d+|inf)x")
# Memory per server: our figure may be a bound ("<= "), and with the floor's growth within the
# noise there is no ratio (bench/run.py's memory_per_server).
BOUNDED_FIGURE = re.compile(r"(<= )?\d+\.\d+ KB")
BOUNDED_RATIO = re.compile(r"(<= )?(\d+\.\d+|inf)x|-")


def _tables(stdout: str) -> list[dict[str, list[str]]]:
    """Each Markdown table of the report: {measure: other cells}, in order."""
    tables: list[dict[str, list[str]]] = []
    for line in stdout.splitlines():
        if line.startswith("| Measure"):
            tables.append({})
        elif line.startswith("| ") and not line.startswith("| ---"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            tables[-1][cells[0]] = cells[1:]
    return tables


def _copier_rows(name: str, files: str) -> list[str]:
    return [
        row
        for verb, command in (
            ("Render", "`copier copy`"),
            ("Update", "`copier update` to the next version"),
        )
        for row in (
            f"{verb}: {command}, {name} ({files} files)",
            f"{verb}, {name}: CPU time",
            f"{verb}, {name}: CPU time against {files} plain files",
            f"{verb}, {name}: CPU time per file beyond the one-file floor",
        )
    ]


@pytest.mark.slow
def test_smoke_run_prints_every_figure() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--repeat=1",
            # The suite row runs the generated suite twice more: test_suite_row_* covers it.
            "--only=copier,bots,instructions,members,storage,health",
            f"--guilds={','.join(map(str, SIZES))}",
            "--member-profiles={}x{}".format(*MEMBER_PROFILE),
        ],
        cwd=TEMPLATE_ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-6000:]
    tables = _tables(result.stdout)
    # Instructions are counted where valgrind is (CI installs it: never left out there).
    counted = instruction_runs.NOT_MEASURED not in result.stdout
    if not counted:
        assert not in_ci(), result.stderr[-2000:]
        tables.insert(2, {})
    main, counts, instructions, members, storage, health = tables
    sets = [s.name for s in answer_sets.available(copier_runs.questions())]
    assert sets[0] == "full"
    assert ("first bot" in sets) == ("preset" in copier_runs.questions())
    # The number of files is measured: read it from the first row of each set.
    files = {}
    for name in sets:
        first = next(m for m in main if m.startswith(f"Render: `copier copy`, {name} ("))
        files[name] = re.fullmatch(rf"Render: `copier copy`, {name} \((\d+) files\)", first)[1]
        assert int(files[name]) > 2, first
    expected = [
        *(row for name in sets for row in _copier_rows(name, files[name])),
        "Bot, 1 server: start to READY",
        "Bot, 1 server: CPU time to READY",
        "Bot, 1 server: peak RSS",
        "Bot, 1 server: start to READY, against a floor on commands.Bot",
        "Bot, 1 server: peak RSS, against a floor on commands.Bot",
        "Bot, 1 server: SIGINT to exit",
        *(
            f"{size:,} servers{' (3 shards)' if size > 2500 else ''}: {measure}"
            for size in SIZES
            for measure in ("start to all loaded", "peak RSS", "memory per server")
        ),
    ]
    assert list(main) == expected, result.stdout
    for measure, (ours, floor, ratio, target, verdict) in main.items():
        if measure.endswith("memory per server"):
            _check_per_server(measure, [ours, floor, ratio, target, verdict])
            continue
        assert FIGURE.fullmatch(ours), (measure, ours)
        assert FIGURE.fullmatch(floor), (measure, floor)
        assert RATIO.fullmatch(ratio), (measure, ratio)
        assert (target, verdict) == ("-", "") or verdict in ("met", "**missed**"), measure
    assert list(counts) == [
        f"{verb}, {name}: {what}"
        for name in sets
        for verb in ("Render", "Update")
        for what in ("Jinja compilations", "processes started by Copier")
    ]
    for measure, (ours, floor, ratio, target, verdict) in counts.items():
        assert COUNT.fullmatch(ours) and COUNT.fullmatch(floor), (measure, ours, floor)
        assert int(ours.replace(",", "")) > 0 and int(floor.replace(",", "")) > 0, measure
        assert RATIO.fullmatch(ratio) and (target, verdict) == ("-", ""), measure
    if counted:
        assert list(instructions) == [
            f"Bot, 1 server: {instruction_runs.LABEL}",
            f"Bot, 1 server: {instruction_runs.LABEL}, against a floor on commands.Bot",
            f"{health_runs.LABEL}: {instruction_runs.LABEL}",
            *(
                f"Bot with {storage_runs.LABELS[database]}: {instruction_runs.LABEL}"
                for database in ("sqlite", "postgresql")
                if database == "sqlite" or storage_runs.NOT_MEASURED not in result.stderr
            ),
        ], result.stdout
        for measure, (ours, floor, ratio, target, verdict) in instructions.items():
            # A start is hundreds of millions of instructions, each side.
            assert COUNT.fullmatch(ours) and COUNT.fullmatch(floor), (measure, ours, floor)
            assert min(int(ours.replace(",", "")), int(floor.replace(",", ""))) > 10**8, measure
            assert RATIO.fullmatch(ratio), (measure, ratio)
            assert (target, verdict) == ("-", "") or verdict in ("met", "**missed**"), measure
        # What the table's heading claims: a second count of the same start barely moves.
        repeat = re.search(r"differed by ([\d,]+) instructions \(([\d.]+) %\)", result.stdout)
        assert repeat is not None, result.stdout
        assert float(repeat[2]) < 0.1, repeat[0]
    servers, size = MEMBER_PROFILE
    assert list(members) == [
        f"{servers} servers of {size} members, {case.label}: {measure}"
        for case in member_runs.CASES
        for measure in ("peak RSS", "memory per server")
    ], result.stdout
    for measure, (ours, floor, ratio, target, verdict) in members.items():
        if "peak RSS" in measure:
            assert FIGURE.fullmatch(ours) and FIGURE.fullmatch(floor), (measure, ours, floor)
            assert RATIO.fullmatch(ratio) and (target, verdict) == ("-", ""), measure
        else:
            _check_per_server(measure, [ours, floor, ratio, target, verdict])
    # Each database answer next to its floor; PostgreSQL's only where a server can be started
    # (CI installs one: never left out there).
    measured = list(storage_runs.DATABASES)
    if storage_runs.NOT_MEASURED in result.stderr:
        assert not in_ci(), result.stderr[-2000:]
        measured.remove("postgresql")
    assert list(storage) == [
        f"Bot with {storage_runs.LABELS[database]}: {measure}"
        for database in measured
        for measure in ("start to READY", "peak RSS")
    ], result.stdout
    for measure, (ours, floor, ratio, target, verdict) in storage.items():
        assert FIGURE.fullmatch(ours) and FIGURE.fullmatch(floor), (measure, ours, floor)
        assert RATIO.fullmatch(ratio), (measure, ratio)
        assert target.startswith("<= ") and verdict in ("met", "**missed**"), measure
    # The health server's pair answered a scrape of every path in every run (else no table).
    assert list(health) == [
        f"{health_runs.LABEL}: {measure}" for measure in ("start to READY", "peak RSS")
    ], result.stdout
    for measure, (ours, floor, ratio, target, verdict) in health.items():
        assert FIGURE.fullmatch(ours) and FIGURE.fullmatch(floor), (measure, ours, floor)
        assert RATIO.fullmatch(ratio), (measure, ratio)
        assert target.startswith("<= ") and verdict in ("met", "**missed**"), measure
    assert "Medians of 1 measured run per figure" in result.stdout
    assert "discord.py 2." in result.stdout, "the machine line names the versions"


def _check_per_server(measure: str, cells: list[str]) -> None:
    """A memory-per-server row: a figure (ours maybe a bound), and a verdict only with a ratio."""
    ours, floor, ratio, target, verdict = cells
    assert BOUNDED_FIGURE.fullmatch(ours) and FIGURE.fullmatch(floor), (measure, cells)
    assert BOUNDED_RATIO.fullmatch(ratio), (measure, ratio)
    if "full member cache" in measure:  # what discord.py keeps: no target
        assert (target, verdict) == ("-", ""), measure
        return
    assert target == "<= 0.50x", (measure, target)
    if ratio == "-":
        assert verdict == "within noise", cells
    elif ratio.startswith("<= "):  # a bound: met, or undecided
        assert verdict in ("met", "within noise"), cells
    else:
        assert verdict in ("met", "**missed**"), cells


def per_server_at_11(
    ours: tuple[list[float], list[float]], floor: tuple[list[float], list[float]]
) -> Row:
    """memory_per_server() of runs with these peaks (MB) at 1 and 11 servers, target 0.5x."""
    runs = {
        (side, size): [bot_runs.BotRun(0, 0, int(peak * 2**20), 0, 0) for peak in peaks]
        for side, at_1_and_11 in (("ours", ours), ("floor", floor))
        for size, peaks in zip((1, 11), at_1_and_11, strict=True)
    }
    return run.memory_per_server("m", runs, 11, 0.5)


def test_memory_per_server_within_the_noise_is_a_bound_or_no_ratio() -> None:
    """A growth from 1 server to N no larger than the runs' spread is noise: ours becomes an
    upper bound (met if the bound is, else undecided), a floor within it leaves no verdict;
    clear growths give the plain ratio."""
    clear = per_server_at_11(ours=([45, 45.1], [46, 46.1]), floor=([43, 43.1], [47, 47.1]))
    assert (clear.ours, clear.floor) == (0.1 * 2**20, 0.4 * 2**20)
    assert clear.cells()[3:] == ["0.25x", "<= 0.50x", "met"]
    # Ours shrank by 0.4 MB between runs 0.8 MB apart (the interned-name table's step).
    bound = per_server_at_11(ours=([44.9, 45.7], [44.9, 44.9]), floor=([43, 43], [63, 63]))
    assert bound.ours_at_most and bound.ours == pytest.approx(0.8 * 2**20 / 10)
    assert bound.cells()[1:] == ["<= 81.92 KB", "2048.00 KB", "<= 0.04x", "<= 0.50x", "met"]
    undecided = Row("m", 0.8, 1.0, "KB", 0.5, ours_at_most=True)
    assert undecided.cells()[3:] == ["<= 0.80x", "<= 0.50x", "within noise"]
    noise = per_server_at_11(ours=([45, 45], [46, 46]), floor=([43, 44], [43.5, 43.5]))
    assert not noise.resolved and noise.cells()[3:] == ["-", "<= 0.50x", "within noise"]


def test_a_ratio_over_its_target_never_reads_as_equal_to_it() -> None:
    over = Row("start", 1.1004, 1.0, "s", 1.10)
    assert over.cells()[3:] == ["1.1004x", "<= 1.10x", "**missed**"]
    assert Row("start", 1.0996, 1.0, "s", 1.10).cells()[3:] == ["1.10x", "<= 1.10x", "met"]
    assert Row("count", 3, 2, "").cells()[3:] == ["1.50x", "-", ""]


def test_suite_row_times_the_suite_against_its_collection(tmp_path: Path) -> None:
    """The suite part on a project of two tests: `uv run pytest` next to collecting them."""
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        '[project]\nname = "tiny"\nversion = "0"\nrequires-python = ">=3.11"\n'
        '[dependency-groups]\ndev = ["pytest"]\n[tool.uv]\npackage = false\n'
    )
    (project / "tests" / "test_tiny.py").write_text(
        "def test_one():\n    pass\n\n\ndef test_two():\n    pass\n"
    )
    row = run.measure_suite(project, 1, "tiny")
    assert row.measure == "Generated project (tiny): `uv run pytest`"
    assert row.ours > 0 and row.floor > 0, row
    assert row.target == run.TARGETS["suite"]  # at most 2x the collection


def test_answer_sets_follow_copier_yml() -> None:
    """A set about a question copier.yml lacks is left out; a value it does not offer fails."""
    without = {"app_name": {}, "docker": {}, "kubernetes": {}, "github_ci": {}}
    without |= {"type_checking": {}, "pre_commit": {}, "update_workflow": {}}
    assert [s.name for s in answer_sets.available(without)] == ["full"]
    presets = {"preset": {"choices": {"My first bot": "first-bot", "Ship it": "bot-to-ship"}}}
    assert [s.name for s in answer_sets.available(without | presets)] == ["full", "first bot"]
    renamed = {"preset": {"choices": {"My first bot": "starter"}}}
    with pytest.raises(ValueError, match=r"bench/answer_sets\.py.*first-bot"):
        answer_sets.available(without | renamed)
    with pytest.raises(ValueError, match="does not ask"):
        answer_sets.available({"app_name": {}})


def test_plain_floor_renders_the_same_files(tmp_path: Path) -> None:
    """The plain-file floor copies a render's files, a .gitignore that would hide .env included."""
    rendered = tmp_path / "rendered"
    for name, text in {
        "README.md": "# x\n",
        ".copier-answers.yml": "_commit: v1\n",
        ".gitignore": ".env\n",
        ".env": "DISCORD_TOKEN=\n",
        "src/pkg/cogs/general.py": "print('hi')\n",
        ".github/workflows/ci.yml": "on: push\n",
    }.items():
        (rendered / name).parent.mkdir(parents=True, exist_ok=True)
        (rendered / name).write_text(text)
    env = copier_runs.child_environment(tmp_path)
    floor = copier_runs.snapshot_plain_floor(tmp_path / "floor", rendered, env, "plain")
    copy = tmp_path / "copy"
    copier_runs.time_copy(floor, copy, env)
    assert len(copier_runs.rendered_files(copy)) == len(copier_runs.rendered_files(rendered))
    assert (copy / ".env").read_text() == "DISCORD_TOKEN=\n"
    assert (copy / "src/pkg/cogs/general.py").read_text() == "print('hi')\n"


def test_counts_attribute_compilations_and_processes(tmp_path: Path) -> None:
    env = copier_runs.child_environment(tmp_path)
    floor = copier_runs.snapshot_floor_template(tmp_path / "floor", env)
    counts: Any = copier_runs.count_copy(floor, tmp_path / "copy", env)
    assert (tmp_path / "copy" / "README.md").read_text().startswith("# floor\n")
    assert counts.compilations["files"] == 2  # README.md.jinja and the answers file
    assert counts.compilations["question:name"] >= 1
    assert counts.compilations["path parts"] >= 2
    assert counts.processes["git clone"] == 1
    assert counts.total_compilations == sum(counts.compilations.values())


@pytest.mark.parametrize(
    "fake_place", ["tests/fake_discord.py", "src/my_bot/runtime/fake_discord.py"]
)
def test_bot_paths_come_from_the_generated_project(tmp_path: Path, fake_place: str) -> None:
    """The console script and the fake's place are read from the project, in either layout."""
    project = tmp_path / "project"
    for name, text in {
        ".copier-answers.yml": "package_name: my_bot\n",
        "pyproject.toml": '[project]\nname = "my-bot"\n[project.scripts]\n'
        'my_bot = "my_bot.runtime.cli:main"\n',
        fake_place: "",
    }.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    bot = bot_runs.GeneratedBot.of(project)
    assert (bot.package, bot.target) == ("my_bot", "my_bot.runtime.cli:main")
    assert bot.fake_discord == project / fake_place


def test_member_profiles_are_servers_times_members() -> None:
    assert member_runs.profiles("1000x50,20x5000") == [(1000, 50), (20, 5000)]
    assert member_runs.profiles("10000x50") == [(10000, 50)]  # sharded, as the bots row
    for bad, message in (
        ("1000", "servers x members"),
        ("1x50", "from 2 to 20,000"),
        ("20001x50", "from 2 to 20,000"),
        ("10x1", "from 2 \\(the bot and its owner\\)"),
    ):
        with pytest.raises(argparse.ArgumentTypeError, match=message):
            member_runs.profiles(bad)


def test_member_cases_pair_each_bot_with_the_floor_of_its_intents(tmp_path: Path) -> None:
    """With the intent, both bots come from the project that asks for it, and the floor keeps
    discord.py's defaults for it (so it downloads every member list): the run waits for those."""
    projects = {}
    for with_intent in (False, True):
        project = projects[with_intent] = tmp_path / str(with_intent)
        (project / "src/my_bot/runtime").mkdir(parents=True)
        (project / "src/my_bot/runtime/fake_discord.py").write_text("")
        (project / ".copier-answers.yml").write_text("package_name: my_bot\n")
        (project / "pyproject.toml").write_text(
            '[project]\nname = "my-bot"\n[project.scripts]\nmy_bot = "my_bot.cli:main"\n'
        )
    without, members, full = (member_runs.bots_for(case, projects) for case in member_runs.CASES)
    assert without["floor"].settings == {} and not without["floor"].chunks_at_startup
    assert without["ours"].python == projects[False] / ".venv/bin/python"
    assert members["floor"].settings == {"BENCH_INTENTS": "members"}
    assert members["floor"].chunks_at_startup and not members["ours"].chunks_at_startup
    assert members["ours"].python == members["floor"].python == projects[True] / ".venv/bin/python"
    assert full["ours"].settings == member_runs.FULL_MEMBER_CACHE
    assert full["ours"].chunks_at_startup


def test_a_health_path_that_does_not_answer_fails_the_run(tmp_path: Path) -> None:
    """A health figure counts only a server that answered: a closed port fails the run."""
    port = health_runs.free_port()
    with pytest.raises(RuntimeError, match=f"/readyz on port {port}"):
        bot_runs._answers_200(port, "/readyz", tmp_path / "bot.log")
