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
    """One line of a table: a measure, both sides' figures, and the target for the ratio."""

    measure: str
    ours: float
    floor: float
    unit: str  # s, ms, MB, KB or "" for a count
    target: float | None = None

    @property
    def ratio(self) -> float:
        return self.ours / self.floor if self.floor else float("inf")

    def cells(self) -> list[str]:
        if self.target is None:
            verdict, target = "", "-"
        else:
            verdict = "met" if self.ratio <= self.target else "**missed**"
            target = f"<= {self.target:.2f}x"
        return [
            self.measure,
            quantity(self.ours, self.unit),
            quantity(self.floor, self.unit),
            f"{self.ratio:.2f}x",
            target,
            verdict,
        ]


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
