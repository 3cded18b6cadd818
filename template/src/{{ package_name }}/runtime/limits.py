"""Discord's rules for application commands, checked before a sync sends anything.

Discord refuses a whole bulk overwrite (400) when one command breaks a rule, and its answer
names a JSON path, not the command. `command_problems` names the command, in words, first.
The rules are those of Discord's documentation ("Application Commands": naming, the number of
commands, the option and choice structures, the 8000-character total).

discord.py 2.7.1 refuses a sixth user or message context menu as soon as it is added (its
`CommandLimitReached`, explained at start by explain.too_many_context_menus): Discord has
allowed 15 of each since 2026-03-03, and this module checks Discord's limit, which a newer
discord.py lets you reach.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import regex

Command = Mapping[str, Any]


@functools.cache
def command_name_rule() -> regex.Pattern[str]:
    """Slash command and option names, as Discord's documentation writes the rule (Unicode flag
    on); letters that have a lowercase form must be lowercase. Compiled on first use: `regex`
    costs about 2 MB, and only a sync checks names, so `run` without DEV_GUILD_ID never pays."""
    import regex

    return regex.compile(r"^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$", regex.UNICODE)


CHAT_INPUT, USER, MESSAGE, ENTRY_POINT = 1, 2, 3, 4
# How many commands of each type an application may have globally, and again in each server.
LIMITS = {CHAT_INPUT: 100, USER: 15, MESSAGE: 15, ENTRY_POINT: 1}
KINDS = {
    CHAT_INPUT: "slash commands",
    USER: "user context menus (Apps menu of a member)",
    MESSAGE: "message context menus (Apps menu of a message)",
    ENTRY_POINT: "Entry Point commands",
}
MAX_OPTIONS = 25  # per command, subcommand group or subcommand
MAX_CHOICES = 25
MAX_DESCRIPTION = 100
MAX_TOTAL_CHARACTERS = 8000  # names, descriptions and choices of one slash command, together
SUBCOMMAND, SUBCOMMAND_GROUP = 1, 2


def command_problems(payload: Sequence[Command], *, guild: bool = False) -> list[str]:
    """Every rule the commands break, one sentence each naming the command; [] when none.

    `payload` is what a bulk overwrite sends (translations included); `guild`: for one server.
    """
    problems: list[str] = []
    kinds = Counter(command.get("type", CHAT_INPUT) for command in payload)
    scope = "in one server" if guild else "globally"
    for kind, limit in LIMITS.items():
        if guild and kind == ENTRY_POINT and kinds[kind]:
            problems.append("An Entry Point command can only be global, never a server's.")
        elif kinds[kind] > limit:
            names = [_label(c) for c in payload if c.get("type", CHAT_INPUT) == kind]
            problems.append(
                f"{kinds[kind]} {KINDS[kind]} {scope}: Discord allows {limit}. Remove "
                f"{kinds[kind] - limit} of them (the last ones: {', '.join(names[limit:])})."
            )
    for command in payload:
        if command.get("type", CHAT_INPUT) == CHAT_INPUT:
            problems.extend(_slash_command_problems(command))
        elif command.get("type") in (USER, MESSAGE):
            problems.extend(_context_menu_problems(command))
    return problems


def _label(command: Command) -> str:
    if command.get("type", CHAT_INPUT) == CHAT_INPUT:
        return f"/{command.get('name')}"
    return f'"{command.get("name")}"'


def _slash_command_problems(command: Command) -> Iterator[str]:
    label = f"/{command.get('name')}"
    yield from _text_problems(label, command, name_rule=True)
    yield from _options_problems(label, command.get("options") or [])
    total = _characters(command)
    if total > MAX_TOTAL_CHARACTERS:
        yield (
            f"{label}: its names, descriptions and choices have {total} characters together "
            f"(the longest translation of each counts); Discord allows {MAX_TOTAL_CHARACTERS}."
        )


def _context_menu_problems(command: Command) -> Iterator[str]:
    """Context menus may have capitals and spaces, 1 to 32 characters, and no description."""
    label = f'The context menu "{command.get("name")}"'
    for where, name in _translations(command, "name"):
        if not 1 <= len(name) <= 32:
            yield f"{label}: {where}name has {len(name)} characters; Discord allows 1 to 32."


def _options_problems(label: str, options: Sequence[Command]) -> Iterator[str]:
    if len(options) > MAX_OPTIONS:
        yield f"{label}: {len(options)} options; Discord allows {MAX_OPTIONS}."
    for option in options:
        where = f"{label} {option.get('name')}"
        kind = option.get("type")
        if kind in (SUBCOMMAND, SUBCOMMAND_GROUP):  # "/group sub": a command of its own
            yield from _text_problems(where, option, name_rule=True)
            yield from _options_problems(where, option.get("options") or [])
            continue
        yield from _text_problems(f"{label}, option {option.get('name')}", option, name_rule=True)
        choices = option.get("choices") or []
        if len(choices) > MAX_CHOICES:
            yield f"{where}: {len(choices)} choices; Discord allows {MAX_CHOICES}."
        for choice in choices:
            for place, name in _translations(choice, "name"):
                if not 1 <= len(name) <= 100:
                    yield (
                        f"{label}, option {option.get('name')}: {place}choice {name!r} has "
                        f"{len(name)} characters; Discord allows 1 to 100."
                    )
            value = choice.get("value")
            if isinstance(value, str) and len(value) > 100:
                yield f"{where}: the value of choice {choice.get('name')!r} is over 100 characters."


def _text_problems(label: str, item: Command, *, name_rule: bool) -> Iterator[str]:
    """The name (Discord's rule, lowercase) and the description (1 to 100), translations too."""
    for where, name in _translations(item, "name"):
        if name_rule and not command_name_rule().fullmatch(name):
            yield (
                f"{label}: {where}name {name!r} breaks Discord's rule: 1 to 32 letters, digits, "
                "- _ or ', no spaces."
            )
        elif name != name.lower():
            yield f"{label}: {where}name {name!r} must be lowercase ({name.lower()!r})."
    for where, description in _translations(item, "description"):
        if not 1 <= len(description) <= MAX_DESCRIPTION:
            yield (
                f"{label}: {where}description has {len(description)} characters; Discord "
                f"allows 1 to {MAX_DESCRIPTION}."
            )


def _translations(item: Command, key: str) -> Iterator[tuple[str, str]]:
    """(where, text) for a field and each of its translations; where names the locale file."""
    yield "", str(item.get(key) or "")
    for locale, text in (item.get(f"{key}_localizations") or {}).items():
        yield f"the {locale} translation (locales/{locale}.toml) of its ", str(text)


def _characters(item: Command) -> int:
    """Discord's size of a command: the longest version of each text, options and choices in."""
    total = 0
    for key in ("name", "description"):
        total += max((len(text) for _, text in _translations(item, key)), default=0)
    for choice in item.get("choices") or []:
        total += max(len(text) for _, text in _translations(choice, "name"))
        total += len(str(choice.get("value", "")))
    return total + sum(_characters(option) for option in item.get("options") or [])
