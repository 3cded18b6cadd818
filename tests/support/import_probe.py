"""Import rendered projects' packages, one after another, in one long-lived interpreter.

tests/questions/test_fuzz.py renders hundreds of projects; starting Python and importing
discord.py for each would cost about a second apiece. This worker imports discord.py once, then
for every request (one JSON line on stdin: {"src": ".../src", "package": "name", "project":
"..."}) puts the
project's src/ first on sys.path, imports the package and all its modules, reads what the
tests compare (where each module came from, the invite links, the settings from .env), and
forgets the package again. One JSON line answers on stdout.

Run it with `python -I` so that neither the working directory nor PYTHONPATH can shadow a
generated package: only the standard library and the environment's site-packages are there.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import pkgutil
import sys
import traceback
from pathlib import Path
from typing import Any

import discord  # noqa: F401  (imported once here, so each probe costs milliseconds)
import dotenv  # noqa: F401


def probe(src: str, package: str, project: str) -> dict[str, Any]:
    """Import `package` from `src` and report what the generated code says about itself."""
    sys.path.insert(0, src)
    importlib.invalidate_caches()
    try:
        root = importlib.import_module(package)
        modules = {package: root.__file__}
        for module in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
            if module.name.endswith("__main__"):
                continue  # it starts the bot
            modules[module.name] = importlib.import_module(module.name).__file__
        app = importlib.import_module(f"{package}.app")
        invite = importlib.import_module(f"{package}.runtime.invite")
        settings_module = importlib.import_module(f"{package}.runtime.settings")
        application_id = app.APPLICATION_ID
        links = invite.invite_links(application_id) if application_id is not None else {}
        settings = settings_module.load_settings(Path(project) / ".env", environ={})
        return {
            "modules": modules,
            "application_id": application_id,
            "links": links,
            "permissions": app.PERMISSIONS.value,
            "token": settings.token,
            "log_level": settings.log_level,
        }
    finally:
        sys.path.remove(src)
        for name in [name for name in sys.modules if name.split(".")[0] == package]:
            del sys.modules[name]


def main() -> None:
    """Answer probe requests until stdin closes; nothing but answers goes to stdout."""
    answers = sys.stdout
    sys.stdout = sys.stderr
    for line in sys.stdin:
        request = json.loads(line)
        try:
            with contextlib.redirect_stdout(sys.stderr):
                reply = probe(request["src"], request["package"], request["project"])
        except BaseException:  # a generated module might even call sys.exit()
            reply = {"error": traceback.format_exc()}
        answers.write(json.dumps(reply) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
