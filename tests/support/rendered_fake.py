"""A rendered project's own fake Discord, for the bot running in that project's image.

The fake serves on the host's 127.0.0.1, driven from this test process; the container shares
the host's network (`--network=host`) and runs the image's bot unmodified through the fake's
launcher, which only points discord.py's two URLs at the fake (the fake's docstring has the
details). The fake is found by what the rendered project holds, wherever its layout puts it:
inside the installed package, the image already has it (`python -m PACKAGE.….fake_discord`);
elsewhere (tests/) the file is mounted read-only into the container for the run.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import ModuleType
from typing import Any

from support.render import stored_answers

MOUNTED_AT = PurePosixPath("/opt/fake-discord")


def fake_discord_file(project: Path) -> Path:
    """The rendered project's fake Discord: the module that defines FakeDiscordThread."""
    found = [
        path
        for path in sorted(project.rglob("*.py"))
        if ".venv" not in path.relative_to(project).parts
        and "class FakeDiscordThread" in path.read_text("utf-8")
    ]
    assert len(found) == 1, f"one fake Discord expected in {project}, found {found}"
    return found[0]


def load_fake_discord(project: Path) -> ModuleType:
    """The fake's module, loaded from its file under a name of its own (once per project)."""
    path = fake_discord_file(project)
    name = f"rendered_fake_discord_{abs(hash(path))}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # its dataclasses look their module up while being made
        spec.loader.exec_module(module)
    return sys.modules[name]


@dataclass(frozen=True)
class Launcher:
    """How a container runs the image's bot through the fake's launcher."""

    options: tuple[str, ...]  # docker run options: the fake's file, if the image lacks it
    command: tuple[str, ...]  # instead of the image's CMD: the launcher, then the bot

    def for_bot(self, *args: str) -> tuple[str, ...]:
        """The command for `python -m PACKAGE ARGS` (which is what the console script runs)."""
        return (*self.command, *args)


def launcher(project: Path) -> Launcher:
    package = stored_answers(project)["package_name"]
    path = fake_discord_file(project)
    relative = path.relative_to(project)
    if relative.parts[0] == "src":  # installed with the package: the image has it
        module = ".".join(relative.with_suffix("").parts[1:])
        return Launcher((), ("python", "-m", module, "launch", package))
    mounted = MOUNTED_AT / path.name
    return Launcher(
        ("--mount", f"type=bind,source={path},target={mounted},readonly"),
        ("python", str(mounted), "launch", package),
    )


@dataclass
class Fake:
    """A running fake Discord for one project: its thread, module, token and environment."""

    thread: Any  # the rendered FakeDiscordThread
    module: ModuleType

    @property
    def server(self) -> Any:
        """The FakeDiscord itself (records: identifies, requests, ...)."""
        return self.thread.fake

    @property
    def token(self) -> str:
        return str(self.server.token)

    def env(self) -> dict[str, str]:
        """Where the fake is, for the launcher; a short wait before on_ready."""
        return dict(self.thread.env())

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Run one of the FakeDiscord's coroutines (wait_until_ready_sent, send_slash_command…)
        with these arguments, its own `timeout` included; wait a little longer for its result."""
        waited = float(kwargs.get("timeout", 30.0)) + 5
        coroutine = functools.partial(getattr(self.server, method), *args, **kwargs)
        return self.thread.call(coroutine, timeout=waited)


def fake_options(project: Path, **overrides: Any) -> dict[str, Any]:
    """The fake as this bot's portal is set up: its application, its privileged intents on."""
    answers = stored_answers(project)
    options: dict[str, Any] = {"enabled_intents": list(answers.get("privileged_intents", []))}
    if str(answers.get("application_id", "")).strip():
        options["application_id"] = int(answers["application_id"])
    return {**options, **overrides}


def token_for(project: Path) -> str:
    """The token the project's fake accepts, known before the fake starts (for .env)."""
    module = load_fake_discord(project)
    application_id = fake_options(project).get("application_id", module.APPLICATION_ID)
    return str(module.make_token(application_id))


@contextmanager
def fake_discord(project: Path, **overrides: Any) -> Iterator[Fake]:
    module = load_fake_discord(project)
    with module.FakeDiscordThread(**fake_options(project, **overrides)) as thread:
        yield Fake(thread, module)
