"""Creates SQLAlchemy engines for a service's own PostgreSQL database, and probes them."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, make_url, text

from eventkit.health import Check

_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
U = TypeVar("U")


def make_engine(database_url: str, *, pool_size: int = 10, search_path: str | None = None) -> Engine:
    """Builds a pooled engine; connections are checked before use so a restarted server is survived.

    `search_path` puts every connection in that PostgreSQL schema (tests use one schema per session).
    """
    # SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3; we run on psycopg2.
    url = make_url(database_url).set(drivername="postgresql+psycopg2")
    connect_args: dict[str, Any] = {"connect_timeout": 5, "application_name": "dataingest"}
    if search_path is not None:
        connect_args["options"] = f"-c search_path={checked_schema_name(search_path)}"
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args=connect_args,
    )


def checked_schema_name(name: str) -> str:
    """Returns `name` if it is a plain lower-case PostgreSQL identifier, else raises ValueError."""
    # Plain names need no quoting, neither in SQL nor in the libpq `options` string.
    if not _SCHEMA_NAME.fullmatch(name):
        raise ValueError(f"schema name must match {_SCHEMA_NAME.pattern}, got {name!r}")
    return name


def postgres_check(engine: Engine) -> Check:
    def check() -> str:
        with engine.connect() as conn:
            database = conn.execute(text("SELECT current_database()")).scalar_one()
        return f"database {database} answers"

    return check


def postgres_units_of_work(
    database_url: str, unit_of_work: Callable[[Engine], U], given: Callable[[], U] | None = None
) -> tuple[Callable[[], U], dict[str, Check]]:
    """The given unit of work factory (tests pass fakes) and no checks, or units of work on one new engine
    for the service's own database and that database's readiness check."""
    if given is not None:
        return given, {}
    engine = make_engine(database_url)
    return partial(unit_of_work, engine), {"postgres": postgres_check(engine)}
