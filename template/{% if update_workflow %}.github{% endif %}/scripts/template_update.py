#!/usr/bin/env python3
"""Propose the template's newest release as a pull request (run weekly by template-update.yml).

`copier check-update` tells whether the template has a newer release. If it has, and no branch
proposes that release yet, `copier update --defaults` runs on a new branch: your answers are
kept, new questions take their defaults, .env is never touched. Everything is committed, with
conflicts left marked inline for review, pushed, and `gh pr create` opens the pull request.

Standard library only, so any runner with Python 3.11+ and git runs it. The environment may
replace the commands it runs (the template's tests point them at local stand-ins):
TEMPLATE_UPDATE_COPIER (default: Copier 9.13+ through uvx) and TEMPLATE_UPDATE_GH (default: gh).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ANSWERS_FILE = Path(".copier-answers.yml")
REMOTE = "origin"
# `copier check-update` appeared in Copier 9.13.
DEFAULT_COPIER = 'uvx --from "copier>=9.13,<10" copier'
CONFLICT = re.compile(r"^<{7} before updating", re.MULTILINE)


class UpdateError(Exception):
    """A step failed; the message says what happened and what to do."""


def run(*args: str, hint: str = "") -> subprocess.CompletedProcess[str]:
    """Run a command; on failure raise with its output (and a hint), never a traceback."""
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        raise UpdateError(f"`{shlex.join(args)}` failed ({result.returncode}):\n{output}\n{hint}")
    return result


def copier(*args: str) -> subprocess.CompletedProcess[str]:
    return run(*shlex.split(os.environ.get("TEMPLATE_UPDATE_COPIER") or DEFAULT_COPIER), *args)


def answer(name: str) -> str:
    """A top-level scalar of the answers file, such as _src_path (no YAML parser needed)."""
    text = ANSWERS_FILE.read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(name)}:[ \t]*(.*?)[ \t]*$", text, re.MULTILINE)
    value = match.group(1) if match else ""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def template_name(source: str) -> str:
    """`gh:org/discord-bot-template` -> discord-bot-template."""
    return re.sub(r"\.git$", "", source.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1])


def changelog_url(source: str, ref: str) -> str | None:
    """The template's CHANGELOG.md at the new release, when the template lives on GitHub."""
    match = re.match(
        r"^(?:gh:|https://github\.com/|git@github\.com:)([^/]+/[^/]+?)(?:\.git)?/?$", source
    )
    return f"https://github.com/{match.group(1)}/blob/{ref}/CHANGELOG.md" if match else None


def check_source(source: str) -> None:
    """Copier can only fetch the template again from a URL or a path this machine has."""
    if not source:
        raise UpdateError(f"{ANSWERS_FILE} has no _src_path: was this project made with Copier?")
    remote = "://" in source or source.startswith(("gh:", "gl:", "git@"))
    if not remote and not Path(source).expanduser().is_dir():
        raise UpdateError(
            f"{ANSWERS_FILE} says the template came from the local path {source!r}, which this"
            " machine does not have. Set _src_path in it to the template's URL (for example"
            " gh:org/discord-bot-template), commit, and run again."
        )


def conflicted_files() -> list[str]:
    """Files of the update that still hold Copier's inline conflict markers."""
    changed = run("git", "diff", "--cached", "--name-only", "-z").stdout.split("\0")
    conflicted = []
    for name in filter(None, changed):
        path = Path(name)
        if path.is_file() and CONFLICT.search(path.read_text(encoding="utf-8", errors="replace")):
            conflicted.append(name)
    return conflicted


def pull_request_body(template: str, current: str, latest: str, conflicts: list[str]) -> str:
    source = answer("_src_path")
    changelog = changelog_url(source, answer("_commit") or f"v{latest}")
    lines = [
        f"`copier update --defaults` from {template} {current} to {latest}: your answers are"
        " kept, new questions take their defaults, `.env` is untouched.",
        "",
        f"What changed, and whether anything needs doing by hand: "
        f"{f'[CHANGELOG.md]({changelog})' if changelog else f'CHANGELOG.md of {source}'}.",
        "",
    ]
    if conflicts:
        lines += [
            "**Conflicts to resolve before merging.** The template and this project changed the"
            " same lines; both versions are kept between `<<<<<<< before updating` and"
            " `>>>>>>> after updating` markers in:",
            "",
            *(f"- `{name}`" for name in conflicts),
            "",
            "Check out this branch, keep what you want in each, delete the markers, commit and"
            " push.",
        ]
    else:
        lines.append("No conflicts: every change merged cleanly. Review the diff, run the tests.")
    lines += [
        "",
        "If no checks start (a workflow's default token starts none), close and reopen this"
        " pull request. Closing it and keeping the branch skips this release.",
    ]
    return "\n".join(lines)


def propose_update() -> str:
    """Do the work; return what happened, for the log."""
    if not ANSWERS_FILE.is_file():
        raise UpdateError(f"No {ANSWERS_FILE} here: run this at the root of the Copier project.")
    source = answer("_src_path")
    check_source(source)
    template = template_name(source)
    status = json.loads(copier("check-update", "--output-format", "json").stdout)
    current, latest = status["current_version"], status["latest_version"]
    if not status["update_available"]:
        return f"Up to date: {template} {current} is the newest release."

    branch = f"template-update/v{latest}"
    if run("git", "ls-remote", "--heads", REMOTE, f"refs/heads/{branch}").stdout.strip():
        return f"{template} {latest} is already proposed on {branch}: merge or close it first."
    base = run(
        "git", "symbolic-ref", "--short", "HEAD", hint="Run this on a branch, not a detached HEAD."
    ).stdout.strip()

    run("git", "switch", "--quiet", "--create", branch)
    copier("update", "--defaults", "--conflict", "inline")
    run("git", "add", "--all")
    conflicts = conflicted_files()
    title = f"Update to {template} {latest}"
    summary = f"From {current} to {latest} with `copier update --defaults`." + (
        "\n\nConflicts left marked inline:\n" + "\n".join(conflicts) if conflicts else ""
    )
    run("git", "commit", "--quiet", "--message", title, "--message", summary)
    run(
        "git",
        "push",
        "--quiet",
        "--set-upstream",
        REMOTE,
        branch,
        hint="If the update changes .github/workflows/, GitHub refuses the workflow's default"
        " token: add a TEMPLATE_UPDATE_TOKEN secret (a token allowed to write contents, pull"
        " requests and workflows), or run `copier update` on your machine.",
    )
    gh = shlex.split(os.environ.get("TEMPLATE_UPDATE_GH") or "gh")
    created = run(
        *gh,
        "pr",
        "create",
        "--base",
        base,
        "--head",
        branch,
        "--title",
        title,
        "--body",
        pull_request_body(template, current, latest, conflicts),
        hint=f"The branch {branch} is pushed; open its pull request by hand. To let the workflow"
        " do it: Settings -> Actions -> General -> Workflow permissions -> allow GitHub Actions"
        " to create and approve pull requests.",
    )
    marked = f" ({len(conflicts)} file(s) with conflicts to resolve)" if conflicts else ""
    return f"Proposed {template} {latest} on {branch}{marked}: {created.stdout.strip()}"


def main() -> int:
    try:
        print(propose_update())
    except UpdateError as error:
        print(f"template update: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
