"""Fixtures for the template's tests: isolated Copier settings, the hooks' Jinja modules, and
renders shared by every test that reads the same answer set. Helpers live in tests/support/."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase
from support.answer_sets import answers
from support.render import copy_project
from support.template import TEMPLATE_ROOT, copy_template_folder, hooks_module

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
    """The template's working tree as a plain folder, copied once per session."""
    return copy_template_folder(tmp_path_factory.mktemp("template") / "discord-bot-template")


@pytest.fixture(scope="session")
def rendered_project(
    template_folder: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], Path]:
    """A project per answer set (tests/support/answer_sets.py), rendered once per session on
    first use and shared by every test that reads it. Read it, never write into it: a test
    that changes a project renders its own with copy_project."""
    done: dict[str, Path] = {}

    def rendered(name: str) -> Path:
        if name not in done:
            destination = tmp_path_factory.mktemp(f"answers-{name}") / "mybot"
            done[name] = copy_project(destination, answers(name), template=template_folder)
        return done[name]

    return rendered


# The real parts' fixtures (a Docker engine, PostgreSQL, Chromium), for every test module.
from support.real_parts import chromium, docker_engine, postgres_bindir  # noqa: E402, F401
