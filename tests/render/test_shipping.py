"""What a rendered project ships besides the bot: container, CI, pre-commit, Kubernetes.

Each file is checked offline with the tools that define it: GitHub's workflow and Dependabot
schemas and the Compose specification (check-jsonschema's vendored copies), the Kubernetes API
schemas (kubernetes-validate), pre-commit's own config check, docker-py's .dockerignore
matcher, dockerfile-parse, and the detect-secrets scan the pre-commit hook runs. Building the
image and running the workflow's commands happen in test_generated_shipping.py (slow).
"""

from __future__ import annotations

import importlib.util
import itertools
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import discord
import kubernetes_validate
import pytest
import yaml
from support.answer_sets import answers
from support.render import copy_project, stored_answers
from support.shipping import (
    FAKE_TOKEN,
    KUBERNETES_VERSIONS,
    PINNED_IMAGE,
    TOGGLE_FILES,
    build_context,
    check_schema,
    dockerfile_stages,
    frozen_tags,
    manifest,
    named_images,
    run_commands,
    statefulset,
    workflow_steps,
)
from support.template import TEMPLATE_ROOT, hooks_module

PINNED_ACTION = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40}$")


@pytest.fixture(scope="module")
def full(rendered_project: Callable[[str], Path]) -> Path:
    """The default render: every shipping toggle on."""
    return rendered_project("defaults")


@pytest.fixture(scope="module")
def bare(rendered_project: Callable[[str], Path]) -> Path:
    return rendered_project("no-extras")


