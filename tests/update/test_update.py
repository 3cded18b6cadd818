"""`copier update` as a bot author runs it: their work survives, the template's changes land.

Every fixture builds a temporary git repository of the template: the working tree released as
v0.1.0, then a real template change released as v0.2.0 (`release_v2`). Projects are copied from
v0.1.0, committed, edited as an author would, and updated, through the `copier` command with
no flags (in a terminal: support/terminal.py) and through Copier's API with unsafe=False, which
is what a plain `copier copy` / `copier update` allows.
"""

from __future__ import annotations

import base64
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import copier
import pytest
import yaml
from packaging.version import Version
from support.invite import permissions_of
from support.render import copy_project, isolated_copier
from support.shipping import TOGGLE_FILES
from support.template import APPLICATION_ID, TEMPLATE_ROOT
from support.terminal import answer_interactively, questions_of
from support.update_workflow import COPIER, gh_calls, run_update_script

# Each test builds template releases in git and runs copier on them: seconds apiece.
pytestmark = pytest.mark.slow

V1, V2 = "v0.1.0", "v0.2.0"
TEMPLATE_NAME = "discord-bot-template"
# Every part on, the update workflow included (a template without the preset question ignores it).
ANSWERS: dict[str, Any] = {
    "app_name": "Weather Bot",
    "application_id": APPLICATION_ID,
    "preset": "bot-to-ship",
}
# An answer changed during an update (the defaults ask for five permissions).
NEW_PERMISSIONS = ["VIEW_CHANNEL", "SEND_MESSAGES", "ADD_REACTIONS"]
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Bot Author",
    "GIT_AUTHOR_EMAIL": "author@example.invalid",
    "GIT_COMMITTER_NAME": "Bot Author",
    "GIT_COMMITTER_EMAIL": "author@example.invalid",
}
# Token-shaped (base64 user ID, timestamp, HMAC parts) but no real token, and unlike any token
# in the generated tests, so that finding it anywhere but .env means it leaked.
AUTHOR_TOKEN = ".".join(
    [
        base64.urlsafe_b64encode(b"987654321098765432").decode().rstrip("="),
        "Gxyzab",
        "zyxwvutsrqponmlkjihgfedcba9876543210QP",
    ]
)
CONFLICT_MARKER = re.compile(r"^(<{7} before updating|>{7} after updating)", re.MULTILINE)

# The v0.2.0 release: a restyled README title, a changed line of code, new ignore rules, a new file.
README_TITLE = ("# {{ name }}", "# {{ name }} · a discord.py bot")
COG_DOCSTRING = (
    '"""Slash commands every bot should have: /ping and /about."""',
    '"""Slash commands every bot should have, answered privately: /ping and /about."""',
)
GITIGNORE_ADDITION = "\n# Coverage reports\n.coverage\nhtmlcov/\n"
EDITORCONFIG = (
    "root = true\n\n[*]\ncharset = utf-8\nend_of_line = lf\ninsert_final_newline = true\n"
)

# What an author does to the generated bot before the update.
PONG = ("Pong!", "Pong! :ping_pong:")
OWN_COG = '''"""Our own command: /weather, from a small table."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

FORECASTS = {"paris": "Sunny, 21 C", "oslo": "Snow, -3 C"}


class Weather(commands.Cog):
    """Today's weather in a few cities."""

    @app_commands.command(description="Today's weather in a city.")
    async def weather(self, interaction: discord.Interaction, city: str) -> None:
        forecast = FORECASTS.get(city.lower(), "No forecast for that city.")
        await interaction.response.send_message(forecast, ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Weather())
'''
OWN_README_SECTION = (
    "\n## Our server\n\nAsk for the Bot Tester role in #bots before trying /weather.\n"
)


# --- Helpers -------------------------------------------------------------------------------


def git(directory: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=directory, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stdout}{result.stderr}"
    return result.stdout


def commit_all(directory: Path, message: str) -> None:
    git(directory, "add", "--all")
    git(directory, "commit", "--quiet", "--message", message)


def start_repository(project: Path) -> None:
    """What the after-copy message tells the author to do: git init, add, commit."""
    git(project, "init", "--quiet", "--initial-branch", "main")
    commit_all(project, "Start from discord-bot-template")


def replace_line(path: Path, old: str, new: str) -> None:
    """Replace the one line that equals `old` (the tests' anchors must stay unambiguous)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines.count(old) == 1, f"{path} no longer has exactly one line {old!r}: pick another"
    lines[lines.index(old)] = new
    path.write_text("\n".join(lines), encoding="utf-8")


def make_template_repo(template_folder: Path, repo: Path) -> Path:
    """The template's working tree, committed and tagged as the first release."""
    shutil.copytree(template_folder, repo)
    git(repo, "init", "--quiet", "--initial-branch", "main")
    commit_all(repo, "Release 0.1.0")
    git(repo, "tag", V1)
    return repo


def release_v2(repo: Path) -> None:
    """A template release as it happens: a few lines changed, a file added, a new tag."""
    template = repo / "template"
    replace_line(template / "README.md.jinja", *README_TITLE)
    replace_line(template / "src/{{ package_name }}/cogs/general.py", *COG_DOCSTRING)
    with (template / ".gitignore.jinja").open("a", encoding="utf-8") as gitignore:
        gitignore.write(GITIGNORE_ADDITION)
    (template / ".editorconfig").write_text(EDITORCONFIG, encoding="utf-8")
    commit_all(repo, "Release 0.2.0")
    git(repo, "tag", V2)


def copy_from(repo: Path, destination: Path, ref: str, **data: Any) -> Path:
    """`copier copy` as a bot author runs it: no --trust."""
    return copy_project(destination, {**ANSWERS, **data}, template=repo, vcs_ref=ref)


