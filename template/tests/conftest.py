"""Shared fixtures: every test runs in an empty folder with no Discord settings inherited."""

from __future__ import annotations

import logging
import re
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from dotenv import dotenv_values

from .support.harness import (
    STORAGE_FIXTURES,
    SUITE_SETTINGS,
    Playground,
    ServedBot,
    serve_and_stop,
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


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run in a temporary folder (so a real .env is never read) with a clean environment."""
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    yield tmp_path


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


def served_in_isolation(
    stop_signal: signal.Signals, folder: Path, env: dict[str, str]
) -> ServedBot:
    """`serve_and_stop` in `folder`, with no Discord settings inherited (as `isolated`) but
    those every test's bot gets."""
    with pytest.MonkeyPatch.context() as environment:
        for name in SETTINGS:
            environment.delenv(name, raising=False)
        return serve_and_stop(stop_signal, folder, {**SUITE_SETTINGS, **env})


@pytest.fixture(scope="session")
def served_until_sigterm(tmp_path_factory: pytest.TempPathFactory) -> ServedBot:
    """A bot process READY, used and stopped by SIGTERM, once for the tests that read it.

    At LOG_LEVEL=DEBUG, the most talkative level, and with Python's import log on
    (PYTHONPROFILEIMPORTTIME lists every module the process imports).
    """
    env = {"LOG_LEVEL": "DEBUG", "PYTHONPROFILEIMPORTTIME": "1"}
    return served_in_isolation(signal.SIGTERM, tmp_path_factory.mktemp("sigterm"), env)


@pytest.fixture(scope="session")
def served_until_ctrl_c(tmp_path_factory: pytest.TempPathFactory) -> ServedBot:
    """The same, at LOG_LEVEL=DEBUG, stopped by Ctrl+C twice (SIGINT, "Stopped.", SIGINT)."""
    env = {"LOG_LEVEL": "DEBUG"}
    return served_in_isolation(signal.SIGINT, tmp_path_factory.mktemp("ctrl-c"), env)


@pytest.fixture
def playground(isolated: Path) -> Iterator[Playground]:
    """The bot, running against a fake Discord: `playground.slash("ping")` returns its reply."""
    with Playground() as started:
        yield started


@pytest.fixture
def readme() -> str:
    """The project's README, whose links the code must match."""
    return (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
