"""Every validator in copier.yml: what it refuses, what it says, and what it must let through.

Refusals and edge values go through `copy_project` (tests/support/render.py), the way a
`copier copy --defaults` run validates them; the properties at the end walk copier.yml's
questions in-process (tests/support/questionnaire.py) over thousands of generated answers.
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

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.answer_sets import BASE
from support.packages import dependency_closure
from support.questionnaire import asked_questions, choices_of, default, problem, questions, walk
from support.render import copy_project, stored_answers
from support.template import FAKE_TOKEN, TEMPLATE_ROOT, hooks_module

TOKEN = FAKE_TOKEN
TEXT_COMMANDS = {"privileged_intents": ["message_content"]}
TOKEN_REFUSAL = "Token! Reset it on the Bot page"
# Every answer typed as free text: none may hold a token.
FREE_TEXT = [
    "app_name",
    "package_name",
    "description",
    "application_id",
    "command_prefix",
    "author_name",
    "author_email",
]
# Copier's words before every refusal; the terminal row it is shown on.
PREFIX = "Validation error for question '{}': "
ROW = 80

# (question, bad answer, other answers it needs, a fragment of the message)
REFUSED: list[tuple[str, Any, dict[str, Any], str]] = [
    ("app_name", "x", {}, "2 to 32 characters; this has 1"),
    ("app_name", "A" * 33, {}, "this has 33"),
    ("app_name", "   ", {}, "Type a name, e.g. My Cool Bot"),
    ("app_name", "My\nBot", {}, "One line only"),
    ("app_name", "My\tBot", {}, "One line only"),
    ("app_name", "My\x85Bot", {}, "no control codes"),
    ("app_name", "Bot\u202eevil", {}, "Remove invisible direction marks"),
    ("app_name", "\u200b\u200b\u200b", {}, "Type a name people can see"),
    ("package_name", "My-Bot", {}, 'a-z, 0-9, _ only: try "my_bot"'),
    ("package_name", "My Bot", {}, 'try "my_bot"'),
    ("package_name", "bot\n", {}, 'try "bot"'),
    ("package_name", "a" * 30 + "-b", {}, "Use a-z, 0-9, _; start with a-z"),
    ("package_name", "class", {}, 'A Python keyword: try "class_bot"'),
    ("package_name", "json", {}, 'In Python already: try "json_bot"'),
    ("package_name", "multiprocessing", {}, "In Python already: add _bot"),
    ("package_name", "discord", {}, "A module it uses: add _bot"),
    ("package_name", "yarl", {}, 'A module it uses: try "yarl_bot"'),
    ("package_name", "python", {}, "A command it uses: add _bot"),
    ("package_name", "x" * 51, {}, "Too long: at most 50 characters"),
    ("description", "x" * 401, {}, "At most 400 characters: cut 1"),
    ("description", "x" * 512, {}, "cut 112"),
    ("description", "a\x00b", {}, "No control codes"),
    ("description", "a\u2066b", {}, "Remove invisible direction marks"),
    ("application_id", "my bot", {}, "Digits only: copy Application ID"),
    ("application_id", "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨", {}, "Digits only"),
    ("application_id", "0123456789012345678", {}, "No ID starts with 0"),
    ("application_id", "18446744073709551616", {}, "Too large for an ID"),
    ("application_id", "1234", {}, "Too short (17-20 digits)"),
    ("install_contexts", [], {}, "Pick at least one, with Space"),
    ("scopes", [], {}, "Pick one or both, with Space"),
    ("permissions", ["ADMINISTRATOR", "KICK_MEMBERS"], {}, "Administrator alone, or drop it"),
    ("permissions", ["ADMINISTRATOR", "SEND_MESSAGES"], {}, "Administrator alone"),
    ("command_prefix", "", TEXT_COMMANDS, "Type 1-5 characters, e.g. !"),
    ("command_prefix", "! ", TEXT_COMMANDS, "No spaces in a prefix"),
    ("command_prefix", "/", TEXT_COMMANDS, "/ is for slash commands"),
    ("command_prefix", "!!!!!!", TEXT_COMMANDS, "At most 5 characters"),
    ("command_prefix", '"', TEXT_COMMANDS, 'No " or \\ in a prefix'),
    ("command_prefix", "\\", TEXT_COMMANDS, 'No " or \\ in a prefix'),
    ("command_prefix", "\u200b!", TEXT_COMMANDS, "Invisible characters"),
    ("command_prefix", "!\x07", TEXT_COMMANDS, "One line only"),
    ("author_name", "Jane\nDoe", {}, "One line only"),
    ("author_name", "x" * 101, {}, "At most 100 characters, or empty"),
    ("author_name", "Doe, Jane", {}, "Just your name: no , < > or @"),
    ("author_name", "Jane <jane@example.org>", {}, "Just your name"),
    ("author_email", "jane", {}, "Not an e-mail (like a@example.org)"),
    ("author_email", "jane@localhost", {}, "Not an e-mail"),
    ("author_email", "jane doe@example.org", {}, "Not an e-mail"),
    ("author_email", "a@example.org, b@example.org", {}, "Not an e-mail"),
    ("copyright_year", "twenty", {}, "Four digits: "),
    ("copyright_year", "1969", {}, "Four digits"),
    ("copyright_year", "2026-2019", {}, "or 2019-"),
    # A token in any free-text answer: refused before it reaches a file, with what to do.
    *[
        (name, TOKEN, TEXT_COMMANDS if name == "command_prefix" else {}, TOKEN_REFUSAL)
        for name in FREE_TEXT
    ],
    ("description", f"Our bot. Token: {TOKEN} (oops)", {}, TOKEN_REFUSAL),
    ("author_name", f"Jane {TOKEN}", {}, TOKEN_REFUSAL),
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
    ("description", "Release v1.2.3 of some.dotted.name: not a token", {}),
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


def edge_sets() -> list[Any]:
    """The accepted edge values, several questions per render: the i-th set takes the i-th
    edge value of every question (a refusal would name the question it came from). The quick
    loop renders the first; test_every_edge_answer_passes_its_validator checks every value."""
    sets: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for question, answer, others in ACCEPTED:
        index = seen[question] = seen.get(question, -1) + 1
        if index == len(sets):
            sets.append(dict(BASE))
        sets[index].update(others)
        sets[index][question] = answer
    return [
        pytest.param(each, marks=[pytest.mark.slow] if i else []) for i, each in enumerate(sets)
    ]


def answers_around(question: str, others: dict[str, Any]) -> dict[str, Any]:
    """The other answers a render would hold when Copier validates `question`: BASE, `others`,
    then every other asked question's default."""
    answers = {**BASE, **others}
    for name in asked_questions():
        if name not in answers and name != question and "default" in questions()[name]:
            answers[name] = default(name, answers)
    return answers


