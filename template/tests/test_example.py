"""The copy-me command of cogs/example.py: copy this file along with it, and adapt."""

from __future__ import annotations

from .support.harness import Playground


def test_say_repeats_the_text(playground: Playground) -> None:
    reply = playground.slash("say", text="Hello!", times=2)
    assert reply.content == "Hello!\nHello!"
    assert not reply.ephemeral


def test_say_is_refused_without_the_permission(playground: Playground) -> None:
    reply = playground.slash("say", text="Hello!", by=playground.member)
    assert reply.content == "You need these permissions: manage_messages"
    assert reply.ephemeral


def test_say_never_pings_anyone(playground: Playground) -> None:
    reply = playground.slash("say", text="@everyone look!")
    assert reply.raw["allowed_mentions"]["parse"] == []
