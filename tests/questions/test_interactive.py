"""The interactive session as a newcomer meets it: an 80x24 terminal, typed by a person.

The form must fit that screen: every help line whole (Copier cuts each line at the edge), the
default path short, and every refusal read whole on the row Copier gives it. The sessions run
in tests/support/terminal.py's emulated terminal; the expected refusals come from copier.yml's own
validators (tests/support/questionnaire.py), so a message that is cut, wrapped or hidden fails here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.questionnaire import (
    asked_questions,
    choices_of,
    default,
    interactive_path,
    problem,
    questions,
)
from support.template import APPLICATION_ID, FAKE_TOKEN
from support.terminal import (
    CLEAR_LINE,
    COLUMNS,
    DOWN,
    ENTER,
    INTERRUPT,
    QUESTION_MARK,
    ROWS,
    SELECT_ALL,
    SPACE,
    Question,
    Terminal,
    Walk,
    questions_of,
    walk,
)
from wcwidth import wcswidth

pytestmark = [
    pytest.mark.slow,  # each test types a whole form into a real copier process
    pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal"),
]

FIRST_LINE_WIDTH = 70
# Copier's mark (two columns wide) and a space come before a help's first line.
MARK_WIDTH = 3
PREFIX = "Validation error for question '{}': "
TOKEN = FAKE_TOKEN
NAME = "My Cool Bot"
PACKAGE = "my_cool_bot"
# What a newcomer types on the default path; Enter takes every other default.
TYPED = {"app_name": NAME, "application_id": APPLICATION_ID}
MOST_QUESTIONS_ON_THE_DEFAULT_PATH = 8
# Discord's questions, asked in every preset; the tooling ones a newcomer cannot judge yet.
DISCORD_QUESTIONS = {"app_name", "application_id", "description", "install_contexts"}
TOOLING_QUESTIONS = {"docker", "kubernetes", "github_ci", "type_checking", "pre_commit"}

# Mistakes a person can type, per question: text for the typed questions (replacing the
# default), keys for the checkboxes. Each must be refused with its whole message on screen.
TYPED_MISTAKES: dict[str, list[str]] = {
    "app_name": ["x", "A" * 33, "   ", "\u200b\u200b\u200b", "Bot\u202eevil", TOKEN],
    "application_id": ["my bot", "0123456789012345678", "18446744073709551616", "1234", TOKEN],
    "description": ["x" * 401, "a\u2066b", f"Token: {TOKEN}"],
    "package_name": ["My-Bot", "class", "json", "typing_extensions", "python", "x" * 51, TOKEN],
    "command_prefix": ["", "! ", '"', "/", "\\", "!!!!!!", "\u200b!", TOKEN],
    "author_name": ["Doe, Jane", "x" * 101, "Jane <jane@example.org>", TOKEN],
    "author_email": ["jane", TOKEN],
    "copyright_year": ["twenty"],
}
# (keys that make the mistake, the refused answer, keys that undo it)
CHECKBOX_MISTAKES: dict[str, tuple[str, list[str], str]] = {
    "install_contexts": (SPACE, [], SPACE),
    "scopes": (SPACE + DOWN + SPACE, [], SELECT_ALL),
    # The defaults come first: go down to Administrator and tick it beside them.
    "permissions": (
        DOWN * choices_of("permissions").index("ADMINISTRATOR") + SPACE,
        [*default("permissions", {}), "ADMINISTRATOR"],
        SPACE,
    ),
}
# The custom preset asks every question; text commands bring the prefix question.
CUSTOM_KEYS = {"preset": DOWN + DOWN, "privileged_intents": SPACE}
CUSTOM_ANSWERS = {"preset": "custom", "privileged_intents": ["message_content"]}


def session(template: Path, destination: Path, keys: dict[str, str]) -> Walk:
    argv = [sys.executable, "-m", "copier", "copy", str(template), str(destination)]
    return walk(
        argv,
        cwd=destination.parent,
        env=os.environ,
        questions=questions_of(template / "copier.yml"),
        keys=keys,
    )


@pytest.fixture(scope="module")
def template_questions(template_folder: Path) -> list[Question]:
    return questions_of(template_folder / "copier.yml")


@pytest.fixture(scope="module")
def newcomer(template_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walk]:
    """The default path: a name, an application ID, Enter on everything else."""
    destination = tmp_path_factory.mktemp("newcomer") / "mybot"
    keys = {name: CLEAR_LINE + text for name, text in TYPED.items()}
    done = session(template_folder, destination, keys)
    assert done.status == 0, done.transcript
    yield done


@pytest.fixture(scope="module")
def custom(template_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walk]:
    """The custom preset with text commands: every question of copier.yml is asked."""
    destination = tmp_path_factory.mktemp("custom") / "mybot"
    keys = {name: CLEAR_LINE + text for name, text in TYPED.items()} | CUSTOM_KEYS
    done = session(template_folder, destination, keys)
    assert done.status == 0, done.transcript
    yield done


# --- the form fits ---------------------------------------------------------------------------


def test_every_help_fits_80_columns(template_questions: list[Question]) -> None:
    """The first line carries the rule in at most 70 characters; no line is cut at 80."""
    for question in template_questions:
        first, *rest = question.help_lines
        assert wcswidth(first) <= FIRST_LINE_WIDTH, (question.name, first)
        assert MARK_WIDTH + wcswidth(first) <= COLUMNS
        for line in rest:
            assert wcswidth(line) < COLUMNS, (question.name, line)


def test_the_default_path_asks_few_questions(newcomer: Walk) -> None:
    """A name, an ID, then Enter: the preset's first choice asks Discord's questions and storage."""
    assert newcomer.asked == interactive_path(TYPED)
    assert newcomer.asked[0] == "preset"
    assert len(newcomer.asked) <= MOST_QUESTIONS_ON_THE_DEFAULT_PATH
    assert set(newcomer.asked) >= DISCORD_QUESTIONS
    assert not TOOLING_QUESTIONS & set(newcomer.asked)
    assert "Traceback" not in newcomer.transcript


def test_the_custom_preset_asks_every_question(
    custom: Walk, template_questions: list[Question]
) -> None:
    assert custom.asked == [question.name for question in template_questions]
    assert custom.asked == interactive_path({**TYPED, **CUSTOM_ANSWERS})


def test_every_help_line_is_shown_whole(custom: Walk, template_questions: list[Question]) -> None:
    """On the screen of each question, its help's lines are rows of their own, uncut."""
    for question in template_questions:
        screen = custom.screens[question.name]
        first = f"{QUESTION_MARK} {question.first_line}"
        rows = [index for index, row in enumerate(screen) if row == first]
        assert rows, f"{question.name}: no row reads {first!r}:\n" + "\n".join(screen)
        start = rows[-1] + 1
        shown = screen[start : start + len(question.help_lines) - 1]
        assert shown == list(question.help_lines[1:]), question.name


