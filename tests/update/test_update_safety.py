"""Updates that lose nothing silently, and an update workflow that trusts no release.

- Every released version's stored answers still parse in the current template, and the files a
  release no longer ships are exactly those hooks/retired.jinja lists (and CHANGELOG.md names).
- A release that drops a choice value resets the whole multiselect answer: why docs/updates.md
  keeps an alias choice.
- `copier update --data package_name=...` is refused with the steps to rename by hand, and those
  steps work.
- The update workflow's script: its pull request lists deleted and conflicted files and never
  says "merged cleanly" over a deleted file the author edited; it refuses a release that writes
  into .git/ (even one that hides it from the first render), runs no git hook, never pushes a
  workflow change, and runs one exact Copier.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import copier
import jinja2
import pytest
import yaml
from copier.__main__ import CopierApp
from packaging.version import Version
from support.render import copy_project, isolated_copier
from support.template import APPLICATION_ID, TEMPLATE_ROOT, hooks_module
from support.update_workflow import gh_calls, run_update_script
from test_update import (
    CONFLICT_MARKER,
    GIT_IDENTITY,
    OWN_COG,
    commit_all,
    git,
    replace_line,
    start_repository,
    stored_answers,
)

# Each test builds template releases in git and runs copier on them: seconds apiece.
pytestmark = pytest.mark.slow

# Released versions that have no tag (tags came later): version -> commit.
UNTAGGED_RELEASES = {"0.1.0": "74c697f"}

# Every choice of every question, in two sets (ADMINISTRATOR goes alone), all parts on.
ALL_PERMISSIONS = [p["name"] for p in hooks_module("permissions").PERMISSIONS]
EVERYTHING: dict[str, dict[str, Any]] = {
    "every-choice": {
        "app_name": "Weather Bot",
        "application_id": APPLICATION_ID,
        "install_contexts": ["guild", "user"],
        "scopes": ["bot", "applications.commands"],
        "permissions": [name for name in ALL_PERMISSIONS if name != "ADMINISTRATOR"],
        "privileged_intents": ["message_content", "members", "presences"],
        "command_prefix": "?",
        "author_name": "Jane Doe",
        "author_email": "jane@example.org",
        "description": "Forecasts.",
        "license": "ISC",
    },
    "administrator": {
        "app_name": "Admin Bot",
        "application_id": APPLICATION_ID,
        "permissions": ["ADMINISTRATOR"],
        "license": "Proprietary",
        "docker": False,
    },
}


@pytest.fixture(scope="module", autouse=True)
def author_environment() -> Iterator[None]:
    with isolated_copier(), pytest.MonkeyPatch.context() as monkeypatch:
        for name, value in GIT_IDENTITY.items():
            monkeypatch.setenv(name, value)
        yield


def copy(repo: Path, destination: Path, ref: str | None, data: dict[str, Any]) -> Path:
    return copy_project(destination, data, template=repo, vcs_ref=ref)


def released_versions() -> dict[str, str]:
    """Each release CHANGELOG.md has, and the commit of this repository that it is."""
    changelog = (TEMPLATE_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    versions = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - ", changelog, re.MULTILINE)
    releases = {}
    for version in sorted(versions, key=Version):
        tagged = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", f"v{version}^{{commit}}"],
            cwd=TEMPLATE_ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        commit = tagged or UNTAGGED_RELEASES.get(version)
        assert commit, f"release {version} has no tag v{version} and no entry in UNTAGGED_RELEASES"
        releases[version] = commit
    return releases


def replace_tree(repo: Path, source: Path) -> None:
    """The template repository's files become those of source (its .git stays)."""
    for entry in repo.iterdir():
        if entry.name != ".git":
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    shutil.copytree(source, repo, dirs_exist_ok=True)


