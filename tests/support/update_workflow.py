"""The rendered update workflow's script (.github/scripts/template_update.py), run as its step
runs it: this environment's Copier, a recording stand-in for `gh`, the standard library only."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(".github", "scripts", "template_update.py")
COPIER = str(Path(sys.executable).with_name("copier"))
GH_STUB = '''"""Stands in for `gh`: records its arguments and answers as `gh pr create` does."""
import json
import os
import sys

with open(os.environ["GH_STUB_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
print("https://github.com/example/weather-bot/pull/1")
'''


def run_update_script(
    project: Path, *arguments: str, gh_log: Path
) -> subprocess.CompletedProcess[str]:
    """The workflow's step in `project`, with our Copier and a `gh` that logs to `gh_log`; a
    made-up GH_TOKEN, as the workflow always has one."""
    stub = gh_log.with_name("gh.py")
    stub.write_text(GH_STUB, encoding="utf-8")
    environment = {
        **os.environ,
        "TEMPLATE_UPDATE_COPIER": COPIER,
        "TEMPLATE_UPDATE_GH": shlex.join([sys.executable, str(stub)]),
        "GH_STUB_LOG": str(gh_log),
        "GH_TOKEN": "not-a-real-token",
    }
    # -I -S: no site-packages, as on a runner, where the script has the standard library only.
    return subprocess.run(
        [sys.executable, "-I", "-S", str(SCRIPT), *arguments],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def gh_calls(gh_log: Path) -> list[list[str]]:
    """Each `gh` command line the script ran, in order."""
    if not gh_log.exists():
        return []
    return [json.loads(line) for line in gh_log.read_text(encoding="utf-8").splitlines()]
