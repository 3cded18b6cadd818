"""Every validator in copier.yml: what it refuses, what it says, and what it must let through.

Refusals and edge values go through pytest-copie (`copie.copy(extra_answers=...)`), the way a
`copier copy --defaults` run validates them; the properties at the end walk copier.yml's
questions in-process (tests/questionnaire.py) over thousands of generated answers.
"""

from __future__ import annotations

import keyword
import re
import subprocess
import sys
import venv
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

import copier
import pytest
from answer_sets import BASE
from conftest import dependency_closure, hooks_module
from hypothesis import given, settings
from hypothesis import strategies as st
from questionnaire import asked_questions, choices_of, default, problem, questions, walk

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB"
TEXT_COMMANDS = {"privileged_intents": ["message_content"]}

# (question, bad answer, other answers it needs, a fragment of the message)
REFUSED: list[tuple[str, Any, dict[str, Any], str]] = [
    ("app_name", "x", {}, '2 to 32 characters long (Discord refuses others); "x" has 1'),
    ("app_name", "A" * 33, {}, "has 33. Type a name of 2 to 32 characters"),
    ("app_name", "   ", {}, "Type the application name"),
    ("app_name", "My\nBot", {}, "must be one line of text"),
    ("app_name", "My\tBot", {}, "without tabs"),
    ("app_name", "My\x85Bot", {}, "control characters"),
    ("app_name", "Bot\u202eevil", {}, "invisible text-direction marks"),
    ("app_name", "\u200b\u200b\u200b", {}, "no visible characters"),
    ("package_name", "My-Bot", {}, "not a valid package name: use lowercase ASCII letters"),
    ("package_name", "My Bot", {}, 'starting with a letter, for example "my_bot"'),
    ("package_name", "bot\n", {}, 'for example "bot"'),
    ("package_name", "class", {}, 'Python keyword and cannot be imported: try "class_bot"'),
    ("package_name", "json", {}, 'standard-library module "json": try "json_bot"'),
    ("package_name", "discord", {}, 'would shadow the "discord" module the project depends on'),
    ("package_name", "aiohttp", {}, "module the project depends on"),
    ("package_name", "python", {}, 'would shadow the "python" command'),
    ("package_name", "x" * 51, {}, "keep the package name to 50 or fewer"),
    (
        "description",
        "x" * 401,
        {},
        "at most 400 characters (Discord's limit); it has 401. Shorten it by 1",
    ),
    (
        "description",
        "a\x00b",
        {},
        "may contain line breaks and tabs, but no other control characters",
    ),
    ("description", "a\u2066b", {}, "invisible text-direction marks"),
    ("application_id", "my bot", {}, "is a number such as 1234567890123456789 (digits only)"),
    ("application_id", "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨", {}, "digits only"),
    ("application_id", "0123456789012345678", {}, "never starts with 0"),
    ("application_id", "18446744073709551616", {}, "larger than any Discord ID"),
    ("application_id", "1234", {}, "too short for an application ID"),
    ("application_id", TOKEN, {}, "looks like a bot token"),
    ("install_contexts", [], {}, "Choose at least one installation context"),
    ("scopes", [], {}, "Choose at least one scope"),
    (
        "permissions",
        ["ADMINISTRATOR", "KICK_MEMBERS"],
        {},
        "ADMINISTRATOR already grants every permission",
    ),
    (
        "permissions",
        ["ADMINISTRATOR", "SEND_MESSAGES"],
        {},
        "a leaked token then controls the whole server",
    ),
    ("command_prefix", "", TEXT_COMMANDS, "one or more characters with no spaces"),
    ("command_prefix", "! ", TEXT_COMMANDS, "no spaces"),
    ("command_prefix", "/", TEXT_COMMANDS, "taken by Discord's slash commands"),
    ("command_prefix", "!!!!!!", TEXT_COMMANDS, "at most 5 characters"),
    ("command_prefix", '"', TEXT_COMMANDS, "double quotes or backslashes"),
    ("command_prefix", "\\", TEXT_COMMANDS, "double quotes or backslashes"),
    ("command_prefix", "\u200b!", TEXT_COMMANDS, "invisible characters"),
    ("command_prefix", "!\x07", TEXT_COMMANDS, "one line of text"),
    ("author_name", "Jane\nDoe", {}, "must be one line"),
    ("author_name", "x" * 101, {}, "at most 100 characters long; this one has 101"),
    ("author_name", "Doe, Jane", {}, "without commas"),
    ("author_name", "Jane <jane@example.org>", {}, "the e-mail address is the next question"),
    ("author_email", "jane", {}, "does not look like an e-mail address"),
    ("author_email", "jane@localhost", {}, "such as name@example.org"),
    ("author_email", "jane doe@example.org", {}, "does not look like an e-mail address"),
    ("author_email", "a@example.org, b@example.org", {}, "does not look like an e-mail address"),
    ("copyright_year", "twenty", {}, "Give the year as four digits"),
    ("copyright_year", "1969", {}, "four digits"),
    ("copyright_year", "2026-2019", {}, "or a range such as 2019-"),
]

