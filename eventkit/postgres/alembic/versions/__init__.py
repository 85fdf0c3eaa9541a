"""eventkit's revisions; alembic loads them by path, this file only makes them a package for tools."""
