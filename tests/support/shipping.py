"""What the shipping toggles put in a project, and readers for those files that tests share.

The readers model exactly what the tests check: a Dockerfile as stages of instructions, a build
context as docker-py's .dockerignore matcher sees it, a workflow as its `run:` steps, a
Kubernetes manifest as its resources; `check_schema` validates a file against a schema that
check-jsonschema ships.
"""

from __future__ import annotations

import base64
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml
from docker.utils.build import exclude_paths
from dockerfile_parse import DockerfileParser

# Each shipping question of copier.yml and the files it adds; test_shipping.py checks that this
# table and the bool questions of copier.yml name the same toggles.
TOGGLE_FILES: dict[str, tuple[str, ...]] = {
    "docker": ("Dockerfile", ".dockerignore", "compose.yaml"),
    "kubernetes": ("deploy/kubernetes.yaml",),
    "github_ci": (".github/workflows/ci.yml", ".github/dependabot.yml"),
    "pre_commit": (".pre-commit-config.yaml",),
    "update_workflow": (
        ".github/workflows/template-update.yml",
        ".github/scripts/template_update.py",
    ),
    # Adds no file: mypy in pyproject.toml (dev dependency and [tool.mypy]) and in CI.
    "type_checking": (),
}

# An image as the rendered project pins it: NAME:TAG@sha256:DIGEST, the sha256 in 64 lowercase
# hex digits. The tag says what the digest is, and gives Dependabot a version to move.
PINNED_IMAGE = re.compile(
    r"(?P<name>[a-z0-9][a-z0-9./-]*):(?P<tag>[\w][\w.-]*)@sha256:[0-9a-f]{64}"
)

# The oldest Kubernetes whose StatefulSets label pods with apps.kubernetes.io/pod-index (beta,
# on by default), and the newest whose schemas kubernetes-validate ships.
KUBERNETES_VERSIONS = ("1.28.0", kubernetes_validate.latest_version())

# A token-shaped value that is no real token: base64 of an invented user ID, then two made-up
# parts. Assembled here so that this file itself holds no token-shaped literal.
FAKE_TOKEN = ".".join(
    [
        base64.urlsafe_b64encode(b"123456789012345678").decode().rstrip("="),
        "GabcDE",
        "abcdefghijklmnopqrstuvwxyz0123456789AB",
    ]
)


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction: its name, its --flags (repeatable), and the rest of the line."""

    name: str
    flags: dict[str, list[str]]
    rest: str

    def mounts(self, kind: str) -> list[dict[str, str]]:
        """The RUN --mount options of one type (bind, cache, ...), as key=value dictionaries."""
        parsed = [
            dict(part.split("=", 1) for part in mount.split(","))
            for mount in self.flags.get("mount", [])
        ]
        return [mount for mount in parsed if mount.get("type") == kind]


@dataclass
class Stage:
    """A build stage: FROM image [AS name], then its instructions."""

    image: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def named(self, name: str) -> list[Instruction]:
        return [instruction for instruction in self.instructions if instruction.name == name]

    def env(self) -> dict[str, str]:
        """The stage's ENV values, in order (later ones win)."""
        values: dict[str, str] = {}
        for instruction in self.named("ENV"):
            for pair in shlex.split(instruction.rest):
                key, _, value = pair.partition("=")
                values[key] = value
        return values


_FLAGS = re.compile(r"((?:--[a-z-]+=\S+\s+)*)(.*)", re.DOTALL)


def dockerfile_stages(path: Path) -> list[Stage]:
    """The Dockerfile as stages, parsed by dockerfile-parse (line continuations joined)."""
    stages: list[Stage] = []
    for entry in DockerfileParser(str(path)).structure:
        name = entry["instruction"].upper()
        if name == "COMMENT":
            continue
        match = _FLAGS.fullmatch(entry["value"].strip())
        assert match is not None
        flags: dict[str, list[str]] = {}
        for flag in shlex.split(match.group(1)):
            key, _, value = flag.removeprefix("--").partition("=")
            flags.setdefault(key, []).append(value)
        instruction = Instruction(name, flags, match.group(2).strip())
        if name == "FROM":
            image, _, alias = instruction.rest.partition(" AS ")
            stages.append(Stage(image.strip(), alias.strip() or None))
        else:
            assert stages, f"{name} before the first FROM"
            stages[-1].instructions.append(instruction)
    return stages


