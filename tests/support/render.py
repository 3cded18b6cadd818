"""The one way tests render the template: `copy_project`, as a bot author copies it.

Defaults are a plain `copier copy SRC DST`: no --trust (unsafe=False), the questions' defaults
for whatever `data` leaves out, Copier's own settings file out of the way, quiet.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import copier
import pytest
import yaml

from support.template import TEMPLATE_ROOT


@contextmanager
def isolated_copier() -> Iterator[None]:
    """Copier settings of our own, for fixtures wider than the autouse one in conftest.py."""
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as monkeypatch:
        settings = Path(folder) / "settings.yml"
        settings.write_text("{}\n", encoding="utf-8")
        monkeypatch.setenv("COPIER_SETTINGS_PATH", str(settings))
        yield


def copy_project(
    destination: Path,
    data: Mapping[str, Any] | None = None,
    *,
    template: Path | str = TEMPLATE_ROOT,
    vcs_ref: str | None = None,
    **options: Any,
) -> Path:
    """Render `template` into `destination` with these answers; returns `destination`.

    `vcs_ref` picks a release of a git template (None: the work tree, uncommitted changes
    included); `options` pass on to copier.run_copy (e.g. defaults=False, overwrite=True).
    """
    settings: dict[str, Any] = {"defaults": True, "unsafe": False, "quiet": True, **options}
    with isolated_copier():
        copier.run_copy(
            str(template), destination, data=dict(data or {}), vcs_ref=vcs_ref, **settings
        )
    return destination


def stored_answers(project: Path) -> dict[str, Any]:
    answers: dict[str, Any] = yaml.safe_load(
        (project / ".copier-answers.yml").read_text(encoding="utf-8")
    )
    return answers
