"""Shared fixtures: every test runs in an empty folder with no Discord settings inherited."""

from __future__ import annotations

import logging
import os
import re
import signal
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from dotenv import dotenv_values

from .support.harness import (
    STORAGE_FIXTURES,
    SUITE_SETTINGS,
    Playground,
    ServedBot,
    serve_and_stop,
    start_warm_starter,
    stop_warm_starter,
)

# Bots with storage: the database fixtures too (tests/support/databases.py).
pytest_plugins = STORAGE_FIXTURES
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Every setting the bot reads, as .env.example lists them: set, or commented out because the
# container image sets them (`# HEALTH_PORT=8080`).
_EXAMPLE = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
SETTINGS = tuple(dotenv_values(PROJECT_ROOT / ".env.example")) + tuple(
    re.findall(r"^# ([A-Z][A-Z0-9_]*)=", _EXAMPLE, re.MULTILINE)
)


def pytest_sessionstart(session: pytest.Session) -> None:
    """The warm starter, which the session's bot processes are forked from, imports discord.py
    while pytest collects the tests (tests/support/warm_start.py)."""
    if not session.config.option.collectonly:
        start_warm_starter()


def pytest_sessionfinish(session: pytest.Session) -> None:
    stop_warm_starter()


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run in a temporary folder (so a real .env is never read) with a clean environment."""
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    yield tmp_path


@pytest.fixture(autouse=True)
def restore_signals() -> Iterator[None]:
    """Undo what a stopped `run` does to Ctrl+C and SIGTERM (it ignores them from then on), so
    that Ctrl+C still stops pytest after a test ran the bot in-process."""
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    yield
    for number, handler in handlers.items():
        signal.signal(number, handler)


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Undo what `cli.main()` does to the root logger, so tests called in-process stay apart."""
    root = logging.getLogger()
    handlers, level = set(root.handlers), root.level
    yield
    for handler in set(root.handlers) - handlers:
        if type(handler) is logging.StreamHandler:  # discord.utils.setup_logging()'s
            root.removeHandler(handler)
    root.setLevel(level)


# The bot runs that several tests read: the stop signal, and the settings on top of the suite's.
# Both at LOG_LEVEL=DEBUG, the most talkative level; one with Python's import log on
# (PYTHONPROFILEIMPORTTIME lists every module the process imports).
SHARED_RUNS = {
    "served_until_sigterm": (
        signal.SIGTERM,
        {"LOG_LEVEL": "DEBUG", "PYTHONPROFILEIMPORTTIME": "1"},
    ),
    "served_until_ctrl_c": (signal.SIGINT, {"LOG_LEVEL": "DEBUG"}),  # then "Stopped.", SIGINT
}


@pytest.fixture(scope="session", autouse=True)
def shared_runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Future[ServedBot]]]:
    """Start the shared bot runs as the session starts, each on a thread of its own: the bots
    start up while the other tests run. A run no selected test reads is not started."""
    wanted = {name for item in request.session.items for name in getattr(item, "fixturenames", ())}
    # No Discord settings inherited (as `isolated`) but those every test's bot gets.
    inherited = {name: value for name, value in os.environ.items() if name not in SETTINGS}
    with ThreadPoolExecutor(len(SHARED_RUNS), thread_name_prefix="shared bot run") as pool:
        yield {
            name: pool.submit(
                serve_and_stop,
                stop_signal,
                tmp_path_factory.mktemp(name),
                {**SUITE_SETTINGS, **env},
                inherited,
            )
            for name, (stop_signal, env) in SHARED_RUNS.items()
            if name in wanted
        }


@pytest.fixture(scope="session")
def served_until_sigterm(shared_runs: dict[str, Future[ServedBot]]) -> ServedBot:
    """A bot process READY, used and stopped by SIGTERM, once for the tests that read it."""
    return shared_runs["served_until_sigterm"].result()


@pytest.fixture(scope="session")
def served_until_ctrl_c(shared_runs: dict[str, Future[ServedBot]]) -> ServedBot:
    """The same, stopped by Ctrl+C twice."""
    return shared_runs["served_until_ctrl_c"].result()


@pytest.fixture
def playground(isolated: Path) -> Iterator[Playground]:
    """The bot, running against a fake Discord: `playground.slash("ping")` returns its reply."""
    with Playground() as started:
        yield started


@pytest.fixture
def readme() -> str:
    """The project's README, whose links the code must match."""
    return (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