def test_the_next_steps_fit_the_screen(newcomer: Walk) -> None:
    """What Copier prints at the end is on the last screen, whole, with the links."""
    message = newcomer.transcript[newcomer.transcript.index("Your bot") :].rstrip()
    rows = sum(max(1, -(-wcswidth(line) // COLUMNS)) for line in message.splitlines())
    assert rows <= ROWS
    shown = "".join(newcomer.last_screen).replace(" ", "")
    assert "".join(message.split()) in shown
    assert f"uv run {PACKAGE} playground" in message
    assert f"client_id={APPLICATION_ID}" in message
    assert f"/developers/applications/{APPLICATION_ID}/bot" in message


# --- every mistake is read whole --------------------------------------------------------------


def test_every_mistake_is_refused_with_its_whole_message(
    template_folder: Path, template_questions: list[Question], tmp_path: Path
) -> None:
    """One custom session: each mistake typed in turn and its refusal read from the screen,
    then a good answer (the default, or the newcomer's) and on to the next question."""
    destination = tmp_path / "mybot"
    argv = [sys.executable, "-m", "copier", "copy", str(template_folder), str(destination)]
    terminal = Terminal(argv, cwd=tmp_path, env=os.environ)
    answers: dict[str, Any] = {}
    tried: set[str] = set()
    question = None
    while (question := terminal.wait_for(template_questions, after=question)) is not None:
        name = question.name
        previous = ""
        for mistake in TYPED_MISTAKES.get(name, []):
            terminal.type(CLEAR_LINE + mistake + ENTER)
            message = problem(name, mistake, answers)
            # The prompt validates while typing: a message differing from the last one is
            # this mistake's own.
            assert message != previous, (name, mistake)
            expect_refusal(terminal, name, message)
            previous = message
            tried.add(name)
        if name in CHECKBOX_MISTAKES:
            keys, refused, undo = CHECKBOX_MISTAKES[name]
            terminal.type(keys + ENTER)
            expect_refusal(terminal, name, problem(name, refused, answers))
            terminal.type(undo)
            terminal.wait_until(lambda: not refusal_rows(terminal))
            tried.add(name)
        answers[name] = CUSTOM_ANSWERS.get(name, TYPED.get(name))
        if answers[name] is None:
            answers[name] = default(name, answers)
        if name in TYPED_MISTAKES:
            terminal.type(CLEAR_LINE + str(answers[name]))
        terminal.type(CUSTOM_KEYS.get(name, "") + ENTER)
    assert terminal.finish() == 0, terminal.transcript
    assert tried == {name for name in asked_questions() if "validator" in questions()[name]}
    assert (destination / "README.md").is_file()


def refusal_rows(terminal: Terminal) -> list[str]:
    return [row for row in terminal.lines if row.startswith("Validation error")]


def expect_refusal(terminal: Terminal, question: str, message: str) -> None:
    assert message, f"{question}: the mistake was accepted"
    terminal.wait_until_shown(PREFIX.format(question) + message)


def test_ctrl_c_stops_without_writing_anything(
    template_folder: Path, template_questions: list[Question], tmp_path: Path
) -> None:
    """What the template's README promises about the session: nothing is left behind."""
    destination = tmp_path / "mybot"
    argv = [sys.executable, "-m", "copier", "copy", str(template_folder), str(destination)]
    terminal = Terminal(argv, cwd=tmp_path, env=os.environ)
    preset = terminal.wait_for(template_questions)
    terminal.type(ENTER)
    assert terminal.wait_for(template_questions, after=preset) is not None
    terminal.type(NAME + INTERRUPT)
    assert terminal.finish() != 0
    assert not destination.exists()
    assert "Traceback" not in terminal.transcript
