"""The invite-link rule in hooks/invite.jinja builds exactly discord.py's links (support.invite)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from support.invite import guild_link, permissions_of, user_link
from support.template import APPLICATION_ID

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
    assert link == guild_link(application_id, scopes, chosen, also_user_install=False)
    assert value == permissions_of(chosen).value


def test_guild_link_is_marked_when_a_user_install_is_offered(invite_hooks: Any) -> None:
    scopes = ["bot", "applications.commands"]
    value = permissions_of(["SEND_MESSAGES"]).value
    link = str(invite_hooks.guild_invite_url(APPLICATION_ID, scopes, value, True))
    assert link == guild_link(APPLICATION_ID, scopes, ["SEND_MESSAGES"], also_user_install=True)


def test_user_link_asks_for_commands_only(invite_hooks: Any) -> None:
    link = str(invite_hooks.user_invite_url(APPLICATION_ID))
    assert link == user_link(APPLICATION_ID)
    assert "permissions=" not in link
    assert "bot" not in link.split("scope=")[1]


def test_portal_urls(invite_hooks: Any) -> None:
    base = "https://discord.com/developers/applications"
    assert str(invite_hooks.portal_url("")) == base
    assert str(invite_hooks.portal_url(APPLICATION_ID)) == f"{base}/{APPLICATION_ID}"
    assert str(invite_hooks.portal_url(APPLICATION_ID, "bot")) == f"{base}/{APPLICATION_ID}/bot"
