"""`rotate-keys` on the real PostgreSQL: keys made under KEK 1 are rewrapped under a new KEK in batches, KEK 1
is retired, and every record still reads and unwraps; an erased key stays destroyed."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, text

from ingestion_svc.adapters.postgres.rotation import rotate_keys
from ingestion_svc.adapters.postgres.unit_of_work import PostgresIngestionUnitOfWork
from ingestion_svc.application.commands import EraseRecord, IngestRecord, RequestContext
from ingestion_svc.application.handler import IngestRecords
from ingestion_svc.application.queries import IngestionQueries
from tests.helpers import run_service
from tests.ingestion_db import migrated_ingestion_engine, write_kek_file
from tests.stack import StackEndpoints

TOPIC = "persistent://public/default/data-ingested"
CTX = RequestContext("corr-rotation", "caller")


def _kek_ids(engine: Engine) -> list[str | None]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT kek_id FROM data_keys ORDER BY data_id")).scalars())


def test_rotate_then_retire_kek_1_and_every_record_still_reads_and_unwraps(
    stack: StackEndpoints, tmp_path: Path
) -> None:
    path = tmp_path / "kek.json"
    keks = write_kek_file(path)
    with migrated_ingestion_engine(stack.ingestion_db_url) as engine:

        def uow() -> PostgresIngestionUnitOfWork:
            return PostgresIngestionUnitOfWork(engine, keks)

        handler, queries = IngestRecords(uow, TOPIC), IngestionQueries(uow)
        ids = [
            r.id for r in handler.ingest_batch([IngestRecord("p", {"n": n}) for n in range(7)], CTX).receipts
        ]
        before = queries.data_keys(ids).keys
        handler.erase(EraseRecord(ids[0], "admin:*:k"), CTX)
        lines: list[str] = []
        result = rotate_keys(engine, str(path), retire=True, batch_size=4, report=lines.append)

        assert result.rewrapped == 6 and result.retired == ["kek-1"] and result.still_used == []
        assert [line for line in lines if line.startswith("rewrapped")] == ["rewrapped 4/6", "rewrapped 6/6"]
        document = json.loads(path.read_text())
        assert (document["current"], list(document["keys"])) == (result.current, [result.current])
        assert sorted(_kek_ids(engine), key=str) == sorted([None] + [result.current] * 6, key=str)
        # The running service's KekFile read the new file on its own: no restart.
        after = queries.data_keys(ids)
        assert after.keys == {i: before[i] for i in ids[1:]} and after.erased == [ids[0]]
        assert [queries.get(i).payload for i in ids[1:]] == [{"n": n} for n in range(1, 7)]
        assert queries.get(ids[0]).payload is None
        new = handler.ingest(IngestRecord("p", {"n": 99}), CTX).receipt.id
        assert _kek_ids(engine).count(result.current) == 7 and queries.get(new).payload == {"n": 99}


def test_the_command_line_rotates_with_progress_and_refuses_without_a_kek_file(
    stack: StackEndpoints, tmp_path: Path
) -> None:
    path = tmp_path / "kek.json"
    keks = write_kek_file(path)
    with migrated_ingestion_engine(stack.ingestion_db_url) as engine:
        IngestRecords(lambda: PostgresIngestionUnitOfWork(engine, keks), TOPIC).ingest(
            IngestRecord("p", {}), CTX
        )
        with engine.connect() as connection:  # the test's throwaway schema, for the command's connections
            schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        environ = {
            "DATABASE_URL": stack.ingestion_db_url,
            "INGESTION_KEK_FILE": str(path),
            "PGOPTIONS": f"-c search_path={schema}",
        }
        done = run_service("ingestion_svc", "rotate-keys", "--retire", env=environ)
        assert done.returncode == 0, done.stderr
        assert "rewrapped 1/1" in done.stdout and "retired KEK kek-1" in done.stdout
        assert list(json.loads(path.read_text())["keys"]) != ["kek-1"]
        refused = run_service(
            "ingestion_svc", "rotate-keys", "--retire", env={"DATABASE_URL": stack.ingestion_db_url}
        )
        assert refused.returncode == 2 and "INGESTION_KEK_FILE" in refused.stderr
