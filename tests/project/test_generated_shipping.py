"""The pinned pre-commit ruff hook agrees with the rendered projects' own ruff.

(Building and running the image is done for real: tests/project/test_engines.py.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.answer_sets import answers
from support.project import uv
from support.render import copy_project
from support.shipping import frozen_tags

pytestmark = pytest.mark.slow

# The default render, and one without a LICENSE file and with a package name of its own.
HOOK_ANSWER_SETS = ["defaults", "no-licence"]


@pytest.fixture(scope="module", params=HOOK_ANSWER_SETS)
def rendered(
    request: pytest.FixtureRequest, template_folder: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    destination = tmp_path_factory.mktemp(request.param) / "mybot"
    return copy_project(destination, answers(request.param), template=template_folder)


def test_pinned_ruff_hook_agrees_with_the_project(rendered: Path) -> None:
    """pre-commit's ruff (the hook's rev, from PyPI) accepts the code the project's ruff does."""
    tags = frozen_tags((rendered / ".pre-commit-config.yaml").read_text("utf-8"))
    pinned = f"ruff@{tags['https://github.com/astral-sh/ruff-pre-commit'].removeprefix('v')}"
    uv("tool", "run", "--quiet", pinned, "check", "--no-cache", ".", cwd=rendered)
    uv("tool", "run", "--quiet", pinned, "format", "--check", "--no-cache", ".", cwd=rendered)
