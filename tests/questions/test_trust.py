"""`copier copy` and `copier update` must work with no flags: nothing that needs --trust."""

from __future__ import annotations

from pathlib import Path

import yaml
from support.render import copy_project
from support.template import APPLICATION_ID, TEMPLATE_ROOT

UNSAFE_KEYS = {"_tasks", "_migrations", "_jinja_extensions"}


def test_copier_yml_has_no_unsafe_features() -> None:
    documents = list(yaml.safe_load_all((TEMPLATE_ROOT / "copier.yml").read_text()))
    keys = {key for document in documents if document for key in document}
    assert not keys & UNSAFE_KEYS, f"{keys & UNSAFE_KEYS} would make users pass --trust"


def plain_copy(destination: Path, app_name: str) -> None:
    """Copy the way users do: unsafe=False, as `copier copy SRC DST` without --trust."""
    copy_project(
        destination, {"app_name": app_name, "application_id": APPLICATION_ID}, vcs_ref="HEAD"
    )


def test_plain_copy_without_trust(tmp_path: Path) -> None:
    destination = tmp_path / "mybot"
    plain_copy(destination, "Plain Copy")
    assert (destination / "src" / "plain_copy" / "bot.py").is_file()
    assert (destination / ".env").is_file()


def test_hooks_are_never_copied_into_projects(tmp_path: Path) -> None:
    destination = tmp_path / "mybot"
    plain_copy(destination, "No Hooks")
    names = {path.name for path in destination.rglob("*")}
    assert not any(name.endswith(".jinja") for name in names)
    assert "hooks" not in names and "copier.yml" not in names
