"""Build the image as the Dockerfile says, and run the pinned ruff hook, on real projects.

No Docker engine is needed: the builder stage's own commands run here, each in a folder that
holds exactly what that step would see (the bind-mounted files, then the build context that
.dockerignore admits), and the runtime stage keeps only what it copies (/app/.venv). Its CMD
must then start the bot from that environment alone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

import pytest
import yaml
from answer_sets import answers
from shipping import Stage, build_context, dockerfile_stages, frozen_tags, render, stored_answers
from test_generated_project import uv

pytestmark = pytest.mark.slow

# The default render, and one without a LICENSE file and with a package name of its own.
IMAGE_ANSWER_SETS = ["defaults", "no-licence"]


@pytest.fixture(scope="module", params=IMAGE_ANSWER_SETS)
def locked_project(
    request: pytest.FixtureRequest, template_folder: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A rendered project after the README's first step, `uv lock`."""
    project = render(
        template_folder, tmp_path_factory.mktemp(request.param) / "mybot", answers(request.param)
    )
    uv("lock", "--quiet", cwd=project)
    return project


def stage_environment(stage: Stage) -> dict[str, str]:
    """This machine's environment with the stage's ENV on top (the bot's settings removed)."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"VIRTUAL_ENV", "DISCORD_TOKEN"} and not key.startswith("SHARD_")
    }
    return {**environment, **stage.env(), "NO_COLOR": "1"}


def local(path: str, root: Path) -> Path:
    """Where an image path under /app lives in this emulation."""
    return root / PurePosixPath(path).relative_to("/app")


def run_builder(project: Path, root: Path, stage: Stage) -> None:
    """Carry out the builder stage with `root` standing for /app."""
    context = build_context(project)
    environment = stage_environment(stage)
    for instruction in stage.instructions:
        if instruction.name == "WORKDIR":
            assert instruction.rest == "/app"
            root.mkdir(parents=True)
        elif instruction.name == "COPY" and "from" not in instruction.flags:
            source, destination = instruction.rest.split()
            assert (source, destination) == (".", "/app")
            for path in context:
                (root / path).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(project / path, root / path)
        elif instruction.name == "RUN":
            mounted: list[Path] = []
            for mount in instruction.mounts("bind"):
                # A bind mount reads from the build context: .dockerignore must admit it.
                assert mount["source"] in context, mount
                target = root / mount["target"]
                if not target.exists():
                    shutil.copy2(project / mount["source"], target)
                    mounted.append(target)
            result = subprocess.run(
                ["sh", "-c", instruction.rest],
                cwd=root,
                env=environment,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            assert result.returncode == 0, f"RUN {instruction.rest}:\n{result.stderr}"
            for target in mounted:  # a bind mount is not part of the layer
                target.unlink()


def run_container(
    runtime: Stage, root: Path, home: Path, arguments: list[str], environ: Mapping[str, str]
) -> subprocess.CompletedProcess[str]:
    """`docker run IMAGE [arguments]`: the CMD (or the arguments) found on the image's PATH."""
    (cmd,) = runtime.named("CMD")
    command = arguments or yaml.safe_load(cmd.rest)
    path = runtime.env()["PATH"].split(":")[0]
    executable = local(path, root) / command[0]
    assert executable.is_file(), f"{command[0]} is not on the image's PATH"
    return subprocess.run(
        [str(executable), *command[1:]],
        cwd=home,
        env={**environ, **{k: v for k, v in runtime.env().items() if k != "PATH"}},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_image_builds_from_the_lock_and_starts_without_its_sources(
    locked_project: Path, tmp_path: Path
) -> None:
    stages = dockerfile_stages(locked_project / "Dockerfile")
    _, builder, runtime = stages
    root = tmp_path / "app"
    run_builder(locked_project, root, builder)

    # The runtime stage copies /app/.venv and nothing else.
    (copied,) = runtime.named("COPY")
    assert copied.flags["from"] == ["builder"]
    kept = local(copied.rest.split()[0], root)
    for entry in root.iterdir():
        if entry != kept:
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    home = tmp_path / "home"  # WORKDIR /home/bot: empty, no .env in it
    home.mkdir()

    stored = stored_answers(locked_project)
    package = stored["package_name"]
    environ = {"PATH": os.environ["PATH"], "HOME": str(home)}
    started = run_container(runtime, root, home, [], environ)
    # No token given: the bot explains and exits 2 instead of connecting.
    assert started.returncode == 2, started.stdout + started.stderr
    assert "DISCORD_TOKEN" in started.stderr and "Traceback" not in started.stderr

    invite = run_container(runtime, root, home, [package, "invite"], environ)
    if stored["application_id"]:
        assert invite.returncode == 0, invite.stderr
        assert f"client_id={stored['application_id']}" in invite.stdout
    else:
        assert invite.returncode == 2

    # Installed as a package: no source tree and no development tools in the image.
    site = next(kept.glob("lib/python3*/site-packages"))
    assert (site / package / "bot.py").is_file()
    assert not (site / "pytest").exists() and not (site / "ruff").exists()


def test_image_build_stops_on_a_stale_lock(locked_project: Path, tmp_path: Path) -> None:
    """A dependency added without `uv lock`: the build stops and says to run `uv lock`."""
    stale = tmp_path / "stale"
    shutil.copytree(locked_project, stale)
    uv("add", "--frozen", "--quiet", "yarl>=1.9", cwd=stale)
    _, builder, _ = dockerfile_stages(stale / "Dockerfile")
    with pytest.raises(AssertionError, match="uv lock"):
        run_builder(stale, tmp_path / "app", builder)


def test_pinned_ruff_hook_agrees_with_the_project(locked_project: Path) -> None:
    """pre-commit's ruff (the hook's rev, from PyPI) accepts the code the project's ruff does."""
    tags = frozen_tags((locked_project / ".pre-commit-config.yaml").read_text("utf-8"))
    pinned = f"ruff@{tags['https://github.com/astral-sh/ruff-pre-commit'].removeprefix('v')}"
    uv("tool", "run", "--quiet", pinned, "check", "--no-cache", ".", cwd=locked_project)
    uv("tool", "run", "--quiet", pinned, "format", "--check", "--no-cache", ".", cwd=locked_project)