@dataclass(frozen=True)
class Releases:
    repo: Path
    versions: dict[str, str]
    next_tag: str


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory, template_folder: Path) -> Releases:
    """A template repository with every released version (from this repository's history)
    tagged, then the working tree tagged as the next release."""
    root = tmp_path_factory.mktemp("releases")
    repo = root / "discord-bot-template"
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch", "main")
    versions = released_versions()
    for version, commit in versions.items():
        unpacked = root / f"v{version}"
        unpacked.mkdir()
        archive = subprocess.run(
            ["git", "archive", commit], cwd=TEMPLATE_ROOT, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(unpacked)], input=archive, check=True)
        for leftover in ("tests", "uv.lock", "bench"):
            target = unpacked / leftover
            shutil.rmtree(target) if target.is_dir() else target.unlink(missing_ok=True)
        replace_tree(repo, unpacked)
        commit_all(repo, f"Release {version}")
        git(repo, "tag", f"v{version}")
    replace_tree(repo, template_folder)
    commit_all(repo, "Next release")
    last = Version(max(versions, key=Version))
    next_tag = f"v{last.major}.{last.minor + 1}.0"
    git(repo, "tag", next_tag)
    return Releases(repo, versions, next_tag)


def question_names() -> set[str]:
    documents = yaml.safe_load_all((TEMPLATE_ROOT / "copier.yml").read_text(encoding="utf-8"))
    config = {key: value for document in documents if document for key, value in document.items()}
    return {name for name, value in config.items() if isinstance(value, dict)}


def retired_since(version: str, package: str) -> set[str]:
    retired = hooks_module("retired").RETIRED_FILES
    return {
        entry["path"].replace("<package>", package)
        for entry in retired
        if Version(entry["release"]) > Version(version)
    }