def tool(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a Python tool of this environment (`python -m ...`)."""
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


# --- The toggles ---------------------------------------------------------------------------


def test_toggles_are_the_bool_questions_and_default_on(full: Path) -> None:
    questions: dict[str, Any] = {}
    for document in yaml.safe_load_all((TEMPLATE_ROOT / "copier.yml").read_text("utf-8")):
        questions.update(document or {})
    toggles = {
        name
        for name, spec in questions.items()
        if isinstance(spec, dict) and spec.get("type") == "bool" and spec.get("when") is not False
    }
    assert toggles == set(TOGGLE_FILES)
    assert all(questions[name].get("help") for name in toggles)
    stored = stored_answers(full)
    assert {name: stored[name] for name in toggles} == dict.fromkeys(toggles, True)


def test_default_render_ships_every_part(full: Path) -> None:
    for path in (path for paths in TOGGLE_FILES.values() for path in paths):
        assert (full / path).is_file(), path
    assert "mypy" in tomllib.loads((full / "pyproject.toml").read_text("utf-8"))["tool"]


def test_no_extras_render_ships_none(bare: Path) -> None:
    for path in (path for paths in TOGGLE_FILES.values() for path in paths):
        assert not (bare / path).exists(), path
    assert not (bare / ".github").exists() and not (bare / "deploy").exists()
    pyproject = tomllib.loads((bare / "pyproject.toml").read_text("utf-8"))
    assert "mypy" not in pyproject.get("tool", {})
    assert not [dep for dep in pyproject["dependency-groups"]["dev"] if dep.startswith("mypy")]
    for page in ("containers.md", "kubernetes.md", "checks.md"):
        assert not (bare / "docs" / page).exists(), page
    assert "kubernetes" not in (bare / "docs" / "sharding.md").read_text("utf-8").lower()
    assert (bare / "docs" / "sharding.md").is_file(), "sharding works without any toggle"


@pytest.mark.parametrize("toggle", sorted(TOGGLE_FILES))
def test_each_toggle_leaves_out_only_its_own_files(
    toggle: str, rendered_project: Callable[..., Path]
) -> None:
    project = rendered_project("defaults", **{toggle: False})
    # Kubernetes runs the Docker image: without Docker it is not asked, and off.
    off = {toggle, "kubernetes"} if toggle == "docker" else {toggle}
    for name, paths in TOGGLE_FILES.items():
        for path in paths:
            assert (project / path).is_file() == (name not in off), path
    if toggle == "type_checking":
        assert "mypy" not in (project / "pyproject.toml").read_text("utf-8")
        assert "uv run mypy" not in run_commands(project / ".github/workflows/ci.yml")


# --- CI and Dependabot ---------------------------------------------------------------------


def workflows(project: Path) -> list[Path]:
    found = sorted((project / ".github/workflows").glob("*.yml"))
    assert found
    return found


def test_workflows_match_github_schema(full: Path) -> None:
    check_schema("vendor.github-workflows", *workflows(full))
    check_schema("custom.github-workflows-require-timeout", *workflows(full))


def test_ci_workflow_runs_uv_ruff_mypy_and_pytest(full: Path) -> None:
    workflow = full / ".github/workflows/ci.yml"
    assert run_commands(workflow, job="test") == [
        "uv sync --locked",
        "uv run ruff check .",
        "uv run ruff format --check .",
        "uv run mypy",
        "uv run pytest",
    ]
    uses = [
        step["uses"].split("@")[0] for step in workflow_steps(workflow, "test") if "uses" in step
    ]
    assert uses == ["actions/checkout", "astral-sh/setup-uv"]
    text = workflow.read_text("utf-8")
    assert "secrets." not in text and "DISCORD_TOKEN" not in text, "the tests need no token"
    document = yaml.safe_load(text)
    assert document["permissions"] == {"contents": "read"}


@pytest.mark.parametrize("docker", [True, False])
def test_ci_workflow_builds_the_image_as_the_readme_says(
    docker: bool, rendered_project: Callable[..., Path]
) -> None:
    """With Docker, a job builds the image with the README's command and starts it without a
    token (exit 2). tests/project/test_engines.py runs the job's steps on a real engine."""
    project = rendered_project("defaults", **({} if docker else {"docker": False}))
    jobs = yaml.safe_load((project / ".github/workflows/ci.yml").read_text("utf-8"))["jobs"]
    assert set(jobs) == ({"test", "secrets", "image"} if docker else {"test", "secrets"})
    if docker:
        build, start = run_commands(project / ".github/workflows/ci.yml", job="image")
        guide = (project / "docs" / "containers.md").read_text("utf-8")
        assert build in guide and build.startswith("docker build -t ")
        assert "docker run --rm" in start and 'test "$status" -eq 2' in start
        (checkout,) = [step for step in jobs["image"]["steps"] if "uses" in step]
        assert checkout["with"] == {"persist-credentials": False}


def test_actions_are_pinned_to_commits(full: Path) -> None:
    """A tag can be moved to other code; a commit cannot. Dependabot updates both together."""
    lines = [line for path in workflows(full) for line in path.read_text("utf-8").splitlines()]
    uses = [line.split("uses:", 1)[1].strip() for line in lines if "uses:" in line]
    assert uses
    for use in uses:
        reference, _, comment = use.partition(" # ")
        assert PINNED_ACTION.match(reference), use
        assert re.fullmatch(r"v\d+\.\d+\.\d+", comment), f"{use}: say which release the commit is"


@pytest.mark.parametrize(
    ("name", "changes", "ecosystems"),
    [
        ("defaults", {}, {"uv", "github-actions", "docker", "pre-commit"}),
        ("defaults", {"docker": False}, {"uv", "github-actions", "pre-commit"}),
        # compose.yaml's PostgreSQL server: docker-compose updates move its digest.
        (
            "postgresql",
            {},
            {"uv", "github-actions", "docker", "docker-compose", "pre-commit"},
        ),
    ],
    ids=["defaults", "docker-off", "postgresql"],
)
def test_dependabot_matches_schema_and_ecosystems(
    name: str,
    changes: dict[str, Any],
    ecosystems: set[str],
    rendered_project: Callable[..., Path],
) -> None:
    project = rendered_project(name, **changes)
    config = project / ".github/dependabot.yml"
    check_schema("vendor.dependabot", config)
    updates = yaml.safe_load(config.read_text("utf-8"))["updates"]
    assert {update["package-ecosystem"] for update in updates} == ecosystems
    assert all(update["directory"] == "/" for update in updates)
    for update in updates:
        if update["package-ecosystem"] == "docker-compose":
            # A new major of the server needs a dump and a restore: never a pull request.
            major = {"dependency-name": "postgres", "update-types": ["version-update:semver-major"]}
            assert update["ignore"] == [major]


# --- Container -----------------------------------------------------------------------------


def test_compose_file_matches_spec_and_reads_env_at_run_time(full: Path) -> None:
    compose = full / "compose.yaml"
    check_schema("vendor.compose-spec", compose)
    (service,) = yaml.safe_load(compose.read_text("utf-8"))["services"].values()
    assert service["build"] == "."
    # Optional, so that `docker compose config -q` passes in a fresh clone (Compose 2.24+).
    assert service["env_file"] == [{"path": ".env", "required": False}]
    assert service["restart"] == "unless-stopped"
    # Settings come from .env, never from this file: only the restart-policy switch is here.
    assert service["environment"] == {"ON_FATAL_ERROR": "wait"}
    header = (full / "compose.yaml").read_text("utf-8")
    assert "docker compose config -q" in header and "docker compose config -q" in (
        full / "docs" / "containers.md"
    ).read_text("utf-8")


def test_dockerfile_builds_with_uv_in_stages_and_runs_as_a_user(full: Path) -> None:
    stages = dockerfile_stages(full / "Dockerfile")
    names = [stage.name for stage in stages]
    uv_stage, builder, runtime = stages
    assert uv_stage.image.startswith("ghcr.io/astral-sh/uv:") and uv_stage.name == "uv"
    assert re.fullmatch(r"ghcr\.io/astral-sh/uv:\d+\.\d+\.\d+@sha256:\w+", uv_stage.image), "pin uv"
    # The virtual environment links to the builder's interpreter: the runtime must have it too.
    assert builder.image == runtime.image
    assert re.fullmatch(r"python:3\.\d+-slim@sha256:\w+", runtime.image)
    assert names == ["uv", "builder", None]
    assert [i.flags["from"] for i in builder.named("COPY") if "from" in i.flags] == [["uv"]]

    syncs = [run for run in builder.named("RUN") if run.rest.startswith("uv sync")]
    assert len(syncs) == 2
    dependencies, project = syncs
    for sync in syncs:
        assert "--locked" in sync.rest.split() and "--no-dev" in sync.rest.split()
        assert sync.mounts("cache") == [{"type": "cache", "target": "/root/.cache/uv"}]
    assert "--no-install-project" in dependencies.rest.split()
    (workdir,) = builder.named("WORKDIR")
    binds = dependencies.mounts("bind")
    assert {mount["source"] for mount in binds} == {"uv.lock", "pyproject.toml"}
    # Absolute targets: podman and buildah refuse relative ones ("must be an absolute path").
    assert all(mount["target"] == f"{workdir.rest}/{mount['source']}" for mount in binds), binds
    assert "--no-install-project" not in project.rest.split()
    steps = [instruction.name for instruction in builder.instructions]
    assert steps.index("COPY", 1) > steps.index("RUN"), "dependencies are cached before the code"

    assert [i.rest for i in runtime.named("COPY")] == ["/app/.venv /app/.venv"]
    (user,) = runtime.named("USER")
    uid, _, gid = user.rest.partition(":")
    assert uid.isdigit() and int(uid) > 0 and gid.isdigit(), "numeric, for runAsNonRoot"
    assert runtime.instructions.index(user) > runtime.instructions.index(runtime.named("COPY")[0])
    assert runtime.env()["PATH"].startswith("/app/.venv/bin:")

    (cmd,) = runtime.named("CMD")
    scripts = tomllib.loads((full / "pyproject.toml").read_text("utf-8"))["project"]["scripts"]
    assert yaml.safe_load(cmd.rest) == list(scripts), "exec form, the console script"


def test_base_images_are_pinned_by_tag_and_digest(full: Path) -> None:
    """Each FROM names its image by tag and digest, as hooks/pins.jinja has it: a digest of the
    wrong length or case, or one without its tag, fails here. uv's image is the uv whose build
    backend builds the bot: one version, in hooks/pins.jinja."""
    pins = hooks_module("pins")
    stages = dockerfile_stages(full / "Dockerfile")
    aliases = {stage.name for stage in stages}
    images = {stage.image for stage in stages} - aliases
    assert images == {pins.uv_image, pins.python_image}
    for image in images:
        assert PINNED_IMAGE.fullmatch(image), f"{image}: not NAME:TAG@sha256:<64 hex digits>"
    uv_image = PINNED_IMAGE.fullmatch(pins.uv_image)
    assert uv_image and uv_image["name"] == "ghcr.io/astral-sh/uv"
    assert uv_image["tag"] == pins.uv_version
    build_system = tomllib.loads((full / "pyproject.toml").read_text("utf-8"))["build-system"]
    assert build_system["requires"] == [f"uv_build=={pins.uv_version}"]


@pytest.mark.parametrize("name", ["defaults", "postgresql"])
def test_every_image_a_project_names_is_pinned_by_tag_and_digest(
    name: str, rendered_project: Callable[[str], Path]
) -> None:
    """Dockerfile, compose.yaml, the workflows' services and the Kubernetes manifest: every
    image an engine pulls is NAME:TAG@sha256:DIGEST from hooks/pins.jinja (the bot's own image,
    built from the Dockerfile, aside). PostgreSQL's tag is its major version only."""
    pins = hooks_module("pins")
    expected = {("Dockerfile", pins.uv_image), ("Dockerfile", pins.python_image)}
    if name == "postgresql":
        expected |= {
            ("compose.yaml", pins.postgres_image),
            (".github/workflows/ci.yml", pins.postgres_image),
        }
    found = named_images(rendered_project(name))
    assert found == expected
    for where, image in found:
        assert PINNED_IMAGE.fullmatch(image), f"{where}: {image} is not NAME:TAG@sha256:<64 hex>"
    postgres = PINNED_IMAGE.fullmatch(pins.postgres_image)
    assert postgres and postgres["name"] == "postgres" and postgres["tag"].isdigit()


@pytest.mark.parametrize(
    "typed",
    [
        "python:3.13-slim",
        "postgres:17",
        "postgres@sha256:" + "a" * 64,
        "python@sha256:" + "a" * 64,
        "python:3.13-slim@sha256:" + "a" * 63,
        "python:3.13-slim@sha256:" + "A" * 64,
        "python:3.13-slim@sha256:" + "g" * 64,
        "python:3.13-slim@" + "a" * 64,
    ],
)
def test_a_mistyped_pin_is_not_a_pin(typed: str) -> None:
    assert not PINNED_IMAGE.fullmatch(typed)


def test_dockerfile_never_copies_secrets(full: Path) -> None:
    stages = dockerfile_stages(full / "Dockerfile")
    for stage in stages:
        for instruction in stage.instructions:
            assert instruction.name != "ADD"
            assert ".env" not in instruction.rest, instruction
            assert "TOKEN" not in instruction.rest.upper(), instruction
        assert not [key for key in stage.env() if "TOKEN" in key or "SECRET" in key]


# BuildKit's parser-directive rule: a `# name=value` comment line before anything else, such
# as `# syntax=IMAGE` (BuildKit pulls that image and builds with it) or `# escape=X`.
BUILDKIT_DIRECTIVE = re.compile(r"#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*")


def leading_comments(dockerfile: Path) -> list[str]:
    """The lines above the first instruction: where BuildKit looks for parser directives."""
    lines = dockerfile.read_text("utf-8").splitlines()
    return list(itertools.takewhile(lambda line: not line or line.startswith("#"), lines))


# The quick loop renders the first directive; the full suite every one.
@pytest.mark.parametrize(
    "app_name",
    [
        "syntax=example.org/x/y",
        pytest.param("escape=`", marks=pytest.mark.slow),
        pytest.param("check=skip=all", marks=pytest.mark.slow),
    ],
)
def test_dockerfile_leading_comments_hold_no_answer(
    app_name: str, full: Path, template_folder: Path, tmp_path: Path
) -> None:
    """No answer stands above the first instruction, where BuildKit would read an application
    name such as `syntax=...` as a parser directive: those lines are the same for every answer."""
    data = {**answers("defaults"), "app_name": app_name}
    project = copy_project(tmp_path / "mybot", data, template=template_folder)
    head = leading_comments(project / "Dockerfile")
    assert head == leading_comments(full / "Dockerfile")
    assert head and not [line for line in head if BUILDKIT_DIRECTIVE.fullmatch(line)]


def test_dockerignore_admits_what_the_build_needs_and_no_secret(
    rendered_project: Callable[[str], Path], tmp_path: Path
) -> None:
    # A working copy of its own: the shared render stays as Copier wrote it.
    full = tmp_path / "mybot"
    shutil.copytree(rendered_project("defaults"), full)
    package = stored_answers(full)["package_name"]
    # What a working copy holds besides the rendered files: a token, secrets, git, environments.
    (full / ".env").write_text(f"DISCORD_TOKEN={FAKE_TOKEN}\n", encoding="utf-8")
    for secret in (".env.local", ".env.production", f"src/{package}/.env"):
        (full / secret).write_text(f"DISCORD_TOKEN={FAKE_TOKEN}\n", encoding="utf-8")
    for folder in (".git", ".venv/lib", f"src/{package}/__pycache__", ".mypy_cache", "dist"):
        (full / folder).mkdir(parents=True, exist_ok=True)
        (full / folder / "file").write_text("x", encoding="utf-8")
    (full / f"src/{package}/__pycache__/bot.cpython-313.pyc").write_bytes(b"")
    (full / "uv.lock").write_text("version = 1\n", encoding="utf-8")

    context = build_context(full)
    assert not [path for path in context if FAKE_TOKEN in (full / path).read_text("utf-8")]
    leaked = {
        path
        for path in context
        if re.search(r"(^|/)(\.env|\.git|\.venv|__pycache__|\.mypy_cache|dist)(/|$|\.)", path)
    }
    assert leaked == set()
    assert ".env.example" not in context, "not needed in the image"
    # Everything the Dockerfile copies or mounts, and everything pyproject.toml names.
    builder = dockerfile_stages(full / "Dockerfile")[1]
    mounted = {mount["source"] for run in builder.named("RUN") for mount in run.mounts("bind")}
    needed = mounted | {"README.md", "LICENSE", "pyproject.toml", "uv.lock"}
    needed |= {
        str(path.relative_to(full))
        for path in (full / "src").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert needed <= context
    assert [i.rest for i in builder.named("COPY") if "from" not in i.flags] == [". /app"]


# --- pre-commit and the secret scan --------------------------------------------------------


def test_pre_commit_config_is_valid_and_pinned(full: Path) -> None:
    config = full / ".pre-commit-config.yaml"
    result = tool("pre_commit", "validate-config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    repos = {repo["repo"]: repo for repo in yaml.safe_load(config.read_text("utf-8"))["repos"]}
    ruff = repos["https://github.com/astral-sh/ruff-pre-commit"]
    assert [hook["id"] for hook in ruff["hooks"]] == ["ruff-check", "ruff-format"]
    secrets = repos["https://github.com/Yelp/detect-secrets"]
    assert [hook["id"] for hook in secrets["hooks"]] == ["detect-secrets"]
    # Pinned by commit, the release's tag in a comment: a moved tag cannot change what runs.
    tags = frozen_tags(config.read_text("utf-8"))
    assert set(tags) == set(repos)
    for repo in repos.values():
        assert re.fullmatch(r"[0-9a-f]{40}", repo["rev"]), "a commit, not a tag or a branch"
    # The scan proven below is the one the hook runs.
    assert tags["https://github.com/Yelp/detect-secrets"] == f"v{version('detect-secrets')}"


def git(project: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=project, capture_output=True, text=True, check=True)
    return result.stdout


def scan_like_the_hook(project: Path) -> subprocess.CompletedProcess[str]:
    """What `pre-commit run detect-secrets --all-files` runs: the hook on every tracked file."""
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text("utf-8"))
    (hook,) = [
        hook for repo in config["repos"] for hook in repo["hooks"] if hook["id"] == "detect-secrets"
    ]
    files = git(project, "ls-files").split()
    command = [
        sys.executable,
        "-m",
        "detect_secrets.pre_commit_hook",
        *hook.get("args", []),
        *files,
    ]
    return subprocess.run(command, cwd=project, capture_output=True, text=True, check=False)


@pytest.mark.slow  # detect-secrets reads the whole project: about 12 s
@pytest.mark.parametrize("name", ["defaults", "all-intents"])
def test_secret_scan_stops_a_committed_token_but_not_the_project(
    name: str, rendered_project: Callable[[str], Path], tmp_path: Path
) -> None:
    project = tmp_path / "mybot"
    shutil.copytree(rendered_project(name), project)
    git(project, "init", "-q")
    git(project, "add", "-A")
    clean = scan_like_the_hook(project)
    assert clean.returncode == 0, f"a fresh project must commit cleanly:\n{clean.stdout}"

    (project / ".env").write_text(f"DISCORD_TOKEN={FAKE_TOKEN}\n", encoding="utf-8")
    package = stored_answers(project)["package_name"]
    leak = project / "src" / package / "config.py"
    leak.write_text(f'TOKEN = "{FAKE_TOKEN}"\n', encoding="utf-8")
    git(project, "add", "-A")
    tracked = git(project, "ls-files").split()
    assert ".env" not in tracked, ".env is git-ignored, so no commit (and no scan) ever sees it"
    caught = scan_like_the_hook(project)
    assert caught.returncode == 1
    assert "Discord Bot Token" in caught.stdout
    assert f"src/{package}/config.py:1" in caught.stdout
    assert ".env" not in caught.stdout.replace(".env.example", "")


def scan_like_ci(project: Path) -> subprocess.CompletedProcess[str]:
    """The generated CI's secret-scan step, with this environment's detect-secrets."""
    (step,) = [
        step
        for step in workflow_steps(project / ".github/workflows/ci.yml", job="secrets")
        if "run" in step
    ]
    scan = shlex.split(step["run"].split("|", 1)[1])
    assert scan[:5] == ["xargs", "-0", "uvx", "--from", "$SCANNER"]
    assert step["env"]["SCANNER"] == f"detect-secrets=={version('detect-secrets')}", "the hook's"
    assert scan[5] == "detect-secrets-hook"
    files = git(project, "ls-files").split()
    hook = [sys.executable, "-m", "detect_secrets.pre_commit_hook", *scan[6:], *files]
    return subprocess.run(hook, cwd=project, capture_output=True, text=True, check=False)


@pytest.mark.slow  # detect-secrets reads the whole project: about 12 s
@pytest.mark.parametrize("name", ["defaults", "first-bot"])
def test_generated_ci_scans_for_secrets_like_the_hook(
    name: str, rendered_project: Callable[[str], Path], tmp_path: Path
) -> None:
    """Without pre-commit too (a first bot has none), CI stops a committed token."""
    project = tmp_path / "mybot"
    shutil.copytree(rendered_project(name), project)
    git(project, "init", "-q")
    git(project, "add", "-A")
    clean = scan_like_ci(project)
    assert clean.returncode == 0, f"a fresh project must pass its own CI:\n{clean.stdout}"
    package = stored_answers(project)["package_name"]
    (project / "src" / package / "config.py").write_text(f'TOKEN = "{FAKE_TOKEN}"\n', "utf-8")
    git(project, "add", "-A")
    caught = scan_like_ci(project)
    assert caught.returncode == 1
    assert "Discord Bot Token" in caught.stdout


# --- Kubernetes ----------------------------------------------------------------------------


@pytest.mark.parametrize("kubernetes_version", KUBERNETES_VERSIONS)
def test_manifest_validates_against_kubernetes(full: Path, kubernetes_version: str) -> None:
    for resource in manifest(full):
        kubernetes_validate.validate(resource, kubernetes_version, strict=True)


def test_manifest_takes_the_token_from_a_secret(full: Path) -> None:
    text = (full / "deploy/kubernetes.yaml").read_text("utf-8")
    assert not re.search(r"[\w-]{20,}\.[\w-]{6}\.[\w-]{27,}", text), "no token in the manifest"
    (container,) = statefulset(full)["spec"]["template"]["spec"]["containers"]
    env = {variable["name"]: variable for variable in container["env"]}
    assert set(env["DISCORD_TOKEN"]) == {"name", "valueFrom"}
    assert env["DISCORD_TOKEN"]["valueFrom"]["secretKeyRef"]["key"] == "DISCORD_TOKEN"
    resources = container["resources"]
    assert resources["requests"]["cpu"] and resources["requests"]["memory"]
    assert resources["limits"]["memory"]
    pod = statefulset(full)["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True


def load_rendered_settings(project: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The project's own settings module, imported from its file (it needs only python-dotenv)."""
    package = stored_answers(project)["package_name"]
    path = project / "src" / package / "runtime" / "settings.py"
    spec = importlib.util.spec_from_file_location(f"{package}_settings_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up while the class is built; unregistered after the test.
    monkeypatch.setitem(sys.modules, spec.name, module)
    # The project is a shared render: read it, never write bytecode into it.
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    spec.loader.exec_module(module)
    return module


def pod_environment(container: dict[str, Any], ordinal: int) -> dict[str, str]:
    """The environment Kubernetes gives pod `ordinal`: literal values, the token from its
    Secret, and the downward API's pod-index label."""
    environment: dict[str, str] = {}
    for variable in container["env"]:
        source = variable.get("valueFrom", {})
        if "value" in variable:
            environment[variable["name"]] = variable["value"]
        elif "secretKeyRef" in source:
            environment[variable["name"]] = FAKE_TOKEN
        else:
            assert source["fieldRef"]["fieldPath"] == (
                "metadata.labels['apps.kubernetes.io/pod-index']"
            )
            environment[variable["name"]] = str(ordinal)
    return environment


def test_manifest_pods_split_the_shards_between_them(
    full: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every pod loads the bot's real settings; together they run each shard exactly once."""
    settings = load_rendered_settings(full, monkeypatch)
    spec = statefulset(full)["spec"]
    (container,) = spec["template"]["spec"]["containers"]
    shares = [
        settings.load_settings(tmp_path / "absent.env", environ=pod_environment(container, ordinal))
        for ordinal in range(spec["replicas"])
    ]
    count = shares[0].shard_count
    assert {share.shard_count for share in shares} == {count}
    shards = [shard for share in shares for shard in share.shard_ids]
    assert sorted(shards) == list(range(count))
    assert all(share.token == FAKE_TOKEN for share in shares)
    # Pods start minReadySeconds apart; each opens its shards 5 s apart (discord.py).
    assert spec["podManagementPolicy"] == "OrderedReady"
    widest = max(len(share.shard_ids) for share in shares)
    assert spec["minReadySeconds"] > 5 * widest


def test_names_stay_strings_that_docker_and_kubernetes_accept(
    template_folder: Path, tmp_path: Path
) -> None:
    """A package named like a YAML boolean and ending in "_": "on_" becomes image "on"."""
    data = {**answers("defaults"), "app_name": "On", "package_name": "on_"}
    project = copy_project(tmp_path / "mybot", data, template=template_folder)
    (service,) = yaml.safe_load((project / "compose.yaml").read_text("utf-8"))["services"].values()
    assert service["image"] == "on"
    dns_label = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
    for resource in manifest(project):
        kubernetes_validate.validate(resource, KUBERNETES_VERSIONS[-1], strict=True)
        assert resource["metadata"]["name"] == "on"
        # Pods are named NAME-ORDINAL and revisions NAME-HASH: DNS labels of 63 at most.
        assert dns_label.fullmatch(resource["metadata"]["name"])
    (container,) = statefulset(project)["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "on:latest"
    containers = (project / "docs" / "containers.md").read_text("utf-8")
    assert "docker build -t on ." in containers


def test_readme_shard_formula_is_discord_pys(full: Path) -> None:
    """docs/sharding.md's `shard = ...` rule computes what discord.py's Guild.shard_id does."""
    sharding = (full / "docs" / "sharding.md").read_text("utf-8")
    formula = re.search(r"shard = `\(guild_id >> (\d+)\) % SHARD_COUNT`", sharding)
    assert formula is not None
    shift = int(formula.group(1))
    for guild_id in (81384788765712384, 1_234_567_890_123_456_789, 2**63 - 1):
        for count in (1, 2, 7, 16):
            guild = SimpleNamespace(id=guild_id, _state=SimpleNamespace(shard_count=count))
            assert (guild_id >> shift) % count == discord.Guild.shard_id.fget(guild)


# --- The template repository's own hygiene -------------------------------------------------


def test_template_ci_workflow_runs_ci_run() -> None:
    workflow = TEMPLATE_ROOT / ".github/workflows/ci.yml"
    check_schema("vendor.github-workflows", workflow)
    check_schema("custom.github-workflows-require-timeout", workflow)
    assert run_commands(workflow) == ["bash .ci/run"]
    for step in workflow_steps(workflow):
        if "uses" in step:
            assert PINNED_ACTION.match(step["uses"]), step


def test_template_dependabot_and_pre_commit_configs_are_valid() -> None:
    check_schema("vendor.dependabot", TEMPLATE_ROOT / ".github/dependabot.yml")
    result = tool("pre_commit", "validate-config", ".pre-commit-config.yaml", cwd=TEMPLATE_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    config = yaml.safe_load((TEMPLATE_ROOT / ".pre-commit-config.yaml").read_text("utf-8"))
    hooks = {hook["id"] for repo in config["repos"] for hook in repo["hooks"]}
    assert {"ruff-check", "ruff-format"} <= hooks
    # Pinned by commit, the tag in a comment, as the rendered projects' hooks are.
    tags = frozen_tags((TEMPLATE_ROOT / ".pre-commit-config.yaml").read_text("utf-8"))
    assert set(tags) == {repo["repo"] for repo in config["repos"]}
    for repo in config["repos"]:
        assert re.fullmatch(r"[0-9a-f]{40}", repo["rev"]), "a commit, not a tag or a branch"
