"""Alembic environment and revisions of eventkit's own tables (branch label `eventkit`)."""
