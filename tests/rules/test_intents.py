"""The privileged-intent table in hooks/intents.jinja is Discord's, as discord.py knows it."""

from __future__ import annotations

from typing import Any

import discord
import pytest
import yaml

# discord.Intents.default() is every intent but the privileged ones.
PRIVILEGED = discord.Intents.all().value & ~discord.Intents.default().value


def test_table_has_every_privileged_intent_once(intents_hooks: Any) -> None:
    table = intents_hooks.INTENTS
    names = [entry["name"] for entry in table]
    assert len(set(names)) == len(names)
    assert sum(2 ** entry["bit"] for entry in table) == PRIVILEGED


@pytest.mark.parametrize("index", range(3))
def test_each_intent_matches_discord_py(intents_hooks: Any, index: int) -> None:
    entry = intents_hooks.INTENTS[index]
    assert discord.Intents.VALID_FLAGS[entry["name"]] == 2 ** entry["bit"], entry
    intents = discord.Intents.none()
    setattr(intents, entry["name"], True)  # what the rendered bot.py does with each answer
    assert intents.value == 2 ** entry["bit"]
    # The application flags that say "switched on in the portal": for 100+ servers, and below.
    verified, limited = entry["flags"]
    assert limited == f"{verified}_limited"
    flags = discord.ApplicationFlags.VALID_FLAGS
    assert flags[limited] == 2 * flags[verified]
    assert entry["switch"].endswith(" Intent")
    assert entry["label"].strip() == entry["label"]


def test_question_offers_exactly_the_table(intents_hooks: Any) -> None:
    choices = yaml.safe_load(intents_hooks.intent_choices())
    assert list(choices.values()) == [entry["name"] for entry in intents_hooks.INTENTS]
    assert list(choices) == [entry["label"] for entry in intents_hooks.INTENTS]


def test_portal_switch_names_each_intent(intents_hooks: Any) -> None:
    for entry in intents_hooks.INTENTS:
        assert intents_hooks.portal_switch(entry["name"]) == entry["switch"]