# (question, an edge answer that must be accepted, other answers it needs)
ACCEPTED: list[tuple[str, Any, dict[str, Any]]] = [
    ("app_name", "ab", {}),
    ("app_name", "A" * 32, {}),
    ("app_name", "  " + "B" * 32 + "  ", {}),
    ("app_name", "🤖🤖", {}),
    ("app_name", "👨\u200d👩\u200d👧 Family", {}),
    ("app_name", "مرحبا بوت", {}),
    ("app_name", 'Ünï "Bot" \\ {{ x }} {% raw %}', {}),
    ("app_name", "B\u03bft\u2019s Helper", {}),
    ("package_name", "a", {}),
    ("package_name", "x" * 50, {}),
    ("description", "x" * 400, {}),
    ("description", "\n  " + "y" * 400 + "  \n", {}),
    ("description", "Line one\r\nLine\ttwo | <b>", {}),
    ("application_id", "", {}),
    ("application_id", "18446744073709551615", {}),
    ("application_id", "10000000000000000", {}),
    ("application_id", " 1234567890123456789 ", {}),
    ("permissions", ["ADMINISTRATOR"], {}),
    ("permissions", [], {}),
    ("command_prefix", "!!!!!", TEXT_COMMANDS),
    ("command_prefix", "`|", TEXT_COMMANDS),
    ("command_prefix", "🤖", TEXT_COMMANDS),
    ("author_name", 'O\'Brien "The Dev" ' + "x" * 82, {}),
    ("author_email", "first.last+tag@sub.example.co.uk", {}),
    ("copyright_year", "1970", {}),
    ("copyright_year", "2019-2026", {}),
    ("copyright_year", 2026, {}),
]


def ids(case: tuple[Any, ...]) -> str:
    return f"{case[0]}={case[1]!r}"[:60]


def edge_sets() -> list[dict[str, Any]]:
    """The accepted edge values, several questions per render: the i-th set takes the i-th
    edge value of every question (a refusal would name the question it came from)."""
    sets: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for question, answer, others in ACCEPTED:
        index = seen[question] = seen.get(question, -1) + 1
        if index == len(sets):
            sets.append(dict(BASE))
        sets[index].update(others)
        sets[index][question] = answer
    return sets


@pytest.mark.parametrize(
    ("question", "answer", "others", "message"), REFUSED, ids=map(ids, REFUSED)
)
def test_refused_with_a_message_that_says_what_to_type(
    copie: Any,
    template_folder: Path,
    question: str,
    answer: Any,
    others: dict[str, Any],
    message: str,
) -> None:
    result = copie.copy(
        extra_answers={**BASE, **others, question: answer}, template_dir=template_folder
    )
    assert isinstance(result.exception, ValueError), result
    assert str(result.exception).startswith(f"Validation error for question '{question}': ")
    assert message in str(result.exception)
    assert result.project_dir is None


@pytest.mark.parametrize("answers", edge_sets())
def test_edge_answers_are_accepted(
    copie: Any, template_folder: Path, answers: dict[str, Any]
) -> None:
    result = copie.copy(extra_answers=answers, template_dir=template_folder)
    assert result.exception is None, result.exception
    for question, answer in answers.items():
        if question in result.answers:  # unasked questions (a prefix without text commands)
            assert result.answers[question] in (answer, str(answer)), question  # the year: str


