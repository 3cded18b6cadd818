"""Commands run inside a rendered project, as its author runs them."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def uv(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run uv in a rendered project, outside the template's own virtual environment."""
    environment = {
        key: value
        for key, value in os.environ.items()
        # Bytecode caching on (PYTHONDONTWRITEBYTECODE unset), as on the author's machine.
        if key not in {"VIRTUAL_ENV", "DISCORD_TOKEN", "PYTHONDONTWRITEBYTECODE"}
    }
    environment.update({"UV_PYTHON_DOWNLOADS": "never", "NO_COLOR": "1"})
    result = subprocess.run(
        [os.environ.get("UV") or shutil.which("uv") or "uv", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"uv {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result
