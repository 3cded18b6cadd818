"""Copier's side: `copier copy` and `copier update` of this template and of its two floors.

- the one-file floor: one question, one rendered file and the answers file `copier update` needs,
  so Copier's own start-up and per-run work;
- the plain-file floor of an answer set: the files that set renders, at the same paths with the
  same bytes, as plain files (nothing to template, one question), so what Copier costs for that
  many files; the difference to this template is the template's own share (its questions,
  rule files and templated files).

All are served the same way, as packed local git repositories with two tagged versions (v1.0.0,
v1.1.0), which is how users meet them (`gh:org/repo` is cloned too), through the same Copier,
each call in its own process, so Copier's start-up counts on every side alike.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
V1, V2 = "v1.0.0", "v1.1.0"
# What each template's v1.1.0 changes: one line in its README, the smallest real update.
V2_LINE = "This line arrived with template version 1.1.0."
V2_FILE = "template/README.md.jinja"
ANSWERS_FILE = ".copier-answers.yml"

# The floors' questionnaire: one question.
FLOOR_COPIER_YML = (
    "_subdirectory: template\n"
    f"_answers_file: {ANSWERS_FILE}\n"
    "name:\n"
    "  type: str\n"
    "  help: A name\n"
    "  default: floor\n"
)
FLOOR_ANSWERS = "{{ _copier_answers | to_nice_yaml }}"
FLOOR_README = "# {{ name }}\n"
# Files git reads for the folder they are in: in a floor's template/ they would change which of
# its other files the floor's own repository holds, so they get a neutral name there.
GIT_OWN_FILES = {".gitignore", ".gitattributes", ".gitmodules"}


@dataclass(frozen=True)
class Template:
    """A template as a git repository, and the answers a non-interactive copy gives it."""

    name: str
    path: Path
    answers: Mapping[str, Any]


@dataclass(frozen=True)
class Timing:
    """A command's wall time, and the CPU time (user + system) of it and every process it
    waited for: the steadier figure on a shared machine, where waiting for a core is noise."""

    wall: float
    cpu: float


def timed(command: list[str], cwd: Path, env: Mapping[str, str]) -> Timing:
    """Run a command; return its times, or fail with its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(
        command, cwd=cwd, env=dict(env), capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({result.returncode}) in {cwd}:\n"
            f"{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
        )
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(wall, cpu)


def run(command: list[str], cwd: Path, env: Mapping[str, str]) -> float:
    """Run a command; return its wall time in seconds, or fail with its output."""
    return timed(command, cwd, env).wall


def _git(cwd: Path, env: Mapping[str, str], *args: str) -> None:
    run(["git", *args], cwd, env)


def _tag_two_versions(repo: Path, env: Mapping[str, str]) -> None:
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


def snapshot_this_template(destination: Path, env: Mapping[str, str]) -> Path:
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
    return destination


def snapshot_floor_template(destination: Path, env: Mapping[str, str]) -> Template:
    """The one-file floor template as a tagged git repo."""
    _write_floor(destination)
    _tag_two_versions(destination, env)
    return Template("one-file template", destination, {})


def snapshot_plain_floor(
    destination: Path, rendered: Path, env: Mapping[str, str], name: str
) -> Template:
    """A floor rendering as many files as `rendered` holds: those files, as plain files."""
    _write_floor(destination)
    for source in rendered_files(rendered):
        relative = source.relative_to(rendered)
        if relative.as_posix() in {"README.md", ANSWERS_FILE}:
            continue  # the floor's own README (which v1.1.0 changes) and answers file
        if relative.name in GIT_OWN_FILES:
            relative = relative.with_name(relative.name.lstrip(".") + ".txt")
        target = destination / "template" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    _tag_two_versions(destination, env)
    return Template(name, destination, {})


def _write_floor(destination: Path) -> None:
    for name, text in {
        "copier.yml": FLOOR_COPIER_YML,
        "template/{{ _copier_conf.answers_file }}.jinja": FLOOR_ANSWERS,
        V2_FILE: FLOOR_README,
    }.items():
        path = destination / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def rendered_files(project: Path) -> list[Path]:
    """The files a render produced (its git repository, if any, aside)."""
    return sorted(
        path
        for path in project.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(project).parts[:1]
    )


