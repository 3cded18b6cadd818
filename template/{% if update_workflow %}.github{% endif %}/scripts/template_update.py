#!/usr/bin/env python3
"""Propose the template's newest release as a pull request (run weekly by template-update.yml).

Two steps, run by two jobs so that the template's code never meets a token that can write:

  render DIR   (no write access) `copier check-update`; if there is a newer release, first render
               it into a scratch folder and refuse it if any path lands in a `.git` folder; then
               `copier update --defaults` on a new branch, commit everything (conflicts stay
               marked inline), and leave the commit in DIR as a git bundle, with what the pull
               request must say about deleted, conflicted and workflow files.
  publish DIR  (may write) check the bundle again, refuse workflow changes (a person reviews
               those before any of them runs), push the branch and `gh pr create`.

Without arguments, both run here, one after the other (on your own machine, say).
Every git command runs with hooks and fsmonitor off; Copier and git never see a token.

Standard library only, so any runner with Python 3.11+ and git runs it. The environment may
replace the commands it runs (the template's tests point them at local stand-ins):
TEMPLATE_UPDATE_COPIER (default: the Copier release pinned below, through uvx) and
TEMPLATE_UPDATE_GH (default: gh).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ANSWERS_FILE = Path(".copier-answers.yml")
REMOTE = "origin"
# Exact, so that a new Copier is never tried first on your repository: each template release
# moves this pin to the Copier it was tested with (its tests compare it with its uv.lock).
COPIER_VERSION = "9.19.1"
DEFAULT_COPIER = f"uvx --from copier=={COPIER_VERSION} copier"
CONFLICT = re.compile(r"^(<{7} before updating|>{7} after updating)$", re.MULTILINE)
WORKFLOWS = ".github/workflows/"
# Git settings for every git command, Copier's included: no hooks, no fsmonitor command. A
# template that could write into .git/ could otherwise make git run its code.
SAFE_GIT = {"core.hooksPath": os.devnull, "core.fsmonitor": "false"}
# What the job's environment may hold that Copier and git must never see.
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|CREDENTIAL|^GH_|^GITHUB_TOKEN$|^ACTIONS_")
# Under .git/, what git itself rewrites during an update; anything else changing means the
# template wrote into .git/.
GIT_OWN = {"index", "objects", "logs", "ORIG_HEAD", "FETCH_HEAD", "COMMIT_EDITMSG"}
PROPOSAL = "proposal.json"
BUNDLE = "update.bundle"


class UpdateError(Exception):
    """A step failed or was refused; the message says what happened and what to do."""


def safe_environment() -> dict[str, str]:
    """The job's environment without tokens, with hooks and fsmonitor off for every git."""
    environment = {k: v for k, v in os.environ.items() if not SECRET_NAME.search(k.upper())}
    count = int(environment.get("GIT_CONFIG_COUNT") or 0)
    for offset, (key, value) in enumerate(SAFE_GIT.items()):
        environment[f"GIT_CONFIG_KEY_{count + offset}"] = key
        environment[f"GIT_CONFIG_VALUE_{count + offset}"] = value
    environment["GIT_CONFIG_COUNT"] = str(count + len(SAFE_GIT))
    return environment


