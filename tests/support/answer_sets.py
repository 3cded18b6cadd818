"""Answer sets the template must render into a working project, named for what they exercise."""

from __future__ import annotations

from typing import Any

from support.template import APPLICATION_ID

# Every part on: the answer sets below each change one thing from there. The template's own
# default, a first bot, is the "first-bot" set.
BASE: dict[str, Any] = {
    "app_name": "Test Bot",
    "application_id": APPLICATION_ID,
    "preset": "bot-to-ship",
}

# Names, descriptions and authors that break naive quoting: YAML, TOML, Python, Markdown, Jinja.
ODD_NAMES: dict[str, Any] = {
    "app_name": 'Ünïcødé "Bot" \\ {{ x }} 🤖',
    "description": 'Line one with "quotes", a \\ backslash and <b>HTML</b>.\n'
    "Line two: {% raw %} | table | [link](x) *em* مرحبا",
    "author_name": 'O\'Brien "The Dev"',
    "author_email": "dev@example.org",
    "license": "ISC",
}

ANSWER_SETS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "first-bot": {"preset": "first-bot"},
    # Storage on a server, with the sharded bot's intents (the bot-to-ship default is SQLite).
    "postgresql": {"database": "postgresql", "privileged_intents": ["members"]},
    # A bot to ship that keeps no data: no models, drivers, volume or database service.
    "no-storage": {"database": "none"},
    "high-bits": {
        "permissions": [
            "SEND_POLLS",
            "USE_EXTERNAL_APPS",
            "PIN_MESSAGES",
            "BYPASS_SLOWMODE",
            "SET_VOICE_CHANNEL_STATUS",
            "SEND_VOICE_MESSAGES",
            "VIEW_CHANNEL",
        ],
    },
    "administrator": {"permissions": ["ADMINISTRATOR"]},
    "no-permissions": {"permissions": []},
    "commands-scope-only": {"scopes": ["applications.commands"]},
    "bot-scope-only": {"scopes": ["bot"]},
    "no-application-id": {"application_id": ""},
    "user-install": {"install_contexts": ["user"]},
    "guild-and-user-install": {"install_contexts": ["guild", "user"]},
    "message-content-prefix": {"privileged_intents": ["message_content"], "command_prefix": "?"},
    "all-intents": {"privileged_intents": ["message_content", "members", "presences"]},
    "odd-names": ODD_NAMES,
    "no-licence": {"license": "Proprietary", "app_name": "Stdlib", "package_name": "custom_pkg"},
    # The bot to ship: every shipping toggle on (today's defaults, said out loud), every
    # privileged intent with prefix commands, installable on servers and accounts.
    "bot-to-ship": {
        "docker": True,
        "kubernetes": True,
        "github_ci": True,
        "type_checking": True,
        "pre_commit": True,
        "update_workflow": True,
        "privileged_intents": ["message_content", "members", "presences"],
        "command_prefix": "?",
        "install_contexts": ["guild", "user"],
    },
    # Two sets in one, for the installed projects (each costs a full suite): hostile names in
    # a bot with every privileged intent, prefix commands, on servers and accounts.
    "odd-names-every-intent": {
        **ODD_NAMES,
        "privileged_intents": ["message_content", "members", "presences"],
        "command_prefix": "?",
        "install_contexts": ["guild", "user"],
    },
    # A bot made before its application, whose invite adds the commands only.
    "commands-only-no-application-id": {"application_id": "", "scopes": ["applications.commands"]},
    # Every shipping toggle off: no container, Kubernetes, CI, type checker or pre-commit.
    "no-extras": {
        "docker": False,
        "kubernetes": False,
        "github_ci": False,
        "type_checking": False,
        "pre_commit": False,
        "update_workflow": False,
    },
}


def answers(name: str) -> dict[str, Any]:
    """The full answer set: the base answers with this set's changes."""
    return {**BASE, **ANSWER_SETS[name]}
