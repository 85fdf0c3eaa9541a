"""Entry points the tests start as separate processes: a migrating service, and a relay to kill -9.

python -m tests.integration.postgres.processes migrate <database_url> <schema> <go_file>
python -m tests.integration.postgres.processes relay <database_url> <schema> <lock_key> <out_file>
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from eventkit.messaging import OutboundMessage
from eventkit.postgres.engine import make_engine
from eventkit.postgres.migrations import migrate
from eventkit.postgres.relay import PostgresOutboxRelay


class FilePublisher:
    """Appends each message's event id and sequence id to a file, flushed, so the test can read it."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def publish(self, messages: Sequence[OutboundMessage]) -> None:
        with self._path.open("a", encoding="utf-8") as out:
            out.writelines(f"{m.event_id} {m.sequence_id}\n" for m in messages)

    def close(self) -> None:
        pass


def _migrate(database_url: str, schema: str, go_file: str) -> None:
    # Imports are done: wait for the others, so the migrations really start together.
    while not Path(go_file).exists():
        time.sleep(0.005)
    migrate(database_url, schema=schema)


def _relay(database_url: str, schema: str, lock_key: str, out_file: str) -> None:
    engine = make_engine(database_url, search_path=schema, pool_size=2)
    relay = PostgresOutboxRelay(
        engine, FilePublisher(Path(out_file)), lock_key=int(lock_key), poll_interval_s=0.2
    )
    relay.run(threading.Event())  # until killed


ENTRY_POINTS: dict[str, Callable[..., None]] = {"migrate": _migrate, "relay": _relay}

if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    ENTRY_POINTS[command](*arguments)
