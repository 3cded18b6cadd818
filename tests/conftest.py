"""Fixtures for the template's tests: isolated Copier settings and the hooks' Jinja modules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
import pytest
from jinja2_ansible_filters import AnsibleCoreFiltersExtension

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent

# A real application ID shape (19 digits), used wherever the answer does not matter.
APPLICATION_ID = "1234567890123456789"


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
def invite_hooks() -> Any:
    return hooks_module("invite")


@pytest.fixture(scope="session")
def package_hooks() -> Any:
    return hooks_module("package")
