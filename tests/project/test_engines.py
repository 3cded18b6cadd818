"""Every shipped container file on a real engine: images built and run, Compose brought up,
the StatefulSet's pods played.

A real Docker engine runs these (.ci/run starts one through .ci/engines.sh; under CI they must
run, elsewhere they are skipped without an engine). No test reaches an image registry: the base
images the Dockerfile names are made on this machine by .ci/engines.sh (a Debian image with its
Python, uv's image from uv's wheel) unless BASE_IMAGES=pull. No test reaches Discord: the bot in
the image talks to the rendered project's own fake Discord on the host's loopback
(`--network=host`), through the fake's launcher (tests/support/rendered_fake.py).

Each answer set is rendered once, locked (`uv lock`, as its README says first) and built once,
from its Dockerfile as rendered.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
import tomllib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import kubelet
from support.answer_sets import answers
from support.project import uv
from support.real_parts import Build, Container, Engine, image_name, unavailable
from support.render import copy_project, stored_answers
from support.rendered_fake import fake_discord, launcher, token_for
from support.shipping import run_commands

pytestmark = [pytest.mark.engine, pytest.mark.slow]

# Built and run: the defaults, and the bot to ship (everything on).
SHIPPED = ["defaults", "bot-to-ship"]
# Built, and started once: no LICENSE file and a package name of its own; and an application
# name that BuildKit would read as a parser directive on the Dockerfile's first line.
BUILT = {
    "no-licence": answers("no-licence"),
    "directive-name": {**answers("defaults"), "app_name": "syntax=example.org/x/y"},
}
# `docker stop` waits this long before SIGKILL (exit 137): a third of the pod's grace period.
STOP_WITHIN_SECONDS = 10


@dataclass(frozen=True)
class Shipped:
    """A rendered, locked and built project; `.env` holds the token its fake Discord accepts."""

    name: str
    project: Path
    build: Build
    placeholder_env: Path  # .env as rendered: the token placeholder, empty

    @property
    def image(self) -> str:
        return self.build.tag

    @property
    def package(self) -> str:
        return str(stored_answers(self.project)["package_name"])


def with_token(env_text: str, token: str) -> str:
    """The author's step 2: the token pasted after DISCORD_TOKEN= in .env."""
    lines = env_text.splitlines()
    assert "DISCORD_TOKEN=" in lines
    return "\n".join(
        f"DISCORD_TOKEN={token}" if line == "DISCORD_TOKEN=" else line for line in lines
    )