def test_every_validator_is_exercised() -> None:
    """A question with a validator needs a refusal above; one without may not need it."""
    validated = {name for name in asked_questions() if "validator" in questions()[name]}
    assert validated == {case[0] for case in REFUSED}


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (
            {"scopes": ["applications.commands"], "permissions": ["SEND_MESSAGES"]},
            "no bot scope: add bot to scopes, or ask for no permissions (permissions=[])",
        ),
        (
            {"install_contexts": ["user"], "permissions": ["SEND_MESSAGES"]},
            "no server (guild) install: add guild to install_contexts",
        ),
    ],
)
def test_permissions_given_without_a_bot_invite_are_refused(
    template_folder: Path, tmp_path: Path, answers: dict[str, Any], message: str
) -> None:
    """With --data, Copier validates an answer even when its question is not asked."""
    destination = tmp_path / "mybot"
    with pytest.raises(ValueError, match="Validation error for question 'permissions'") as error:
        copier.run_copy(
            str(template_folder), destination, data={**BASE, **answers}, defaults=True, quiet=True
        )
    assert message in str(error.value)
    assert not destination.exists()


def test_command_line_refusal_is_the_documented_traceback(
    template_folder: Path, tmp_path: Path
) -> None:
    """What README.md tells users to read: the last line names the question and the fix."""
    destination = tmp_path / "mybot"
    command = [sys.executable, "-m", "copier", "copy", "--defaults", "--data", "app_name=x"]
    run = subprocess.run(
        [*command, str(template_folder), str(destination)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 1
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("ValueError: Validation error for question 'app_name': ")
    assert "2 to 32 characters" in last
    assert not destination.exists()


# --- properties over the questionnaire ------------------------------------------------------

MANY = settings(max_examples=settings.default.max_examples * 10)
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
PACKAGE = hooks_module("package")


@MANY
@given(app_name=ANY_TEXT)
def test_the_derived_package_name_is_always_valid(app_name: str) -> None:
    """Whatever the application name, its package name passes the package-name validator."""
    derived = default("package_name", {"app_name": app_name})
    assert not problem("package_name", derived, {"app_name": app_name}), derived
    assert derived.isidentifier() and not keyword.iskeyword(derived)


@MANY
@given(
    name=st.one_of(ANY_TEXT, st.sampled_from(PACKAGE.RESERVED_NAMES), st.text("ab_1", max_size=60))
)
def test_package_name_suggestions_are_valid(name: str) -> None:
    """A refusal's "for example" or "try" name is itself accepted."""
    message = problem("package_name", name, {})
    suggested = re.findall(r'(?:for example|try) "([^"]*)"', message)
    assert bool(message) == bool(suggested)
    for suggestion in suggested:
        assert not problem("package_name", suggestion, {}), (name, suggestion)


def answers_in_any_order() -> st.SearchStrategy[dict[str, Any]]:
    """Answers to every asked question, valid or not: typed ones as any text."""
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name in asked_questions():
        spec = questions()[name]
        if spec.get("multiselect"):
            fields[name] = st.lists(st.sampled_from(choices_of(name)), unique=True)
        elif "choices" in spec:
            fields[name] = st.sampled_from(choices_of(name))
        elif spec.get("type") == "bool":
            fields[name] = st.booleans()
        else:
            fields[name] = ANY_TEXT
    return st.fixed_dictionaries({}, optional=fields)


@MANY
@given(
    app_name=ANY_TEXT.filter(lambda name: not problem("app_name", name, {})),
    given=answers_in_any_order(),
)
def test_no_default_is_ever_refused(app_name: str, given: dict[str, Any]) -> None:
    """Copier validates a default before it shows the prompt: a refused default would end the
    interactive session. Whatever the earlier answers, every asked question's default passes."""
    for name, value, before in walk({**given, "app_name": app_name}):
        assert not problem(name, value, before), (name, value, before)


def test_package_names_never_replace_a_command_of_the_environment(tmp_path: Path) -> None:
    """`uv run <package>` must start the bot, and `uv run ruff` must still be ruff: a console
    script may not share its name with one of the environment's own commands."""
    venv.EnvBuilder(with_pip=False).create(tmp_path / "venv")
    commands = {path.name for path in (tmp_path / "venv" / "bin").iterdir()}
    scripts = Path(sys.executable).parent
    for name in dependency_closure("discord.py", "python-dotenv", "pytest", "ruff"):
        found = distribution(name)
        commands |= {entry.name for entry in found.entry_points if entry.group == "console_scripts"}
        # Scripts shipped as files (ruff is a binary) are installed next to the interpreter.
        installed = (Path(str(found.locate_file(file))).resolve() for file in found.files or [])
        commands |= {path.name for path in installed if path.parent == scripts}
    identifiers = {command for command in commands if command.isidentifier()}
    assert identifiers - set(PACKAGE.RESERVED_NAMES) == set()
