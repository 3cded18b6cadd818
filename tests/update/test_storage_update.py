"""`copier update` never touches the author's tables or migrations: from the first render on,
models.py and migrations/ are theirs.

The template is released twice: v0.1.0 (the working tree), then a v0.2.0 whose storage changed
(a column in models.py and a migration for it, a reworded notes cog). Meanwhile the author added
a table and its migration. After the update their files are byte for byte as they left them,
the template's migration is not beside theirs (it would be a second head, and it would not
match their models.py), and the template's other changes still land. A bot made without
storage gets it later with `copier update --data database=sqlite`; one that has it loses the
template's files with `--data database=none`, but never the author's migrations or data.
"""

from __future__ import annotations

import ast
from pathlib import Path

import copier
import pytest
from test_update import (  # noqa: F401  (author_environment: the module's autouse fixture)
    CONFLICT_MARKER,
    TEMPLATE_NAME,
    V1,
    V2,
    author_environment,
    commit_all,
    copy_from,
    git,
    make_template_repo,
    replace_line,
    start_repository,
)

# Each test builds template releases in git and runs copier on them: seconds apiece.
pytestmark = pytest.mark.slow

STORAGE = "template/src/{{ package_name }}"
MODELS = f"{STORAGE}/{{% if database != 'none' %}}models.py{{% endif %}}"
MIGRATIONS = f"{STORAGE}/{{% if database != 'none' %}}migrations{{% endif %}}"
NOTES_COG = f"{STORAGE}/cogs/{{% if database != 'none' %}}notes.py{{% endif %}}"
NOTES_DOCSTRING = (
    "Copy me for commands that keep data: open one `self.database.session()` per command (it",
    "Copy me for commands that keep data. Open one `self.database.session()` per command (it",
)

# The template's v0.2.0: notes get a pinned flag, and its migration.
TEMPLATE_COLUMN = "    pinned: Mapped[bool] = mapped_column(default=False)\n"
TEMPLATE_MIGRATION = '''"""pinned notes"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | tuple[str, ...] | None = "0001"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notes") as batch_op:
        batch_op.add_column(sa.Column("pinned", sa.Boolean(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("notes") as batch_op:
        batch_op.drop_column("pinned")
'''

# The author's own table and migration, written before the update.
AUTHOR_TABLE = '''

class Reminder(Base):
    """A reminder for later (/remind)."""

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(String(NOTE_LENGTH))
'''
AUTHOR_MIGRATION_NAME = "2027_01_05_5b1f2c3d4e6a_reminders.py"
AUTHOR_MIGRATION = '''"""reminders"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "5b1f2c3d4e6a"
down_revision: str | tuple[str, ...] | None = "0001"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
    )


def downgrade() -> None:
    op.drop_table("reminders")
'''


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory: pytest.TempPathFactory, template_folder: Path) -> Path:
    """v0.1.0 (the working tree), then v0.2.0: a column and its migration, a reworded cog."""
    repo = make_template_repo(template_folder, tmp_path_factory.mktemp("releases") / TEMPLATE_NAME)
    models = repo / MODELS
    text = models.read_text(encoding="utf-8")
    models.write_text(text.rstrip("\n") + "\n" + TEMPLATE_COLUMN, encoding="utf-8")
    (repo / MIGRATIONS / "0002_pinned.py").write_text(TEMPLATE_MIGRATION, encoding="utf-8")
    replace_line(repo / NOTES_COG, *NOTES_DOCSTRING)
    commit_all(repo, "Release 0.2.0")
    git(repo, "tag", V2)
    return repo


def authored(repo: Path, destination: Path) -> Path:
    """A v0.1.0 bot with SQLite whose author added a table and its migration; its package."""
    project = copy_from(repo, destination, V1, database="sqlite")
    start_repository(project)
    package = project / "src" / "weather_bot"
    models = package / "models.py"
    models.write_text(models.read_text(encoding="utf-8") + AUTHOR_TABLE, encoding="utf-8")
    (package / "migrations" / AUTHOR_MIGRATION_NAME).write_text(AUTHOR_MIGRATION, "utf-8")
    commit_all(project, "Reminders")
    return package


