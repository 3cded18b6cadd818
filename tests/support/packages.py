"""Installed distributions, read from their metadata."""

from __future__ import annotations

from importlib.metadata import distribution

from packaging.requirements import Requirement


def dependency_closure(*roots: str) -> set[str]:
    """Every distribution the given ones install (lower-case names), from installed metadata."""
    seen: set[str] = set()
    pending = list(roots)
    while pending:
        name = pending.pop().lower()
        if name in seen:
            continue
        seen.add(name)
        for requirement in distribution(name).requires or []:
            parsed = Requirement(requirement)
            if parsed.marker is None or parsed.marker.evaluate({"extra": ""}):
                pending.append(parsed.name)
    return seen