@pytest.mark.parametrize("answer_set", sorted(EVERYTHING))
@pytest.mark.parametrize("version", sorted(released_versions(), key=Version))
def test_every_release_updates_without_losing_answers_or_unlisted_files(
    releases: Releases,
    tmp_path: Path,
    version: str,
    answer_set: str,
    capfd: pytest.CaptureFixture[str],
) -> None:
    data = EVERYTHING[answer_set]
    project = copy(releases.repo, tmp_path / "weather-bot", f"v{version}", data)
    start_repository(project)
    before = stored_answers(project)
    capfd.readouterr()
    _, status = CopierApp.run(["copier", "update", "--defaults", str(project)], exit=False)
    assert status == 0
    message = capfd.readouterr().err
    after = stored_answers(project)
    assert after["_commit"] == releases.next_tag

    # Copier drops a stored answer that no longer parses (a retired choice) and takes the
    # default: every answer to a question that still exists must come through unchanged.
    # (A multiselect answer may come back in the form's new order: the same choices count.)
    def same(value: Any) -> Any:
        return sorted(value) if isinstance(value, list) else value

    kept = {name: same(before[name]) for name in before if name in question_names()}
    assert {name: same(after.get(name)) for name in kept} == kept
    # Files the update deleted are exactly those retired since that release, and each is
    # in the changelog and in the message after the update.
    git(project, "add", "--all")
    listing = git(
        project, "diff", "--cached", "--no-renames", "--name-only", "-z", "--diff-filter=D"
    )
    deleted = set(filter(None, listing.split("\0")))
    retired = retired_since(version, before["package_name"])
    assert deleted == retired, "list them in hooks/retired.jinja"
    changelog = (TEMPLATE_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    for entry in hooks_module("retired").RETIRED_FILES:
        assert f"`{entry['path']}`" in changelog, entry["path"]
    for path in retired:
        assert path in message, path


def test_retired_files_note_names_each_file_its_release_and_replacement() -> None:
    """The note the message after an update shows, from a table with one retired file."""
    text = (TEMPLATE_ROOT / "hooks" / "retired.jinja").read_text(encoding="utf-8")
    empty = re.search(r"\{%- set RETIRED_FILES = \[.*?\] -%\}", text, re.DOTALL)
    assert empty
    entry = (
        '{"release": "9.9.0", "path": "src/<package>/old.py", "instead": "src/<package>/new.py"}'
    )
    table = text.replace(empty.group(0), "{%- set RETIRED_FILES = [" + entry + "] -%}")
    note = str(jinja2.Environment().from_string(table).module.retired_files_note("weather_bot"))
    assert "  - src/weather_bot/old.py (9.9.0; now src/weather_bot/new.py)" in note
    assert "git show HEAD:<path>" in note
    none = jinja2.Environment().from_string(
        text.replace(empty.group(0), "{%- set RETIRED_FILES = [] -%}")
    )
    assert str(none.module.retired_files_note("weather_bot")) == ""


# --- A retired choice value ------------------------------------------------------------------

TINY = """\
_subdirectory: template
flags:
  type: str
  multiselect: true
  choices: {choices}
  default: [A]
"""


def tiny_release(repo: Path, choices: list[str], tag: str) -> None:
    (repo / "template").mkdir(parents=True, exist_ok=True)
    (repo / "template" / "{{ _copier_conf.answers_file }}.jinja").write_text(
        "{{ _copier_answers | to_nice_yaml -}}\n", encoding="utf-8"
    )
    (repo / "template" / "flags.txt.jinja").write_text("{{ flags }}\n", encoding="utf-8")
    (repo / "copier.yml").write_text(TINY.format(choices=json.dumps(choices)), encoding="utf-8")
    if not (repo / ".git").exists():
        git(repo, "init", "--quiet", "--initial-branch", "main")
    commit_all(repo, tag)
    git(repo, "tag", tag)


@pytest.mark.parametrize(
    ("v2_choices", "kept"),
    [
        # C renamed to D outright: Copier drops the whole stored answer, --defaults takes [A].
        (["A", "B", "D"], ["A"]),
        # docs/updates.md's rule: the old value stays a choice (an alias of D) for a release.
        (["A", "B", "D", "C"], ["B", "C"]),
    ],
)
def test_a_retired_choice_value_resets_the_whole_answer(
    tmp_path: Path, v2_choices: list[str], kept: list[str]
) -> None:
    repo = tmp_path / "template"
    tiny_release(repo, ["A", "B", "C"], "v1.0.0")
    project = copy(repo, tmp_path / "project", "v1.0.0", {"flags": ["B", "C"]})
    start_repository(project)
    tiny_release(repo, v2_choices, "v2.0.0")
    copier.run_update(project, defaults=True, overwrite=True, unsafe=False, quiet=True)
    assert stored_answers(project)["flags"] == kept


# --- package_name on update ------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_releases(tmp_path_factory: pytest.TempPathFactory, template_folder: Path) -> Path:
    """The working tree as v0.1.0, and v0.2.0 with a changed cog docstring."""
    repo = tmp_path_factory.mktemp("two") / "discord-bot-template"
    shutil.copytree(template_folder, repo)
    git(repo, "init", "--quiet", "--initial-branch", "main")
    commit_all(repo, "0.1.0")
    git(repo, "tag", "v0.1.0")
    general = repo / "template" / "src" / "{{ package_name }}" / "cogs" / "general.py"
    general.write_text(general.read_text(encoding="utf-8") + "\n# 0.2.0\n", encoding="utf-8")
    commit_all(repo, "0.2.0")
    git(repo, "tag", "v0.2.0")
    return repo


def test_package_name_cannot_change_on_update_and_the_steps_to_rename_work(
    two_releases: Path, tmp_path: Path
) -> None:
    project = copy(
        two_releases,
        tmp_path / "weather-bot",
        "v0.1.0",
        {"app_name": "Weather Bot", "preset": "bot-to-ship"},
    )
    start_repository(project)
    (project / "src" / "weather_bot" / "cogs" / "weather.py").write_text(OWN_COG, "utf-8")
    commit_all(project, "Our /weather")
    head = git(project, "rev-parse", "HEAD")
    with pytest.raises(ValueError, match="cannot rename it") as refused:
        copier.run_update(
            project,
            data={"package_name": "forecast_bot"},
            defaults=True,
            overwrite=True,
            unsafe=False,
            quiet=True,
        )
    assert git(project, "status", "--porcelain") == "" and git(project, "rev-parse", "HEAD") == head
    # The steps the message gives, as a person would follow them.
    steps = str(refused.value)
    assert "git mv src/weather_bot src/forecast_bot" in steps
    git(project, "mv", "src/weather_bot", "src/forecast_bot")
    listed = git(project, "grep", "-l", "-e", "weather_bot", "-e", "weather-bot").split()
    assert ".copier-answers.yml" in listed
    for name in listed:
        path = project / name
        text = path.read_text(encoding="utf-8")
        path.write_text(
            text.replace("weather_bot", "forecast_bot").replace("weather-bot", "forecast-bot"),
            encoding="utf-8",
        )
    commit_all(project, "Rename the package to forecast_bot")
    copier.run_update(project, defaults=True, overwrite=True, unsafe=False, quiet=True)
    answers = stored_answers(project)
    assert answers["_commit"] == "v0.2.0" and answers["package_name"] == "forecast_bot"
    assert (project / "src" / "forecast_bot" / "cogs" / "weather.py").read_text("utf-8") == OWN_COG
    assert (
        (project / "src" / "forecast_bot" / "cogs" / "general.py").read_text().endswith("# 0.2.0\n")
    )
    assert not (project / "src" / "weather_bot").exists()
    assert not [p for p in project.rglob("*.py") if CONFLICT_MARKER.search(p.read_text("utf-8"))]


# --- The update workflow's script ------------------------------------------------------------


def load_script(root: Path = TEMPLATE_ROOT) -> ModuleType:
    path = root / "template" / "{% if update_workflow %}.github{% endif %}" / "scripts"
    spec = importlib.util.spec_from_file_location("template_update", path / "template_update.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Scenario:
    """A project of v0.1.0 pushed to a bare `origin`, and a release v0.2.0 made by `change`."""

    root: Path
    repo: Path
    project: Path
    origin: Path

    def release(self) -> None:
        commit_all(self.repo, "0.2.0")
        git(self.repo, "tag", "v0.2.0")

    def render(self) -> subprocess.CompletedProcess[str]:
        """Job 1, in its own checkout."""
        checkout = self.root / "render" / "weather-bot"
        git(self.root, "clone", "--quiet", str(self.origin), str(checkout))
        return run_update_script(
            checkout, "render", str(self.root / "out"), gh_log=self.root / "gh.log"
        )

    def publish(self) -> subprocess.CompletedProcess[str]:
        """Job 2, in a fresh checkout, with only the first job's output."""
        checkout = self.root / "publish" / "weather-bot"
        git(self.root, "clone", "--quiet", str(self.origin), str(checkout))
        return run_update_script(
            checkout, "publish", str(self.root / "out"), gh_log=self.root / "gh.log"
        )


@pytest.fixture
def scenario(tmp_path: Path, template_folder: Path) -> Scenario:
    repo = tmp_path / "discord-bot-template"
    shutil.copytree(template_folder, repo)
    git(repo, "init", "--quiet", "--initial-branch", "main")
    commit_all(repo, "0.1.0")
    git(repo, "tag", "v0.1.0")
    project = copy(
        repo,
        tmp_path / "author" / "weather-bot",
        "v0.1.0",
        {"app_name": "Weather Bot", "preset": "bot-to-ship"},
    )
    start_repository(project)
    origin = tmp_path / "origin.git"
    git(project, "init", "--quiet", "--bare", "--initial-branch", "main", str(origin))
    git(project, "remote", "add", "origin", str(origin))
    return Scenario(tmp_path, repo, project, origin)


def push(scenario: Scenario) -> None:
    git(scenario.project, "push", "--quiet", "--set-upstream", "origin", "main")


def test_pull_request_lists_deleted_and_conflicted_files(scenario: Scenario) -> None:
    template = scenario.repo / "template"
    # The release retires two files (the author edited one) and restyles the README's title,
    # which the author changed too.
    (template / ".env.example.jinja").unlink()
    (template / "{% if docker %}.dockerignore{% endif %}").unlink()
    replace_line(template / "README.md.jinja", "# {{ name }}", "# {{ name }} · a discord.py bot")
    scenario.release()
    project = scenario.project
    with (project / ".env.example").open("a", encoding="utf-8") as example:
        example.write("WEATHER_API_KEY=\n")
    replace_line(project / "README.md", "# Weather Bot", "# Weather Bot, by the Cloud Club")
    commit_all(project, "Our settings and title")
    push(scenario)
    rendered = scenario.render()
    assert rendered.returncode == 0, rendered.stderr
    published = scenario.publish()
    assert published.returncode == 0, published.stderr
    assert "2 file(s) deleted" in published.stdout
    (call,) = gh_calls(scenario.root / "gh.log")
    body = call[call.index("--body") + 1]
    assert "merged cleanly" not in body
    assert "- `README.md`" in body
    deleted = body.split("**Files this update deletes**")[1]
    assert re.search(r"- `\.env\.example` - \*\*you had changed it\*\*", deleted)
    assert re.search(r"- `\.dockerignore`\n", deleted), "not edited: listed, not flagged"
    branch = "template-update/v0.2.0"
    assert git(scenario.origin, "log", "-1", "--format=%s", branch).strip().startswith("Update to")


def test_pull_request_says_merged_cleanly_only_when_nothing_was_deleted(
    scenario: Scenario,
) -> None:
    (scenario.repo / "template" / ".editorconfig").write_text("root = true\n", encoding="utf-8")
    scenario.release()
    push(scenario)
    assert scenario.render().returncode == 0
    assert scenario.publish().returncode == 0
    (call,) = gh_calls(scenario.root / "gh.log")
    assert "every change merged cleanly" in call[call.index("--body") + 1]


HOOKS = ("pre-commit", "post-commit", "post-checkout", "reference-transaction", "pre-push")


def plant_hooks(folder: Path, marker: Path) -> None:
    """A release's files that, rendered into .git/hooks/, would run code: each leaves a mark."""
    folder.mkdir(parents=True)
    for hook in HOOKS:
        (folder / hook).write_text(f"#!/bin/sh\necho {hook} >> '{marker}'\n", encoding="utf-8")
        (folder / hook).chmod(0o755)


def test_release_that_writes_into_git_is_refused(scenario: Scenario) -> None:
    marker = scenario.root / "hook-ran"
    plant_hooks(scenario.repo / "template" / "{{ '.git' }}" / "hooks", marker)
    scenario.release()
    push(scenario)
    rendered = scenario.render()
    assert rendered.returncode == 1
    assert "Refused: release 0.2.0 of the template writes into a .git folder" in rendered.stderr
    assert ".git/hooks/pre-commit" in rendered.stderr
    assert not marker.exists(), marker.read_text()
    checkout = scenario.root / "render" / "weather-bot"
    assert not (checkout / ".git" / "hooks" / "pre-commit").exists()
    assert git(checkout, "branch", "--format=%(refname:short)").split() == ["main"]
    assert not (scenario.root / "out" / "update.bundle").exists()
    assert "Traceback" not in rendered.stderr


def test_release_that_hides_git_paths_from_the_first_render_is_refused(
    scenario: Scenario,
) -> None:
    """A release that renders .git/ only outside the script's scratch folder: the update
    itself writes the hooks, git runs none of them, and the check of .git/ refuses it."""
    marker = scenario.root / "hook-ran"
    in_scratch = "'template-update-' in (_copier_conf.dst_path | string)"
    sneaky = f"{{% if {in_scratch} %}}dotgit{{% else %}}.git{{% endif %}}"
    plant_hooks(scenario.repo / "template" / sneaky / "hooks", marker)
    scenario.release()
    push(scenario)
    rendered = scenario.render()
    assert rendered.returncode == 1, rendered.stdout + rendered.stderr
    assert "changed files in .git/" in rendered.stderr
    assert not marker.exists(), marker.read_text()
    assert not (scenario.root / "out" / "update.bundle").exists()
    assert gh_calls(scenario.root / "gh.log") == []


def test_workflow_changes_are_never_pushed(scenario: Scenario) -> None:
    ci = scenario.repo / "template" / "{% if github_ci %}.github{% endif %}" / "workflows"
    with (ci / "ci.yml.jinja").open("a", encoding="utf-8") as workflow:
        workflow.write("      - run: echo a step from the release\n")
    scenario.release()
    push(scenario)
    assert scenario.render().returncode == 0
    published = scenario.publish()
    assert published.returncode == 1
    assert "changes .github/workflows/ci.yml" in published.stderr
    assert "Run `copier update` on your machine" in published.stderr
    assert git(scenario.origin, "branch", "--format=%(refname:short)").split() == ["main"]
    assert gh_calls(scenario.root / "gh.log") == []


def test_the_script_runs_git_without_hooks_and_copier_without_tokens() -> None:
    script = load_script()
    assert script.SAFE_GIT == {"core.hooksPath": "/dev/null", "core.fsmonitor": "false"}
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name in ("GH_TOKEN", "GITHUB_TOKEN", "TEMPLATE_UPDATE_TOKEN", "ACTIONS_RUNTIME_TOKEN"):
            monkeypatch.setenv(name, "secret")
        environment = script.safe_environment()
    assert not {"GH_TOKEN", "GITHUB_TOKEN", "TEMPLATE_UPDATE_TOKEN", "ACTIONS_RUNTIME_TOKEN"} & set(
        environment
    )
    count = int(environment["GIT_CONFIG_COUNT"])
    settings = {
        environment[f"GIT_CONFIG_KEY_{i}"]: environment[f"GIT_CONFIG_VALUE_{i}"]
        for i in range(count)
    }
    assert settings["core.hooksPath"] == "/dev/null" and settings["core.fsmonitor"] == "false"


def test_the_script_pins_the_copier_the_template_is_tested_with() -> None:
    script = load_script()
    lock = tomllib.loads((TEMPLATE_ROOT / "uv.lock").read_text(encoding="utf-8"))
    (locked,) = [package["version"] for package in lock["package"] if package["name"] == "copier"]
    assert locked == script.COPIER_VERSION, "move the pin with the template's Copier"
    assert f"uvx --from copier=={locked} copier" == script.DEFAULT_COPIER
    config = (TEMPLATE_ROOT / "copier.yml").read_text(encoding="utf-8")
    minimum = re.search(r'^_min_copier_version: "([^"]+)"', config, re.MULTILINE)
    assert minimum and Version(locked) >= Version(minimum.group(1))


def test_ci_needs_no_secrets_and_runs_unprivileged(tmp_path: Path, template_folder: Path) -> None:
    """What the update branch's checks run with: nothing worth stealing."""
    project = copy(
        template_folder,
        tmp_path / "weather-bot",
        None,
        {"app_name": "Weather Bot", "preset": "bot-to-ship"},
    )
    workflows = project / ".github" / "workflows"
    ci_text = (workflows / "ci.yml").read_text(encoding="utf-8")
    ci = yaml.safe_load(ci_text)
    triggers = set(ci.get("on", ci.get(True)))
    assert not triggers & {"pull_request_target", "workflow_run"}
    assert "secrets." not in ci_text
    assert ci["permissions"] == {"contents": "read"}
    for job in ci["jobs"].values():
        assert job.get("permissions", {"contents": "read"}) == {"contents": "read"}
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False
    update = yaml.safe_load((workflows / "template-update.yml").read_text(encoding="utf-8"))
    render = json.dumps(update["jobs"]["render"])
    assert "secrets." not in render and "GH_TOKEN" not in render and "github.token" not in render
