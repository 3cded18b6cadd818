"""Install rendered projects as a bot author would, and run their own tests and linters.

These are the template's end-to-end checks: each answer set becomes a real project with its own
virtual environment (uv, from the package registry cache), whose test suite must pass.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest
from support.answer_sets import answers
from support.project import uv
from support.render import copy_project, stored_answers
from support.shipping import run_commands

pytestmark = pytest.mark.slow

# Each set costs a full install and suite (about 100 s in CI): a set here changes what the
# code does, not only what a file says (tests/render/ checks every set's files).
PROJECT_ANSWER_SETS = [
    "defaults",  # a bot to ship: every part, SQLite storage
    "first-bot",  # the template's default: no Docker, no strict typing, no storage
    "postgresql",
    "user-install",
    "odd-names-every-intent",
    "commands-only-no-application-id",
]


@pytest.fixture(scope="module", params=PROJECT_ANSWER_SETS)
def project(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], Path]:
    destination = tmp_path_factory.mktemp(request.param) / "mybot"
    copy_project(destination, answers(request.param), vcs_ref="HEAD")
    stored = stored_answers(destination)
    uv("sync", "--quiet", cwd=destination)
    return stored, destination


def test_generated_tests_pass(project: tuple[dict[str, Any], Path]) -> None:
    _, destination = project
    result = uv("run", "pytest", "-q", "-p", "no:cacheprovider", cwd=destination, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout
    assert "warning" not in result.stdout.lower(), result.stdout


def test_generated_code_is_ruff_clean(project: tuple[dict[str, Any], Path]) -> None:
    _, destination = project
    uv("run", "ruff", "check", "--no-cache", ".", cwd=destination)
    uv("run", "ruff", "format", "--check", "--no-cache", ".", cwd=destination)


def test_placeholder_token_is_refused_by_the_console_script(
    project: tuple[dict[str, Any], Path],
) -> None:
    stored, destination = project
    package = stored["package_name"]
    result = uv("run", package, cwd=destination, check=False)
    assert result.returncode == 2
    assert "DISCORD_TOKEN" in result.stderr
    assert ".env" in result.stderr
    application_id = stored["application_id"]
    bot_page = (
        f"https://discord.com/developers/applications/{application_id}/bot"
        if application_id
        else "https://discord.com/developers/applications"
    )
    assert bot_page in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache for every project: discord.py's types are analysed once, not per project
    (mypy still re-checks any module whose source differs)."""
    return tmp_path_factory.mktemp("mypy-cache")


def test_generated_code_type_checks(project: tuple[dict[str, Any], Path], mypy_cache: Path) -> None:
    """`uv run mypy`, strict as pyproject.toml configures it, passes on the bot and its tests."""
    stored, destination = project
    if not stored["type_checking"]:
        assert "mypy" not in (destination / "pyproject.toml").read_text(encoding="utf-8")
        return
    result = uv("run", "mypy", "--cache-dir", str(mypy_cache), cwd=destination, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


def test_ci_workflow_steps_pass(project: tuple[dict[str, Any], Path]) -> None:
    """Each `run:` step of the rendered workflow passes here as on GitHub, with the lock that
    `uv sync` wrote. The pytest and mypy steps are the tests above (same commands)."""
    stored, destination = project
    workflow = destination / ".github" / "workflows" / "ci.yml"
    if not stored["github_ci"]:
        assert not workflow.exists()
        return
    # The image job builds with Docker: tests/project/test_engines.py runs its steps for real.
    commands = [shlex.split(command) for command in run_commands(workflow, job="test")]
    assert all(command[0] == "uv" for command in commands), commands
    for command in commands:
        if command[1:3] not in (["run", "pytest"], ["run", "mypy"]):
            uv(*command[1:], cwd=destination)
