"""The interactive session, driven through a pseudo-terminal as a person would type it.

A refused answer shows the validator's message under the prompt and Copier asks again; a
good answer moves on, and Enter on every later prompt takes its default, up to a rendered
project. The prompts are recognised by their help text from copier.yml.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pexpect
import pytest
from questionnaire import asked_questions, questions

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")

ENTER = "\r"
ESCAPE_ENTER = "\x1b\r"  # finishes a multi-line answer
CLEAR_LINE = "\x15"  # Ctrl+U: delete the prefilled default before typing


def prompt_of(question: str) -> str:
    """The start of the question's help text, which Copier prints as its prompt."""
    return " ".join((questions()[question].get("help") or question).split())[:50]


class Session:
    """`copier copy` in a terminal 500 columns wide (no line wrapping), without colours."""

    def __init__(self, template: Path, destination: Path) -> None:
        environment = {**os.environ, "TERM": "dumb", "NO_COLOR": "1"}
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "copier", "copy", str(template), str(destination)],
            env=environment,
            encoding="utf-8",
            timeout=90,
            dimensions=(60, 500),
        )
        self.pending = list(asked_questions())

    def reach(self, question: str) -> list[str]:
        """Press Enter on every prompt before `question` (taking defaults); return them."""
        defaulted = []
        while True:
            patterns = [re.escape(prompt_of(name)) for name in self.pending]
            index = self.child.expect(patterns)
            name = self.pending[index]
            self.pending = self.pending[index + 1 :]
            if name == question:
                return defaulted
            self.child.send(ESCAPE_ENTER if questions()[name].get("multiline") else ENTER)
            defaulted.append(name)

    def answer(self, text: str) -> None:
        self.child.send(CLEAR_LINE + text + ENTER)

    def finish(self) -> str:
        """Take every remaining default, then wait for Copier to end; its last output."""
        while self.pending:
            patterns = [re.escape(prompt_of(name)) for name in self.pending]
            index = self.child.expect([*patterns, pexpect.EOF])
            if index == len(patterns):
                break
            name = self.pending[index]
            self.pending = self.pending[index + 1 :]
            self.child.send(ESCAPE_ENTER if questions()[name].get("multiline") else ENTER)
        self.child.expect(pexpect.EOF)
        self.child.close()
        assert self.child.exitstatus == 0, self.child.before
        return str(self.child.before)


@pytest.fixture
def destination(tmp_path: Path) -> Path:
    return tmp_path / "mybot"


def test_a_refused_name_is_explained_under_the_prompt_and_asked_again(
    template_folder: Path, destination: Path
) -> None:
    session = Session(template_folder, destination)
    assert session.reach("app_name") == []
    session.answer("x")
    session.child.expect_exact(
        "Validation error for question 'app_name': The application name must be 2 to 32"
        ' characters long (Discord refuses others); "x" has 1.'
    )
    session.answer("My Cool Bot")
    session.reach("package_name")  # the next question: the name was accepted
    session.child.send(ENTER)
    session.finish()
    assert (destination / "src" / "my_cool_bot" / "bot.py").is_file()
    assert "app_name: My Cool Bot" in (destination / ".copier-answers.yml").read_text()


def test_cross_question_refusals_and_defaults_in_one_session(
    template_folder: Path, destination: Path
) -> None:
    """A derived default that is edited into a bad name, then fixed; a pasted token in place
    of the application ID; every other prompt answered with Enter."""
    session = Session(template_folder, destination)
    session.reach("app_name")
    session.answer("Json")
    session.reach("package_name")
    session.answer("json")
    session.child.expect_exact(
        "Validation error for question 'package_name': \"json\" would shadow Python's"
        ' standard-library module "json": try "json_bot".'
    )
    session.answer("json_bot")
    session.reach("application_id")
    session.answer("MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB")
    session.child.expect_exact("That looks like a bot token, not the application ID.")
    session.answer("1234567890123456789")
    session.finish()
    readme = (destination / "README.md").read_text(encoding="utf-8")
    assert "client_id=1234567890123456789" in readme
    assert (destination / "src" / "json_bot" / "__init__.py").is_file()
