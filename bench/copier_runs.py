"""Copier's side: `copier copy` and `copier update` of this template and of a one-file floor.

Both templates are served the same way, as local git repositories with two tagged versions
(v1.0.0, v1.1.0), which is how users meet them (`gh:org/repo` is cloned too). Both go through the
same Copier, each call in its own process, so Copier's start-up counts on both sides alike.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
V1, V2 = "v1.0.0", "v1.1.0"
# What each template's v1.1.0 changes: one line in its README, the smallest real update.
V2_LINE = "This line arrived with template version 1.1.0."
V2_FILE = "template/README.md.jinja"

# The floor: one question, one rendered file, and the answers file `copier update` needs.
FLOOR_FILES = {
    "copier.yml": (
        "_subdirectory: template\n"
        "_answers_file: .copier-answers.yml\n"
        "name:\n"
        "  type: str\n"
        "  help: A name\n"
        "  default: floor\n"
    ),
    "template/{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers | to_nice_yaml }}",
    V2_FILE: "# {{ name }}\n",
}

# This template's answers: the defaults, plus the values a bot author must type.
OUR_DATA = {
    "app_name": "Bench Bot",
    "package_name": "bench_bot",
    "application_id": "1234567890123456789",
}


@dataclass(frozen=True)
class Template:
    """A template as a git repository, and the answers a non-interactive copy needs."""

    name: str
    path: Path
    data: dict[str, str]


def run(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Run a command; return its wall time in seconds, or fail with its output."""
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({result.returncode}) in {cwd}:\n"
            f"{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
        )
    return elapsed


def _git(cwd: Path, env: dict[str, str], *args: str) -> None:
    run(["git", *args], cwd, env)


def _tag_two_versions(repo: Path, env: dict[str, str]) -> None:
    """Commit the tree as v1.0.0, then append V2_LINE to V2_FILE and commit v1.1.0."""
    _git(repo, env, "init", "--quiet")
    _git(repo, env, "add", "--all")
    _git(repo, env, "commit", "--quiet", "--no-verify", "--message", V1)
    _git(repo, env, "tag", V1)
    with (repo / V2_FILE).open("a", encoding="utf-8") as readme:
        readme.write(f"\n{V2_LINE}\n")
    _git(repo, env, "commit", "--quiet", "--no-verify", "--all", "--message", V2)
    _git(repo, env, "tag", V2)
    _git(repo, env, "gc", "--quiet", "--prune=now")  # packed, as a repository served by GitHub


def snapshot_this_template(destination: Path, env: dict[str, str]) -> Template:
    """This repository's working tree (uncommitted changes included) as a tagged git repo."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        source = REPO_ROOT / name
        if source.is_file():  # tracked files deleted in the working tree are skipped
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    _tag_two_versions(destination, env)
    return Template("this template", destination, OUR_DATA)


def snapshot_floor_template(destination: Path, env: dict[str, str]) -> Template:
    """The one-file floor template as a tagged git repo."""
    for name, text in FLOOR_FILES.items():
        path = destination / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    _tag_two_versions(destination, env)
    return Template("one-file template", destination, {})


def copier(*args: str) -> list[str]:
    """The same Copier for every call: the one in the environment running the benchmark."""
    return [sys.executable, "-m", "copier", *args]


def _data_args(template: Template) -> list[str]:
    return [f"--data={key}={value}" for key, value in template.data.items()]


def time_copy(template: Template, destination: Path, env: dict[str, str]) -> float:
    """`copier copy` of the newest version into a new folder."""
    command = copier("copy", "--quiet", "--defaults", *_data_args(template))
    return run([*command, str(template.path), str(destination)], destination.parent, env)


def time_update(template: Template, project: Path, env: dict[str, str]) -> float:
    """Copy v1.0.0 and commit it (untimed), then time `copier update` to v1.1.0."""
    command = copier("copy", "--quiet", "--defaults", f"--vcs-ref={V1}", *_data_args(template))
    run([*command, str(template.path), str(project)], project.parent, env)
    _git(project, env, "init", "--quiet")
    _git(project, env, "add", "--all")
    _git(project, env, "commit", "--quiet", "--no-verify", "--message", "Start from the template")
    elapsed = run(copier("update", "--quiet", "--defaults"), project, env)
    if V2_LINE not in (project / "README.md").read_text(encoding="utf-8"):
        raise RuntimeError(f"copier update of {template.name} did not bring {V2}")
    return elapsed


def child_environment(scratch: Path) -> dict[str, str]:
    """Copier and git as a user runs them: bytecode cached, no user settings, an identity."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONDONTWRITEBYTECODE", "VIRTUAL_ENV"}
    }
    settings = scratch / "copier-settings.yml"
    settings.write_text("{}\n", encoding="utf-8")
    env["COPIER_SETTINGS_PATH"] = str(settings)
    for key, value in {
        "GIT_AUTHOR_NAME": "Bench",
        "GIT_AUTHOR_EMAIL": "bench@example.invalid",
        "GIT_COMMITTER_NAME": "Bench",
        "GIT_COMMITTER_EMAIL": "bench@example.invalid",
    }.items():
        env.setdefault(key, value)
    return env
