"""Creates SQLAlchemy engines for a service's own PostgreSQL database, and probes them."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, make_url, text

from eventkit.health import Check


def make_engine(database_url: str, *, pool_size: int = 10) -> Engine:
    """Builds a pooled engine; connections are checked before use so a restarted server is survived."""
    # SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3; we run on psycopg2.
    url = make_url(database_url).set(drivername="postgresql+psycopg2")
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args={"connect_timeout": 5, "application_name": "dataingest"},
    )


def postgres_check(engine: Engine) -> Check:
    def check() -> str:
        with engine.connect() as conn:
            database = conn.execute(text("SELECT current_database()")).scalar_one()
        return f"database {database} answers"

    return check