@pytest.fixture(scope="module", params=SHIPPED)
def shipped(
    request: pytest.FixtureRequest,
    docker_engine: Engine,
    template_folder: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Shipped:
    folder = tmp_path_factory.mktemp(request.param)
    project = copy_project(folder / "mybot", answers(request.param), template=template_folder)
    placeholder = folder / "rendered.env"
    shutil.copy2(project / ".env", placeholder)
    env = project / ".env"
    env.write_text(with_token(env.read_text("utf-8"), token_for(project)) + "\n", "utf-8")
    return Shipped(request.param, project, docker_engine.build(project), placeholder)


def explains_missing_token(output: str) -> bool:
    return "DISCORD_TOKEN" in output and "Traceback" not in output


# --- The image -------------------------------------------------------------------------------


def test_image_runs_its_console_script_as_a_numeric_user(
    shipped: Shipped, docker_engine: Engine
) -> None:
    config = docker_engine.inspect(shipped.image)["Config"]
    scripts = tomllib.loads((shipped.project / "pyproject.toml").read_text("utf-8"))["project"]
    assert config["Cmd"] == list(scripts["scripts"])
    assert kubelet.runs_as_non_root(config["User"]), config["User"]
    assert not [variable for variable in config["Env"] if "TOKEN" in variable.split("=")[0]]


def test_placeholder_token_exits_2_with_the_explained_message(
    shipped: Shipped, docker_engine: Engine
) -> None:
    """The README's `docker run --rm --env-file .env IMAGE` before the token is pasted."""
    result = docker_engine(
        "run", "--rm", "--env-file", str(shipped.placeholder_env), shipped.image, check=False
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert explains_missing_token(result.stderr), result.stderr


def test_image_holds_the_installed_bot_and_nothing_else(
    shipped: Shipped, docker_engine: Engine
) -> None:
    """No .env, no token, no uv, no sources or tests of the project, no development tools."""
    token = token_for(shipped.project).encode()
    package = shipped.package
    project_tests = {
        path.relative_to(shipped.project).as_posix()
        for path in (shipped.project / "tests").rglob("*.py")
    }
    names: list[str] = []
    for entry, content in docker_engine.image_files(shipped.image):
        name = entry.name.removeprefix("./")
        names.append(name)
        base = name.rsplit("/", 1)[-1]
        assert not (base == ".env" or base.startswith(".env.")), name
        assert not (entry.isfile() and base in {"uv", "uvx"}), f"uv in the image: {name}"
        assert content is None or token not in content, f"the token is in {name}"
        # Other distributions may ship their own tests (aiosqlite does); the project's never.
        elsewhere = "site-packages/" in name and f"site-packages/{package}/" not in name
        assert elsewhere or not any(name.endswith(f"/{test}") for test in project_tests), name
    app = [name for name in names if name.startswith("app/")]
    assert app and all(name.startswith("app/.venv") for name in app), "only the environment"
    site_packages = re.compile(r"app/\.venv/lib/python3\.\d+/site-packages/(.+)")
    installed = {match.group(1) for name in names if (match := site_packages.fullmatch(name))}
    assert f"{package}/__main__.py" in installed, "the bot, installed as a package"
    tools = {path.split("/")[0] for path in installed} & {"pytest", "_pytest", "ruff", "mypy"}
    assert not tools, f"development tools in the image: {tools}"


def test_bot_reaches_ready_answers_ping_and_stops_with_exit_0(
    shipped: Shipped, docker_engine: Engine, tmp_path: Path
) -> None:
    """Hardened like the pod (read-only root, no capabilities, no privilege escalation, the
    image's numeric user), against the fake Discord; `docker stop` (SIGTERM) ends it with exit 0
    long before the SIGKILL at STOP_WITHIN_SECONDS."""
    manifest = shipped.project / "deploy/kubernetes.yaml"
    hardening = kubelet.container_security_options(manifest)
    uid, _, gid = docker_engine.inspect(shipped.image)["Config"]["User"].partition(":")
    run = launcher(shipped.project)
    with fake_discord(shipped.project) as fake:
        options = [
            "--network=host", *hardening, *run.options,
            # The working folder, writable like the pod's emptyDir.
            "--tmpfs", f"/home/bot:uid={uid},gid={gid or uid}",
            "--env", f"DISCORD_TOKEN={fake.token}",
            *(f"--env={key}={value}" for key, value in fake.env().items()),
        ]  # fmt: skip
        bot = docker_engine.start(*options, image=shipped.image, command=run.for_bot())
        try:
            fake.call("wait_until_ready_sent", 1, timeout=60)
            reply = fake.call("send_slash_command", "ping", timeout=10)
            assert reply["data"]["content"].startswith("Pong!"), reply
            assert_hardened(bot, uid)
            stopped = bot.stop(STOP_WITHIN_SECONDS)
            logs = bot.logs()
            assert stopped.exit_code == 0, f"exit {stopped.exit_code} after SIGTERM:\n{logs}"
            assert "Traceback" not in logs and fake.token not in logs, logs
        finally:
            bot.remove()


def assert_hardened(bot: Container, uid: str) -> None:
    """What the bot's process (PID 1) really runs with, read from inside the container."""
    status = bot.engine("exec", bot.name, "cat", "/proc/1/status").stdout
    fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
    assert set(fields["Uid"].split()) == {uid}, fields["Uid"]
    assert int(fields["CapEff"], 16) == 0 and int(fields["CapPrm"], 16) == 0, "no capabilities"
    assert fields["NoNewPrivs"].strip() == "1"
    # /tmp is writable by every user: only a read-only root file system refuses the write.
    written = bot.engine("exec", bot.name, "sh", "-c", "echo x > /tmp/x", check=False)
    assert written.returncode != 0 and "Read-only file system" in written.stderr, written


# --- The StatefulSet's pods, played on Docker ------------------------------------------------


def secrets_as_the_manifest_says(project: Path) -> dict[str, dict[str, str]]:
    """The Secret made as the manifest's comment tells: `kubectl create secret generic NAME
    --from-env-file=.env`, from the author's .env."""
    text = (project / "deploy/kubernetes.yaml").read_text("utf-8")
    command = re.search(r"kubectl create secret generic (\S+) --from-env-file=(\S+)", text)
    assert command is not None, "the manifest says how to make the token's Secret"
    name, env_file = command.groups()
    return {name: kubelet.secret_from_env_file(project / env_file)}


def test_statefulset_pods_serve_each_shard_once_and_stop_with_exit_0(
    shipped: Shipped, docker_engine: Engine, tmp_path: Path
) -> None:
    """Each pod of the StatefulSet, run as a kubelet would run it (tests/support/kubelet.py: env,
    secretKeyRef, pod-index label, securityContext, memory limit, emptyDir, grace period).

    No Kubernetes API server can run on these machines: this plays the pod template on Docker,
    it does not validate the manifest against an API server (test_shipping.py checks its schema).
    """
    manifest = shipped.project / "deploy/kubernetes.yaml"
    run = launcher(shipped.project)
    with fake_discord(shipped.project, guild_count=8) as fake:
        pods = kubelet.pods(
            manifest,
            secrets_as_the_manifest_says(shipped.project),
            tmp_path,
            command=run.for_bot(),
            extra_options=run.options,
            extra_env=fake.env(),
        )
        user = docker_engine.inspect(pods[0].image)["Config"]["User"]
        assert all(pod.run_as_non_root for pod in pods)
        assert kubelet.runs_as_non_root(user), f"runAsNonRoot: the kubelet refuses user {user!r}"
        running: list[Container] = []
        try:
            for pod in pods:  # podManagementPolicy OrderedReady: in order of their ordinals
                running.append(
                    docker_engine.start(*pod.options, image=pod.image, command=pod.command)
                )
            shard_count = int(pods[0].env["SHARD_COUNT"])
            # discord.py opens a process's shards 5 s apart.
            fake.call("wait_until_ready_sent", shard_count, timeout=30 + 5 * shard_count)
            identified = sorted(identify.shard for identify in fake.server.identifies)
            assert identified == [(shard, shard_count) for shard in range(shard_count)]
            for pod, container in zip(pods, running, strict=True):
                stopped = container.stop(pod.grace_seconds)
                logs = container.logs()
                assert stopped.exit_code == 0, f"{pod.name}: exit {stopped.exit_code}\n{logs}"
                assert "Traceback" not in logs and fake.token not in logs, logs
        finally:
            for container in running:
                container.remove()


# --- Compose -----------------------------------------------------------------------------------


def fresh_clone(shipped: Shipped, destination: Path) -> Path:
    """The project as `git clone` gives it: no .env (git-ignored), nothing built."""
    shutil.copytree(shipped.project, destination, ignore=shutil.ignore_patterns(".env", ".venv"))
    return destination


def test_compose_config_quiet_passes_without_env_and_prints_no_secret(
    shipped: Shipped, docker_engine: Engine, tmp_path: Path
) -> None:
    clone = fresh_clone(shipped, tmp_path / "clone")
    checked = docker_engine.compose(clone, "config", "-q", check=False)
    assert (checked.returncode, checked.stdout, checked.stderr) == (0, "", "")
    # With the token in .env, as the README's command is typed.
    checked = docker_engine.compose(shipped.project, "config", "-q", check=False)
    assert (checked.returncode, checked.stdout, checked.stderr) == (0, "", "")
    guide = (shipped.project / "docs" / "containers.md").read_text("utf-8")
    assert "docker compose config -q" in guide


@pytest.fixture
def compose_project() -> str:
    """A Compose project name of the test's own (containers, network)."""
    return f"dbt-test-{uuid.uuid4().hex[:8]}"


def compose_down(engine: Engine, project: Path, name: str, files: list[Path]) -> None:
    engine.compose(
        project, "--project-name", name, "down", "--timeout", "5", files=files, check=False
    )


def bot_container(engine: Engine, project: Path, name: str, files: list[Path]) -> Container:
    listed = engine.compose(project, "--project-name", name, "ps", "-aq", "bot", files=files)
    (identifier,) = listed.stdout.split()
    return Container(engine, identifier)


def test_compose_with_the_placeholder_token_says_so_once_and_does_not_loop(
    shipped: Shipped, docker_engine: Engine, compose_project: str, tmp_path: Path
) -> None:
    """`docker compose up` in a fresh clone, before the token is pasted: the bot says what to do,
    once, and waits (ON_FATAL_ERROR=wait in compose.yaml) instead of exiting into the restart
    policy, which repeated it six times in 20 s before (issue 14)."""
    clone = fresh_clone(shipped, tmp_path / "clone")
    shutil.copy2(shipped.placeholder_env, clone / ".env")
    try:
        docker_engine.compose(
            clone, "--project-name", compose_project, "up", "--detach", "--no-build"
        )
        bot = bot_container(docker_engine, clone, compose_project, [])
        deadline = time.monotonic() + 60
        while "ON_FATAL_ERROR=wait" not in bot.logs() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert explains_missing_token(bot.logs()), bot.logs()
        # A restart policy at work restarts within a second or two: watch a while for one.
        time.sleep(5)
        assert (bot.exits(), bot.restart_count()) == ([], 0), bot.logs()
        assert bot.logs().count("DISCORD_TOKEN is not set") == 1, bot.logs()
        stopped = bot.stop(grace=10)
        assert stopped.seconds < 10, "SIGTERM ends the wait"
    finally:
        compose_down(docker_engine, clone, compose_project, [])


def test_compose_builds_and_runs_the_bot_and_stops_it_with_exit_0(
    shipped: Shipped, docker_engine: Engine, compose_project: str, tmp_path: Path
) -> None:
    """`docker compose up --build` with the rendered compose.yaml, and `docker compose stop`.

    A file laid over it changes only what this machine needs: builds and the bot on the host's
    network (the engine here has no default bridge, and the fake Discord is on the loopback),
    and the bot started through the fake's launcher. The rest is the rendered file: its build,
    image, env_file (.env with the token) and restart policy.
    """
    run = launcher(shipped.project)
    with fake_discord(shipped.project) as fake:
        service: dict[str, Any] = {
            "build": {"network": "host"},
            "network_mode": "host",
            "command": list(run.for_bot()),
            "environment": fake.env(),
        }
        if run.options:
            service["volumes"] = [_compose_volume(run.options)]
        override = tmp_path / "compose.this-machine.yaml"
        override.write_text(yaml.safe_dump({"services": {"bot": service}}), "utf-8")
        files = [override]
        try:
            docker_engine.compose(
                shipped.project, "--project-name", compose_project, "up", "--detach", "--build",
                files=files,
            )  # fmt: skip
            fake.call("wait_until_ready_sent", 1, timeout=60)
            reply = fake.call("send_slash_command", "ping", timeout=10)
            assert reply["data"]["content"].startswith("Pong!"), reply
            bot = bot_container(docker_engine, shipped.project, compose_project, files)
            docker_engine.compose(
                shipped.project, "--project-name", compose_project, "stop",
                "--timeout", str(STOP_WITHIN_SECONDS), files=files,
            )  # fmt: skip
            assert bot.state()["ExitCode"] == 0, bot.logs()
            assert "Traceback" not in bot.logs()
        finally:
            compose_down(docker_engine, shipped.project, compose_project, files)


def _compose_volume(options: tuple[str, ...]) -> dict[str, Any]:
    """`--mount type=bind,source=S,target=T,readonly` as a Compose long-syntax volume."""
    (mount,) = [option for option in options if option.startswith("type=bind")]
    fields = dict(part.partition("=")[::2] for part in mount.split(","))
    return {
        "type": "bind",
        "source": fields["source"],
        "target": fields["target"],
        "read_only": True,
    }


# --- Builds that only need to build and start ----------------------------------------------


@pytest.fixture(scope="module", params=sorted(BUILT))
def built(
    request: pytest.FixtureRequest,
    docker_engine: Engine,
    template_folder: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, Build]:
    project = copy_project(
        tmp_path_factory.mktemp(request.param) / "mybot",
        BUILT[request.param],
        template=template_folder,
    )
    return project, docker_engine.build(project)


def test_more_answer_sets_build_and_start(built: tuple[Path, Build], docker_engine: Engine) -> None:
    project, build = built
    result = docker_engine("run", "--rm", build.tag, check=False)
    assert result.returncode == 2 and explains_missing_token(result.stderr), result.stderr
    application_id = stored_answers(project)["application_id"]
    invite = docker_engine(
        "run", "--rm", build.tag, stored_answers(project)["package_name"], "invite", check=False
    )
    if application_id:
        assert invite.returncode == 0 and f"client_id={application_id}" in invite.stdout, invite
    else:
        assert invite.returncode == 2, invite


# The same Dockerfile steps in every render: one project is enough for these.
@pytest.mark.parametrize("shipped", SHIPPED[:1], indirect=True)
def test_build_stops_on_a_stale_lock_and_says_uv_lock(
    shipped: Shipped, docker_engine: Engine, tmp_path: Path
) -> None:
    """A dependency added without `uv lock`: the build stops at the locked install."""
    stale = tmp_path / "stale"
    shutil.copytree(shipped.project, stale)
    uv("add", "--frozen", "--quiet", "yarl>=1.9", cwd=stale)
    result = docker_engine.try_build(stale, f"{image_name(stale)}-stale")
    assert result.returncode != 0
    assert "uv lock" in result.stdout + result.stderr


@pytest.mark.parametrize("shipped", SHIPPED[:1], indirect=True)
def test_ci_image_job_steps_pass(shipped: Shipped, docker_engine: Engine, tmp_path: Path) -> None:
    """The rendered CI workflow's image job, step by step, in a fresh clone, as GitHub's runner
    runs `run:` steps (bash -eo pipefail). One change for this machine: `docker build` gets
    --network=host (a shim first on PATH), as this engine has no bridge network."""
    clone = fresh_clone(shipped, tmp_path / "clone")
    shim = tmp_path / "bin" / "docker"
    shim.parent.mkdir()
    shim.write_text(
        '#!/bin/sh\nif [ "$1" = build ]; then shift; set -- build --network=host "$@"; fi\n'
        'exec "$REAL_DOCKER" "$@"\n',
        "utf-8",
    )
    shim.chmod(0o755)
    env = {**docker_engine.env, "PATH": f"{shim.parent}:{os.environ['PATH']}"}
    env["REAL_DOCKER"] = docker_engine.cli
    steps = run_commands(clone / ".github/workflows/ci.yml", job="image")
    assert steps
    for step in steps:
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step],
            cwd=clone,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, f"{step}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"


# --- Podman ----------------------------------------------------------------------------------


@pytest.mark.parametrize("shipped", SHIPPED[:1], indirect=True)
def test_podman_builds_and_runs_the_dockerfile(
    shipped: Shipped, docker_engine: Engine, tmp_path: Path
) -> None:
    """buildah (under podman) accepts only absolute mount targets; the image it builds starts.

    The base images are the Docker engine's, whose FROM lines pin them by digest. Podman's store
    takes no digest for a local image ("tag by digest not supported"), so each FROM reference
    is given its image by ID with `--build-context NAME=container-image://ID`, podman's own way
    to substitute an image; the Dockerfile is built as it is.
    """
    podman = shutil.which("podman")
    if podman is None:
        unavailable("no podman", "bash .ci/engines.sh install")
    # Podman wants a short run root (50 characters at most): not under pytest's tmp_path.
    store = Path(tempfile.mkdtemp(prefix="dbt-podman-", dir="/tmp"))
    base = [podman, "--root", str(store / "root"), "--runroot", str(store / "run")]
    images = docker_engine.base_images(shipped.project / "Dockerfile")
    archive = tmp_path / "base.tar"
    docker_engine("save", "--output", str(archive), *images)
    contexts = [
        f"--build-context={name}=container-image://{docker_engine.inspect(name)['Id']}"
        for name in images
    ]
    try:
        _run([*base, "load", "--quiet", "--input", str(archive)])
        _run(
            [*base, "build", "--network=host", *contexts, "--tag", "podman-built", "."],
            cwd=shipped.project,
        )
        # Podman needs explicit limits in this sandbox, which lacks CAP_SYS_RESOURCE.
        ulimits = ["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768"]
        result = _run(
            [
                *base,
                "run",
                "--rm",
                *ulimits,
                "--env-file",
                str(shipped.placeholder_env),
                "podman-built",
            ],
            check=False,
        )
        assert result.returncode == 2 and explains_missing_token(result.stderr), result.stderr
    finally:
        _run([*base, "system", "reset", "--force"], check=False)
        shutil.rmtree(store, ignore_errors=True)


def _run(
    command: list[str], cwd: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    # Podman reads DOCKER_CONFIG for registry logins: not the engine's Compose plugins folder.
    env = {key: value for key, value in os.environ.items() if not key.startswith("DOCKER")}
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    return result
