"""The validation log in Redis Streams: a stream per record, a global stream, and the outbox stream."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import redis
from prometheus_client import Counter
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_exponential

from validation_svc.adapters.entries import entry_fields, entry_from_json, outbox_fields
from validation_svc.adapters.redis.keys import Keys
from validation_svc.application.ports import PendingRun
from validation_svc.domain.errors import StoreUnavailable
from validation_svc.domain.log import RecordedEntry

# One script, so the dedupe check, the log entries, the sequence number and the outbox entry are one
# atomic step: Redis runs a script to the end before any other command, and with appendfsync always
# its effects are on disk before the reply that lets the consumer acknowledge.
_APPEND_RUN = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
local count = tonumber(ARGV[2])
for i = 1, count do
  redis.call('XADD', KEYS[2], '*', 'entry', ARGV[2 + i])
  redis.call('XADD', KEYS[3], '*', 'entry', ARGV[2 + i])
end
local sequence = redis.call('INCR', KEYS[5])
local o = 2 + count
redis.call('XADD', KEYS[4], '*', 'event_id', ARGV[o + 1], 'topic', ARGV[o + 2], 'key', ARGV[o + 3],
  'payload', ARGV[o + 4], 'properties', ARGV[o + 5], 'sequence_id', sequence)
redis.call('HSET', KEYS[1], ARGV[1], sequence)
return 1
"""


STORE_RETRIES = Counter(
    "validation_store_retries", "Validation log writes retried while Redis was unreachable"
)


class RedisValidationLog:
    def __init__(self, client: redis.Redis, keys: Keys | None = None, *, retry_for_s: float = 30.0) -> None:
        # A Redis restart takes seconds; failing at once would burn the message's few redeliveries
        # and dead-letter a good record. The script is idempotent by event_id, so retrying is safe.
        self._retrying = Retrying(
            retry=retry_if_exception_type((redis.ConnectionError, redis.TimeoutError)),
            wait=wait_exponential(multiplier=0.1, max=2.0),
            stop=stop_after_delay(retry_for_s),
            before_sleep=lambda _: STORE_RETRIES.inc(),
            reraise=True,
        )
        self._client = client
        self.keys = keys or Keys()
        self._append = client.register_script(_APPEND_RUN)

    def append_run(self, run: PendingRun) -> bool:
        return self.append_runs([run])[0]

    def append_runs(self, runs: Sequence[PendingRun]) -> list[bool]:
        # One round trip for the batch (a pipeline, not a transaction: each script is atomic on its own).
        # Redis also writes and fsyncs the append-only file once per event-loop pass, so the runs of one
        # pipeline share one fsync instead of paying one each.
        if any(not run.entries for run in runs):
            raise ValueError("a validation run has at least its started and completed entries")
        if not runs:
            return []

        def append_all() -> list[bool]:
            pipeline = self._client.pipeline(transaction=False)
            for run in runs:
                self._append(keys=self._script_keys(run), args=_script_args(run), client=pipeline)
            return [bool(appended) for appended in pipeline.execute()]

        try:
            return self._retrying(append_all)
        except redis.RedisError as error:
            raise StoreUnavailable(f"redis: {error}") from error

    def _script_keys(self, run: PendingRun) -> list[str]:
        keys = self.keys
        return [keys.handled, keys.record(run.entries[0].data_id), keys.log, keys.outbox, keys.sequence]

    def record_log(self, data_id: str) -> list[RecordedEntry]:
        try:
            rows: Any = self._client.xrange(self.keys.record(data_id))
        except redis.RedisError as error:
            raise StoreUnavailable(f"redis: {error}") from error
        return [
            RecordedEntry(entry_id.decode(), entry_from_json(fields[b"entry"])) for entry_id, fields in rows
        ]


def _script_args(run: PendingRun) -> list[str | int]:
    out = outbox_fields(run.outgoing)
    args: list[str | int] = [run.causation_id, len(run.entries), *(entry_fields(e) for e in run.entries)]
    return [*args, out["event_id"], out["topic"], out["key"], out["payload"], out["properties"]]