def update(project: Path, **options: object) -> None:
    """`copier update` as the author runs it: no --trust, every answer kept but `data`."""
    copier.run_update(project, defaults=True, overwrite=True, unsafe=False, quiet=True, **options)


def heads(migrations: Path) -> set[str]:
    """The newest migrations of a folder: revisions no other one builds on."""
    revisions, parents = set(), set()
    for path in migrations.glob("*.py"):
        constants = {
            node.target.id: ast.literal_eval(node.value)
            for node in ast.parse(path.read_text(encoding="utf-8")).body
            if isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.value is not None
        }
        revisions.add(constants["revision"])
        parents.add(constants["down_revision"])
    return revisions - parents


def test_update_keeps_the_authors_models_and_migrations(
    template_repo: Path, tmp_path: Path
) -> None:
    package = authored(template_repo, tmp_path / "weather-bot")
    project = package.parents[1]
    models = package / "models.py"
    theirs = {
        path.relative_to(project): path.read_bytes()
        for path in [models, *(package / "migrations").glob("*.py")]
    }

    update(project)

    assert {path: (project / path).read_bytes() for path in theirs} == theirs
    assert sorted(path.name for path in (package / "migrations").glob("*.py")) == [
        "0001_notes.py",
        AUTHOR_MIGRATION_NAME,
    ], "no template migration beside the author's"
    assert heads(package / "migrations") == {"5b1f2c3d4e6a"}, "one newest migration"
    assert "pinned" not in models.read_text(encoding="utf-8")
    cog = (package / "cogs" / "notes.py").read_text(encoding="utf-8")
    assert NOTES_DOCSTRING[1] in cog, "the template's other changes land"
    assert f"_commit: {V2}" in (project / ".copier-answers.yml").read_text(encoding="utf-8")
    changed = git(project, "status", "--porcelain").splitlines()
    assert not [line for line in changed if "models.py" in line or "migrations/" in line]
    assert not [
        path for path in project.rglob("*.py") if CONFLICT_MARKER.search(path.read_text("utf-8"))
    ]


def test_storage_can_be_switched_on_later(template_repo: Path, tmp_path: Path) -> None:
    """A bot made without storage gets the models, the first migration and the notes cog."""
    project = copy_from(template_repo, tmp_path / "weather-bot", V1, database="none")
    start_repository(project)
    package = project / "src" / "weather_bot"
    assert not (package / "models.py").exists()

    update(project, data={"database": "sqlite"}, vcs_ref=V1)

    for path in ("models.py", "migrations/0001_notes.py", "cogs/notes.py", "runtime/database.py"):
        assert (package / path).is_file(), path
    assert heads(package / "migrations") == {"0001"}
    assert "sqlalchemy" in (project / "pyproject.toml").read_text(encoding="utf-8")


def test_storage_switched_off_keeps_the_authors_migrations_and_data(
    template_repo: Path, tmp_path: Path
) -> None:
    """As docs/storage.md says: the template's files go, git shows it, the author's stay."""
    package = authored(template_repo, tmp_path / "weather-bot")
    project = package.parents[1]
    models = (package / "models.py").read_bytes()
    data = project / "data" / "weather_bot.db"  # git-ignored
    data.parent.mkdir()
    data.write_bytes(b"SQLite format 3\x00rows")
    storage_page = (project / "docs" / "storage.md").read_text(encoding="utf-8")
    assert "`--data database=none` takes storage out" in storage_page

    update(project, data={"database": "none"}, vcs_ref=V1)

    deleted = {
        line[3:] for line in git(project, "status", "--porcelain").splitlines() if line[:3] == " D "
    }
    assert {
        "src/weather_bot/models.py",
        "src/weather_bot/migrations/0001_notes.py",
        "src/weather_bot/cogs/notes.py",
    } <= deleted
    assert (package / "migrations" / AUTHOR_MIGRATION_NAME).read_text("utf-8") == AUTHOR_MIGRATION
    assert data.read_bytes() == b"SQLite format 3\x00rows", "the data stays where it is"
    git(project, "checkout", "--", "src/weather_bot/models.py")
    assert (package / "models.py").read_bytes() == models, "git checkout -- PATH keeps one"
