"""The database question and what each answer ships, checked on renders without installing them.

none ships nothing of storage; sqlite and postgresql ship the same models, migrations and notes
cog, with the drivers, container services, Kubernetes objects and CI service of their kind. The
rendered projects' own suites (tests/project/test_generated_project.py: "defaults" is SQLite,
"postgresql" a server) run that code for real.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from support.answer_sets import answers
from support.questionnaire import default, questions
from support.render import copy_project, stored_answers
from support.shipping import KUBERNETES_VERSIONS, build_context, check_schema, manifest, statefulset
from support.template import hooks_module

# The answer sets of each `database` answer, every other part on (a bot to ship).
SETS = {"none": "no-storage", "sqlite": "defaults", "postgresql": "postgresql"}
# What storage adds to a project.
STORAGE_FILES = (
    "src/{package}/models.py",
    "src/{package}/migrations/0001_notes.py",
    "src/{package}/cogs/notes.py",
    "src/{package}/runtime/database.py",
    "src/{package}/runtime/alembic/env.py",
    "src/{package}/runtime/alembic/script.py.mako",
    "tests/test_notes.py",
    "tests/runtime/test_database.py",
    "tests/support/databases.py",
    "docs/storage.md",
)
# The files that are the same whichever database: the author's, and the machinery's.
SAME_ON_BOTH = STORAGE_FILES[:6]
STORAGE_PACKAGES = {"sqlalchemy", "alembic", "aiosqlite", "asyncpg"}
DRIVERS = {"sqlite": {"aiosqlite"}, "postgresql": {"aiosqlite", "asyncpg"}}
HEX_PASSWORD = re.compile(r"^POSTGRES_PASSWORD=([0-9a-f]{32})$", re.MULTILINE)


@pytest.fixture(scope="module")
def rendered(rendered_project: Callable[[str], Path]) -> Callable[[str], Path]:
    """The project of each `database` answer, rendered once (shared: read it, never write)."""
    return lambda database: rendered_project(SETS[database])


def dependencies(project: Path) -> set[str]:
    pyproject = tomllib.loads((project / "pyproject.toml").read_text("utf-8"))
    specs = pyproject["project"]["dependencies"]
    return {re.split(r"[<>=\[ ;]", spec, maxsplit=1)[0].lower() for spec in specs}


def storage_files(project: Path) -> list[str]:
    package = stored_answers(project)["package_name"]
    return [path.format(package=package) for path in STORAGE_FILES]


def test_the_sets_answer_each_database() -> None:
    for database, name in SETS.items():
        answered = answers(name)
        assert answered.get("database", default("database", answered)) == database, name


# --- The question --------------------------------------------------------------------------


def test_the_question_offers_three_answers_in_every_preset() -> None:
    question = questions()["database"]
    assert question["choices"] == {
        "No storage": "none",
        "A file on this machine (SQLite)": "sqlite",
        "A PostgreSQL server, for several processes": "postgresql",
    }
    assert "ask" not in question and "when" not in question, "asked in every preset"
    names = list(questions())
    assert names.index("command_prefix") < names.index("database") < names.index("author_name")


@pytest.mark.parametrize(
    ("earlier", "expected"),
    [
        ({"preset": "bot-to-ship"}, "sqlite"),
        ({"preset": "first-bot"}, "none"),
        ({"preset": "custom"}, "sqlite"),
        # A bot made before the question: its stored answers name the toggles, so its preset
        # is custom, and an update keeps it without storage.
        ({"preset": "custom", "docker": True}, "none"),
        # A template without the preset question still asks it.
        ({}, "sqlite"),
    ],
)
def test_the_default_depends_on_the_preset(earlier: dict[str, Any], expected: str) -> None:
    assert default("database", earlier) == expected


# --- What each answer ships ----------------------------------------------------------------


def test_no_storage_ships_nothing_of_it(rendered: Callable[[str], Path]) -> None:
    project = rendered("none")
    for path in storage_files(project):
        assert not (project / path).exists(), path
    assert not dependencies(project) & STORAGE_PACKAGES
    sources = "\n".join(path.read_text("utf-8") for path in (project / "src").rglob("*.py"))
    assert not re.search(r"^\s*(from|import) (sqlalchemy|alembic)\b", sources, re.MULTILINE)
    assert 'DATABASE: Literal["sqlite", "postgresql"] | None = None' in sources
    for name in (".env", ".env.example"):
        assert not re.search(
            r"^(# )?(DATABASE_URL|POSTGRES_PASSWORD)=", (project / name).read_text()
        )
    compose = yaml.safe_load((project / "compose.yaml").read_text("utf-8"))
    assert "volumes" not in compose and list(compose["services"]) == ["bot"]
    assert "/home/bot/data" not in (project / "Dockerfile").read_text("utf-8")
    spec = statefulset(project)["spec"]
    assert "volumeClaimTemplates" not in spec and "initContainers" not in spec["template"]["spec"]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_storage_ships_one_set_of_models_and_migrations(
    database: str, rendered: Callable[[str], Path]
) -> None:
    project = rendered(database)
    for path in storage_files(project):
        assert (project / path).is_file(), path
    assert dependencies(project) & STORAGE_PACKAGES == {"sqlalchemy", "alembic"} | DRIVERS[database]
    package = stored_answers(project)["package_name"]
    app = (project / "src" / package / "app.py").read_text("utf-8")
    assert f'DATABASE: Literal["sqlite", "postgresql"] | None = "{database}"' in app
    # The same files on both: only app.py, the settings and the deployment differ.
    other = rendered("postgresql" if database == "sqlite" else "sqlite")
    for path in SAME_ON_BOTH:
        path = path.format(package=package)
        assert (project / path).read_bytes() == (other / path).read_bytes(), path


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_data_stays_out_of_git_and_of_the_image(
    database: str, rendered: Callable[[str], Path], tmp_path: Path
) -> None:
    # A working copy of its own, where the bot has run: the shared render stays as rendered.
    project = shutil.copytree(rendered(database), tmp_path / "mybot")
    package = stored_answers(project)["package_name"]
    data_file = project / "data" / f"{package}.db"
    data_file.parent.mkdir()
    data_file.write_bytes(b"SQLite format 3\x00")
    (project / "src" / package / "stray.db").write_bytes(b"SQLite format 3\x00")
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", data_file.relative_to(project).as_posix()],
        cwd=project,
        check=False,
    )
    assert ignored.returncode == 0, "data/ is git-ignored"
    context = build_context(project)
    assert not [path for path in context if path.startswith("data/") or path.endswith(".db")]
    assert f"src/{package}/migrations/0001_notes.py" in context, "the image can migrate"


def test_sqlite_keeps_its_file_on_a_volume_of_one_pod(rendered: Callable[[str], Path]) -> None:
    project = rendered("sqlite")
    document = yaml.safe_load((project / "compose.yaml").read_text("utf-8"))
    assert list(document["services"]) == ["bot"]
    assert document["services"]["bot"]["volumes"] == ["data:/home/bot/data"]
    assert "data" in document["volumes"]
    dockerfile = (project / "Dockerfile").read_text("utf-8")
    assert "install -d -o 10001 -g 10001 /home/bot/data" in dockerfile, "the volume's owner"
    spec = statefulset(project)["spec"]
    assert spec["replicas"] == 1, "one file, one process"
    (container,) = spec["template"]["spec"]["containers"]
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert env["SHARD_GROUP_COUNT"] == "1"
    (claim,) = spec["volumeClaimTemplates"]
    mounts = container["volumeMounts"]
    assert {"name": claim["metadata"]["name"], "mountPath": "/home/bot/data"} in mounts
    assert spec["template"]["spec"]["securityContext"]["fsGroup"] == 10001


def test_postgresql_gets_a_server_a_migration_step_and_a_password_of_its_own(
    rendered: Callable[[str], Path], template_folder: Path, tmp_path: Path
) -> None:
    project = rendered("postgresql")
    package = stored_answers(project)["package_name"]
    compose = project / "compose.yaml"
    check_schema("vendor.compose-spec", compose)
    services = yaml.safe_load(compose.read_text("utf-8"))["services"]
    postgres, migrate, bot = services["postgres"], services["migrate"], services["bot"]
    assert postgres["image"] == hooks_module("pins").postgres_image, "pinned: hooks/pins.jinja"
    assert postgres["healthcheck"]["test"][0] == "CMD-SHELL"
    assert postgres["volumes"] == ["postgres:/var/lib/postgresql/data"]
    assert postgres["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert migrate["command"] == [package, "db", "upgrade"]
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert bot["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    for service in (bot, migrate):
        assert "${POSTGRES_PASSWORD}@postgres:5432" in service["environment"]["DATABASE_URL"]

    (password,) = HEX_PASSWORD.findall((project / ".env").read_text("utf-8"))
    # Made up for each copy: a second one gets another.
    again = copy_project(tmp_path / "again", answers("postgresql"), template=template_folder)
    assert HEX_PASSWORD.findall((again / ".env").read_text("utf-8")) != [password]
    holders = [
        path.relative_to(project).as_posix()
        for path in project.rglob("*")
        if path.is_file() and password in path.read_text("utf-8", errors="replace")
    ]
    assert holders == [".env"], "the password is in .env only: never in compose, image or git"

    for resource in manifest(project):
        for version in KUBERNETES_VERSIONS:
            kubernetes_validate.validate(resource, version, strict=True)
    pod = statefulset(project)["spec"]["template"]["spec"]
    (init,) = pod["initContainers"]
    assert init["command"] == [package, "db", "upgrade"]
    for container in (init, pod["containers"][0]):
        (url,) = [item for item in container["env"] if item["name"] == "DATABASE_URL"]
        assert url["valueFrom"]["secretKeyRef"]["name"].endswith("-database")

    workflow = yaml.safe_load((project / ".github/workflows/ci.yml").read_text("utf-8"))
    job = workflow["jobs"]["test"]
    assert job["services"]["postgres"]["image"] == hooks_module("pins").postgres_image
    (test_step,) = [step for step in job["steps"] if step.get("name") == "Test"]
    assert test_step["env"]["TEST_DATABASE_URL"].startswith("postgresql+asyncpg://")
