"""Storage's cost: the generated bot with each `database` answer, next to a floor of its kind.

For none, the floor is bots/floor_bot.py; for SQLite and PostgreSQL it is
bots/storage_floor_bot.py, which opens the same database through the same library (SQLAlchemy's
asyncio engine and the same driver), from the same virtual environment as the generated bot.
Each pair runs as the bot rows do (run.compare_bots: one server, the generated project's fake
Discord, warm-up run first). The warm-up also makes the schema (SQLite: the bot's own `run`
does; PostgreSQL: `db upgrade` first, as compose's migrate service would), so the figures are
those of every later start.

PostgreSQL needs a server: a throwaway one, started by the generated project's own test support
(tests/support/databases.py: initdb and pg_ctl on a temporary folder, as the `postgres` user
when run as root) from $POSTGRES_BINDIR (which .ci/run exports) or this machine's PostgreSQL
programs. Without them the PostgreSQL rows are left out, and why is printed.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench import bot_runs, copier_runs, run
from bench.bot_runs import BotUnderTest
from bench.copier_runs import Template
from bench.report import Row

DATABASES = ("none", "sqlite", "postgresql")
LABELS = {"none": "no storage", "sqlite": "SQLite", "postgresql": "PostgreSQL"}
STORAGE_FLOOR_TARGET = "storage_floor_bot:main"
# Relative to the bots' working folder, as the generated bot's own default (data/<package>.db).
SQLITE_FLOOR_URL = "sqlite+aiosqlite:///storage-floor.db"
NOT_MEASURED = "PostgreSQL not measured"
# Run by the generated project's Python in the project (its tests/ importable from there):
# prints the server's URL, then keeps the server until its standard input closes.
SERVER_SCRIPT = """
import os
import sys
from pathlib import Path

from tests.support.databases import postgres_programs, throwaway_server

given = os.environ.get("POSTGRES_BINDIR")
programs = Path(given) if given else postgres_programs()
if programs is None:
    sys.exit("no PostgreSQL programs (initdb, pg_ctl): apt-get install postgresql")
with throwaway_server(programs) as url:
    print(url.render_as_string(hide_password=False), flush=True)
    sys.stdin.read()
"""


@dataclass(frozen=True)
class Installed:
    """A rendered project and its virtual environment's Python."""

    project: Path
    python: Path

    @property
    def database(self) -> str:
        answers: dict[str, Any] = yaml.safe_load(
            (self.project / copier_runs.ANSWERS_FILE).read_text(encoding="utf-8")
        )
        return str(answers.get("database", "none"))


def render(template: Template, database: str, workdir: Path, env: Mapping[str, str]) -> Installed:
    """The generated project with this storage answer (the other answers: `template`'s), synced;
    rendered once per invocation, for the storage and instructions parts alike."""
    project = workdir / f"storage-{database}"
    if project.exists():
        return Installed(project, project / ".venv" / "bin" / "python")
    answers = Template(template.name, template.path, {**template.answers, "database": database})
    copier_runs.time_copy(answers, project, env)
    run.log(f"storage: uv sync of the generated project with database={database}")
    return Installed(project, run.install(project))


def installed_with(
    database: str,
    template: Template,
    workdir: Path,
    env: Mapping[str, str],
    installed: Installed | None = None,
) -> Installed:
    """`installed` when it already has this storage answer, else its render with that answer."""
    if installed is not None and installed.database == database:
        return installed
    return render(template, database, workdir, env)


@contextlib.contextmanager
def postgres_server(installed: Installed) -> Iterator[str | None]:
    """A throwaway PostgreSQL server's URL, or None (and why, on stderr) without PostgreSQL."""
    server = subprocess.Popen(
        [str(installed.python), "-c", SERVER_SCRIPT],
        cwd=installed.project,
        env=bot_runs.bot_environment(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None and server.stdin is not None
    try:
        url = server.stdout.readline().strip()
        if url:
            yield url
        else:
            why = server.communicate(timeout=120)[1].strip().splitlines()
            print(f"{NOT_MEASURED}: {why[-1] if why else 'no server'}", file=sys.stderr)
            yield None
    finally:
        if server.poll() is None:
            server.stdin.close()
            server.wait(120)


def upgrade(installed: Installed, url: str, folder: Path) -> None:
    """`db upgrade`, as compose's migrate service runs it before the bot (no .env in `folder`)."""
    package = bot_runs.GeneratedBot.of(installed.project).package
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [str(installed.python), "-m", package, "db", "upgrade"],
        cwd=folder,
        env={**bot_runs.bot_environment(), "DATABASE_URL": url},
        check=True,
        capture_output=True,
    )


def serving_pair(
    installed: Installed, logs: Path, servers: contextlib.ExitStack
) -> dict[str, BotUnderTest] | None:
    """The pair for `installed`'s storage answer with the database both open: SQLite's floor
    file, or a throwaway PostgreSQL server (kept until `servers` closes), migrated as compose's
    migrate service does. None, and why on stderr, where no PostgreSQL server can start."""
    settings: dict[str, str] = {}
    if installed.database == "sqlite":
        settings = {"DATABASE_URL": SQLITE_FLOOR_URL}  # ours: its default file
    elif installed.database == "postgresql":
        url = servers.enter_context(postgres_server(installed))
        if url is None:
            return None
        upgrade(installed, url, logs)
        settings = {"DATABASE_URL": url}
    return pair(installed, settings)


def pair(installed: Installed, settings: Mapping[str, str]) -> dict[str, BotUnderTest]:
    """The generated bot and its floor, both from the project's environment."""
    database = installed.database
    target = bot_runs.GeneratedBot.of(installed.project).target
    ours = {"DATABASE_URL": settings["DATABASE_URL"]} if database == "postgresql" else {}
    return {
        "ours": BotUnderTest(f"bot ({database})", installed.python, target, True, ours),
        "floor": BotUnderTest(
            f"floor ({database})",
            installed.python,
            bot_runs.FLOOR_TARGET if database == "none" else STORAGE_FLOOR_TARGET,
            False,
            dict(settings),
        ),
    }


def measure_storage(
    template: Template,
    workdir: Path,
    repeat: int,
    env: Mapping[str, str],
    installed: Installed | None = None,
) -> list[Row]:
    """A start-to-READY row and a peak-RSS row for each database answer, next to its floor.

    `installed`: a project already synced with `template`'s answers, used for its own answer.
    """
    rows: list[Row] = []
    for database in DATABASES:
        logs = workdir / "logs" / f"storage-{database}"
        with contextlib.ExitStack() as servers:
            chosen = installed_with(database, template, workdir, env, installed)
            bots = serving_pair(chosen, logs, servers)
            if bots is None:
                continue
            runs = run.compare_bots(bots, [1], run.STARTUP_RUNS * repeat, chosen.project, logs)
        rows += run.feature_rows(f"Bot with {LABELS[database]}", runs)
    return rows