def run(
    *args: str, hint: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command; on failure raise with its output (and a hint), never a traceback."""
    environment = safe_environment() if env is None else env
    result = subprocess.run(args, capture_output=True, text=True, check=False, env=environment)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        raise UpdateError(f"`{shlex.join(args)}` failed ({result.returncode}):\n{output}\n{hint}")
    return result


def git(*args: str, hint: str = "") -> str:
    """git with hooks and fsmonitor off (-c), whatever .git/config says."""
    options = [item for key, value in SAFE_GIT.items() for item in ("-c", f"{key}={value}")]
    return run("git", *options, *args, hint=hint).stdout


def copier(*args: str, **extra_environment: str) -> subprocess.CompletedProcess[str]:
    command = shlex.split(os.environ.get("TEMPLATE_UPDATE_COPIER") or DEFAULT_COPIER)
    return run(*command, *args, env={**safe_environment(), **extra_environment})


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


def git_paths(root: Path) -> list[str]:
    """Every path under root with a `.git` part (any case: some file systems ignore it)."""
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if any(part.lower() == ".git" for part in path.relative_to(root).parts)
    )


def render_into(folder: Path, *options: str) -> Path:
    """The template rendered with this project's answers into an empty folder of the same name
    (a template cannot tell it from the project); git looks for no repository above it."""
    destination = folder / Path.cwd().name
    folder.mkdir(parents=True, exist_ok=True)
    data = ["--data-file", str(Path.cwd() / ANSWERS_FILE)]
    arguments = ["copy", "--defaults", "--quiet", *options, *data, answer("_src_path")]
    copier(*arguments, str(destination), GIT_CEILING_DIRECTORIES=str(folder))
    return destination


def refuse_git_paths(rendered: Path, latest: str) -> None:
    if found := git_paths(rendered):
        raise UpdateError(
            f"Refused: release {latest} of the template writes into a .git folder ("
            + ", ".join(found[:5])
            + "). That is how a template would plant git hooks or settings that run code. Nothing"
            " was changed here. Tell the template's maintainers, and do not update to it."
        )


def git_fingerprint() -> dict[str, str]:
    """A hash of each file under .git/ that only a person or a template would change."""
    root = Path(git("rev-parse", "--absolute-git-dir").strip())
    fingerprint = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if relative.parts[0] in GIT_OWN or path.suffix == ".lock" or not path.is_file():
            continue
        if relative.parts[0] == "refs":
            continue
        fingerprint[relative.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return fingerprint


def changed_paths(*revisions: str, only: str = "") -> list[str]:
    """Paths that differ between two commits, or between a commit and the index (one revision
    and --cached); `only` is a --diff-filter such as D (deleted)."""
    options = ["--name-only", "--no-renames", "-z", *([f"--diff-filter={only}"] if only else [])]
    return sorted(filter(None, git("diff", *options, *revisions).split("\0")))


def conflicted_paths(head: str) -> list[str]:
    """Files of the commit that hold Copier's inline conflict markers, and .rej leftovers."""
    found = []
    for name in filter(None, git("ls-tree", "-r", "-z", "--name-only", head).split("\0")):
        if name.endswith(".rej"):
            found.append(name)
            continue
        try:
            content = git("cat-file", "blob", f"{head}:{name}")
        except UnicodeDecodeError:  # a binary file (an image): Copier marks no conflict inside
            continue
        if CONFLICT.search(content):
            found.append(name)
    return found


def pull_request_body(facts: dict[str, object], conflicts: list[str], deleted: list[str]) -> str:
    source, latest = str(facts["source"]), str(facts["latest"])
    changelog = changelog_url(source, str(facts["commit"]) or f"v{latest}")
    reported = facts.get("edited_deleted")
    edited = [name for name in deleted if isinstance(reported, list) and name in reported]
    lines = [
        f"`copier update --defaults` from {facts['template']} {facts['current']} to {latest}:"
        " your answers are kept, new questions take their defaults, `.env` is untouched.",
        "",
        "What changed, and whether anything needs doing by hand: "
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
            "",
        ]
    if deleted:
        lines += [
            "**Files this update deletes** (the template no longer ships them; CHANGELOG.md says"
            " what replaces each):",
            "",
            *(
                f"- `{name}`"
                + (
                    " - **you had changed it**: your version is in the base branch"
                    f" (`git show {facts['base']}:{name}`); move what you need before merging."
                    if name in edited
                    else ""
                )
                for name in deleted
            ),
            "",
        ]
    if not conflicts and not deleted:
        lines.append("No conflicts, nothing deleted: every change merged cleanly.")
    elif not conflicts and not edited:
        lines.append("No conflicts; none of the deleted files had changes of yours.")
    lines += [
        "",
        "Review the diff and run the tests. Checks start on this pull request only when the"
        " workflow pushes with a TEMPLATE_UPDATE_TOKEN (see .github/workflows/template-update.yml);"
        " otherwise close and reopen it to start them. Closing it and keeping the branch skips"
        " this release.",
    ]
    return "\n".join(lines)


def render(out: Path) -> str:
    """Job 1: the update, as a commit in a bundle, and the facts its pull request states."""
    if not ANSWERS_FILE.is_file():
        raise UpdateError(f"No {ANSWERS_FILE} here: run this at the root of the Copier project.")
    source = answer("_src_path")
    check_source(source)
    template = template_name(source)
    status = json.loads(copier("check-update", "--output-format", "json").stdout)
    current, latest = status["current_version"], status["latest_version"]
    out.mkdir(parents=True, exist_ok=True)
    facts: dict[str, object] = {"update": bool(status["update_available"])}
    if not status["update_available"]:
        facts["message"] = f"Up to date: {template} {current} is the newest release."
        (out / PROPOSAL).write_text(json.dumps(facts), encoding="utf-8")
        return str(facts["message"])

    branch = f"template-update/v{latest}"
    try:
        proposed = git("ls-remote", "--heads", REMOTE, f"refs/heads/{branch}").strip()
    except UpdateError:
        proposed = ""  # No read access without credentials: the publish step checks again.
    if proposed:
        facts.update(update=False, message=f"{template} {latest} is already proposed on {branch}.")
        (out / PROPOSAL).write_text(json.dumps(facts), encoding="utf-8")
        return str(facts["message"])
    base = git("symbolic-ref", "--short", "HEAD", hint="Run this on a branch, not detached.")
    base, base_commit = base.strip(), git("rev-parse", "HEAD").strip()
    with tempfile.TemporaryDirectory(prefix="template-update-") as scratch:
        refuse_git_paths(render_into(Path(scratch, "new")), latest)
        old = render_into(Path(scratch, "old"), "--vcs-ref", answer("_commit"))
        git("switch", "--quiet", "--force-create", branch)
        before = git_fingerprint()
        copier("update", "--defaults", "--conflict", "inline")
        if git_fingerprint() != before:
            raise UpdateError(
                f"Refused: `copier update` to {latest} changed files in .git/ (git settings or"
                " hooks). Nothing was committed or pushed; do not use this checkout again."
                " Tell the template's maintainers, and do not update to this release."
            )
        git("add", "--all")
        deleted = changed_paths("--cached", base_commit, only="D")
        # Deleted files that differ from what the old release rendered: the author's work.
        edited = [
            name
            for name in deleted
            if not (old / name).is_file() or (old / name).read_bytes() != blob(base_commit, name)
        ]
    title = f"Update to {template} {latest}"
    summary = f"From {current} to {latest} with `copier update --defaults`."
    git("commit", "--quiet", "--no-verify", "--message", title, "--message", summary)
    git("bundle", "create", str(out / BUNDLE), branch, f"^{base_commit}")
    facts.update(
        template=template,
        source=source,
        current=current,
        latest=latest,
        base=base,
        base_commit=base_commit,
        branch=branch,
        title=title,
        commit=answer("_commit"),
        edited_deleted=edited,
    )
    (out / PROPOSAL).write_text(json.dumps(facts), encoding="utf-8")
    return f"Rendered {template} {latest} on {branch} (bundle in {out / BUNDLE})."


def blob(commit: str, name: str) -> bytes:
    """A file's bytes at a commit."""
    command = ["git", "-c", f"core.hooksPath={os.devnull}", "cat-file", "blob", f"{commit}:{name}"]
    return subprocess.run(command, capture_output=True, check=False, env=safe_environment()).stdout


def publish(out: Path) -> str:
    """Job 2: check the rendered commit again, push it, open the pull request."""
    facts = json.loads((out / PROPOSAL).read_text(encoding="utf-8"))
    if not facts["update"]:
        return str(facts["message"])
    branch, base, latest = str(facts["branch"]), str(facts["base"]), str(facts["latest"])
    if not re.fullmatch(r"template-update/v[0-9A-Za-z.+-]+", branch):
        raise UpdateError(f"Refused: {branch!r} is not a template-update branch name.")
    if git("ls-remote", "--heads", REMOTE, f"refs/heads/{branch}").strip():
        return f"{facts['template']} {latest} is already proposed on {branch}: merge or close it."
    git("fetch", "--quiet", str(out / BUNDLE), f"+refs/heads/{branch}:refs/heads/{branch}")
    base_commit = git("rev-parse", "HEAD").strip()
    if git("rev-parse", f"{branch}^").strip() != base_commit:
        raise UpdateError(f"Refused: {branch} is not one commit on top of {base}; run again.")
    # The facts that matter are read from the commit itself, not taken from the first job.
    if bad := [n for n in changed_paths(base_commit, branch) if ".git" in n.lower().split("/")]:
        raise UpdateError(f"Refused: the update writes into a .git folder ({', '.join(bad)}).")
    if workflows := [n for n in changed_paths(base_commit, branch) if n.startswith(WORKFLOWS)]:
        raise UpdateError(
            f"Refused: {facts['template']} {latest} changes "
            + ", ".join(workflows)
            + ". A workflow change must be reviewed before any of it runs, so this workflow never"
            " pushes one. Run `copier update` on your machine, review `git diff`, commit, push."
        )
    deleted = changed_paths(base_commit, branch, only="D")
    conflicts = conflicted_paths(branch)
    push_with_token(branch)
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
        str(facts["title"]),
        "--body",
        pull_request_body(facts, conflicts, deleted),
        env=dict(os.environ),  # gh needs GH_TOKEN; it runs no code of the template.
        hint=f"The branch {branch} is pushed; open its pull request by hand. To let the workflow"
        " do it: Settings -> Actions -> General -> Workflow permissions -> allow GitHub Actions"
        " to create and approve pull requests.",
    )
    notes = [f"{len(conflicts)} file(s) with conflicts"] if conflicts else []
    notes += [f"{len(deleted)} file(s) deleted"] if deleted else []
    marked = f" ({', '.join(notes)})" if notes else ""
    return f"Proposed {facts['template']} {latest} on {branch}{marked}: {created.stdout.strip()}"


