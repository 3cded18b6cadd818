"""Generated answers, rendered for real: every file parses, or Copier refused the answer.

Each example draws an answer set (some answers left to their defaults), runs Copier as
`copier copy --defaults --data ...` does, and then either

- the project is whole: TOML and YAML files parse, the answers file gives the answers back,
  every .py compiles, the package imports as itself, the README reads as the answers (GitHub's
  Markdown: no HTML, no stray links, tables intact), its invite links are exactly
  discord.utils.oauth_url's, .env parses, and ruff passes; or
- Copier refused it with its validation error for an answer this example supplied from the
  "hostile" strategies, and left no destination behind.

Answers come from two kinds of strategy per question: "valid" ones built to satisfy the rules
issue 5 states (the template must accept them) and "hostile" ones (quotes, backslashes, line
breaks, Jinja delimiters, Markdown and HTML, control and invisible characters, right-to-left
text, huge strings) that may be refused. A valid answer set that is refused fails the test.

The escaping macros of hooks/text.jinja are also checked on their own, with many more examples.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import string
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import getaddresses
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token
from support.invite import invite_links
from support.questionnaire import asked_questions, choices_of, default, questions
from support.render import copy_project
from support.template import FAKE_TOKEN, TEMPLATE_ROOT, hooks_module

TEXT_HOOKS = hooks_module("text")
PACKAGE_HOOKS = hooks_module("package")
PERMISSION_TABLE = hooks_module("permissions").PERMISSIONS
PERMISSION_NAMES = choices_of("permissions")
AUTHORIZE = "https://discord.com/oauth2/authorize?"
REFUSAL = re.compile(r"^Validation error for question '(?P<question>\w+)': (?P<message>.+)", re.S)
RUFF = Path(sys.executable).with_name("ruff")
# The safe loader, in C when PyYAML has libyaml: a tenth of the pure-Python parse time.
YAML = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# GitHub reads READMEs as CommonMark plus GFM tables and strikethrough.
MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])

# --- strategies -----------------------------------------------------------------------------

# Letters, marks, digits, punctuation and symbols of every script: what people type.
VISIBLE = st.characters(categories=("L", "M", "N", "P", "S"))
# Valid on purpose: each must survive every file format.
# fmt: off
AWKWARD = [
    '"', "'", "\\", '"""', "{{ 7*7 }}", "{%", "%}", "{#", "<b>bold</b>", "&amp;", "|", "*", "_x_",
    "`", "```", "~~", "[link](https://example.org)", "![i](x.png)", "#", "1.", "- ", "> ", "---",
    "===", "$HOME", "${x}", "%s", "🤖", "👨\u200d👩\u200d👧", "🇫🇷", "مرحبا", "שלום", "日本語",
    "Ünïcødé", "e\u0301", "\uff26\uff55\uff4c\uff4c", "Bot\u2019s", "a\u2013b", "a\u00a0b", "İ",
    "ß", "B\u03bft", "x\u200by",
]
# fmt: on
# May be refused: line breaks, control and invisible characters, direction overrides.
# fmt: off
HOSTILE = [
    *AWKWARD, "\n", "\r\n", "\r", "\t", "\x00", "\x1b[31m", "\x7f", "\x85", "\u2028", "\u200b",
    "\u200d", "\u00ad", "\ufeff", "\u202e", "\u2066", "\u200f", "\u3000", " ", ",", "@", "<", ">",
    ";", "/", "0", "-", ".", "import", "discord", "__init__",
]
# fmt: on


def pieces(
    alphabet: st.SearchStrategy[str], awkward: list[str], size: int, min_size: int = 0
) -> st.SearchStrategy[str]:
    """Text made of min_size to `size` pieces: single characters or awkward snippets."""
    piece = st.one_of(alphabet, st.sampled_from(awkward))
    return st.lists(piece, min_size=min_size, max_size=size).map("".join)


def hostile_text() -> st.SearchStrategy[str]:
    """Anything at all, now and then very long."""
    text = pieces(st.characters(exclude_categories=("Cs",)), HOSTILE, 12)
    long = st.builds(lambda part, times: part * times, text, st.integers(20, 120))
    return st.one_of(text, text, text, long)


