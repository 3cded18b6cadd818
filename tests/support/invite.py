"""The invite-link oracle: the links discord.py builds for a set of answers.

Every test that checks an invite link compares with these. Permission answers are Discord's
API names; each maps to its discord.py attribute through hooks/permissions.jinja's `dpy` column,
never by lower-casing (VIEW_CHANNEL is discord.py's `read_messages`, USE_VAD its
`use_voice_activation`). tests/rules/test_permissions.py checks that column bit by bit.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

import discord

from support.template import hooks_module

# Discord's integration types: which install a link offers when an app has both.
GUILD_INSTALL, USER_INSTALL = 0, 1


@functools.cache
def _discord_py_names() -> dict[str, str]:
    table = {entry["name"]: entry["dpy"] for entry in hooks_module("permissions").PERMISSIONS}
    unknown = {
        name: dpy for name, dpy in table.items() if dpy not in discord.Permissions.VALID_FLAGS
    }
    assert not unknown, f"not discord.Permissions flags: {unknown}"
    return table


def permissions_of(names: Iterable[str]) -> discord.Permissions:
    """discord.py's Permissions for these API names (KeyError for a name not in the table)."""
    return discord.Permissions(**{_discord_py_names()[name]: True for name in names})


def guild_link(
    application_id: str, scopes: list[str], names: Iterable[str], *, also_user_install: bool
) -> str:
    """The server-install link: permissions only with the bot scope, as discord.py builds it."""
    permissions = permissions_of(names) if "bot" in scopes else discord.utils.MISSING
    link = discord.utils.oauth_url(application_id, permissions=permissions, scopes=scopes)
    return link + (f"&integration_type={GUILD_INSTALL}" if also_user_install else "")


def user_link(application_id: str) -> str:
    """The user-install link: commands only, no bot and no permissions."""
    link = discord.utils.oauth_url(application_id, scopes=["applications.commands"])
    return f"{link}&integration_type={USER_INSTALL}"


def invite_links(answers: Mapping[str, Any]) -> dict[str, str]:
    """The links a project rendered from these answers offers, by install ("guild", "user");
    none without an application ID."""
    application_id = str(answers["application_id"]).strip()
    if not application_id:
        return {}
    installs = answers["install_contexts"]
    links = {}
    if "guild" in installs:
        links["guild"] = guild_link(
            application_id,
            answers["scopes"],
            answers.get("permissions", []),
            also_user_install="user" in installs,
        )
    if "user" in installs:
        links["user"] = user_link(application_id)
    return links
