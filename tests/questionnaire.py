"""copier.yml's questions, evaluated the way Copier evaluates them, without rendering a project.

Copier renders `when`, `default` and `validator` as Jinja in a sandbox with the Ansible filters,
with the answers so far as the context; any non-empty validator output is the refusal. Doing the
same in-process takes microseconds, so property tests can walk thousands of answer combinations.
tests/test_fuzz.py and tests/test_validation.py check the same rules through real Copier runs.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from typing import Any

import jinja2
import yaml
from conftest import TEMPLATE_ROOT
from jinja2.sandbox import SandboxedEnvironment
from jinja2_ansible_filters import AnsibleCoreFiltersExtension


@functools.cache
def questions() -> dict[str, dict[str, Any]]:
    """Every question of copier.yml (settings dropped), asked ones and computed ones, in order."""
    merged: dict[str, Any] = {}
    for document in yaml.safe_load_all((TEMPLATE_ROOT / "copier.yml").read_text("utf-8")):
        merged.update(document or {})
    return {name: spec for name, spec in merged.items() if not name.startswith("_")}


def asked_questions() -> list[str]:
    """The questions a user may answer (computed values have `when: false`)."""
    return [name for name, spec in questions().items() if spec.get("when") is not False]


@functools.cache
def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(TEMPLATE_ROOT),
        extensions=[AnsibleCoreFiltersExtension],
        keep_trailing_newline=True,
    )


@functools.cache
def _template(source: str) -> jinja2.Template:
    return _environment().from_string(source)


def render(source: Any, answers: Mapping[str, Any]) -> Any:
    """A Jinja string rendered with the answers; anything else as it is (as Copier does)."""
    return _template(source).render(dict(answers)) if isinstance(source, str) else source


def to_bool(value: Any) -> bool:
    """Copier's cast_to_bool: numbers, then YAML's words for true and false, then bool()."""
    try:
        return bool(float(value))
    except (TypeError, ValueError):
        pass
    if isinstance(value, str):
        word = value.strip().lower()
        if word in {"", "n", "no", "f", "false", "off", "~", "null", "none"}:
            return False
        if word in {"y", "yes", "t", "true", "on"}:
            return True
    return bool(value)


def cast(name: str, value: Any) -> Any:
    """An answer converted to its question's type, as Copier's parse_answer does."""
    spec = questions()[name]
    if spec.get("multiselect"):
        return yaml.safe_load(value) if isinstance(value, str) else list(value)
    kind = spec.get("type", "yaml")
    if kind == "bool":
        return to_bool(value)
    if kind == "int":
        return int(value)
    if kind == "str":
        return str(value)
    if kind == "json" and isinstance(value, str):
        return json.loads(value)
    return yaml.safe_load(value) if isinstance(value, str) else value


def choices_of(name: str) -> list[Any]:
    """The values a choice question accepts (its choices may be rendered from the hooks)."""
    listed = questions()[name]["choices"]
    if isinstance(listed, str):
        listed = yaml.safe_load(render(listed, {}))
    return list(listed.values()) if isinstance(listed, dict) else list(listed)


def is_asked(name: str, answers: Mapping[str, Any]) -> bool:
    """Whether the question's `when` holds for these answers."""
    return to_bool(render(questions()[name].get("when", True), answers))


def is_prompted(name: str, answers: Mapping[str, Any]) -> bool:
    """Whether an interactive session shows the question: its `when` and its `ask` hold (a
    question with `ask` false takes its stored answer, else its default, without a prompt)."""
    spec = questions()[name]
    return is_asked(name, answers) and to_bool(render(spec.get("ask", True), answers))


def interactive_path(typed: Mapping[str, Any]) -> list[str]:
    """The questions a fresh interactive `copier copy` prompts for, in order, when each is
    answered with `typed[name]` or its default."""
    answers: dict[str, Any] = {}
    prompted = []
    for name in questions():
        if is_prompted(name, answers):
            prompted.append(name)
        if name in typed and is_prompted(name, answers):
            answers[name] = cast(name, typed[name])
        elif has_default(name):
            answers[name] = default(name, answers)
    return prompted


def has_default(name: str) -> bool:
    return "default" in questions()[name]


def default(name: str, answers: Mapping[str, Any]) -> Any:
    """The question's default for these earlier answers, cast to its type."""
    return cast(name, render(questions()[name]["default"], answers))


def problem(name: str, value: Any, answers: Mapping[str, Any]) -> str:
    """The validator's message for this answer ("" when accepted)."""
    validator = questions()[name].get("validator")
    if validator is None:
        return ""
    return str(render(validator, {**answers, name: value})).strip()


def walk(given: Mapping[str, Any]) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """Go through the questionnaire as `copier copy --defaults` does, answering with `given`
    where the question is asked and its answer accepted, and with the default otherwise.

    Yields (question, its default, the answers before it) for every question that is asked
    and has a default, which is exactly when Copier validates that default.
    """
    answers: dict[str, Any] = {}
    for name in questions():
        asked = is_asked(name, answers)
        value = default(name, answers) if has_default(name) else None
        if asked and has_default(name):
            yield name, value, dict(answers)
        if asked and name in given:
            candidate = cast(name, given[name])
            if not problem(name, candidate, answers):
                value = candidate
        if value is not None:
            answers[name] = value
