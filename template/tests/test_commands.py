"""The commands of cogs/general.py, tried as a member would: copy a test for each new command.

Each test invokes a command, then checks the reply. `playground.slash("name", option=value)`
waits for the bot's answer and returns it (tests/support/harness.py says what else it can do).
"""

from __future__ import annotations

from .support.harness import Playground


def test_ping_answers_privately(playground: Playground) -> None:
    reply = playground.slash("ping")
    assert reply.content.startswith("Pong!")
    assert reply.ephemeral


def test_about_shows_the_bot_and_how_to_add_it(playground: Playground) -> None:
    reply = playground.slash("about")  # a Components V2 layout: texts and buttons, no content
    assert reply.texts[0] == f"## {playground.fake.bot_user['username']}"
    assert "Servers: 1" in reply.texts
    assert "Send feedback" in [button.get("label") for button in reply.buttons]
    assert reply.ephemeral
