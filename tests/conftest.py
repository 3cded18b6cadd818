"""Fixtures for the template's tests: isolated Copier settings, the hooks' Jinja modules, and
renders shared by every test that reads the same answer set. Helpers live in tests/support/."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock
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
def shared_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the whole run, seen by every pytest-xdist worker (the run's own temporary
    root under xdist, this process's otherwise)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def made_once(folder: Path, make: Callable[[Path], object]) -> Path:
    """`folder`, made by `make` in exactly one process of the run: the others wait for it."""
    with FileLock(f"{folder}.lock"):
        if not (done := folder.with_name(f"{folder.name}.done")).exists():
            shutil.rmtree(folder, ignore_errors=True)  # a make that failed half-way
            make(folder)
            done.touch()
    return folder


@pytest.fixture(scope="session")
def template_folder(shared_folder: Path) -> Path:
    """The template's working tree as a plain folder, copied once per run."""
    return made_once(shared_folder / "template" / "discord-bot-template", copy_template_folder)


@pytest.fixture(scope="session")
def rendered_project(template_folder: Path, shared_folder: Path) -> Callable[..., Path]:
    """A project per answer set (tests/support/answer_sets.py), rendered once per run on first
    use (by whichever worker needs it first) and shared by every test that reads it; answers
    given as keywords change the set (`rendered_project("defaults", docker=False)`), a render
    of its own shared the same way. Read it, never write into it: a test that changes a
    project renders its own with copy_project."""

    def rendered(name: str, **changes: Any) -> Path:
        destination = shared_folder / "answers" / render_key(name, changes) / "mybot"
        destination.parent.mkdir(parents=True, exist_ok=True)
        given = {**answers(name), **changes}
        return made_once(destination, lambda to: copy_project(to, given, template=template_folder))

    return rendered


def render_key(name: str, changes: dict[str, Any]) -> str:
    """A folder name per answer set and changes: readable, and distinct for distinct answers."""
    if not changes:
        return name
    text = json.dumps(changes, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return "+".join([name, *sorted(changes), digest])


# Real parts that one process at a time may drive: the Docker engine's images are made, loaded
# and cleaned up per session (.ci/engines.sh restarts the engine to record a digest).
ONE_WORKER_FIXTURES = {"docker_engine": "the Docker engine"}
SHARED_SCOPES = ("module", "class", "package")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (--dist=loadgroup): tests that share a module-scoped fixture (e.g. one
    installed project) run in one worker, a group per module and fixture parameter; tests of a
    real part in ONE_WORKER_FIXTURES share a worker; any other test goes to a free worker.
    Renders are shared between workers through rendered_project."""
    for item in items:
        if item.get_closest_marker("xdist_group") or not isinstance(item, pytest.Function):
            continue
        definitions = item._fixtureinfo.name2fixturedefs
        if serial := [
            ONE_WORKER_FIXTURES[name] for name in definitions if name in ONE_WORKER_FIXTURES
        ]:
            item.add_marker(pytest.mark.xdist_group(serial[0]))
            continue
        shared = [name for name, each in definitions.items() if each[-1].scope in SHARED_SCOPES]
        if shared:
            params = item.callspec.params if hasattr(item, "callspec") else {}
            given = sorted(f"{name}={params[name]}" for name in shared if name in params)
            item.add_marker(
                pytest.mark.xdist_group("::".join([item.nodeid.split("::")[0], *given]))
            )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Keep the groups above in a pytest-xdist worker's collection. xdist names a test's group
    to its scheduler by appending "@group" to the node ID; pytest 9.2 builds node IDs from a
    structured field, so xdist 3.8's append is lost and each group is spread over every worker
    (pytest-dev/pytest-xdist#1386: each worker installs the same project, two drive the Docker
    engine). Until an xdist release fixes it, append it where pytest 9.2 reads it."""
    if not getattr(session.config.option, "loadgroup", False):  # set in workers only
        return
    for item in session.items:
        names = {
            str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
            for mark in item.iter_markers("xdist_group")
        }
        suffix = "@" + "_".join(sorted(names))
        node_id = getattr(item, "_id", None)  # pytest 9.2's NodeId; before it, xdist's append works
        if names and not item.nodeid.endswith(suffix) and node_id is not None:
            item._id = type(node_id).parse(item.nodeid + suffix)


# The real parts' fixtures (a Docker engine, PostgreSQL, Chromium), for every test module.
from support.real_parts import chromium, docker_engine, postgres_bindir  # noqa: E402, F401