def run_copier(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COPIER, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=300
    )


def stored_answers(project: Path) -> dict[str, Any]:
    answers: dict[str, Any] = yaml.safe_load(
        (project / ".copier-answers.yml").read_text(encoding="utf-8")
    )
    return answers


def tree(project: Path) -> dict[str, bytes]:
    """Every file of a project but its git history, by relative path."""
    return {
        path.relative_to(project).as_posix(): path.read_bytes()
        for path in sorted(project.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(project).parts[:1]
    }


def assert_same_tree(project: Path, expected: Path) -> None:
    ours, theirs = tree(project), tree(expected)
    differing = sorted(
        name for name in ours.keys() | theirs.keys() if ours.get(name) != theirs.get(name)
    )
    assert not differing, f"{project} differs from {expected} in {differing}"


def files_with_conflicts(project: Path) -> list[str]:
    return [
        name
        for name, content in tree(project).items()
        if CONFLICT_MARKER.search(content.decode("utf-8", "replace"))
    ]


def edit_as_author(project: Path) -> dict[str, bytes]:
    """Token in .env, an edited command, an own command module, a README section.

    Returns the files only the author writes (.env, their module), as they left them.
    """
    package = stored_answers(project)["package_name"]
    env = project / ".env"
    text = env.read_text(encoding="utf-8")
    assert re.search(r"^DISCORD_TOKEN=$", text, re.MULTILINE)
    env.write_text(
        re.sub(r"^DISCORD_TOKEN=$", f"DISCORD_TOKEN={AUTHOR_TOKEN}", text, flags=re.MULTILINE),
        encoding="utf-8",
    )
    general = project / "src" / package / "cogs" / "general.py"
    code = general.read_text(encoding="utf-8")
    assert code.count(PONG[0]) == 1
    general.write_text(code.replace(*PONG), encoding="utf-8")
    own_cog = project / "src" / package / "cogs" / "weather.py"
    own_cog.write_text(OWN_COG, encoding="utf-8")
    with (project / "README.md").open("a", encoding="utf-8") as readme:
        readme.write(OWN_README_SECTION)
    commit_all(project, "Our bot: /weather, a friendlier /ping")  # .env is git-ignored.
    return {".env": env.read_bytes(), own_cog.relative_to(project).as_posix(): OWN_COG.encode()}


# --- Fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def author_environment() -> Iterator[None]:
    """Our own Copier settings and a git identity (CI machines have none), for the module."""
    with isolated_copier(), pytest.MonkeyPatch.context() as monkeypatch:
        for name, value in GIT_IDENTITY.items():
            monkeypatch.setenv(name, value)
        yield


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory: pytest.TempPathFactory, template_folder: Path) -> Path:
    """The template released twice: v0.1.0 (the working tree) and v0.2.0."""
    repo = make_template_repo(template_folder, tmp_path_factory.mktemp("releases") / TEMPLATE_NAME)
    release_v2(repo)
    return repo


@dataclass(frozen=True)
class Authored:
    """A bot made and updated with the plain `copier` command, edited in between."""

    project: Path
    own_files: dict[str, bytes]
    copy_screen: str
    update_screen: str


@pytest.fixture(scope="module")
def authored(tmp_path_factory: pytest.TempPathFactory, template_folder: Path) -> Authored:
    """`copier copy SRC weather-bot`, commit, edit, a new release, `copier update`: no flags.

    Its own template repository: the plain copy takes the newest release, so v0.2.0 must not
    exist yet when the author copies.
    """
    root = tmp_path_factory.mktemp("authored")
    repo = make_template_repo(template_folder, root / TEMPLATE_NAME)
    questions = questions_of(repo / "copier.yml")
    typed = {"app_name": ANSWERS["app_name"], "application_id": ANSWERS["application_id"]}
    status, copy_screen = answer_interactively(
        [COPIER, "copy", str(repo), "weather-bot"],
        cwd=root,
        env=os.environ,
        questions=questions,
        typed=typed,
    )
    assert status == 0, copy_screen
    project = root / "weather-bot"
    start_repository(project)
    own_files = edit_as_author(project)
    release_v2(repo)
    status, update_screen = answer_interactively(
        [COPIER, "update"], cwd=project, env=os.environ, questions=questions_of(repo / "copier.yml")
    )
    assert status == 0, update_screen
    return Authored(project, own_files, copy_screen, update_screen)


@dataclass(frozen=True)
class Updated:
    """A v0.1.0 project updated to v0.2.0, next to a fresh copy of v0.2.0 with the same answers."""

    project: Path
    fresh: Path


@pytest.fixture(scope="module")
def untouched(tmp_path_factory: pytest.TempPathFactory, template_repo: Path) -> Updated:
    root = tmp_path_factory.mktemp("untouched")
    project = copy_from(template_repo, root / "old" / "mybot", V1)
    start_repository(project)
    copier.run_update(project, defaults=True, overwrite=True, unsafe=False, quiet=True)
    return Updated(project, copy_from(template_repo, root / "new" / "mybot", V2))


@pytest.fixture(scope="module")
def conflicted(copie_session: Any, template_repo: Path) -> Path:
    """The author retitled the README; v0.2.0 restyles the same line (pytest-copie's update)."""
    result = copie_session.copy(extra_answers=ANSWERS, template_dir=template_repo, vcs_ref=V1)
    assert result.exception is None, result.exception
    project: Path = result.project_dir
    start_repository(project)
    replace_line(project / "README.md", "# Weather Bot", "# Weather Bot, by the Cloud Club")
    commit_all(project, "Our title")
    updated = copie_session.update(result, vcs_ref=V2)
    assert updated.exception is None, updated.exception
    return project


