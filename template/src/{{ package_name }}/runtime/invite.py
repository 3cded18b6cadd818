"""The links that add this bot to a server or an account, and its Developer Portal pages.

Built from app.py's answers by discord.py's own rule, so they equal the README's links
(`uv run <package> invite` prints them).
"""

from __future__ import annotations

import discord

from .. import app


def invite_links(application_id: int) -> dict[str, str]:
    """Map each install context ("guild", "user") to its link, built by discord.py's rule.

    A guild link is discord.utils.oauth_url(); when a user install is offered too, it carries
    integration_type=0 so the two links cannot be mixed up. A user install asks for
    applications.commands only: Discord refuses the bot scope and permissions there.
    """
    links: dict[str, str] = {}
    if app.GUILD_INSTALL:
        guild_link = discord.utils.oauth_url(
            application_id,
            permissions=app.PERMISSIONS if "bot" in app.SCOPES else discord.utils.MISSING,
            scopes=app.SCOPES,
        )
        links["guild"] = guild_link + ("&integration_type=0" if app.USER_INSTALL else "")
    if app.USER_INSTALL:
        links["user"] = (
            discord.utils.oauth_url(application_id, scopes=("applications.commands",))
            + "&integration_type=1"
        )
    return links


def portal_url(page: str = "", application_id: int | None = app.APPLICATION_ID) -> str:
    """A page of this application in the Developer Portal, such as "bot" or "installation"."""
    base = "https://discord.com/developers/applications"
    if application_id is None:
        return base
    return f"{base}/{application_id}/{page}" if page else f"{base}/{application_id}"
