"""Copier's interactive session in an 80x24 terminal, seen and typed as a person does.

`copier copy SRC DST` and `copier update` with no flags refuse to run without a terminal
("Interactive session required"), so the paths a bot author takes can only be tested through
one. pexpect runs the command in a pseudo-terminal and pyte, a VT100 emulator, keeps the screen:
what is on it is what a person reads, with lines cut at the right edge and the validation
message on the bottom row. The emulator also answers prompt_toolkit's cursor-position requests,
as a real terminal does, so the layout is the one people get.

A question is recognised by the first line of its help (copier.yml), which Copier prints after
its mark; keys are sent only once the screen has settled, so nothing is typed ahead.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pexpect
import pyte
import yaml

ROWS, COLUMNS = 24, 80
# Copier's mark in front of every question (questionary's qmark), then a space.
QUESTION_MARK = "\N{MICROPHONE}"
ENTER = "\r"
CLEAR_LINE = "\x15"  # Ctrl+U: delete the prefilled default before typing
INTERRUPT = "\x03"  # Ctrl+C
SPACE = " "
DOWN = "\x1b[B"
SELECT_ALL = "a"  # in a checkbox: select every choice (or none, when all are)
ANSI_ESCAPE = re.compile(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07]*\x07|[@-Z\\-_])")


@dataclass(frozen=True)
class Question:
    """One question of copier.yml as it appears on screen."""

    name: str
    help_lines: tuple[str, ...]

    @property
    def first_line(self) -> str:
        return self.help_lines[0]


def questions_of(copier_yml: Path) -> list[Question]:
    """The questions a person can be asked: every entry of copier.yml that is not a setting
    and not a computed value (`when: false`), in order."""
    questions = []
    for document in yaml.safe_load_all(copier_yml.read_text(encoding="utf-8")):
        for name, spec in (document or {}).items():
            if name.startswith("_") or not isinstance(spec, dict) or spec.get("when") is False:
                continue
            help_text = str(spec.get("help") or name).strip()
            questions.append(Question(name, tuple(help_text.splitlines())))
    return questions


class _Screen(pyte.Screen):
    """A screen that answers the program's status requests (cursor position) on its input."""

    def __init__(self, columns: int, rows: int, child: pexpect.spawn) -> None:
        super().__init__(columns, rows)
        self.child = child

    def write_process_input(self, data: str) -> None:
        self.child.send(data)


