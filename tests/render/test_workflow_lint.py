"""Every shipped workflow, Dependabot file and Dockerfile through the linters made for them.

actionlint (with shellcheck on every `run:` script) and zizmor (GitHub Actions security
audits, offline) on each rendered project's workflows and on the template repository's own;
hadolint on each rendered Dockerfile; shellcheck on the template's CI scripts. The bar is zero
findings: one that must stay is justified where it stands, with the tool's own ignore comment
and the reason (today one: artipacked in template-update.yml, whose script pushes with the
checkout's credentials).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support.real_parts import unavailable
from support.template import TEMPLATE_ROOT

# Every workflow file and every Dockerfile the toggles can change: all on, and CI without the
# parts that add steps and files (Docker's image job, mypy, pre-commit, the update workflow).
# Each: an answer set of tests/support/answer_sets.py and changes to it.
LINTED: dict[str, tuple[str, dict[str, Any]]] = {
    "defaults": ("defaults", {}),
    "bot-to-ship": ("bot-to-ship", {}),
    "ci-alone": (
        "defaults",
        {"docker": False, "type_checking": False, "pre_commit": False, "update_workflow": False},
    ),
}
TOOLS = Path(sys.executable).parent  # actionlint, zizmor and hadolint come with their wheels


@pytest.fixture
def rendered(rendered_project: Callable[..., Path]) -> Callable[[str], Path]:
    """The linted project of that name, shared with every test that reads the same answers."""
    return lambda name: rendered_project(LINTED[name][0], **LINTED[name][1])


def lint(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a linter in `cwd`, with a home of its own (caches, settings): never the project's."""
    with tempfile.TemporaryDirectory() as home:
        return subprocess.run(
            [str(part) for part in command],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={"PATH": f"{TOOLS}:/usr/bin:/bin", "NO_COLOR": "1", "HOME": home},
        )


@pytest.fixture(scope="session")
def shellcheck() -> str:
    found = shutil.which("shellcheck")
    if found is None:
        unavailable("no shellcheck", "bash .ci/engines.sh install (Debian's shellcheck)")
    return found


def workflows(root: Path) -> list[Path]:
    return sorted((root / ".github" / "workflows").glob("*.yml"))


@pytest.mark.parametrize("name", ["template", *LINTED])
def test_actionlint_with_shellcheck_finds_nothing(
    name: str, rendered: Callable[[str], Path], shellcheck: str
) -> None:
    root = TEMPLATE_ROOT if name == "template" else rendered(name)
    files = workflows(root)
    assert files
    result = lint(TOOLS / "actionlint", f"-shellcheck={shellcheck}", "-no-color", *files, cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", ["template", *LINTED])
def test_zizmor_finds_nothing(name: str, rendered: Callable[[str], Path]) -> None:
    """Offline (no GitHub API), the default persona, every severity; Dependabot included."""
    root = TEMPLATE_ROOT if name == "template" else rendered(name)
    result = lint(TOOLS / "zizmor", "--offline", "--no-progress", ".github", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout, result.stdout


@pytest.mark.parametrize("name", ["defaults", "bot-to-ship"])
def test_hadolint_finds_nothing_in_the_dockerfile(
    name: str, rendered: Callable[[str], Path]
) -> None:
    project = rendered(name)
    result = lint(
        TOOLS / "hadolint", "--no-color", "--failure-threshold=style", "Dockerfile", cwd=project
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_shellcheck_finds_nothing_in_the_ci_scripts(shellcheck: str) -> None:
    scripts = sorted((TEMPLATE_ROOT / ".ci").iterdir())
    assert [script.name for script in scripts] == ["engines.sh", "run"]
    result = lint(shellcheck, "--severity=style", *scripts, cwd=TEMPLATE_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
