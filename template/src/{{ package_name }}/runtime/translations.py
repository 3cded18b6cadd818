"""Translations: English in the code, one file per other language in src/<package>/locales/.

Command texts need no marking: discord.py wraps every command and option name, description and
choice in `locale_str` itself (`auto_locale_strings=True`, its default). Replies go through
`tr(interaction, "...")`. Each file of locales/ is named after a Discord locale (`fr.toml`,
`de.toml`, `pt-BR.toml`: https://discord.com/developers/docs/reference#locales) and maps each
English text to its translation; adding a language is adding one file. Whoever uses Discord in a
language with no file, or no line for a text, sees the English.

The `Translator` gives discord.py the command texts: `tree.sync()` and runtime/sync.py send them
to Discord as `name_localizations` and `description_localizations`.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

import discord
from discord import app_commands

from .explain import PreflightError

LOCALES = Path(__file__).resolve().parent.parent / "locales"
# The language of the texts in the code: what Discord shows when it has no translation.
SOURCE_LOCALE = discord.Locale.american_english


class TranslationFileError(PreflightError):
    """A file of locales/ cannot be used; the message says which and why."""


def load_catalogs(folder: Path | None = None) -> dict[str, dict[str, str]]:
    """Every translation file in `folder` (locales/): {locale: {English text: translation}}."""
    folder = folder or LOCALES
    known = {locale.value for locale in discord.Locale} - {SOURCE_LOCALE.value}
    catalogs: dict[str, dict[str, str]] = {}
    for path in sorted(folder.glob("*.toml")):
        if path.stem not in known:
            raise TranslationFileError(
                f"{path}: {path.stem!r} is not a Discord locale. Name the file after one of "
                f"{', '.join(sorted(known))} (English, {SOURCE_LOCALE.value}, is in the code)."
            )
        try:
            entries = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise TranslationFileError(f"{path} is not valid TOML: {error}") from error
        if not_text := [key for key, value in entries.items() if not isinstance(value, str)]:
            raise TranslationFileError(
                f'{path}: write each line as "English text" = "translation"; these are not '
                f"text: {', '.join(map(repr, not_text))}"
            )
        catalogs[path.stem] = entries
    return catalogs


@functools.cache
def _catalogs(folder: Path) -> dict[str, dict[str, str]]:
    return load_catalogs(folder)


class Translator(app_commands.Translator):
    """discord.py's hook for command texts, reading the files of `folder` (locales/)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self.catalogs: dict[str, dict[str, str]] = {}

    async def load(self) -> None:
        """Called by `tree.set_translator()`: read the files (a broken one stops the bot)."""
        self.catalogs = load_catalogs(self.folder)

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        """The translation of one command text, or None: Discord then shows the English."""
        return self.catalogs.get(locale.value, {}).get(string.message)


def tr(interaction: discord.Interaction, text: str, /, **values: object) -> str:
    """`text` (English) in the language of whoever used the command, `{values}` filled in.

    Write the English as a literal string: tests/test_translations.py finds every text here
    by reading the code, and checks that every file of locales/ translates it.
    """
    translated = _catalogs(LOCALES).get(interaction.locale.value, {}).get(text, text)
    return translated.format(**values) if values else translated