@dataclass(frozen=True)
class Repermissioned(Updated):
    """Updated by `copier update --defaults --data 'permissions=[...]'`, checked around it."""

    check_before: str
    check_after: str


@pytest.fixture(scope="module")
def repermissioned(tmp_path_factory: pytest.TempPathFactory, template_repo: Path) -> Repermissioned:
    root = tmp_path_factory.mktemp("repermissioned")
    project = copy_from(template_repo, root / "old" / "mybot", V1)
    start_repository(project)
    before = run_copier("check-update", cwd=project)
    permissions = f"permissions=[{', '.join(NEW_PERMISSIONS)}]"
    result = run_copier("update", "--defaults", "--data", permissions, cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    after = run_copier("check-update", cwd=project)
    fresh = copy_from(template_repo, root / "new" / "mybot", V2, permissions=NEW_PERMISSIONS)
    return Repermissioned(
        project, fresh, before.stdout + before.stderr, after.stdout + after.stderr
    )


# --- A bot author's update, with the plain `copier` command --------------------------------


@pytest.mark.slow
def test_token_and_author_files_survive(authored: Authored) -> None:
    for name, content in authored.own_files.items():
        assert (authored.project / name).read_bytes() == content, name
    assert f"DISCORD_TOKEN={AUTHOR_TOKEN}\n" in (authored.project / ".env").read_text("utf-8")


@pytest.mark.slow
def test_author_edits_and_template_changes_both_land(authored: Authored) -> None:
    project = authored.project
    package = stored_answers(project)["package_name"]
    general = (project / "src" / package / "cogs" / "general.py").read_text("utf-8")
    assert PONG[1] in general, "the author's edit"
    assert general.startswith(COG_DOCSTRING[1]), "the template's edit of the same file"
    readme = (project / "README.md").read_text("utf-8")
    assert readme.startswith("# Weather Bot · a discord.py bot\n")
    assert readme.endswith(OWN_README_SECTION)
    assert (project / ".gitignore").read_text("utf-8").endswith(GITIGNORE_ADDITION)
    assert (project / ".editorconfig").read_text("utf-8") == EDITORCONFIG
    assert stored_answers(project)["_commit"] == V2


@pytest.mark.slow
def test_clean_update_leaves_no_conflict_markers(authored: Authored) -> None:
    assert files_with_conflicts(authored.project) == []
    assert git(authored.project, "ls-files", "--unmerged") == ""


@pytest.mark.slow
def test_answers_file_never_holds_the_token(authored: Authored) -> None:
    answers_text = (authored.project / ".copier-answers.yml").read_text("utf-8")
    assert AUTHOR_TOKEN not in answers_text
    assert not [key for key in stored_answers(authored.project) if re.search("token|secret", key)]
    holders = [
        name for name, content in tree(authored.project).items() if AUTHOR_TOKEN.encode() in content
    ]
    assert holders == [".env"]
    assert "Traceback" not in authored.copy_screen + authored.update_screen


# --- Updates through Copier's API and the rest of the CLI ----------------------------------


def test_update_of_untouched_project_equals_fresh_copy(untouched: Updated) -> None:
    assert_same_tree(untouched.project, untouched.fresh)


def test_check_update_reports_the_newer_version(repermissioned: Repermissioned) -> None:
    assert "Current version is 0.1.0, latest version is 0.2.0." in repermissioned.check_before
    assert "up-to-date" in repermissioned.check_after


def test_same_line_changed_by_both_is_marked_inline(conflicted: Path) -> None:
    readme = (conflicted / "README.md").read_text("utf-8")
    block = re.search(
        r"^<{7} before updating\n(.*?)^={7}\n(.*?)^>{7} after updating$",
        readme,
        re.MULTILINE | re.DOTALL,
    )
    assert block, readme[:500]
    assert "# Weather Bot, by the Cloud Club" in block.group(1), "the author's title is kept"
    assert "# Weather Bot · a discord.py bot" in block.group(2), "the template's title is shown"
    assert files_with_conflicts(conflicted) == ["README.md"]
    # Git lists it under "Unmerged paths", and `git commit` refuses until it is resolved and
    # added (`git commit --all` would add it as it is: the README says to look first).
    assert git(conflicted, "ls-files", "--unmerged").count("\tREADME.md\n") == 3
    refused = subprocess.run(
        ["git", "commit", "--message", "update"], cwd=conflicted, capture_output=True, check=False
    )
    assert refused.returncode != 0
    assert b"unmerged" in refused.stderr


def test_changed_permissions_recompute_links_and_code(repermissioned: Repermissioned) -> None:
    project = repermissioned.project
    answers = stored_answers(project)
    assert sorted(answers["permissions"]) == sorted(NEW_PERMISSIONS)
    value = permissions_of(NEW_PERMISSIONS).value
    readme = (project / "README.md").read_text("utf-8")
    links = re.findall(r"https://discord\.com/oauth2/authorize\?[^)>\s]+", readme)
    assert links and all(f"permissions={value}" in link for link in links), links
    app = (project / "src" / answers["package_name"] / "app.py").read_text("utf-8")
    assert f"PERMISSIONS = discord.Permissions({value})" in app
    assert_same_tree(project, repermissioned.fresh)


# --- From the real previous release (0.1.0, commit 74c697f) to this working tree -----------

# The 0.1.0 release. No tag was pushed for it: the test tags its archive itself.
RELEASE_0_1_0 = "74c697f"
# An author's edit of 0.1.0's bot.py, on a line this release rewrites: a conflict to mark inline.
OLD_READY_LINE = (
    '        log.info("Ready: logged in as %s in %d servers", self.user, len(self.guilds))'
)
OWN_READY_LINE = OLD_READY_LINE.replace("Ready: logged in as", "Weather Bot is up:")
# Drives the updated bot against its own fake Discord, through its own test harness.
TRY_THE_COGS = """
from tests.support.harness import Playground

with Playground() as playground:
    print(playground.slash("weather", city="Oslo").content)
    print(playground.slash("ping").content)
"""


def release_archive(commit: str, repo: Path) -> None:
    """The template's files at `commit`, as `git archive` exports them, into `repo`."""
    archive = subprocess.run(
        ["git", "-C", str(TEMPLATE_ROOT), "archive", "--format=tar", commit],
        capture_output=True,
        check=False,
    )
    assert archive.returncode == 0, (
        f"this test needs the template's git history (commit {commit}, the 0.1.0 release): "
        f"{archive.stderr.decode()} Run it from a full clone (git fetch --unshallow)."
    )
    repo.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(repo)], input=archive.stdout, check=True)