def one_line(min_size: int, max_size: int, refused: str = "") -> st.SearchStrategy[str]:
    """Valid one-line text: visible characters, awkward snippets and inner spaces, without the
    `refused` characters, min_size..max_size characters once trimmed."""
    alphabet = st.characters(categories=("L", "M", "N", "P", "S"), exclude_characters=refused)
    awkward = [snippet for snippet in AWKWARD if not set(snippet) & set(refused)]
    text = pieces(st.one_of(alphabet, st.just(" ")), awkward, max_size // 3 + 2, min_size)
    return text.map(lambda text: text[:max_size]).filter(lambda text: len(text.strip()) >= min_size)


def description() -> st.SearchStrategy[str]:
    """Valid descriptions: lines (indented, list-like, empty) joined by any line break."""
    line = st.tuples(st.sampled_from(["", "    ", "\t", "- ", "1. ", "# ", "> "]), one_line(0, 60))
    breaks = st.sampled_from(["\n", "\r\n", "\n\n", "\r"])
    return (
        st.lists(st.tuples(line, breaks), max_size=8)
        .map(lambda lines: "".join(indent + text + end for (indent, text), end in lines))
        .filter(lambda text: len(text.strip()) <= 400)
    )


def snowflake() -> st.SearchStrategy[str]:
    digits = st.integers(10**16, 2**64 - 1).map(str)
    return st.one_of(st.just(""), digits, digits.map(lambda text: f"  {text} "))


def package_name() -> st.SearchStrategy[str]:
    reserved = set(PACKAGE_HOOKS.RESERVED_NAMES)
    return st.from_regex(r"\A[a-z][a-z0-9_]{0,30}\Z").filter(lambda name: name not in reserved)


def prefix() -> st.SearchStrategy[str]:
    """Valid prefixes: 1-5 visible characters, ASCII punctuation (Markdown's) most often."""
    refused = ('"', "\\")
    characters = st.characters(categories=("L", "M", "N", "P", "S"), exclude_characters=refused)
    punctuation = st.sampled_from([c for c in string.punctuation if c not in refused])
    alphabet = st.one_of(punctuation, characters)
    return st.text(alphabet, min_size=1, max_size=5).filter(lambda text: text[0] != "/")


def year() -> st.SearchStrategy[str]:
    single = st.integers(1970, 9999).map(str)
    ranges = st.tuples(st.integers(1970, 2999), st.integers(0, 50)).map(
        lambda pair: f"{pair[0]}-{pair[0] + pair[1]}"
    )
    return st.one_of(single, ranges)


def subsets(items: list[str], *, min_size: int = 0) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(items), min_size=min_size, unique=True)


# Valid and hostile strategies for the questions whose answers are typed.
TYPED: dict[str, tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]] = {
    "app_name": (one_line(2, 32), hostile_text()),
    "package_name": (
        package_name(),
        st.one_of(hostile_text(), st.sampled_from(PACKAGE_HOOKS.RESERVED_NAMES)),
    ),
    "description": (description(), hostile_text()),
    "application_id": (
        snowflake(),
        st.one_of(
            hostile_text(),
            st.integers(0, 10**25).map(str),
            st.just(FAKE_TOKEN),
            st.just("١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩"),
        ),
    ),
    "command_prefix": (prefix(), hostile_text()),
    "author_name": (
        one_line(0, 100, refused=",<>@"),
        hostile_text(),
    ),
    "author_email": (
        st.one_of(st.just(""), st.emails().filter(lambda email: len(email) <= 254)),
        st.one_of(hostile_text(), st.emails().map(lambda email: f"{email}\n{email}")),
    ),
    "copyright_year": (year(), st.one_of(hostile_text(), st.integers(-5, 99999).map(str))),
}
# Multiple-choice questions that need at least this many choices.
MINIMUM = {"install_contexts": 1, "scopes": 1}


@dataclass
class Draw:
    """An answer set, and which of its answers came from hostile strategies."""

    answers: dict[str, Any] = field(default_factory=dict)
    hostile: set[str] = field(default_factory=set)


def permissions(draw: st.DrawFn, answers: dict[str, Any], hostile: bool) -> list[str]:
    """Valid: nothing without a bot scope, else a list with ADMINISTRATOR alone or absent."""
    if hostile:
        return draw(subsets(PERMISSION_NAMES))
    installs = answers.get("install_contexts", default("install_contexts", {}))
    scopes = answers.get("scopes", default("scopes", {}))
    if not ("guild" in installs and "bot" in scopes):
        return []
    ordinary = subsets([name for name in PERMISSION_NAMES if name != "ADMINISTRATOR"])
    return draw(st.one_of(ordinary, st.just(["ADMINISTRATOR"])))