def first_of_each_question(cases: list[tuple[Any, ...]]) -> list[Any]:
    """Every case, the first for each question in the quick loop and the others `slow`: the
    quick loop checks each message without Copier (test_every_refusal_fits_one_terminal_row)."""
    asked: set[str] = set()
    marked = []
    for case in cases:
        again = case[0] in asked
        asked.add(case[0])
        marked.append(pytest.param(*case, id=ids(case), marks=[pytest.mark.slow] if again else []))
    return marked


@pytest.mark.parametrize(
    ("question", "answer", "others", "message"), first_of_each_question(REFUSED)
)
def test_refused_with_a_message_that_says_what_to_type(
    template_folder: Path,
    tmp_path: Path,
    question: str,
    answer: Any,
    others: dict[str, Any],
    message: str,
) -> None:
    destination = tmp_path / "mybot"
    with pytest.raises(ValueError) as refused:
        copy_project(destination, {**BASE, **others, question: answer}, template=template_folder)
    assert str(refused.value).startswith(PREFIX.format(question))
    assert message in str(refused.value)
    assert not destination.exists()


@pytest.mark.parametrize(
    ("question", "answer", "others", "message"), REFUSED, ids=map(ids, REFUSED)
)
def test_every_refusal_fits_one_terminal_row(
    question: str, answer: Any, others: dict[str, Any], message: str
) -> None:
    """Copier shows the refusal on one 80-column row, after its prefix, and cuts the rest: the
    whole message must fit (questions/test_interactive.py reads the typeable ones off a screen)."""
    refusal = problem(question, answer, answers_around(question, others))
    assert message in refusal
    assert "\n" not in refusal
    assert len(PREFIX.format(question) + refusal) <= ROW, refusal


def test_every_free_text_answer_refuses_a_token() -> None:
    typed = {
        name
        for name in asked_questions()
        if questions()[name].get("type") == "str" and "choices" not in questions()[name]
    }
    assert typed - {"copyright_year"} == set(FREE_TEXT)


@pytest.mark.parametrize("answers", edge_sets())
def test_edge_answers_are_accepted(
    template_folder: Path, tmp_path: Path, answers: dict[str, Any]
) -> None:
    stored = stored_answers(copy_project(tmp_path / "mybot", answers, template=template_folder))
    for question, answer in answers.items():
        if question in stored:  # unasked questions (a prefix without text commands)
            assert stored[question] in (answer, str(answer)), question  # the year: str


@pytest.mark.parametrize(("question", "answer", "others"), ACCEPTED, ids=map(ids, ACCEPTED))
def test_every_edge_answer_passes_its_validator(
    question: str, answer: Any, others: dict[str, Any]
) -> None:
    """The validator alone, in-process, on the answers a render would have before it."""
    assert not problem(question, answer, answers_around(question, others))


def test_every_validator_is_exercised() -> None:
    """A question with a validator needs a refusal above; one without may not need it."""
    validated = {name for name in asked_questions() if "validator" in questions()[name]}
    assert validated == {case[0] for case in REFUSED}


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (
            {"scopes": ["applications.commands"], "permissions": ["SEND_MESSAGES"]},
            "No bot scope: use permissions=[]",
        ),
        (
            {"install_contexts": ["user"], "permissions": ["SEND_MESSAGES"]},
            "No guild install: permissions=[]",
        ),
    ],
)
def test_permissions_given_without_a_bot_invite_are_refused(
    template_folder: Path, tmp_path: Path, answers: dict[str, Any], message: str
) -> None:
    """With --data, Copier validates an answer even when its question is not asked."""
    destination = tmp_path / "mybot"
    with pytest.raises(ValueError, match="Validation error for question 'permissions'") as error:
        copy_project(destination, {**BASE, **answers}, template=template_folder)
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
    assert last == "ValueError: " + PREFIX.format("app_name") + "2 to 32 characters; this has 1"
    assert f"\n{last}\n" in (TEMPLATE_ROOT / "README.md").read_text(encoding="utf-8")
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
    """A refusal's "try" name, or the name with "_bot" added when it says so, is accepted."""
    message = problem("package_name", name, {})
    suggested = re.findall(r'try "([^"]*)"', message)
    if message.endswith("add _bot"):
        suggested.append(name + "_bot")
    if message and not message.startswith(("Use a-z", "Too long")):
        assert suggested, message
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


@pytest.mark.slow
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
