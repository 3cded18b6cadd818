"""The generated README as a newcomer reads it: short, first screen first, in working order.

It is a walkthrough, each step needing only the ones before it: see the bot work in the
playground, put the token in .env, add the bot, make the commands appear (the sync step, before
anyone is told to type /ping), run, type /ping, write a command. Everything else is in docs/,
linked from "Going further"; every link between them resolves.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from answer_sets import answers
from markdown_it import MarkdownIt
from shipping import render

MOST_LINES = 120
SCREEN_ROWS = 24
STEPS = [
    "## 0. See it work first",
    "## 1. Put the token in `.env`",
    "## 2. Add the",  # the bot to your server, or the app to your account
    "## 3. Make the commands appear",
    "## 4. Run it",
    "## 5. Type `/ping`",
    "## 6. Add your own command",
    "## Going further",
]
# The answer sets that change the README's shape.
README_SETS = [
    "first-bot",
    "defaults",
    "guild-and-user-install",
    "user-install",
    "no-application-id",
    "all-intents",
    "administrator",
    "commands-scope-only",
    "no-extras",
]
MARKDOWN = MarkdownIt("commonmark")


@pytest.fixture(scope="module", params=README_SETS)
def project(
    request: pytest.FixtureRequest, template_folder: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], Path]:
    chosen = answers(request.param)
    destination = tmp_path_factory.mktemp(request.param) / "mybot"
    return chosen, render(template_folder, destination, chosen)


def readme_of(project: Path) -> list[str]:
    return (project / "README.md").read_text(encoding="utf-8").splitlines()


def test_readme_fits_in_120_lines(project: tuple[dict[str, Any], Path]) -> None:
    assert len(readme_of(project[1])) <= MOST_LINES


def test_the_walkthrough_starts_on_the_first_screen(project: tuple[dict[str, Any], Path]) -> None:
    lines = readme_of(project[1])
    assert STEPS[0] in lines[:SCREEN_ROWS]
    assert any(line.startswith(STEPS[1]) for line in lines[:SCREEN_ROWS])


def test_steps_come_in_working_order(project: tuple[dict[str, Any], Path]) -> None:
    lines = readme_of(project[1])
    found = [next(i for i, line in enumerate(lines) if line.startswith(step)) for step in STEPS]
    assert found == sorted(found), dict(zip(STEPS, found, strict=True))


def test_commands_are_synced_before_anyone_types_ping(project: tuple[dict[str, Any], Path]) -> None:
    """The top question of every peer's tracker: commands appear only once synced, so the step
    that syncs them comes before the first /ping in Discord (the playground needs none)."""
    chosen, folder = project
    text = "\n".join(readme_of(folder))
    in_discord = text[text.index(STEPS[1]) :]
    guild = "guild" in chosen.get("install_contexts", ["guild"])
    sync = "DEV_GUILD_ID=" if guild else "sync --global"
    assert in_discord.index(sync) < in_discord.index("/ping")
    if guild:
        assert "Developer Mode" in in_discord and "Copy Server ID" in in_discord


def test_playground_comes_before_any_setup(project: tuple[dict[str, Any], Path]) -> None:
    text = "\n".join(readme_of(project[1]))
    package = project[0].get("package_name") or "test_bot"
    assert text.index(f"uv run {package} playground") < text.index("DISCORD_TOKEN=")


def test_own_command_step_names_the_files_to_copy(project: tuple[dict[str, Any], Path]) -> None:
    text = "\n".join(readme_of(project[1]))
    step = text[text.index(STEPS[6]) : text.index(STEPS[7])]
    for path in ("/cogs/example.py", "tests/test_example.py", "tests/test_commands.py"):
        assert path in step


def test_every_doc_is_linked_and_every_link_resolves(project: tuple[dict[str, Any], Path]) -> None:
    folder = project[1]
    pages = {path.relative_to(folder).as_posix() for path in (folder / "docs").glob("*.md")}
    readme_links = local_links(folder, folder / "README.md")
    assert pages <= readme_links, pages - readme_links
    for page in [folder / "README.md", *(folder / "docs").glob("*.md")]:
        for link in local_links(folder, page):
            assert (folder / link).is_file(), f"{page.name} links to a missing {link}"


def local_links(root: Path, page: Path) -> set[str]:
    """The page's links to files of the project, as paths from the project's root."""
    tokens = MARKDOWN.parse(page.read_text(encoding="utf-8"))
    hrefs = [
        str(child.attrs["href"])
        for token in tokens
        for child in token.children or []
        if child.type == "link_open"
    ]
    here = page.parent.relative_to(root)
    return {
        (here / href).as_posix()
        for href in hrefs
        if not re.match(r"[a-z]+:", href) and not href.startswith(("#", "<"))
    }
