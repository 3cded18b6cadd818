"""The report: rows of figures next to their floors, as Markdown tables, and the machine line."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

HEADER = ("Measure", "This template", "Floor", "Ratio", "Target", "")


@dataclass(frozen=True)
class Row:
    """One line of a table: a measure, both sides' figures, and the target for the ratio.

    `ours_at_most`: our figure is an upper bound (what we measured was within the noise, so the
    noise is added to it): met if the bound is, else undecided. `resolved=False`: the floor's
    figure is within the noise, so there is no ratio to judge.
    """

    measure: str
    ours: float
    floor: float
    unit: str  # s, ms, MB, KB or "" for a count
    target: float | None = None
    ours_at_most: bool = False
    resolved: bool = True

    @property
    def ratio(self) -> float:
        return self.ours / self.floor if self.floor else float("inf")

    def cells(self) -> list[str]:
        bound = "<= " if self.ours_at_most else ""
        target = "-" if self.target is None else f"<= {self.target:.2f}x"
        if not self.resolved:
            ratio, verdict = "-", "" if self.target is None else "within noise"
        else:
            ratio = f"{bound}{ratio_text(self.ratio, self.target)}x"
            verdict = ""
            if self.target is not None and self.ratio <= self.target:
                verdict = "met"
            elif self.target is not None:  # a bound over the target says nothing either way
                verdict = "within noise" if self.ours_at_most else "**missed**"
        return [
            self.measure,
            bound + quantity(self.ours, self.unit),
            quantity(self.floor, self.unit),
            ratio,
            target,
            verdict,
        ]


def ratio_text(ratio: float, target: float | None) -> str:
    """Two decimals, or as many more as it takes to show a ratio above its target as above it
    (1.1004 is "1.1004", never "1.10" beside "<= 1.10x" and "missed")."""
    for decimals in range(2, 7):
        text = f"{ratio:.{decimals}f}"
        if target is None or ratio <= target or float(text) > target:
            return text
    return text


def quantity(value: float, unit: str) -> str:
    """A figure with its unit; MB and KB are 2^20 and 2^10 bytes."""
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "ms":
        return f"{value:.1f} ms"
    if unit == "MB":
        return f"{value / 2**20:.1f} MB"
    if unit == "KB":
        return f"{value / 2**10:.2f} KB"
    if unit == "":
        return f"{value:,.0f}"
    raise ValueError(unit)


def table(rows: Sequence[Row], header: Sequence[str] = HEADER) -> str:
    """A Markdown table of the rows."""
    lines = [
        "| " + " | ".join(header) + " |",
        "| --- | ---: | ---: | ---: | --- | --- |",
        *("| " + " | ".join(row.cells()) + " |" for row in rows),
    ]
    return "\n".join(lines)


def runs(count: int) -> str:
    return f"{count} measured run{'s' if count > 1 else ''}"


def machine(python: Path | None) -> str:
    """One line naming what the figures were measured on (python: the generated bot's)."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    line = (
        f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, Copier {importlib.metadata.version('copier')}"
    )
    if python is None:
        return line
    discord_version = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('discord.py'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return f"{line}, discord.py {discord_version}"
