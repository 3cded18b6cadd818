"""The author's name and e-mail reach the built wheel's core metadata intact.

Core metadata writes "Author-email: <name> <address>", read as an RFC 5322 address: a ";" or
":" in an unquoted name splits it. The rendered project is built by uv with its own pinned
backend, and METADATA is read back with packaging and email.utils.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from email.utils import getaddresses
from pathlib import Path

import pytest
from packaging.metadata import Metadata
from support.render import copy_project
from support.template import APPLICATION_ID, TEMPLATE_ROOT, hooks_module

NAMES = ["Doe; Jane", "Dr: Who", 'O\'Brien "The Dev"', "Jane Q. Doe", "Back\\slash (nick)", "Zoë"]


def built_metadata(project: Path) -> Metadata:
    uv = os.environ.get("UV") or shutil.which("uv")
    assert uv, "uv is not installed"
    environment = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    environment.pop("VIRTUAL_ENV", None)
    subprocess.run(
        [uv, "build", "--wheel", "--quiet", "--out-dir", "dist"],
        cwd=project,
        env=environment,
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = (project / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return Metadata.from_email(archive.read(name))


@pytest.mark.slow
@pytest.mark.parametrize("author", NAMES)
def test_author_with_email_survives_core_metadata(tmp_path: Path, author: str) -> None:
    answers = {
        "app_name": "Weather Bot",
        "application_id": APPLICATION_ID,
        "author_name": author,
        "author_email": "jane@example.org",
    }
    metadata = built_metadata(copy_project(tmp_path / "weather-bot", answers))
    assert getaddresses([metadata.author_email or ""]) == [(author, "jane@example.org")]


@pytest.mark.slow
def test_author_without_email_is_written_as_typed(tmp_path: Path) -> None:
    answers = {"app_name": "Weather Bot", "author_name": "Doe; Jane: Dev"}
    metadata = built_metadata(copy_project(tmp_path / "weather-bot", answers))
    assert metadata.author == "Doe; Jane: Dev"
    assert metadata.author_email is None


def test_build_backend_is_pinned_exactly() -> None:
    """uv_build at uv's version in hooks/pins.jinja (the Dockerfile's uv image has it too)."""
    text = (TEMPLATE_ROOT / "template" / "pyproject.toml.jinja").read_text(encoding="utf-8")
    assert re.search(r'^requires = \["uv_build==\{\{ uv_version \}\}"\]$', text, re.MULTILINE)
    assert re.fullmatch(r"\d+\.\d+\.\d+", hooks_module("pins").uv_version)
