"""Runs eventkit's and a service's revisions on the connection that `migrate` locked and opened."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from eventkit.postgres.schema import metadata


def run_migrations(connection: Connection, schema: str | None) -> None:
    """Applies the revisions inside the caller's transaction, so the caller's advisory lock covers them."""
    context.configure(connection=connection, target_metadata=metadata, version_table_schema=schema)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("eventkit migrations run online only: call eventkit.postgres.migrations.migrate()")
run_migrations(context.config.attributes["connection"], context.config.attributes.get("schema"))