def retired_by_this_release(old: Path, new: Path, package: str) -> set[str]:
    """Files a 0.1.0 project has that this release no longer renders, as the changelog names
    them (`src/<package>/...`)."""
    gone = set(tree(old)) - set(tree(new))
    return {name.replace(f"src/{package}/", "src/<package>/") for name in gone}


@dataclass(frozen=True)
class FromRelease:
    """A 0.1.0 bot, edited by its author, updated with `copier update` to this working tree."""

    project: Path
    fresh: Path
    own_files: dict[str, bytes]
    retired: set[str]
    update: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def from_release(tmp_path_factory: pytest.TempPathFactory, template_folder: Path) -> FromRelease:
    root = tmp_path_factory.mktemp("from-release")
    repo = root / TEMPLATE_NAME
    release_archive(RELEASE_0_1_0, repo)
    git(repo, "init", "--quiet", "--initial-branch", "main")
    commit_all(repo, "Release 0.1.0")
    git(repo, "tag", V1)
    old_fresh = copy_from(repo, root / "old" / "weather-bot", V1)
    for path in repo.iterdir():
        if path.name != ".git":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    shutil.copytree(template_folder, repo, dirs_exist_ok=True)
    commit_all(repo, "This release")
    git(repo, "tag", V2)

    project = copy_from(repo, root / "weather-bot", V1)
    start_repository(project)
    package = stored_answers(project)["package_name"]
    replace_line(project / "src" / package / "bot.py", OLD_READY_LINE, OWN_READY_LINE)
    own_files = edit_as_author(project)  # also commits
    update = run_copier("update", "--defaults", cwd=project)
    # The release predates the storage question: the update keeps the bot without storage.
    fresh = copy_from(repo, root / "new" / "weather-bot", V2, database="none")
    retired = retired_by_this_release(old_fresh, fresh, package)
    return FromRelease(project, fresh, own_files, retired, update)


