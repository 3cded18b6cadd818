"""Fixtures for the template's tests: isolated Copier settings and the hooks' Jinja modules."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

import jinja2
import pytest
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase
from jinja2_ansible_filters import AnsibleCoreFiltersExtension
from packaging.requirements import Requirement

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent

# A real application ID shape (19 digits), used wherever the answer does not matter.
APPLICATION_ID = "1234567890123456789"

# Property tests draw the same examples on every run ("ci", the default: CI and a plain
# `uv run pytest` agree, no example database); HYPOTHESIS_PROFILE=explore draws new ones, five
# times as many, and keeps failures in .hypothesis/. Tests scale their example counts from
# settings.default.max_examples, so the profile is the one knob.
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "explore",
    parent=settings.get_profile("ci"),
    max_examples=500,
    derandomize=False,
    database=DirectoryBasedExampleDatabase(TEMPLATE_ROOT / ".hypothesis" / "examples"),
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def isolated_copier_settings(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Never read the developer's own Copier settings (defaults, trusted repositories)."""
    settings = tmp_path_factory.mktemp("copier-settings") / "settings.yml"
    settings.write_text("{}\n")
    monkeypatch.setenv("COPIER_SETTINGS_PATH", str(settings))
    yield


def hooks_module(name: str) -> Any:
    """A file of hooks/ loaded as Copier loads it, so tests read the template's own tables."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_ROOT),
        extensions=[AnsibleCoreFiltersExtension],
        undefined=jinja2.StrictUndefined,
    )
    return environment.get_template(f"hooks/{name}.jinja").module


@pytest.fixture(scope="session")
def permissions_hooks() -> Any:
    return hooks_module("permissions")


@pytest.fixture(scope="session")
def intents_hooks() -> Any:
    return hooks_module("intents")


@pytest.fixture(scope="session")
def invite_hooks() -> Any:
    return hooks_module("invite")


@pytest.fixture(scope="session")
def package_hooks() -> Any:
    return hooks_module("package")


@pytest.fixture(scope="session")
def template_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template's working tree as a plain folder, copied once per session.

    Copier renders a plain folder without cloning it or replaying uncommitted changes: about
    0.3 s a project instead of 0.6 s, which matters to tests that render hundreds of them.
    """
    folder = tmp_path_factory.mktemp("template") / "discord-bot-template"
    shutil.copytree(TEMPLATE_ROOT, folder, ignore=_not_template_files)
    return folder


def _not_template_files(directory: str, names: list[str]) -> set[str]:
    """What Copier never reads: the repository's own environment, caches and tests."""
    at_root = Path(directory) == TEMPLATE_ROOT
    root_only = {".git", ".venv", ".pytest_cache", ".ruff_cache", "tests", "uv.lock"}
    return {name for name in names if name == "__pycache__" or (at_root and name in root_only)}


def dependency_closure(*roots: str) -> set[str]:
    """Every distribution the given ones install (lower-case names), from installed metadata."""
    seen: set[str] = set()
    pending = list(roots)
    while pending:
        name = pending.pop().lower()
        if name in seen:
            continue
        seen.add(name)
        for requirement in distribution(name).requires or []:
            parsed = Requirement(requirement)
            if parsed.marker is None or parsed.marker.evaluate({"extra": ""}):
                pending.append(parsed.name)
    return seen


# The real parts' fixtures (a Docker engine, PostgreSQL, Chromium), for every test module. Imported
# last: real_parts imports TEMPLATE_ROOT from here.
from real_parts import chromium, docker_engine, postgres_bindir  # noqa: E402, F401