def questions() -> dict[str, Any]:
    """copier.yml's questions (its settings, the keys starting with "_", left out)."""
    with (REPO_ROOT / "copier.yml").open(encoding="utf-8") as file:
        documents = [document for document in yaml.safe_load_all(file) if document]
    merged: dict[str, Any] = {}
    for document in documents:
        merged.update(document)
    return {key: value for key, value in merged.items() if not key.startswith("_")}


def copier(*args: str) -> list[str]:
    """The same Copier for every call: the one in the environment running the benchmark."""
    return [sys.executable, "-m", "copier", *args]


def _data_args(template: Template, destination: Path) -> list[str]:
    """The answers as a --data-file beside the destination (YAML keeps booleans as booleans)."""
    if not template.answers:
        return []
    path = destination.with_name(f"{destination.name}.answers.yml")
    path.write_text(yaml.safe_dump(dict(template.answers)), encoding="utf-8")
    return [f"--data-file={path}"]


def copy_command(template: Template, destination: Path, vcs_ref: str | None = None) -> list[str]:
    """`copier copy` of the newest version (or `vcs_ref`) into a new folder."""
    return [
        "copy",
        "--quiet",
        "--defaults",
        *([f"--vcs-ref={vcs_ref}"] if vcs_ref else []),
        *_data_args(template, destination),
        str(template.path),
        str(destination),
    ]


def time_copy(template: Template, destination: Path, env: Mapping[str, str]) -> Timing:
    """`copier copy` of the newest version into a new folder."""
    return timed(copier(*copy_command(template, destination)), destination.parent, env)


def prepare_update(template: Template, project: Path, env: Mapping[str, str]) -> None:
    """Copy v1.0.0 and commit it, as a project waiting for the next version."""
    run(copier(*copy_command(template, project, V1)), project.parent, env)
    _git(project, env, "init", "--quiet")
    _git(project, env, "add", "--all")
    _git(project, env, "commit", "--quiet", "--no-verify", "--message", "Start from the template")


UPDATE_COMMAND = ["update", "--quiet", "--defaults"]


def check_updated(template: Template, project: Path) -> None:
    if V2_LINE not in (project / "README.md").read_text(encoding="utf-8"):
        raise RuntimeError(f"copier update of {template.name} did not bring {V2}")


def time_update(template: Template, project: Path, env: Mapping[str, str]) -> Timing:
    """Prepare a project at v1.0.0 (untimed), then time `copier update` to v1.1.0."""
    prepare_update(template, project, env)
    timing = timed(copier(*UPDATE_COMMAND), project, env)
    check_updated(template, project)
    return timing


@dataclass(frozen=True)
class Counts:
    """What one Copier run did, counted (bench/copier_counts.py)."""

    compilations: dict[str, int]
    processes: dict[str, int]

    @property
    def total_compilations(self) -> int:
        return sum(self.compilations.values())

    @property
    def total_processes(self) -> int:
        return sum(self.processes.values())


def _counted(args: list[str], cwd: Path, env: Mapping[str, str], report: Path) -> Counts:
    path = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    counted_env = {**env, "PYTHONPATH": path}
    run([sys.executable, "-m", "bench.copier_counts", str(report), "--", *args], cwd, counted_env)
    data = json.loads(report.read_text(encoding="utf-8"))
    return Counts(data["compilations"], data["processes"])


def count_copy(template: Template, destination: Path, env: Mapping[str, str]) -> Counts:
    """One counted `copier copy` (as time_copy runs it)."""
    report = destination.parent / f"{destination.name}.counts.json"
    return _counted(copy_command(template, destination), destination.parent, env, report)


def count_update(template: Template, project: Path, env: Mapping[str, str]) -> Counts:
    """One counted `copier update` (as time_update runs it)."""
    prepare_update(template, project, env)
    report = project.parent / f"{project.name}.counts.json"
    counts = _counted(UPDATE_COMMAND, project, env, report)
    check_updated(template, project)
    return counts


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
