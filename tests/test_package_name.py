"""The package-name rule in hooks/package.jinja never yields a name that breaks an import."""

from __future__ import annotations

import keyword
import sys
from importlib.metadata import packages_distributions
from typing import Any

import pytest
from conftest import dependency_closure


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
    ],
)
def test_refused_names_say_why(package_hooks: Any, name: str, words: str) -> None:
    assert words in str(package_hooks.package_name_problem(name))
