"""Answer Copier's questions in a pseudo-terminal, the way a person at a keyboard does.

`copier copy SRC DST` and `copier update` with no flags refuse to run without a terminal
("Interactive session required"), so the no-flag paths a bot author takes can only be tested
through one. Each question is recognised by its help text from copier.yml and answered once.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

# Copier's mark in front of every question (questionary's qmark).
QUESTION_MARK = "\N{MICROPHONE}"
ENTER = "\r"
# prompt_toolkit ends a multi-line answer with Esc then Enter; Enter alone adds a line break.
FINISH_MULTILINE = "\x1b\r"
# Characters of help text that identify a question on screen (the screen is wide enough).
MATCH_LENGTH = 40
ANSI_ESCAPE = re.compile(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|[@-Z\\-_])")


@dataclass(frozen=True)
class Question:
    """One question of copier.yml as it appears on screen, and the keys that accept it."""

    name: str
    shown_as: str
    finish: str


def questions_of(copier_yml: Path) -> list[Question]:
    """The questions a person can be asked: every entry of copier.yml that is not a setting."""
    questions = []
    for document in yaml.safe_load_all(copier_yml.read_text(encoding="utf-8")):
        for name, spec in (document or {}).items():
            if name.startswith("_") or not isinstance(spec, dict):
                continue
            shown_as = " ".join(str(spec.get("help") or name).split())[:MATCH_LENGTH]
            finish = FINISH_MULTILINE if spec.get("multiline") else ENTER
            questions.append(Question(name, shown_as, finish))
    return questions


def answer_interactively(
    argv: list[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    questions: list[Question],
    typed: Mapping[str, str] | None = None,
    timeout: float = 180.0,
) -> tuple[int, str]:
    """Run argv in a terminal; type `typed[name]` (or nothing) and accept each question shown.

    Returns the exit status and the screen text (escape sequences removed). Keys are sent only
    once the question is on screen and the program has gone quiet, so nothing is typed ahead.
    """
    typed = typed or {}
    controller, terminal = pty.openpty()
    # A wide screen keeps each help text on one line, where it can be recognised.
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 400, 0, 0))
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env={**env, "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1", "NO_COLOR": "1"},
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        close_fds=True,
    )
    os.close(terminal)
    screen = ""
    answered: set[str] = set()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 0.15)
            if ready:
                try:
                    chunk = os.read(controller, 65536)
                except OSError:  # The program exited and closed the terminal.
                    break
                if not chunk:
                    break
                screen += ANSI_ESCAPE.sub("", chunk.decode("utf-8", "replace"))
                continue
            if process.poll() is not None:
                break
            waiting = _question_on_screen(screen, questions)
            if waiting is not None and waiting.name not in answered:
                answered.add(waiting.name)
                os.write(controller, (typed.get(waiting.name, "") + waiting.finish).encode())
        else:
            process.kill()
            raise AssertionError(f"{argv} still waits after {timeout} s; screen:\n{screen}")
    finally:
        os.close(controller)
    return process.wait(timeout=30), screen


def _question_on_screen(screen: str, questions: list[Question]) -> Question | None:
    """The question shown last, recognised by its help text."""
    position = screen.rfind(QUESTION_MARK)
    if position < 0:
        return None
    shown = " ".join(screen[position + 1 :].split())
    return next((q for q in questions if shown.startswith(q.shown_as)), None)
