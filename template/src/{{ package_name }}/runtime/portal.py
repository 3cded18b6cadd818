"""The Developer Portal against this bot's answers: what `check --online` reads and reports.

Most "it does not work" reports are a portal setting, not code. `check --online` reads the
application as Discord has it (GET /applications/@me) and compares, each with its page:

- the privileged intent switches (Bot page) with the intents the bot asks for: one off, and
  Discord closes the connection (4014);
- the Interactions Endpoint URL (General Information): when set, Discord sends interactions
  there over HTTP, and this gateway bot never sees a slash command;
- the Installation Contexts (Installation page) with the answers' guild and user installs;
- the Default Install Settings (Installation page), which the "Add App" button of the bot's
  profile uses, with the answers' scopes and permissions;
- and, offline too, permissions asked for that lost a right on 2026-02-23 (app.PERMISSION_SPLITS).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import discord
from discord.ext import commands
from discord.http import Route

from .. import app
from . import explain
from .invite import portal_url

INSTALLS = (("0", "Guild Install", app.GUILD_INSTALL), ("1", "User Install", app.USER_INSTALL))


@dataclass(frozen=True, slots=True)
class Finding:
    """One difference. `blocking`: the bot cannot work as answered until it is fixed."""

    blocking: bool
    text: str


async def read_application(bot: commands.Bot) -> dict[str, Any]:
    """The application as the portal shows it (discord.py's `application_info()` reads the
    older /oauth2/applications/@me, which need not carry the install settings)."""
    application: dict[str, Any] = await bot.http.request(Route("GET", "/applications/@me"))
    return application


def findings(application: Mapping[str, Any], requested_intents: Sequence[str]) -> list[Finding]:
    """Every difference between the portal's settings and the answers, blocking ones first."""
    application_id = int(application["id"])
    found = [*_intents(application, requested_intents), *_endpoint(application, application_id)]
    found.extend(_installs(application.get("integration_types_config") or {}, application_id))
    found.extend(permission_splits(app.PERMISSIONS))
    return sorted(found, key=lambda finding: not finding.blocking)


def permission_splits(permissions: discord.Permissions) -> list[Finding]:
    """Old permissions asked for without the one that took over a right on 2026-02-23."""
    if permissions.administrator:
        return []
    return [
        Finding(
            blocking=False,
            text=(
                f"The invite asks for {old} but not {new}: since 2026-02-23 only {new} lets the "
                f"bot {right}. If it does, run `copier update --data 'permissions=[...]'` with "
                "both."
            ),
        )
        for old, (old_flag, new, new_flag, right) in app.PERMISSION_SPLITS.items()
        if getattr(permissions, old_flag) and not getattr(permissions, new_flag)
    ]


def _intents(application: Mapping[str, Any], requested: Sequence[str]) -> list[Finding]:
    flags = int(application.get("flags") or 0)
    valid = discord.ApplicationFlags.VALID_FLAGS
    missing = [
        name
        for name in requested
        if not any(flags & valid[flag] for flag in app.PORTAL_FLAGS[name])
    ]
    return [Finding(True, explain.privileged_intents_missing(missing))] if missing else []


def _endpoint(application: Mapping[str, Any], application_id: int) -> list[Finding]:
    url = application.get("interactions_endpoint_url")
    if not url:
        return []
    return [
        Finding(
            blocking=True,
            text=(
                f"The Interactions Endpoint URL is set ({url}): Discord sends every slash command "
                "there over HTTP, so this bot, connected through the gateway, receives none. "
                f"Clear it on {portal_url('information', application_id)} and press Save Changes."
            ),
        )
    ]


def _installs(config: Mapping[str, Any], application_id: int) -> list[Finding]:
    page = portal_url("installation", application_id)
    found: list[Finding] = []
    for key, switch, answered in INSTALLS:
        if answered and key not in config:
            found.append(
                Finding(
                    True,
                    f"Installation Contexts: {switch} is off, but this bot offers it (its invite "
                    f"link fails). Tick {switch} on {page} and press Save Changes.",
                )
            )
        elif key in config and not answered:
            found.append(
                Finding(
                    False,
                    f"Installation Contexts: {switch} is on, but this bot's commands are not "
                    f"offered there. Untick it on {page}, or add it to the answers: "
                    "`copier update --data 'install_contexts=[guild, user]'`.",
                )
            )
        elif key in config:
            settings = config[key].get("oauth2_install_params")
            found.extend(_install_link(switch, key, settings, page))
    return found


def _install_link(
    switch: str, key: str, settings: Mapping[str, Any] | None, page: str
) -> list[Finding]:
    """The Default Install Settings of one context against the answers' invite link."""
    if settings is None:
        return [
            Finding(
                False,
                f'Install Link ({switch}) is not Discord\'s own, so the "Add App" button of the '
                f"bot's profile does not use the answers; the README's links do. ({page})",
            )
        ]
    guild = key == "0"
    scopes = set(app.SCOPES) if guild else {"applications.commands"}
    permissions = app.PERMISSIONS.value if guild and "bot" in app.SCOPES else 0
    portal_scopes = set(settings.get("scopes") or [])
    portal_permissions = int(settings.get("permissions") or 0)
    if portal_scopes == scopes and (portal_permissions == permissions or not guild):
        return []
    return [
        Finding(
            False,
            f"Default Install Settings ({switch}): the portal asks for scopes "
            f"{' '.join(sorted(portal_scopes)) or 'none'} and permissions {portal_permissions}, "
            f"this bot for scopes {' '.join(sorted(scopes))} and permissions {permissions}. The "
            f"\"Add App\" button of the bot's profile uses the portal's: set them on {page}.",
        )
    ]
