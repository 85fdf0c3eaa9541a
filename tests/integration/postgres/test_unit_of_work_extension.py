"""A service extends the PostgreSQL unit of work with its own repository on the same transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Self

import pytest
from sqlalchemy import Connection, Engine, text

from eventkit.eventstore.model import NewEvent
from eventkit.postgres.unit_of_work import PostgresUnitOfWork


class Notes:
    """A service's own repository, written through the unit of work's connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, note: str) -> None:
        self._connection.execute(text("INSERT INTO notes (note) VALUES (:note)"), {"note": note})


class ServiceUnitOfWork(PostgresUnitOfWork):
    def __enter__(self) -> Self:
        super().__enter__()
        self.notes = Notes(self.connection)
        return self


@pytest.fixture
def notes_table(engine: Engine) -> Iterator[None]:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (note text PRIMARY KEY)"))
    yield
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE notes"))


def _notes(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT note FROM notes ORDER BY note")).scalars())


@pytest.mark.usefixtures("notes_table")
def test_a_subclass_repository_commits_and_rolls_back_with_the_events(engine: Engine) -> None:
    kept, dropped = f"record-{uuid.uuid4()}", f"record-{uuid.uuid4()}"
    with ServiceUnitOfWork(engine) as uow:
        uow.events.append(kept, 0, [NewEvent("DataReceived", {})])
        uow.notes.add("kept")
        uow.commit()
    with ServiceUnitOfWork(engine) as uow:
        uow.events.append(dropped, 0, [NewEvent("DataReceived", {})])
        uow.notes.add("dropped")

    assert _notes(engine) == ["kept"]
    with PostgresUnitOfWork(engine) as uow:
        assert len(uow.events.read_stream(kept)) == 1
        assert uow.events.read_stream(dropped) == []


def test_the_connection_is_only_there_inside_the_block(engine: Engine) -> None:
    uow = PostgresUnitOfWork(engine)
    with pytest.raises(RuntimeError, match="inside `with uow:`"):
        _ = uow.connection
    with uow:
        assert uow.connection.execute(text("SELECT 1")).scalar_one() == 1
    with pytest.raises(RuntimeError):
        _ = uow.connection
