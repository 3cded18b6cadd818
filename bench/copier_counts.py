"""Counts that do not depend on the machine: what one Copier run compiles, what it starts.

Run as ``python -m bench.copier_counts REPORT.json -- copy|update ARGS...``: it installs two
counters, runs Copier's own command line in this process, and writes what they saw as JSON:

- every Jinja compilation, attributed to its cause: a question's field (``question:permissions``),
  a path part of a template file name, a file or rule file (hooks/*.jinja) loaded by name, or a
  message;
- every process Copier starts itself (``git config``, ``git clone``, ...), by program and
  subcommand.

Timings are noise on a shared machine; these counts are not, so they show a change's effect
exactly, even one too small to time. The timed runs (copier_runs.py) never carry the counters.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

import jinja2

# Copier's functions that compile, the cause each stands for, most specific first.
_CAUSES = {
    "answers_relpath": "answers file name (once per path part)",
    "_render_parts": "path parts",
    "_render_file": "files",
    "_render_string": "other strings (messages, exclusions)",
}
# Question methods that only pass a string on to Jinja: the caller above them is the cause.
_PLUMBING = {"render_value", "cast_answer", "get_type_name"}


def _cause(frame: FrameType | None, name: str | None) -> tuple[str, str]:
    """Why a string is being compiled: (cause, detail), read from the Copier frames above."""
    if name is not None:
        return ("rule files (hooks/)" if name.startswith("hooks/") else "files"), name
    functions: list[str] = []  # Copier's functions, innermost first
    question = None
    while frame is not None:
        if "copier" in frame.f_code.co_filename:
            var_name = getattr(frame.f_locals.get("self"), "var_name", None)
            if isinstance(var_name, str):
                question = question or var_name
            elif question:
                break  # the question's own methods are all collected
            functions.append(frame.f_code.co_name)
        frame = frame.f_back
    if question:
        # The first method that does more than hand the string on to Jinja.
        method = next((f for f in functions if f not in _PLUMBING), functions[-1])
        return f"question:{question}", f"{question}: {method}"
    for function, cause in _CAUSES.items():
        if function in functions:
            return cause, function
    return "other", " < ".join(functions[:3])


def install(compilations: Counter[str], details: Counter[str], processes: Counter[str]) -> None:
    """Count every Jinja compilation and every process started through subprocess.Popen."""
    compile_source = jinja2.Environment.compile

    def counting_compile(
        self: jinja2.Environment, source: Any, name: Any = None, *a: Any, **k: Any
    ) -> Any:
        if isinstance(source, str):  # a string to compile (not an already parsed template)
            cause, detail = _cause(sys._getframe(1), name)
            compilations[cause] += 1
            details[detail] += 1
        return compile_source(self, source, name, *a, **k)

    jinja2.Environment.compile = counting_compile  # type: ignore[method-assign]

    popen_init = subprocess.Popen.__init__

    def counting_init(self: subprocess.Popen[Any], args: Any, *a: Any, **k: Any) -> None:
        argv = [args] if isinstance(args, str | bytes) else list(args)
        program = Path(str(argv[0])).name
        options_with_values = {"-c", "-C"}
        words = [str(part) for part in argv[1:]]
        subcommand = next(
            (
                word
                for index, word in enumerate(words)
                if not word.startswith("-")
                and (index == 0 or words[index - 1] not in options_with_values)
            ),
            "",
        )
        processes[f"{program} {subcommand}".strip() if program == "git" else program] += 1
        popen_init(self, args, *a, **k)

    subprocess.Popen.__init__ = counting_init  # type: ignore[method-assign]


def main(argv: list[str]) -> int:
    report_path, separator, *copier_args = argv
    if separator != "--":
        raise SystemExit("usage: python -m bench.copier_counts REPORT.json -- COPIER-ARGS...")
    compilations: Counter[str] = Counter()
    details: Counter[str] = Counter()
    processes: Counter[str] = Counter()
    install(compilations, details, processes)
    from copier._cli import CopierApp

    try:
        _, status = CopierApp.run(["copier", *copier_args], exit=False)
    except SystemExit as exit_:
        status = exit_.code if isinstance(exit_.code, int) else 1
    Path(report_path).write_text(
        json.dumps(
            {
                "compilations": dict(compilations),
                "details": dict(details),
                "processes": dict(processes),
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