def test_update_from_the_release_keeps_every_edit(from_release: FromRelease) -> None:
    project = from_release.project
    assert from_release.update.returncode == 0, from_release.update.stderr
    assert stored_answers(project)["_commit"] == V2
    for name, content in from_release.own_files.items():
        assert (project / name).read_bytes() == content, name
    package = stored_answers(project)["package_name"]
    general = (project / "src" / package / "cogs" / "general.py").read_text("utf-8")
    assert PONG[1] in general, "the author's edit of a cog that stays where it was"
    assert "from ..runtime.invite import invite_links" in general, "and the template's"
    # This release rewrites the README: the author's section comes back whole, in the
    # conflict's "before updating" half, as the changelog's Updating note says.
    readme = (project / "README.md").read_text("utf-8")
    kept = re.search(r"^<{7} before updating\n(.*?)^={7}\n", readme, re.MULTILINE | re.DOTALL)
    assert kept and OWN_README_SECTION in kept.group(1), readme[-2000:]
    changelog = (TEMPLATE_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "`README.md` is rewritten" in changelog.split("\n## [", 2)[1]


def test_update_from_the_release_marks_the_conflict_inline(from_release: FromRelease) -> None:
    project = from_release.project
    bot = f"src/{stored_answers(project)['package_name']}/bot.py"
    assert bot in files_with_conflicts(project)
    block = re.search(
        r"^<{7} before updating\n(.*?)^={7}\n(.*?)^>{7} after updating$",
        (project / bot).read_text("utf-8"),
        re.MULTILINE | re.DOTALL,
    )
    assert block and OWN_READY_LINE in block.group(1), "the author's line is kept, marked"
    unmerged = git(project, "ls-files", "--unmerged")
    assert all(f"\t{name}\n" in unmerged for name in files_with_conflicts(project))
    assert not list(project.rglob("*.rej"))


def test_update_from_the_release_leaves_no_stale_file(from_release: FromRelease) -> None:
    """Moved files are gone (Copier deletes what the template no longer renders); what is
    left is a fresh copy's files plus the author's own."""
    project_files = set(tree(from_release.project))
    expected = set(tree(from_release.fresh)) | set(from_release.own_files)
    assert project_files == expected


def test_the_changelog_names_every_retired_file(from_release: FromRelease) -> None:
    """An author's edit of a file this release retires is deleted by the update: the changelog
    must name each one, so the author knows where to look (`git show HEAD~1:<file>`)."""
    changelog = (TEMPLATE_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    unreleased = changelog.split("\n## [Unreleased]\n", 1)[1].split("\n## [", 1)[0]
    assert from_release.retired, "this release moves files"
    missing = sorted(name for name in from_release.retired if f"`{name}`" not in unreleased)
    assert not missing, f"CHANGELOG.md's Unreleased section does not name {missing}"
    assert "**Updating:**" in unreleased


def test_the_authors_cogs_load_after_the_update(from_release: FromRelease) -> None:
    """With the conflict resolved as the changelog says (take this release's bot.py, then
    redo the edit), the updated bot loads the author's cog and answers its command."""
    project = from_release.project
    bot = project / "src" / stored_answers(project)["package_name"] / "bot.py"
    git(project, "checkout", "--theirs", "--", str(bot.relative_to(project)))
    assert not CONFLICT_MARKER.search(bot.read_text("utf-8"))
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(project / "src"), "."])}
    environment.pop("DISCORD_TOKEN", None)
    answered = subprocess.run(
        [sys.executable, "-c", TRY_THE_COGS],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert answered.returncode == 0, answered.stdout + answered.stderr
    weather, ping = answered.stdout.splitlines()
    assert weather == "Snow, -3 C"
    assert ping.startswith(PONG[1]), "the author's edit of /ping"


# --- The update workflow's script, against local repositories -------------------------------

BRANCH = "template-update/v0.2.0"


def publish(project: Path, origin: Path) -> None:
    """A bare repository stands in for GitHub, as `origin`."""
    git(project, "init", "--quiet", "--bare", "--initial-branch", "main", str(origin))
    git(project, "remote", "add", "origin", str(origin))
    git(project, "push", "--quiet", "--set-upstream", "origin", "main")


@dataclass(frozen=True)
class Proposal:
    """Two scheduled runs on an edited v0.1.0 bot whose README title conflicts with v0.2.0."""

    project: Path
    origin: Path
    main_before: str
    own_files: dict[str, bytes]
    first: subprocess.CompletedProcess[str]
    second: subprocess.CompletedProcess[str]
    calls: list[list[str]]


@pytest.fixture(scope="module")
def proposal(tmp_path_factory: pytest.TempPathFactory, template_repo: Path) -> Proposal:
    root = tmp_path_factory.mktemp("proposal")
    project = copy_from(template_repo, root / "weather-bot", V1)
    start_repository(project)
    own_files = edit_as_author(project)
    replace_line(project / "README.md", "# Weather Bot", "# Weather Bot, by the Cloud Club")
    commit_all(project, "Our title")
    publish(project, root / "origin.git")
    main_before = git(project, "rev-parse", "HEAD").strip()
    gh_log = root / "gh-calls.jsonl"
    first = run_update_script(project, gh_log=gh_log)
    git(project, "switch", "--quiet", "main")  # Each scheduled run starts from a fresh checkout.
    second = run_update_script(project, gh_log=gh_log)
    return Proposal(
        project, root / "origin.git", main_before, own_files, first, second, gh_calls(gh_log)
    )


def test_update_script_commits_the_update_on_a_branch(proposal: Proposal) -> None:
    project = proposal.project
    assert proposal.first.returncode == 0, proposal.first.stdout + proposal.first.stderr
    assert git(proposal.origin, "rev-parse", BRANCH) == git(project, "rev-parse", BRANCH)
    assert git(project, "rev-parse", f"{BRANCH}^").strip() == proposal.main_before
    assert git(proposal.origin, "rev-parse", "main").strip() == proposal.main_before
    subject = git(project, "log", "-1", "--format=%s", BRANCH).strip()
    assert subject == f"Update to {TEMPLATE_NAME} 0.2.0"
    changed = set(git(project, "diff", "--name-only", "main", BRANCH).split())
    assert {".copier-answers.yml", ".editorconfig", ".gitignore", "README.md"} <= changed
    assert yaml.safe_load(git(project, "show", f"{BRANCH}:.copier-answers.yml"))["_commit"] == V2
    # The conflict is committed as Copier marked it, for the author to resolve in review.
    readme = git(project, "show", f"{BRANCH}:README.md")
    assert CONFLICT_MARKER.search(readme)
    assert "# Weather Bot, by the Cloud Club" in readme
    for name, content in proposal.own_files.items():
        assert (project / name).read_bytes() == content, name
    # The token stays in the git-ignored .env: in no commit, least of all the answers file.
    leaks = subprocess.run(
        ["git", "grep", "--quiet", AUTHOR_TOKEN, BRANCH], cwd=project, check=False
    )
    assert leaks.returncode == 1


def test_update_script_opens_one_pull_request(proposal: Proposal) -> None:
    assert len(proposal.calls) == 1, proposal.calls
    arguments = proposal.calls[0]
    assert arguments[:6] == ["pr", "create", "--base", "main", "--head", BRANCH]
    assert arguments[arguments.index("--title") + 1] == f"Update to {TEMPLATE_NAME} 0.2.0"
    body = arguments[arguments.index("--body") + 1]
    assert "from discord-bot-template 0.1.0 to 0.2.0" in body
    assert "- `README.md`" in body, "the conflicts to resolve are listed"
    assert "https://github.com/example/weather-bot/pull/1" in proposal.first.stdout


def test_update_script_proposes_each_release_once(proposal: Proposal) -> None:
    project = proposal.project
    assert proposal.second.returncode == 0, proposal.second.stderr
    assert f"already proposed on {BRANCH}" in proposal.second.stdout
    assert git(project, "rev-parse", "HEAD").strip() == proposal.main_before
    assert git(project, "status", "--porcelain") == ""
    assert len(proposal.calls) == 1


def test_update_script_does_nothing_when_up_to_date(
    tmp_path_factory: pytest.TempPathFactory, template_repo: Path
) -> None:
    root = tmp_path_factory.mktemp("up-to-date")
    project = copy_from(template_repo, root / "weather-bot", V2)
    start_repository(project)
    publish(project, root / "origin.git")
    head = git(project, "rev-parse", "HEAD")
    result = run_update_script(project, gh_log=root / "gh-calls.jsonl")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Up to date: {TEMPLATE_NAME} 0.2.0 is the newest release.\n"
    assert gh_calls(root / "gh-calls.jsonl") == []
    assert git(project, "branch", "--all", "--format=%(refname:short)").split() == [
        "main",
        "origin/main",
    ]
    assert git(project, "rev-parse", "HEAD") == head
    assert git(project, "status", "--porcelain") == ""


def workflow_document(path: Path) -> dict[Any, Any]:
    document: dict[Any, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


def action_pins(workflow: dict[Any, Any]) -> dict[str, str]:
    return {
        step["uses"].split("@")[0]: step["uses"]
        for job in workflow["jobs"].values()
        for step in job["steps"]
        if "uses" in step
    }


def test_update_workflow_is_a_valid_least_privilege_workflow(proposal: Proposal) -> None:
    path = proposal.project / ".github" / "workflows" / "template-update.yml"
    for schema in ("vendor.github-workflows", "custom.github-workflows-require-timeout"):
        result = subprocess.run(
            [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"{schema}: {result.stdout}{result.stderr}"
    workflow = workflow_document(path)
    # Nothing by default; the job that runs Copier reads, the one that pushes never runs it.
    assert workflow["permissions"] == {}
    jobs = workflow["jobs"]
    assert jobs["render"]["permissions"] == {"contents": "read"}
    assert jobs["propose"]["permissions"] == {"contents": "write", "pull-requests": "write"}
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true.
    assert set(triggers) == {"schedule", "workflow_dispatch"}
    runs = {name: [s["run"] for s in job["steps"] if "run" in s] for name, job in jobs.items()}
    assert [run.split("\n")[0] for run in runs["render"]] == [
        'python3 .github/scripts/template_update.py render "$RUNNER_TEMP/proposal"'
    ]
    assert runs["propose"] == [
        'python3 .github/scripts/template_update.py publish "$RUNNER_TEMP/proposal"'
    ]
    # The same action, pinned the same way, in every workflow of the project.
    ci = action_pins(workflow_document(path.with_name("ci.yml")))
    ours = action_pins(workflow)
    assert set(ours) == {
        "actions/checkout",
        "astral-sh/setup-uv",
        "actions/upload-artifact",
        "actions/download-artifact",
    }
    assert {action: ci[action] for action in ours if action in ci} == {
        action: pin for action, pin in ours.items() if action in ci
    }
    assert all(re.fullmatch(r"[\w/-]+@[0-9a-f]{40}", pin) for pin in ours.values()), ours


# --- Question names are an interface: renaming and retiring without migrations --------------

TINY_V1 = """\
_subdirectory: template
command_prefix:
  type: str
  help: Prefix of text commands.
  default: "!"
greeting:
  type: str
  help: What the bot says when it starts.
  default: Hello
"""
# The recipe of docs/updates.md: the old question is deleted, its answer feeds the new default.
TINY_RENAMED = """\
_subdirectory: template
# Renamed from command_prefix in 2.0.0; greeting retired in 2.0.0.
text_command_prefix:
  type: str
  help: Prefix of text commands.
  default: "{{ command_prefix | default('!') }}"
"""
# The tempting alternative: keep the old name as a hidden question.
TINY_HIDDEN_OLD_NAME = """\
_subdirectory: template
command_prefix:
  type: str
  when: false
  default: "!"
text_command_prefix:
  type: str
  help: Prefix of text commands.
  default: "{{ command_prefix }}"
"""


def tiny_template(repo: Path, renamed: str) -> Path:
    """A one-file template released as 1.0.0, then with the question renamed as 2.0.0."""
    (repo / "template").mkdir(parents=True)
    (repo / "template" / "{{ _copier_conf.answers_file }}.jinja").write_text(
        "{{ _copier_answers | to_nice_yaml -}}\n", encoding="utf-8"
    )
    (repo / "copier.yml").write_text(TINY_V1, encoding="utf-8")
    bot = repo / "template" / "bot.txt.jinja"
    bot.write_text("prefix={{ command_prefix }} greeting={{ greeting }}\n", encoding="utf-8")
    git(repo, "init", "--quiet", "--initial-branch", "main")
    commit_all(repo, "1.0.0")
    git(repo, "tag", "v1.0.0")
    (repo / "copier.yml").write_text(renamed, encoding="utf-8")
    bot.write_text("prefix={{ text_command_prefix }}\n", encoding="utf-8")
    commit_all(repo, "2.0.0")
    git(repo, "tag", "v2.0.0")
    return repo


def copy_tiny(repo: Path, destination: Path, ref: str, data: Mapping[str, Any]) -> Path:
    return copy_project(destination, data, template=repo, vcs_ref=ref)


def update_tiny(project: Path) -> dict[str, Any]:
    copier.run_update(project, defaults=True, overwrite=True, unsafe=False, quiet=True)
    return stored_answers(project)


def test_renamed_question_keeps_the_answer_without_migrations(tmp_path: Path) -> None:
    repo = tiny_template(tmp_path / "template", TINY_RENAMED)
    project = copy_tiny(repo, tmp_path / "bot", "v1.0.0", {"command_prefix": "?", "greeting": "Hi"})
    start_repository(project)
    answers = update_tiny(project)
    assert answers["text_command_prefix"] == "?", "the old answer moved to the new name"
    assert "command_prefix" not in answers and "greeting" not in answers
    assert (project / "bot.txt").read_text(encoding="utf-8") == "prefix=?\n"
    # Stored under its new name, the answer survives the next release too.
    commit_all(project, "Update to 2.0.0")
    (repo / "template" / "bot.txt.jinja").write_text("prefix={{ text_command_prefix }}!\n")
    commit_all(repo, "2.1.0")
    git(repo, "tag", "v2.1.0")
    assert update_tiny(project)["text_command_prefix"] == "?"
    # Scripts that pass the old name keep working on new copies.
    fresh = copy_tiny(repo, tmp_path / "fresh", "v2.1.0", {"command_prefix": "$"})
    assert stored_answers(fresh)["text_command_prefix"] == "$"


def test_hidden_old_question_would_lose_the_answer(tmp_path: Path) -> None:
    """Why the recipe deletes the old question: a `when: false` one ignores the stored answer."""
    repo = tiny_template(tmp_path / "template", TINY_HIDDEN_OLD_NAME)
    project = copy_tiny(repo, tmp_path / "bot", "v1.0.0", {"command_prefix": "?"})
    start_repository(project)
    assert update_tiny(project)["text_command_prefix"] == "!"


# --- Bots made before the preset question keep every part they chose ------------------------

# The release before the preset question: every shipping toggle was asked, and stored.
PREVIOUS_RELEASE = "74c697f"
# A toggle, then a preset that skips it: `ask:` keeps the stored answer, `when:` discards it.
TOGGLE_V1 = """\
_subdirectory: template
docker:
  type: bool
  default: true
"""
TOGGLE_BEHIND_A_PRESET = """\
_subdirectory: template
preset:
  type: str
  choices: [first-bot, custom]
  default: first-bot
docker:
  type: bool
  {skip}: "{{{{ preset == 'custom' }}}}"
  default: "{{{{ preset == 'custom' }}}}"
"""


@pytest.mark.parametrize(("skip", "kept"), [("ask", True), ("when", False)])
def test_a_preset_skips_questions_with_ask_not_when(tmp_path: Path, skip: str, kept: bool) -> None:
    """Why copier.yml's preset uses `ask:`: with `when:` an update drops a stored toggle and
    deletes its files."""
    repo = tmp_path / "template"
    (repo / "template").mkdir(parents=True)
    (repo / "template" / "{{ _copier_conf.answers_file }}.jinja").write_text(
        "{{ _copier_answers | to_nice_yaml -}}\n", encoding="utf-8"
    )
    (repo / "template" / "{% if docker %}Dockerfile{% endif %}").write_text("FROM python\n")
    (repo / "copier.yml").write_text(TOGGLE_V1, encoding="utf-8")
    git(repo, "init", "--quiet", "--initial-branch", "main")
    commit_all(repo, "1.0.0")
    git(repo, "tag", "v1.0.0")
    (repo / "copier.yml").write_text(TOGGLE_BEHIND_A_PRESET.format(skip=skip), encoding="utf-8")
    commit_all(repo, "2.0.0")
    git(repo, "tag", "v2.0.0")
    project = copy_tiny(repo, tmp_path / "bot", "v1.0.0", {})
    start_repository(project)
    answers = update_tiny(project)
    assert (project / "Dockerfile").exists() == kept
    assert answers.get("docker") == (True if kept else None)


def previous_release_repo(template_folder: Path, repo: Path) -> Path:
    """This repository's previous release as v0.1.0, and its working tree as v0.2.0."""
    found = subprocess.run(
        ["git", "cat-file", "-e", f"{PREVIOUS_RELEASE}^{{commit}}"],
        cwd=TEMPLATE_ROOT,
        capture_output=True,
        check=False,
    )
    assert found.returncode == 0, f"needs {PREVIOUS_RELEASE} in the history: git fetch --unshallow"
    archive = subprocess.run(
        ["git", "archive", "--format=tar", PREVIOUS_RELEASE],
        cwd=TEMPLATE_ROOT,
        capture_output=True,
        check=True,
    ).stdout
    repo.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as release:
        release.extractall(repo, filter="data")
    git(repo, "init", "--quiet", "--initial-branch", "main")
    commit_all(repo, f"Release 0.1.0 ({PREVIOUS_RELEASE})")
    git(repo, "tag", V1)
    for path in repo.iterdir():
        if path.name != ".git":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    shutil.copytree(template_folder, repo, dirs_exist_ok=True)
    commit_all(repo, "Release 0.2.0 (the working tree)")
    git(repo, "tag", V2)
    return repo


@dataclass(frozen=True)
class Released:
    """A bot copied from the previous release, then `copier update --defaults`-ed."""

    before: dict[str, bytes]
    answers_before: dict[str, Any]
    project: Path
    fresh: Path
    printed: str


# Every part on (the previous release's defaults), and every part off.
RELEASED_ANSWER_SETS: dict[str, dict[str, Any]] = {
    "every-part": {},
    "no-parts": dict.fromkeys(TOGGLE_FILES, False),
}


@pytest.fixture(scope="module")
def previous_release(tmp_path_factory: pytest.TempPathFactory, template_folder: Path) -> Path:
    root = tmp_path_factory.mktemp("previous-release")
    return previous_release_repo(template_folder, root / TEMPLATE_NAME)


@pytest.fixture(scope="module", params=sorted(RELEASED_ANSWER_SETS))
def released(
    request: pytest.FixtureRequest, previous_release: Path, tmp_path_factory: pytest.TempPathFactory
) -> Released:
    root = tmp_path_factory.mktemp(request.param)
    project = copy_from(
        previous_release, root / "old" / "mybot", V1, **RELEASED_ANSWER_SETS[request.param]
    )
    start_repository(project)
    before, answers_before = tree(project), stored_answers(project)
    updated = run_copier("update", "--defaults", cwd=project)
    assert updated.returncode == 0, updated.stdout + updated.stderr
    data = {k: v for k, v in stored_answers(project).items() if not k.startswith("_")}
    fresh = copy_from(previous_release, root / "new" / "mybot", V2, **data)
    return Released(before, answers_before, project, fresh, updated.stdout + updated.stderr)


def test_previous_release_bot_keeps_its_answers_and_parts(released: Released) -> None:
    """Its stored toggles win over the preset's defaults: no part appears or disappears."""
    after = stored_answers(released.project)
    kept = {k: v for k, v in released.answers_before.items() if not k.startswith("_")}
    assert {k: after[k] for k in kept} == kept
    assert after["preset"] == "custom", "a bot that chose each part is a custom one"
    for toggle, paths in TOGGLE_FILES.items():
        for path in paths:
            had = path in released.before
            assert had == bool(kept.get(toggle)), (toggle, path)
            assert (released.project / path).is_file() == had, (toggle, path)


def test_update_ends_with_what_changed_and_how_to_review(released: Released) -> None:
    """copier.yml's _message_after_update: where to read the changes, where conflicts are
    marked, how to review, what to do with .rej files."""
    printed = released.printed
    assert f"is updated to discord-bot-template {V2}." in printed
    assert "CHANGELOG.md" in printed
    for step in ("git status", "<<<<<<< before updating", "git diff HEAD", ".rej", "uv run pytest"):
        assert step in printed, step


def test_previous_release_bot_keeps_every_file(released: Released) -> None:
    """Every file it had is still there, but those the new release no longer renders for the
    same answers; and the result is a fresh copy of the new release."""
    fresh = tree(released.fresh)
    gone = {path for path in released.before if not (released.project / path).exists()}
    assert gone <= set(released.before) - set(fresh), sorted(gone)
    # .env is the author's (`_skip_if_exists`): the old one stays, whatever the new one holds.
    assert (released.project / ".env").read_bytes() == released.before[".env"]
    updated = tree(released.project)
    differing = sorted(
        name
        for name in (updated.keys() | fresh.keys()) - {".env"}
        if updated.get(name) != fresh.get(name)
    )
    assert not differing, f"the update differs from a fresh copy in {differing}"


# --- The oldest Copier this template works with ---------------------------------------------

# The release before the minimum: it refuses the template, and without the guard it cannot take
# `--data 'permissions=[...]'` (a list for a multiselect question with templated choices).
BELOW_MINIMUM = "9.7.1"
OLDEST_ANSWERS: dict[str, Any] = {
    "install_contexts": ["guild", "user"],
    "privileged_intents": ["message_content"],
    "permissions": NEW_PERMISSIONS,
}


def minimum_copier_version() -> str:
    documents = yaml.safe_load_all((TEMPLATE_ROOT / "copier.yml").read_text(encoding="utf-8"))
    return str(
        next(
            doc["_min_copier_version"] for doc in documents if doc and "_min_copier_version" in doc
        )
    )


def copier_release(version: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """That exact Copier release, in an environment of its own (uvx, from the package index)."""
    environment = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    environment["UV_PYTHON_DOWNLOADS"] = "never"
    uv = os.environ.get("UV") or shutil.which("uv") or "uv"
    command = [uv, "tool", "run", "--isolated", "--from", f"copier=={version}", "copier", *args]
    return subprocess.run(
        command, cwd=cwd, env=environment, capture_output=True, text=True, check=False, timeout=600
    )


def cli_data(answers: Mapping[str, Any]) -> list[str]:
    """`--data NAME=VALUE` arguments as the README writes them (lists in YAML brackets)."""
    arguments = []
    for name, value in answers.items():
        text = f"[{', '.join(value)}]" if isinstance(value, list) else str(value)
        arguments += ["--data", f"{name}={text}"]
    return arguments


@pytest.mark.slow
def test_oldest_supported_copier_copies_and_updates(template_repo: Path, tmp_path: Path) -> None:
    oldest = minimum_copier_version()
    project = tmp_path / "oldest" / "mybot"
    data = cli_data({**ANSWERS, **OLDEST_ANSWERS})
    arguments = ["copy", "--defaults", "--vcs-ref", V1, *data, str(template_repo), str(project)]
    copied = copier_release(oldest, *arguments, cwd=tmp_path)
    assert copied.returncode == 0, copied.stderr
    start_repository(project)
    updated = copier_release(oldest, "update", "--defaults", cwd=project)
    assert updated.returncode == 0, updated.stderr
    fresh = copy_from(template_repo, tmp_path / "newest" / "mybot", V2, **OLDEST_ANSWERS)
    assert_same_tree(project, fresh)


@pytest.mark.slow
def test_copier_below_the_minimum_is_refused(template_repo: Path, tmp_path: Path) -> None:
    oldest = minimum_copier_version()
    assert Version(BELOW_MINIMUM) < Version(oldest)
    data = cli_data({**ANSWERS, "permissions": NEW_PERMISSIONS})
    refused = copier_release(
        BELOW_MINIMUM,
        "copy",
        "--defaults",
        "--vcs-ref",
        V1,
        *data,
        str(template_repo),
        "refused",
        cwd=tmp_path,
    )
    assert refused.returncode != 0
    assert f"requires Copier version >= {oldest}" in refused.stdout + refused.stderr
    assert not (tmp_path / "refused").exists()
    # The guard is needed: without it, that release fails on the lists the README teaches.
    unguarded = tmp_path / "unguarded"
    shutil.copytree(template_repo, unguarded)
    line = f'_min_copier_version: "{oldest}"'
    replace_line(unguarded / "copier.yml", line, line.replace(oldest, BELOW_MINIMUM))
    commit_all(unguarded, "Without the guard")
    broken = copier_release(
        BELOW_MINIMUM,
        "copy",
        "--defaults",
        "--vcs-ref",
        "HEAD",
        *data,
        str(unguarded),
        "broken",
        cwd=tmp_path,
    )
    assert broken.returncode != 0
    assert "Invalid choice" in broken.stderr