class Terminal:
    """A command running in a ROWS x COLUMNS terminal."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        rows: int = ROWS,
        columns: int = COLUMNS,
        timeout: float = 180.0,
    ) -> None:
        environment = {**env, "TERM": "xterm", "NO_COLOR": "1", "COLUMNS": str(columns)}
        environment.pop("LINES", None)
        self.child = pexpect.spawn(
            argv[0],
            list(argv[1:]),
            cwd=str(cwd),
            env=environment,
            dimensions=(rows, columns),
            timeout=timeout,
        )
        self.screen = _Screen(columns, rows, self.child)
        self.stream = pyte.ByteStream(self.screen)
        self.output = bytearray()
        self.deadline = time.monotonic() + timeout
        self.ended = False

    # --- reading ---------------------------------------------------------------------------

    def _read(self, wait: float) -> bool:
        """Feed the screen what the program wrote within `wait` seconds; False if nothing."""
        if self.ended:
            return False
        try:
            data = self.child.read_nonblocking(65536, timeout=wait)
        except pexpect.TIMEOUT:
            return False
        except pexpect.EOF:
            self.ended = True
            return False
        self.output += data
        self.stream.feed(data)
        return True

    def settle(self, quiet: float = 0.3) -> None:
        """Read until the program has been silent for `quiet` seconds, or has ended."""
        while not self.ended:
            self._check_deadline()
            if not self._read(quiet):
                return

    def _check_deadline(self) -> None:
        if time.monotonic() > self.deadline:
            self.child.terminate(force=True)
            raise AssertionError(f"still running after the time limit; screen:\n{self.text}")

    @property
    def lines(self) -> list[str]:
        """The screen's rows, trailing spaces removed."""
        return [line.rstrip() for line in self.screen.display]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def transcript(self) -> str:
        """Everything the program wrote, escape sequences removed (also what scrolled away)."""
        return ANSI_ESCAPE.sub("", self.output.decode("utf-8", "replace"))

    def shown(self, questions: Sequence[Question]) -> Question | None:
        """The question whose mark is lowest on the screen: the one being asked, or the last
        one answered while the next is not drawn yet."""
        for line in reversed(self.lines):
            if line.startswith(QUESTION_MARK):
                shown = line[len(QUESTION_MARK) :].strip()
                return next((q for q in questions if shown.startswith(q.first_line)), None)
        return None

    def wait_for(
        self, questions: Sequence[Question], after: Question | None = None
    ) -> Question | None:
        """The next question once it is on screen and the program waits for keys, or None
        when the program ends first. `after` is the question just answered: its mark stays
        lowest on the screen until the next one is drawn."""
        while True:
            self.settle()
            question = self.shown(questions)
            if self.ended:
                return None
            if question is not None and question != after:
                return question
            self._check_deadline()
            self._read(0.2)

    def wait_until(self, condition: Callable[[], bool], timeout: float = 15.0) -> None:
        """Read until the screen meets the condition."""
        limit = time.monotonic() + timeout
        while not condition():
            if self.ended or time.monotonic() > limit:
                raise AssertionError(f"{condition} never held; the screen:\n{self.text}")
            self._read(0.1)

    def wait_until_shown(self, row: str, timeout: float = 15.0) -> None:
        """Wait until one row of the screen reads exactly `row` (so it is whole, not cut)."""
        try:
            self.wait_until(lambda: row in self.lines, timeout)
        except AssertionError:
            raise AssertionError(f"no row reads {row!r}; the screen:\n{self.text}") from None

    # --- typing ----------------------------------------------------------------------------

    def type(self, keys: str) -> None:
        self.child.send(keys)

    def finish(self) -> int:
        """Wait for the program to end; its exit status."""
        while not self.ended:
            self._check_deadline()
            self._read(0.5)
        self.child.close()
        status = self.child.exitstatus
        return status if status is not None else 128 + (self.child.signalstatus or 0)


@dataclass(frozen=True)
class Walk:
    """A session answered question by question: what was asked, and what the screen showed."""

    status: int
    transcript: str
    asked: list[str]
    screens: dict[str, list[str]]
    last_screen: list[str]


def walk(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    questions: Sequence[Question],
    keys: Mapping[str, str] | None = None,
    timeout: float = 180.0,
) -> Walk:
    """Run argv in the terminal; on each question shown, press `keys[name]` (nothing by
    default), then Enter, until the program ends."""
    keys = keys or {}
    terminal = Terminal(argv, cwd=cwd, env=env, timeout=timeout)
    asked: list[str] = []
    screens: dict[str, list[str]] = {}
    question = None
    while (question := terminal.wait_for(questions, after=question)) is not None:
        asked.append(question.name)
        screens[question.name] = terminal.lines
        terminal.type(keys.get(question.name, "") + ENTER)
    status = terminal.finish()
    return Walk(status, terminal.transcript, asked, screens, terminal.lines)


def answer_interactively(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    questions: Sequence[Question],
    typed: Mapping[str, str] | None = None,
    timeout: float = 180.0,
) -> tuple[int, str]:
    """Run argv in the terminal; type `typed[name]` in place of the default (or keep the
    default), then Enter, on each question shown. Returns the exit status and everything the
    program wrote."""
    keys = {name: CLEAR_LINE + text for name, text in (typed or {}).items()}
    done = walk(argv, cwd=cwd, env=env, questions=questions, keys=keys, timeout=timeout)
    return done.status, done.transcript
