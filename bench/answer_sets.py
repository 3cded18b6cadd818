"""The answers the benchmark renders the template with: one line per answer set.

Each set is measured side by side with its own floors (the one-file template, and a template of
as many plain files as the set renders). A set that names a question copier.yml does not have
yet (`needs`) is left out, so a set can be listed before its question lands.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# What a bot author must type; every other answer is the set's own or the default.
BASE: dict[str, Any] = {
    "app_name": "Bench Bot",
    "package_name": "bench_bot",
    "application_id": "1234567890123456789",
}

# Every shipping part on, whatever a preset question's default turns off.
EVERYTHING_ON = {
    "docker": True,
    "kubernetes": True,
    "github_ci": True,
    "type_checking": True,
    "pre_commit": True,
    "update_workflow": True,
}


@dataclass(frozen=True)
class AnswerSet:
    """Answers on top of BASE, under the name the report gives them."""

    name: str
    data: Mapping[str, Any]
    needs: str | None = None  # a question the set is about; without it the set is skipped

    def answers(self) -> dict[str, Any]:
        return {**BASE, **self.data}


ANSWER_SETS = (
    AnswerSet("full", EVERYTHING_ON),
    AnswerSet("first bot", {"preset": "first-bot"}, needs="preset"),
)


def available(questions: Mapping[str, Any]) -> list[AnswerSet]:
    """The sets copier.yml's questions can answer; a value its choices lack is an error."""
    chosen = [s for s in ANSWER_SETS if s.needs is None or s.needs in questions]
    for answer_set in chosen:
        for name, value in answer_set.data.items():
            if name not in questions:
                raise ValueError(
                    f"bench/answer_sets.py: the {answer_set.name!r} set answers {name!r}, "
                    "which copier.yml does not ask: update the set"
                )
            choices = questions[name].get("choices")
            values = list(choices.values()) if isinstance(choices, dict) else choices
            if isinstance(values, list) and value not in values:
                raise ValueError(
                    f"bench/answer_sets.py: the {answer_set.name!r} set answers "
                    f"{name}={value!r}, but copier.yml's choices are {values}: update the set"
                )
    return chosen
