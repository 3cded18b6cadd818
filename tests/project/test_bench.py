"""The benchmark (`python -m bench`) runs end to end and prints a complete table.

A smoke run: one repetition, small server counts. It checks that every figure is there and
well-formed, never what it is: timings on a shared CI machine mean nothing.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from support.template import TEMPLATE_ROOT

pytestmark = pytest.mark.slow

# 2,600 servers need shards (Discord's limit is 2,500 a connection), as the default 10,000 do.
SIZES = (30, 2600)
FIGURE = re.compile(r"-?\d+\.\d+ (s|MB|KB)")
RATIO = re.compile(r"(-?\d+\.\d+|inf)x")


def test_smoke_run_prints_every_figure() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--repeat=1",
            "--suite-repeat=1",
            f"--guilds={','.join(map(str, SIZES))}",
        ],
        cwd=TEMPLATE_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-6000:]
    rows = {
        cells[0]: cells[1:]
        for line in result.stdout.splitlines()
        if line.startswith("| ") and not line.startswith(("| Measure", "| ---"))
        for cells in [[cell.strip() for cell in line.strip("|").split("|")]]
    }
    expected = [
        "Render: `copier copy`",
        "Update: `copier update` to the next version",
        "Bot, 1 server: start to READY",
        "Bot, 1 server: peak RSS",
        *(
            f"{size:,} servers{' (3 shards)' if size > 2500 else ''}: {measure}"
            for size in SIZES
            for measure in ("start to all loaded", "peak RSS", "memory per server")
        ),
        "Generated project: `uv run pytest`",
    ]
    assert list(rows) == expected, result.stdout
    for measure, (ours, floor, ratio, target, verdict) in rows.items():
        assert FIGURE.fullmatch(ours), (measure, ours)
        assert FIGURE.fullmatch(floor), (measure, floor)
        assert RATIO.fullmatch(ratio), (measure, ratio)
        assert (target, verdict) == ("-", "") or verdict in ("met", "**missed**"), measure
    assert "Medians of 1 measured run per figure" in result.stdout
    assert "discord.py 2." in result.stdout, "the machine line names the versions"
