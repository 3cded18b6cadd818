"""Alembic's environment: how the migrations in migrations/ run, for every `db` verb and `run`.

Alembic executes this file for each command. runtime/database.py opens the connection (SQLite's
foreign keys off, since batch migrations copy tables) and passes it in with models.py's metadata,
as Alembic's cookbook shows for asyncio ("connection sharing"); there is no alembic.ini.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from alembic import context
from alembic.operations import MigrationScript
from alembic.runtime.migration import MigrationContext, MigrationInfo
from sqlalchemy import Connection, MetaData

config = context.config
connection: Connection = config.attributes["connection"]
target_metadata: MetaData = config.attributes["target_metadata"]
report: Callable[[str], object] = config.attributes["report"]
# Any constant: the PostgreSQL advisory lock that several `db upgrade` at once take in turn.
MIGRATION_LOCK = 7_302_013


def skip_empty_revision(
    migration_context: MigrationContext,
    revision: str | Iterable[str | None] | Iterable[str],
    directives: list[MigrationScript],
) -> None:
    """`db revision` writes no file when models.py and the migrations already agree."""
    upgrade = directives[0].upgrade_ops
    if upgrade is not None and upgrade.is_empty():
        directives.clear()


def reported(
    ctx: MigrationContext, step: MigrationInfo, heads: Collection[str], run_args: Mapping[str, Any]
) -> None:
    """One line per migration applied or undone."""
    verb = "Applied" if step.is_upgrade else "Undid"
    revision = step.up_revision
    report(f"  {verb} {step.up_revision_id}: {getattr(revision, 'doc', '')}")


def run_migrations() -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most of a table: autogenerate writes batch_alter_table blocks,
        # which copy the table there and are plain ALTERs elsewhere. One migration, both.
        render_as_batch=True,
        # SQLAlchemy begins SQLite's transactions itself (runtime/database.py), so that a
        # migration that fails is undone whole, on SQLite as on PostgreSQL.
        transactional_ddl=True,
        process_revision_directives=skip_empty_revision,
        on_version_apply=reported,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":  # pods starting together migrate in turn
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        context.run_migrations()
        if connection.dialect.name == "sqlite":  # foreign keys were off: check them now
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken:
                raise RuntimeError(f"rows whose foreign keys point nowhere: {broken[:5]}")


run_migrations()
