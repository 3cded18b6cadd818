"""The template repository as tests see it: where it is, its rule files, a plain copy of it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import jinja2
from jinja2_ansible_filters import AnsibleCoreFiltersExtension

TEMPLATE_ROOT = Path(__file__).resolve().parents[2]

# A real application ID shape (19 digits), used wherever the answer does not matter.
APPLICATION_ID = "1234567890123456789"
# Shaped like a bot token (what the questions must refuse), made up: no Discord account has it.
FAKE_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB"


def hooks_module(name: str) -> Any:
    """A file of hooks/ loaded as Copier loads it, so tests read the template's own tables."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_ROOT),
        extensions=[AnsibleCoreFiltersExtension],
        undefined=jinja2.StrictUndefined,
    )
    return environment.get_template(f"hooks/{name}.jinja").module


def copy_template_folder(folder: Path) -> Path:
    """The template's working tree as a plain folder (no .git, tests or environment).

    Copier renders a plain folder without cloning it or replaying uncommitted changes: about
    0.3 s a project instead of 0.6 s, which matters to tests that render hundreds of them.
    """
    shutil.copytree(TEMPLATE_ROOT, folder, ignore=_not_template_files)
    return folder


def _not_template_files(directory: str, names: list[str]) -> set[str]:
    """What Copier never reads: the repository's own environment, caches and tests."""
    at_root = Path(directory) == TEMPLATE_ROOT
    root_only = {".git", ".venv", ".pytest_cache", ".ruff_cache", "tests", "uv.lock"}
    return {name for name in names if name == "__pycache__" or (at_root and name in root_only)}
