"""The package-name rule in hooks/package.jinja never yields a name that breaks an import."""

from __future__ import annotations

import keyword
import os
import re
import shutil
import subprocess
import sys
from importlib.metadata import packages_distributions
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import InvalidName, canonicalize_name
from support.packages import dependency_closure
from support.template import TEMPLATE_ROOT, hooks_module


def test_reserved_names_cover_the_standard_library(package_hooks: Any) -> None:
    reserved = set(package_hooks.RESERVED_NAMES)
    public = {name.lower() for name in sys.stdlib_module_names if not name.startswith("_")}
    assert public - reserved == set()


def test_reserved_names_cover_keywords(package_hooks: Any) -> None:
    assert set(keyword.kwlist) - {"False", "None", "True"} <= set(package_hooks.RESERVED_NAMES)


def test_reserved_names_cover_what_the_bot_imports(package_hooks: Any) -> None:
    distributions = dependency_closure("discord.py", "python-dotenv", "regex")
    modules = {
        module
        for module, owners in packages_distributions().items()
        if not module.startswith("_") and any(owner.lower() in distributions for owner in owners)
    }
    assert modules - set(package_hooks.RESERVED_NAMES) == set()


@pytest.mark.parametrize(
    ("app_name", "package"),
    [
        ("My Cool Bot", "my_cool_bot"),
        ("  Spaced   Out  ", "spaced_out"),
        ("Café Crème", "cafe_creme"),
        ("Discord", "discord_bot"),
        ("asyncio", "asyncio_bot"),
        ("Test", "test_bot"),
        ("class", "class_bot"),
        ("42 Bot", "app_42_bot"),
        ("ボット", "bot"),
        ("🤖🤖", "bot"),
        ("a-b.c_d", "a_b_c_d"),
        ("X" * 60, "x" * 40),
    ],
)
def test_derived_names(package_hooks: Any, app_name: str, package: str) -> None:
    derived = str(package_hooks.package_name_for(app_name))
    assert derived == package
    assert derived.isidentifier()
    assert not str(package_hooks.package_name_problem(derived))


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("My-Bot", "not a valid package name"),
        ("1bot", "not a valid package name"),
        ("_private", "not a valid package name"),
        ("import", "keyword"),
        ("discord", "shadow"),
        ("dotenv", "shadow"),
        ("aiohttp", "shadow"),
        ("json", "standard-library"),
        ("tests", "shadow"),
        ("x" * 51, "50 or fewer"),
        ("my_bot_", 'ends with "_"'),
        ("my__bot", 'has "__"'),
        ("a___b", 'has "__"'),
    ],
)
def test_refused_names_say_why(package_hooks: Any, name: str, words: str) -> None:
    assert words in str(package_hooks.package_name_problem(name))


def uv_accepts(name: str) -> bool:
    """What uv and uv_build make of a package name: its distribution name (hyphens for
    underscores) must be valid (PEP 508: letters, digits and separators, starting and ending with
    a letter or digit), and uv_build looks for the module named after the normalised name (runs
    of separators become one, then "_")."""
    distribution = name.replace("_", "-")
    try:
        normalised = canonicalize_name(distribution, validate=True)
    except InvalidName:
        return False
    return normalised.replace("-", "_") == name


@given(st.from_regex(r"[a-z][a-z0-9_]{0,49}", fullmatch=True))
def test_accepted_names_are_names_uv_builds(package_hooks: Any, name: str) -> None:
    problem = str(package_hooks.package_name_problem(name))
    if not problem:
        assert uv_accepts(name), f"{name!r} is accepted, but uv would not build it"
    elif not uv_accepts(name):
        suggestion = re.findall(r'try "([a-z0-9_]+)"', problem)
        assert suggestion and uv_accepts(suggestion[-1]), problem


# The names the rule above is about, built by uv itself: with the project's own build backend.
BUILT_NAMES = {"my_bot": True, "a1_b2_c3": True, "my_bot_": False, "my__bot": False}


def build_requirement() -> str:
    """The [build-system] table of the generated pyproject.toml, uv's version from its rule file
    (hooks/pins.jinja)."""
    text = (TEMPLATE_ROOT / "template" / "pyproject.toml.jinja").read_text(encoding="utf-8")
    table = re.search(r"^\[build-system\]\n(?:[^\[\n].*\n)+", text, re.MULTILINE)
    assert table, "pyproject.toml.jinja has no [build-system] table"
    return table.group(0).replace("{{ uv_version }}", hooks_module("pins").uv_version)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "builds"), sorted(BUILT_NAMES.items()))
def test_uv_builds_exactly_the_accepted_names(
    package_hooks: Any, tmp_path: Path, name: str, builds: bool
) -> None:
    uv = os.environ.get("UV") or shutil.which("uv")
    assert uv, "uv is not installed"
    project = tmp_path / name
    (project / "src" / name).mkdir(parents=True)
    (project / "src" / name / "__init__.py").write_text("", encoding="utf-8")
    (project / "pyproject.toml").write_text(
        f'[project]\nname = "{name.replace("_", "-")}"\nversion = "0.1.0"\n\n{build_requirement()}',
        encoding="utf-8",
    )
    environment = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    environment.pop("VIRTUAL_ENV", None)
    built = subprocess.run(
        [uv, "build", "--wheel", "--quiet", "--out-dir", str(tmp_path / "dist")],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert (built.returncode == 0) == builds, built.stderr
    assert uv_accepts(name) == builds
    assert (not str(package_hooks.package_name_problem(name))) == builds