def push_with_token(branch: str) -> None:
    """Push with GH_TOKEN handed to git's credential prompt only, never stored in .git/config."""
    helper = '!f() { echo username=x-access-token; echo "password=$GH_TOKEN"; }; f'
    environment = safe_environment()
    if token := os.environ.get("GH_TOKEN"):
        environment["GH_TOKEN"] = token
    options = [item for key, value in SAFE_GIT.items() for item in ("-c", f"{key}={value}")]
    run(
        *("git", *options, "-c", "credential.helper=", "-c", f"credential.helper={helper}"),
        *("push", "--quiet", REMOTE, f"refs/heads/{branch}:refs/heads/{branch}"),
        env=environment,
        hint="The job needs `permissions: contents: write`.",
    )


def main(arguments: list[str]) -> int:
    steps = {"render": render, "publish": publish}
    try:
        if arguments[:1] in (["render"], ["publish"]) and len(arguments) == 2:
            print(steps[arguments[0]](Path(arguments[1]).resolve()))
        elif not arguments:
            with tempfile.TemporaryDirectory(prefix="template-update-out-") as out:
                print(render(Path(out)))
                base = json.loads((Path(out) / PROPOSAL).read_text(encoding="utf-8")).get("base")
                if base:
                    git("switch", "--quiet", str(base))
                    print(publish(Path(out)))
        else:
            print("usage: template_update.py [render DIR | publish DIR]", file=sys.stderr)
            return 2
    except UpdateError as error:
        print(f"template update: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
