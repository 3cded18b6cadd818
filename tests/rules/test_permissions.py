"""The permission table in hooks/permissions.jinja is Discord's, as discord.py knows it."""

from __future__ import annotations

from typing import Any

import discord
import pytest
import yaml
from questionary.constants import DEFAULT_SELECTED_POINTER, INDICATOR_SELECTED
from support import questionnaire

# Discord's API names whose discord.py attribute is not simply the lower-case name
# (discord.py keeps older names; its docs list the API name beside each).
RENAMED_IN_DISCORD_PY = {
    "VIEW_CHANNEL": "read_messages",
    "USE_EXTERNAL_EMOJIS": "external_emojis",
    "USE_EXTERNAL_STICKERS": "external_stickers",
    "USE_VAD": "use_voice_activation",
    "MANAGE_GUILD_EXPRESSIONS": "manage_expressions",
    "CREATE_GUILD_EXPRESSIONS": "create_expressions",
}


def test_table_has_every_discord_permission_once(permissions_hooks: Any) -> None:
    table = permissions_hooks.PERMISSIONS
    bits = [entry["bit"] for entry in table]
    names = [entry["name"] for entry in table]
    assert len(table) == 52
    assert len(set(bits)) == len(bits)
    assert len(set(names)) == len(names)
    discord_values = set(discord.Permissions.VALID_FLAGS.values())
    assert {2**bit for bit in bits} == discord_values
    assert sum(2**bit for bit in bits) == discord.Permissions.all().value


@pytest.mark.parametrize("entry_index", range(52))
def test_each_flag_matches_discord_py(permissions_hooks: Any, entry_index: int) -> None:
    entry = permissions_hooks.PERMISSIONS[entry_index]
    valid = discord.Permissions.VALID_FLAGS
    assert valid[entry["dpy"]] == 2 ** entry["bit"], entry
    canonical = RENAMED_IN_DISCORD_PY.get(entry["name"], entry["name"].lower())
    assert valid[canonical] == 2 ** entry["bit"], f"{entry['name']} is not bit {entry['bit']}"
    assert entry["group"] in permissions_hooks.PERMISSION_GROUPS
    assert entry["label"].strip() and entry["label"] == entry["label"].strip()


def test_two_factor_flags_follow_discord_py(permissions_hooks: Any) -> None:
    """discord.py's elevated() is Discord's 2FA list, except for two documented differences."""
    table = permissions_hooks.PERMISSIONS
    marked = {entry["dpy"] for entry in table if entry["two_factor"]}
    elevated_permissions = discord.Permissions.elevated()
    elevated = {entry["dpy"] for entry in table if getattr(elevated_permissions, entry["dpy"])}
    differences = marked ^ elevated
    assert differences <= {"moderate_members", "view_creator_monetization_analytics"}


@pytest.mark.parametrize(
    "names",
    [
        [],
        ["ADMINISTRATOR"],
        ["SEND_POLLS", "USE_EXTERNAL_APPS", "PIN_MESSAGES", "BYPASS_SLOWMODE"],
        ["SET_VOICE_CHANNEL_STATUS", "SEND_VOICE_MESSAGES"],
        "all",
    ],
)
def test_permissions_value_is_the_exact_sum(permissions_hooks: Any, names: Any) -> None:
    table = permissions_hooks.PERMISSIONS
    chosen = [entry["name"] for entry in table] if names == "all" else names
    value = int(permissions_hooks.permissions_value(chosen))
    expected = discord.Permissions(
        **{entry["dpy"]: True for entry in table if entry["name"] in chosen}
    )
    assert value == expected.value


def test_default_permissions_are_known_and_small(permissions_hooks: Any) -> None:
    known = {entry["name"] for entry in permissions_hooks.PERMISSIONS}
    defaults = permissions_hooks.DEFAULT_PERMISSIONS
    assert set(defaults) <= known
    assert "ADMINISTRATOR" not in defaults
    assert len(defaults) <= 8


# What questionary's checkbox draws before each choice's label: the pointer (or blanks), then
# the check mark, each followed by a space (questionary/prompts/common.py).
CHECKBOX_PREFIX = f" {DEFAULT_SELECTED_POINTER} {INDICATOR_SELECTED} "
TERMINAL_WIDTH = 80


def _form_choices() -> dict[str, str]:
    """The `permissions` question's choices as copier.yml makes them: {label: value}."""
    choices = questionnaire.questions()["permissions"]["choices"]
    return yaml.safe_load(questionnaire.render(choices, {}))


def test_form_offers_every_permission_once_defaults_first(permissions_hooks: Any) -> None:
    """The choices come from the table alone; the defaults lead, in the table's order."""
    names = [entry["name"] for entry in permissions_hooks.PERMISSIONS]
    defaults = list(permissions_hooks.DEFAULT_PERMISSIONS)
    assert defaults == [name for name in names if name in defaults], "table order"
    offered = list(_form_choices().values())
    assert offered == defaults + [name for name in names if name not in defaults]
    assert questionnaire.choices_of("permissions") == offered
    default = questionnaire.default("permissions", {"install_contexts": ["guild"]})
    assert default == defaults


def test_form_labels_show_the_name_data_takes_and_fit_80_columns(permissions_hooks: Any) -> None:
    """Issue 11: what a person sees in the form is what --data accepts."""
    table = {entry["name"]: entry for entry in permissions_hooks.PERMISSIONS}
    width = TERMINAL_WIDTH - len(CHECKBOX_PREFIX) - 1  # one column to spare
    assert width == permissions_hooks.CHOICE_WIDTH
    for label, name in _form_choices().items():
        entry = table[name]
        marker = " [2FA]" if entry["two_factor"] else ""
        assert len(CHECKBOX_PREFIX + label) < TERMINAL_WIDTH, label
        if label == name + marker:  # too long with the wording: the wording only spells it out
            assert len(f"{name} - {entry['label']}{marker}") > width
            assert entry["label"].upper().replace(" ", "_") == name
        else:
            assert label == f"{name} - {entry['label']}{marker}"


def test_table_is_compact_yet_typed(permissions_hooks: Any) -> None:
    """The table is stored as lines of text (cheap for Jinja to compile) but read as typed
    entries: integer bits, booleans for 2FA, known groups."""
    for entry in permissions_hooks.PERMISSIONS:
        assert isinstance(entry["bit"], int) and 0 <= entry["bit"] < 64, entry
        assert isinstance(entry["two_factor"], bool), entry
        assert set(entry) == {"name", "bit", "label", "group", "dpy", "two_factor"}
