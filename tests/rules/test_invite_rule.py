"""The invite-link rule in hooks/invite.jinja builds exactly discord.py's links."""

from __future__ import annotations

import itertools
from typing import Any

import discord
import pytest
from conftest import APPLICATION_ID

SCOPE_SETS = [["bot", "applications.commands"], ["bot"], ["applications.commands"]]
PERMISSION_SETS = [
    [],
    ["VIEW_CHANNEL", "SEND_MESSAGES"],
    ["ADMINISTRATOR"],
    ["SEND_POLLS", "USE_EXTERNAL_APPS", "PIN_MESSAGES", "BYPASS_SLOWMODE"],
    "all",
]
APPLICATION_IDS = [APPLICATION_ID, "18446744073709551615", "80351110224678912"]


def _names(permissions_hooks: Any, names: Any) -> list[str]:
    table = permissions_hooks.PERMISSIONS
    return [entry["name"] for entry in table] if names == "all" else names


@pytest.mark.parametrize(
    ("application_id", "scopes", "names"),
    list(itertools.product(APPLICATION_IDS, SCOPE_SETS, PERMISSION_SETS)),
)
def test_guild_link_equals_oauth_url(
    invite_hooks: Any, permissions_hooks: Any, application_id: str, scopes: list[str], names: Any
) -> None:
    chosen = _names(permissions_hooks, names)
    value = int(permissions_hooks.permissions_value(chosen))
    link = str(invite_hooks.guild_invite_url(application_id, scopes, value, False))
    expected = discord.utils.oauth_url(
        application_id,
        permissions=discord.Permissions(value) if "bot" in scopes else discord.utils.MISSING,
        scopes=scopes,
    )
    assert link == expected


def test_guild_link_is_marked_when_a_user_install_is_offered(invite_hooks: Any) -> None:
    scopes = ["bot", "applications.commands"]
    link = str(invite_hooks.guild_invite_url(APPLICATION_ID, scopes, 2048, True))
    expected = discord.utils.oauth_url(
        APPLICATION_ID, permissions=discord.Permissions(2048), scopes=scopes
    )
    assert link == expected + "&integration_type=0"


def test_user_link_asks_for_commands_only(invite_hooks: Any) -> None:
    link = str(invite_hooks.user_invite_url(APPLICATION_ID))
    expected = discord.utils.oauth_url(APPLICATION_ID, scopes=["applications.commands"])
    assert link == expected + "&integration_type=1"
    assert "permissions=" not in link
    assert "bot" not in link.split("scope=")[1]


def test_portal_urls(invite_hooks: Any) -> None:
    base = "https://discord.com/developers/applications"
    assert str(invite_hooks.portal_url("")) == base
    assert str(invite_hooks.portal_url(APPLICATION_ID)) == f"{base}/{APPLICATION_ID}"
    assert str(invite_hooks.portal_url(APPLICATION_ID, "bot")) == f"{base}/{APPLICATION_ID}/bot"
