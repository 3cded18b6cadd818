"""The real parts some tests need: a Docker engine, PostgreSQL's server binaries, Chromium.

`.ci/run` installs and starts them through `.ci/engines.sh` and exports where they are
(DOCKER_HOST, DOCKER, DOCKER_CONFIG, POSTGRES_BINDIR, CHROMIUM, CHROMEDRIVER). Under CI (the
variable CI is set) a missing part fails the test that needs it: CI never skips them. Elsewhere
the test is skipped with what to do.

The fixtures (conftest.py makes them available to every test module):
- `docker_engine`: an `Engine` that answers; `docker_engine.build(project)` builds a rendered
  project's Dockerfile as it is, after `uv lock`, with its base images made locally when no
  registry is reachable (`.ci/engines.sh images`). Images are built once per session.
- `postgres_bindir`: the folder with `initdb`, `pg_ctl` and `postgres`, for a throwaway server.
  They refuse to run as root (CI is root): run them as Debian's `postgres` user
  (`runuser -u postgres -- .../initdb -D DIR`, DIR owned by it).
- `chromium`: the browser and its driver.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pytest
import yaml

from support.shipping import dockerfile_stages
from support.template import TEMPLATE_ROOT

ENGINES_SCRIPT = TEMPLATE_ROOT / ".ci" / "engines.sh"
# Every container and image the tests make carries it, so that leftovers can be found.
TEST_LABEL = "discord-bot-template.test"


def in_ci() -> bool:
    return bool(os.environ.get("CI"))


def unavailable(what: str, fix: str) -> NoReturn:
    """Fail under CI, which must run every real part; skip elsewhere, saying how to get it."""
    if in_ci():
        pytest.fail(f"{what}, and CI must run this test: {fix}", pytrace=False)
    pytest.skip(f"{what}: {fix}")


# --- Docker --------------------------------------------------------------------------------


def docker_cli() -> str:
    """The docker command: $DOCKER, else Debian's /usr/bin/docker (which drives BuildKit for
    `RUN --mount` without a buildx plugin), else `docker` on PATH."""
    if os.environ.get("DOCKER"):
        return os.environ["DOCKER"]
    if Path("/usr/bin/docker").is_file():
        return "/usr/bin/docker"
    return shutil.which("docker") or "docker"


@dataclass(frozen=True)
class Build:
    """An image built from a rendered project: its tag, how long the build took, its log."""

    tag: str
    seconds: float
    log: str


@dataclass
class Engine:
    """A Docker engine reached through the docker CLI, and what the tests made with it."""

    cli: str
    env: dict[str, str]
    _builds: dict[Path, Build] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(
        self, *args: str, check: bool = True, timeout: float = 300, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        """`docker ARGS`; a failure fails the test with docker's own words."""
        result = subprocess.run(
            [self.cli, *args],
            env=self.env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            pytest.fail(
                f"docker {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}",
                pytrace=False,
            )
        return result

    def compose(
        self, project: Path, *args: str, files: Sequence[Path] = (), check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """`docker compose` in `project`, with its compose.yaml and any `files` laid over it."""
        chosen = [
            option for path in [project / "compose.yaml", *files] for option in ("-f", str(path))
        ]
        return self("compose", *chosen, *args, check=check, cwd=project, timeout=600)

    # -- images -----------------------------------------------------------------------------

    def base_images(self, dockerfile: Path) -> list[str]:
        """Make sure the images the Dockerfile builds FROM are here; return their names."""
        stages = dockerfile_stages(dockerfile)
        aliases = {stage.name for stage in stages if stage.name}
        names = sorted({stage.image for stage in stages} - aliases)
        self.make_images(names)
        return names

    def make_images(self, names: Sequence[str]) -> None:
        """Make sure these images are here: loaded from the cache, or made by the recipes of
        .ci/engines.sh (or pulled, with BASE_IMAGES=pull). A name without a recipe fails
        with where to add one (e.g. a compose service's image)."""
        missing = [name for name in names if not self.has_image(name)]
        if not missing:
            return
        made = subprocess.run(
            ["bash", str(ENGINES_SCRIPT), "images", *missing],
            env={**self.env, "DOCKER": self.cli},
            capture_output=True,
            text=True,
            timeout=1200,
            check=False,
        )
        if made.returncode != 0:
            unavailable(
                f"the images {', '.join(missing)} could not be made:\n{made.stderr}",
                "bash .ci/engines.sh images NAME makes them as root (debootstrap); where a "
                "registry answers, BASE_IMAGES=pull pulls them",
            )

    def has_image(self, name: str) -> bool:
        return self("image", "inspect", name, check=False).returncode == 0

    def build(self, project: Path, tag: str | None = None) -> Build:
        """Build the project's Dockerfile unmodified, once per project, as its README says:
        `uv lock` first (a fresh render has no lock), then `docker build -t IMAGE .`.

        Builds use the host's network: an engine here has no bridge network.
        """
        with self._lock:
            if project in self._builds:
                return self._builds[project]
            if not (project / "uv.lock").exists():
                from support.project import uv

                uv("lock", "--quiet", cwd=project)
            self.base_images(project / "Dockerfile")
            tag = tag or image_name(project)
            started = time.monotonic()
            built = self(
                "build", "--network=host", "--progress=plain", "--label", TEST_LABEL,
                "-t", tag, ".", cwd=project, timeout=900,
            )  # fmt: skip
            build = Build(tag, time.monotonic() - started, built.stderr + built.stdout)
            self._builds[project] = build
            return build

    def try_build(self, project: Path, tag: str) -> subprocess.CompletedProcess[str]:
        """A build whose failure the test expects and reads (nothing cached for the project)."""
        self.base_images(project / "Dockerfile")
        return self(
            "build", "--network=host", "--progress=plain", "--label", TEST_LABEL,
            "-t", tag, ".", cwd=project, check=False, timeout=900,
        )  # fmt: skip

    def inspect(self, name: str) -> dict[str, Any]:
        found: list[dict[str, Any]] = json.loads(self("inspect", name).stdout)
        return found[0]

    def image_files(self, image: str) -> Iterator[tuple[tarfile.TarInfo, bytes | None]]:
        """Every entry of the image's file system (a container made from it, exported), with
        the content of regular files."""
        container = self("create", "--label", TEST_LABEL, image).stdout.strip()
        try:
            with subprocess.Popen(
                [self.cli, "export", container], env=self.env, stdout=subprocess.PIPE
            ) as export:
                assert export.stdout is not None
                with tarfile.open(fileobj=export.stdout, mode="r|") as archive:
                    for entry in archive:
                        reader = archive.extractfile(entry) if entry.isfile() else None
                        yield entry, reader.read() if reader else None
        finally:
            self("rm", "-f", container, check=False)

    # -- containers -------------------------------------------------------------------------

    def start(self, *options: str, image: str, command: Sequence[str] = ()) -> Container:
        """`docker run --detach OPTIONS IMAGE [COMMAND]`."""
        name = f"dbt-test-{uuid.uuid4().hex[:10]}"
        self("run", "--detach", "--name", name, "--label", TEST_LABEL, *options, image, *command)
        return Container(self, name)

    def remove_leftovers(self) -> None:
        """Remove every container the tests made (a failed test may leave one running)."""
        listed = self("ps", "-aq", "--filter", f"label={TEST_LABEL}", check=False).stdout.split()
        if listed:
            self("rm", "-f", *listed, check=False)


@dataclass(frozen=True)
class Stopped:
    exit_code: int
    seconds: float


@dataclass
class Container:
    engine: Engine
    name: str

    def logs(self) -> str:
        """What the container printed, stdout and stderr together."""
        result = self.engine("logs", self.name, check=False)
        return result.stdout + result.stderr

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = self.engine.inspect(self.name)["State"]
        return state

    def restart_count(self) -> int:
        """How often the engine restarted it (its restart policy at work)."""
        return int(self.engine.inspect(self.name)["RestartCount"])

    def exits(self) -> list[int]:
        """The exit status of each time it stopped so far, first to last (a restart policy may
        start it again after each): the engine's `die` events since it was created."""
        created = self.engine.inspect(self.name)["Created"]
        events = self.engine(
            "events", "--since", created, "--until", f"{time.time():.3f}",
            "--filter", f"container={self.name}", "--filter", "event=die",
            "--format", "{{.Actor.Attributes.exitCode}}",
        )  # fmt: skip
        return [int(code) for code in events.stdout.split()]

    def wait_for_exit(self, timeout: float = 60) -> int:
        """Its first exit status."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if exits := self.exits():
                return exits[0]
            time.sleep(0.2)
        pytest.fail(f"{self.name} did not exit within {timeout} s:\n{self.logs()}")

    def stop(self, grace: int) -> Stopped:
        """`docker stop --time GRACE`: SIGTERM, then SIGKILL (exit 137) once GRACE runs out."""
        started = time.monotonic()
        self.engine("stop", "--time", str(grace), self.name, timeout=grace + 60)
        seconds = time.monotonic() - started
        return Stopped(int(self.state()["ExitCode"]), seconds)

    def remove(self) -> None:
        self.engine("rm", "-f", self.name, check=False)


def image_name(project: Path) -> str:
    """The image name the project uses (README, compose file, manifest): as its compose file
    names the service it builds."""
    services = yaml.safe_load((project / "compose.yaml").read_text("utf-8"))["services"]
    (name,) = [service["image"] for service in services.values() if "build" in service]
    return str(name)


def find_engine() -> Engine:
    cli = docker_cli()
    env = {**os.environ, "DOCKER_BUILDKIT": "1"}
    engine = Engine(cli, env)
    if shutil.which(cli) is None:
        unavailable(f"no docker command ({cli})", "bash .ci/engines.sh install")
    answered = engine("version", "--format", "{{.Server.Version}}", check=False, timeout=30)
    if answered.returncode != 0:
        unavailable(
            f"no Docker engine answers ({answered.stderr.strip()})",
            'as root: eval "$(bash .ci/engines.sh start /tmp/dbt-engine)" (see .ci/run), '
            "or start Docker",
        )
    return engine


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[Engine]:
    """A Docker engine that answers (skipped without one, except under CI)."""
    engine = find_engine()
    yield engine
    engine.remove_leftovers()


# --- PostgreSQL and Chromium ---------------------------------------------------------------


def find_postgres_bindir() -> Path:
    candidates = [os.environ.get("POSTGRES_BINDIR", "")]
    if pg_config := shutil.which("pg_config"):
        candidates.append(
            subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip()
        )
    # Debian keeps the server binaries off PATH, one folder per major version.
    candidates += sorted(
        (str(path.parent) for path in Path("/usr/lib/postgresql").glob("*/bin/initdb")),
        key=lambda folder: int(Path(folder).parent.name),
        reverse=True,
    )
    for candidate in filter(None, candidates):
        if all((Path(candidate) / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return Path(candidate)
    unavailable("no PostgreSQL server binaries (initdb, pg_ctl)", "bash .ci/engines.sh install")


@pytest.fixture(scope="session")
def postgres_bindir() -> Path:
    """The folder of `initdb`, `pg_ctl` and `postgres`: start a throwaway server with them."""
    return find_postgres_bindir()


@dataclass(frozen=True)
class Browser:
    binary: Path
    driver: Path


def find_chromium() -> Browser:
    names = {
        "binary": [os.environ.get("CHROMIUM", ""), "chromium", "chromium-browser", "google-chrome"],
        "driver": [os.environ.get("CHROMEDRIVER", ""), "chromedriver"],
    }
    found = {
        part: next((shutil.which(name) for name in options if name and shutil.which(name)), None)
        for part, options in names.items()
    }
    if found["binary"] is None or found["driver"] is None:
        unavailable("no Chromium with its driver", "bash .ci/engines.sh install")
    return Browser(Path(found["binary"]), Path(found["driver"]))


@pytest.fixture(scope="session")
def chromium() -> Browser:
    """Chromium and chromedriver, for tests that drive a real browser (headless)."""
    return find_chromium()
