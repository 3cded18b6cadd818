"""`copier copy` and `copier update` must work with no flags: nothing that needs --trust."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from support.render import copy_project
from support.template import APPLICATION_ID, TEMPLATE_ROOT

UNSAFE_KEYS = {"_tasks", "_migrations", "_jinja_extensions"}


def test_copier_yml_has_no_unsafe_features() -> None:
    documents = list(yaml.safe_load_all((TEMPLATE_ROOT / "copier.yml").read_text()))
    keys = {key for document in documents if document for key in document}
    assert not keys & UNSAFE_KEYS, f"{keys & UNSAFE_KEYS} would make users pass --trust"


@pytest.fixture(scope="module")
def plain_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Copied the way users do, from the repository: `copier copy SRC DST` without --trust
    (unsafe=False). One copy for both tests below: each reads it."""
    destination = tmp_path_factory.mktemp("plain") / "mybot"
    answers = {"app_name": "Plain Copy", "application_id": APPLICATION_ID}
    return copy_project(destination, answers, vcs_ref="HEAD")


def test_plain_copy_without_trust(plain_copy: Path) -> None:
    assert (plain_copy / "src" / "plain_copy" / "bot.py").is_file()
    assert (plain_copy / ".env").is_file()


def test_hooks_are_never_copied_into_projects(plain_copy: Path) -> None:
    names = {path.name for path in plain_copy.rglob("*")}
    assert not any(name.endswith(".jinja") for name in names)
    assert "hooks" not in names and "copier.yml" not in names