@st.composite
def answer_sets(draw: st.DrawFn) -> Draw:
    """Every asked question left to its default or answered validly, except at most two
    (usually none) answered with hostile strategies."""
    asked = asked_questions()
    result = Draw(hostile=draw(st.sets(st.sampled_from(asked), max_size=2)))
    for name in asked:
        spec = questions()[name]
        hostile = name in result.hostile
        if not hostile and name != "app_name" and draw(st.booleans()):
            continue  # left to its default (app_name has none: Copier requires it)
        if name == "permissions":
            value: Any = permissions(draw, result.answers, hostile)
        elif name in TYPED:
            value = draw(TYPED[name][hostile])
        elif spec.get("multiselect"):
            value = draw(subsets(choices_of(name), min_size=0 if hostile else MINIMUM.get(name, 0)))
        elif "choices" in spec:
            value = draw(st.sampled_from(choices_of(name)))
        elif spec.get("type") == "bool":
            value = draw(st.booleans())
        else:  # pragma: no cover - test_every_question_is_fuzzed names the culprit
            continue
        result.answers[name] = value
    return result


# --- rendering ------------------------------------------------------------------------------


class ImportProbe:
    """support/import_probe.py running in the template's environment (discord.py imported once)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-I", str(TEMPLATE_ROOT / "tests" / "support" / "import_probe.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def probe(self, project: Path, package: str) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        request = {"src": str(project / "src"), "package": package, "project": str(project)}
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        reply = self.process.stdout.readline()
        assert reply, "the import probe died"
        return json.loads(reply)

    def close(self) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)
        self.process.stdout.close()


@pytest.fixture(scope="module")
def probe() -> Iterator[ImportProbe]:
    worker = ImportProbe()
    yield worker
    worker.close()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def render(
    template: Path, workspace: Path, answers: dict[str, Any]
) -> tuple[Path, Exception | None]:
    """`copier copy --defaults --data ...` into a fresh folder; the error, if Copier refused."""
    destination = Path(tempfile.mkdtemp(dir=workspace)) / "mybot"
    try:
        copy_project(destination, answers, template=template)
    except ValueError as error:
        return destination, error
    return destination, None


# --- what a rendered project must be -------------------------------------------------------


def normalized(text: str) -> str:
    """Text with its whitespace runs collapsed, as Markdown paragraphs show it."""
    return " ".join(text.split())


def inline_text(token: Token) -> str:
    """What an inline token shows: text, code and line breaks, markup dropped."""
    parts = []
    for child in token.children or []:
        if child.type in {"text", "code_inline"}:
            parts.append(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            parts.append("\n")
        elif child.type == "image":
            parts.append(inline_text(child))
    return "".join(parts)


def walk_tokens(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        yield from walk_tokens(token.children or [])


def check_readme(project: Path, answers: dict[str, Any]) -> None:
    tokens = MARKDOWN.parse((project / "README.md").read_text(encoding="utf-8"))
    every = list(walk_tokens(tokens))
    html = [token.content for token in every if token.type in {"html_block", "html_inline"}]
    assert not html, f"raw HTML in the README: {html}"
    name = answers["app_name"].strip()
    assert tokens[0].type == "heading_open" and tokens[0].tag == "h1"
    assert inline_text(tokens[1]) == name, "the title is the application name, literally"

    # The description: the paragraphs between the title and the badges (images) or the line
    # that follows it. A web address in it is an autolink, whose text is the address.
    shown = []
    for token in tokens[3:]:
        if token.type == "inline":
            children = token.children or []
            if any(child.type == "image" for child in children) or inline_text(token).startswith(
                "A Discord bot on"
            ):
                break
            shown.append(inline_text(token))
        else:
            assert token.type in {"paragraph_open", "paragraph_close"}, f"{token.type} from text"
    assert normalized(" ".join(shown)) == normalized(answers["description"])

    links = {t.attrs["href"] for t in every if t.type == "link_open"}
    authorize = {str(link) for link in links if str(link).startswith(AUTHORIZE)}
    assert authorize == set(invite_links(answers).values())
    images = [inline_text(t) for t in every if t.type == "image"]
    badges = {f"Add {name} to a server", f"Add {name} to your apps"}
    assert all(alt in badges or alt.startswith("The playground:") for alt in images), images

    code = [token.content for token in every if token.type == "code_inline"]
    if "message_content" in answers["privileged_intents"]:
        hello = answers["command_prefix"] + "hello"
        # In the intents step and in the /ping step, as inline code.
        assert code.count(hello) == 2, code
        # In docs/commands.md's table: the code stayed one code span, the cell one cell.
        page = MARKDOWN.parse((project / "docs" / "commands.md").read_text(encoding="utf-8"))
        tokens = list(walk_tokens(page))
        assert [t.content for t in tokens if t.type == "code_inline"].count(hello) == 1
        rows = "".join(
            "|" if t.type == "tr_open" else "c"
            for t in tokens
            if t.type in {"tr_open", "td_open", "th_open"}
        )
        assert all(len(row) == 2 for row in rows.split("|")[1:]), rows


def check_project(project: Path, supplied: dict[str, Any], probe: ImportProbe) -> None:
    stored = yaml.load((project / ".copier-answers.yml").read_text(encoding="utf-8"), YAML)
    for name, value in supplied.items():
        if name in stored:
            if isinstance(value, list):
                assert sorted(stored[name]) == sorted(value), name
            else:
                given = str(value) if questions()[name].get("type") == "str" else value
                assert stored[name] == given, f"{name} did not survive the answers file"
    answers = {**stored, **{k: v for k, v in supplied.items() if k not in stored}}
    answers.setdefault("scopes", [])
    answers.setdefault("permissions", [])

    for path in [*project.rglob("*.yml"), *project.rglob("*.yaml")]:
        list(yaml.load_all(path.read_text(encoding="utf-8"), YAML))
    for path in project.rglob("*.toml"):
        tomllib.loads(path.read_text(encoding="utf-8"))
    for path in project.rglob("*.py"):
        ast.parse(path.read_text(encoding="utf-8"), filename=str(path))

    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    package = stored["package_name"]
    assert pyproject["project"]["description"] == normalized(answers["description"])
    author = {"name": answers["author_name"].strip(), "email": answers["author_email"].strip()}
    author = {key: value for key, value in author.items() if value}
    (written,) = pyproject["project"].get("authors", [{}])
    if "name" in written and "email" in written:
        # Next to an address the name is an RFC 5322 display name, quoted when it must be.
        address = getaddresses([f"{written['name']} <{written['email']}>"])
        written = {"name": address[0][0], "email": address[0][1]}
    assert written == author

    report = probe.probe(project, package)
    assert "error" not in report, report.get("error")
    source = project / "src" / package
    assert all(Path(path).is_relative_to(source) for path in report["modules"].values())
    assert report["links"] == invite_links(answers)
    assert report["token"] == "" and report["log_level"] == "INFO", ".env reads as a fresh one"

    check_readme(project, answers)
    if answers["license"] != "Proprietary":
        licence = (project / "LICENSE").read_text(encoding="utf-8")
        holder = answers["author_name"].strip() or f"The {answers['app_name'].strip()} authors"
        assert f"{answers['copyright_year']}" in licence and holder in licence

    for command in (["check", "--quiet"], ["format", "--check", "--quiet"]):
        lint = subprocess.run(
            [str(RUFF), *command, "--no-cache", "."],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        assert lint.returncode == 0, lint.stdout + lint.stderr


# --- the tests ------------------------------------------------------------------------------


def test_every_question_is_fuzzed() -> None:
    """A new typed question needs its strategies here; choices and booleans are automatic."""
    untyped = [
        name
        for name in asked_questions()
        if name not in TYPED
        and "choices" not in questions()[name]
        and questions()[name].get("type") != "bool"
    ]
    assert untyped == []


# About 2 s an example (a render, ruff, an import, the README parsed): the profile's count, not
# more; HYPOTHESIS_PROFILE=explore draws five times as many, new ones each run.
@pytest.mark.slow
@settings(
    max_examples=settings.default.max_examples,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(draw=answer_sets())
# Every generated run also renders these: each awkward answer in every place it reaches.
@example(
    draw=Draw(
        answers={
            "app_name": 'B\u03bft\u2019s "{{ x }}" | *1.* \\ \U0001f916',
            "description": "- no list\n    no code\n1. no list\n---\n<b>no HTML</b> [no](link)",
            "application_id": "18446744073709551615",
            "install_contexts": ["guild", "user"],
            "privileged_intents": ["message_content"],
            "command_prefix": "`|",
            "author_name": 'Zo\u00eb O\'Brien "Dev" \\',
            "author_email": "first.last+tag@example.co.uk",
            "copyright_year": "2019-2026",
        }
    )
)
@example(draw=Draw(answers={"app_name": "\u0645\u0631\u062d\u0628\u0627 \u0628\u0648\u062a"}))
# Found by this test: a name whose double space a metadata reader folds, unless quoted; a web
# address in the description's second paragraph (an autolink there).
@example(
    draw=Draw(
        answers={
            "app_name": "0N",
            "description": "0 \n\u00e7\n\n0\n    \u00fc [link](https://example.org)\\\n\n1. \r\n",
            "author_name": "\u00a2 B\u03bft' #\u00e9  \U0001f1eb\U0001f1f7 \u00af",
            "author_email": "qF{@W.kZ",
        }
    )
)
def test_generated_answers_render_or_are_refused(
    draw: Draw, template_folder: Path, workspace: Path, probe: ImportProbe
) -> None:
    destination, error = render(template_folder, workspace, draw.answers)
    try:
        if error is None:
            event("rendered")
            check_project(destination, draw.answers, probe)
            return
        refusal = REFUSAL.match(str(error))
        assert refusal, f"not a validation error: {error!r}"
        question = refusal["question"]
        event(f"refused: {question}")
        assert question in draw.hostile, f"a valid {question} was refused: {refusal['message']}"
        assert refusal["message"].strip()
        assert not destination.exists(), "a refused copy left files behind"
    finally:
        shutil.rmtree(destination.parent, ignore_errors=True)


# --- the escaping macros, on their own ------------------------------------------------------

PLAIN = st.text(st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp")), max_size=80)
MULTILINE = pieces(st.characters(exclude_categories=("Cs",)), HOSTILE, 30).filter(
    lambda text: not str(TEXT_HOOKS.text_problem(text, one_line=False))
)
MANY = settings(max_examples=settings.default.max_examples * 5)


@MANY
@given(text=MULTILINE)
def test_quoted_is_the_same_string_in_toml_and_python(text: str) -> None:
    literal = str(TEXT_HOOKS.quoted(text))
    assert tomllib.loads(f"x = {literal}")["x"] == text
    assert ast.literal_eval(literal) == text


@MANY
@given(text=MULTILINE)
def test_in_python_string_survives_a_docstring(text: str) -> None:
    source = f'"""{TEXT_HOOKS.in_python_string(text)}: a Discord bot."""'
    assert ast.literal_eval(source) == text + ": a Discord bot."


@MANY
@given(text=MULTILINE)
def test_markdown_shows_the_text_and_nothing_else(text: str) -> None:
    """Paragraphs only, no markup, no HTML: the words the author typed, in order."""
    tokens = MARKDOWN.parse(str(TEXT_HOOKS.markdown(text)))
    assert {token.type for token in tokens} <= {"paragraph_open", "inline", "paragraph_close"}
    shown = " ".join(inline_text(token) for token in tokens if token.type == "inline")
    children = [child for token in tokens for child in token.children or []]
    assert {child.type for child in children} <= {"text", "softbreak", "link_open", "link_close"}
    # The only links: web addresses, as autolinks to exactly the address shown (GitHub links
    # a bare address anyway, and would keep the backslashes of an escaped one).
    for index, child in enumerate(children):
        if child.type == "link_open":
            assert child.markup == "autolink", child
            assert child.attrs["href"] == MARKDOWN.normalizeLink(children[index + 1].content)
    assert normalized(shown) == normalized(text)


@MANY
@given(text=PLAIN.filter(lambda text: text.strip() and "\n" not in text))
def test_markdown_title_is_the_name(text: str) -> None:
    tokens = MARKDOWN.parse(f"# {TEXT_HOOKS.markdown(text.strip())}\n")
    assert [token.type for token in tokens] == ["heading_open", "inline", "heading_close"]
    assert inline_text(tokens[1]) == text.strip()


@MANY
@given(text=PLAIN.filter(lambda text: text.strip() and not re.search(r"\s", text)))
def test_code_spans_show_the_text_in_a_table_and_outside(text: str) -> None:
    table = f"| A | B |\n| --- | --- |\n| {TEXT_HOOKS.code(text, cell=True)} | x |\n"
    cells = [t for t in MARKDOWN.parse(table) if t.type == "inline"]
    assert [inline_text(cell) for cell in cells] == ["A", "B", text, "x"]
    tokens = MARKDOWN.parse(f"**{TEXT_HOOKS.code(text)} does nothing.**\n")
    assert [c.content for c in walk_tokens(tokens) if c.type == "code_inline"] == [text]
