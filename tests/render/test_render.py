"""Render every answer set and check what a bot author gets, without installing anything."""

from __future__ import annotations

import ast
import html
import re
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.answer_sets import ANSWER_SETS
from support.invite import invite_links, permissions_of
from support.render import stored_answers

LINK = re.compile(r"https://discord\.com/oauth2/authorize\?[^)>\s]+")


@pytest.fixture(params=sorted(ANSWER_SETS))
def rendered(
    request: pytest.FixtureRequest, rendered_project: Callable[[str], Path]
) -> tuple[dict[str, Any], Path]:
    """Each answer set's project (shared with every test that reads it) and its stored answers."""
    project = rendered_project(request.param)
    return stored_answers(project), project


def test_every_python_file_compiles(rendered: tuple[dict[str, Any], Path]) -> None:
    _, project = rendered
    files = list(project.rglob("*.py"))
    assert len(files) >= 10
    for path in files:
        ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_pyproject_and_answers_parse(rendered: tuple[dict[str, Any], Path]) -> None:
    answers_given, project = rendered
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    package = answers_given["package_name"]
    assert pyproject["project"]["scripts"] == {package: f"{package}.runtime.entry:main"}
    assert "\n" not in pyproject["project"]["description"]
    stored = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert stored["app_name"] == answers_given["app_name"]
    assert (project / "src" / package / "__main__.py").is_file()


def test_no_token_anywhere_in_answers(rendered: tuple[dict[str, Any], Path]) -> None:
    _, project = rendered
    stored = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert not [key for key in stored if "token" in key.lower() or "secret" in key.lower()]
    assert "permissions_value" not in stored, "computed values are never stored"
    env = (project / ".env").read_text(encoding="utf-8")
    assert re.search(r"^DISCORD_TOKEN=$", env, re.MULTILINE)


def test_env_file_is_git_ignored(rendered: tuple[dict[str, Any], Path], tmp_path: Path) -> None:
    _, project = rendered
    # The repository lives beside the shared project, which stays as rendered.
    git = ["git", f"--git-dir={tmp_path / 'git'}", f"--work-tree={project}"]
    subprocess.run([*git, "init", "-q"], cwd=project, check=True)
    ignored = subprocess.run([*git, "check-ignore", "-q", ".env"], cwd=project, check=False)
    assert ignored.returncode == 0, ".env must be git-ignored"
    example = subprocess.run([*git, "check-ignore", "-q", ".env.example"], cwd=project, check=False)
    assert example.returncode == 1, ".env.example is meant to be committed"


def test_readme_links_equal_discord_py(rendered: tuple[dict[str, Any], Path]) -> None:
    answers_given, project = rendered
    readme = (project / "README.md").read_text(encoding="utf-8")
    links = set(LINK.findall(readme))
    application_id = answers_given["application_id"]
    installs = answers_given["install_contexts"]
    if not application_id:
        assert links == set()
        assert "application ID" in readme
        return
    expected = invite_links(answers_given)
    if "guild" in installs and "bot" in answers_given["scopes"]:
        value = permissions_of(answers_given.get("permissions", [])).value
        assert f"**{value}**" in readme or value == 0
    assert links == set(expected.values())


def test_readme_shows_answers_literally(rendered: tuple[dict[str, Any], Path]) -> None:
    """Answers are text: no HTML gets through, and Jinja delimiters are never evaluated."""
    answers_given, project = rendered
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "<b>" not in readme
    first_line = readme.splitlines()[0]
    assert first_line.startswith("# ")
    assert markdown_text(first_line[2:]) == answers_given["app_name"].strip()


def markdown_text(source: str) -> str:
    """What a Markdown renderer shows for escaped inline text: escapes and entities resolved."""
    return html.unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", source))