def dockerignore_patterns(project: Path) -> list[str]:
    lines = (project / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def build_context(project: Path) -> set[str]:
    """The files `docker build .` sends, by docker-py's implementation of .dockerignore rules."""
    included = exclude_paths(str(project), dockerignore_patterns(project))
    return {path for path in included if (project / path).is_file()}


def workflow_steps(workflow: Path, job: str | None = None) -> list[dict[str, Any]]:
    """Every step of one job (or of every job) of a GitHub Actions workflow, in order."""
    document = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    jobs = [document["jobs"][job]] if job else document["jobs"].values()
    return [step for chosen in jobs for step in chosen["steps"]]


def run_commands(workflow: Path, job: str | None = None) -> list[str]:
    """The shell commands of a workflow's `run:` steps (of one job, or all), in order."""
    return [step["run"].strip() for step in workflow_steps(workflow, job) if "run" in step]


def frozen_tags(config_text: str) -> dict[str, str]:
    """Each repo of a .pre-commit-config.yaml and the tag its commit pin names in its comment
    (`rev: <sha> # frozen: vX.Y.Z`, pre-commit autoupdate --freeze's form; some tags lack the v)."""
    pins = re.findall(
        r"^\s*- repo: (\S+)\n\s*rev: [0-9a-f]{40} # frozen: (v?\d+\.\d+\.\d+)$",
        config_text,
        re.MULTILINE,
    )
    return dict(pins)


def check_schema(schema: str, *paths: Path) -> None:
    """`check-jsonschema --builtin-schema SCHEMA PATH...` passes (e.g. vendor.compose-spec):
    every file is checked, and each failing one named. The command runs in this process (click's
    runner), its imports paid once per worker instead of half a second a run."""
    from check_jsonschema import main  # click is its command-line library
    from click.testing import CliRunner

    assert paths
    result = CliRunner().invoke(main, ["--builtin-schema", schema, *map(str, paths)])
    names = ", ".join(path.name for path in paths)
    assert result.exit_code == 0, f"{names} against {schema}:\n{result.output}{result.exception!r}"


def manifest(project: Path) -> list[dict[str, Any]]:
    """deploy/kubernetes.yaml's resources, in order."""
    text = (project / "deploy/kubernetes.yaml").read_text("utf-8")
    return [document for document in yaml.safe_load_all(text) if document]


def statefulset(project: Path) -> dict[str, Any]:
    """The manifest's one StatefulSet: the bot's pods."""
    (found,) = [resource for resource in manifest(project) if resource["kind"] == "StatefulSet"]
    return found


def named_images(project: Path) -> set[tuple[str, str]]:
    """Every image a rendered project has an engine pull, with the file that names it: the
    Dockerfile's FROM lines (stage names left out), compose.yaml's `image:`, the workflows'
    `services:` and `container:` images and the Kubernetes manifest's containers. The bot's own
    image, which compose.yaml builds (`build:`) and the manifest runs, is left out."""
    found: set[tuple[str, str]] = set()
    dockerfile = project / "Dockerfile"
    if dockerfile.is_file():
        stages = dockerfile_stages(dockerfile)
        aliases = {stage.name for stage in stages}
        found |= {("Dockerfile", stage.image) for stage in stages if stage.image not in aliases}
    own: set[str] = set()
    compose = project / "compose.yaml"
    if compose.is_file():
        for service in yaml.safe_load(compose.read_text("utf-8"))["services"].values():
            if "build" in service:
                own.add(service["image"])
            elif "image" in service:
                found.add(("compose.yaml", service["image"]))
    for workflow in sorted((project / ".github/workflows").glob("*.yml")):
        where = workflow.relative_to(project).as_posix()
        for job in yaml.safe_load(workflow.read_text("utf-8"))["jobs"].values():
            container = job.get("container")
            if container:
                found.add((where, container if isinstance(container, str) else container["image"]))
            found |= {(where, service["image"]) for service in job.get("services", {}).values()}
    if (project / "deploy/kubernetes.yaml").is_file():
        for resource in manifest(project):
            pod = resource.get("spec", {}).get("template", {}).get("spec", {})
            for container in pod.get("initContainers", []) + pod.get("containers", []):
                if container["image"].rpartition(":")[0] not in own:
                    found.add(("deploy/kubernetes.yaml", container["image"]))
    return found
