"""Poison messages published straight to the topics: exactly they end in the dead-letter topics."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter

import pulsar

from contracts import dead_letter_topic
from reliability.evidence import Window
from reliability.faults.base import Fault, FaultContext

NAMESPACE = "persistent://public/default"
SUBSCRIPTIONS = {
    "data-ingested": ("validation_svc", "processing_svc", "query-projector"),
    "data-validated": ("query-projector",),
    "data-processed": ("query-projector",),
}


def poison_messages(tag: str, topic: str) -> list[tuple[str, bytes]]:
    """An undecodable message and a schema-invalid event (key, bytes), both naming the run's tag."""
    invalid = {
        "event_type": "DataIngested",
        "schema_version": 1,
        "data_id": f"poison-{tag}",
        "data": {"x": f"poison-{tag}"},
    }
    return [
        (f"poison-{tag}-{topic}-raw", b"\xff\xfe not json at all poison-" + tag.encode()),
        (f"poison-{tag}-{topic}-schema", json.dumps(invalid).encode()),
    ]


class Poison(Fault):
    """Publishes poison to every topic mid-stream; afterwards each subscription's dead-letter topic must
    hold exactly that poison, and none of the stream's records (also those whose payload fails a step)."""

    name = "poison messages"
    what = "undecodable and schema-invalid messages on every topic, amid records whose payload fails a step"

    touches_stream = True

    async def inject(self, ctx: FaultContext) -> None:
        await ctx.after_share(0.3)
        published_at = time.monotonic()
        await asyncio.to_thread(self._publish, ctx)
        # Amid the stream: records sent or acknowledged within a second either side of the publishing.
        await asyncio.sleep(1.0)
        ctx.windows.append(Window("poison published", published_at - 1.0, time.monotonic()))

    def _publish(self, ctx: FaultContext) -> None:
        client = ctx.stack.pulsar_client()
        try:
            for topic in SUBSCRIPTIONS:
                producer = client.create_producer(f"{NAMESPACE}/{topic}", batching_enabled=False)
                for key, data in poison_messages(ctx.ledger.tag, topic):
                    producer.send(data, partition_key=key)
                producer.close()
        finally:
            client.close()

    async def verify(self, ctx: FaultContext) -> None:
        expected = {
            (topic, subscription): 2
            for topic, subscriptions in SUBSCRIPTIONS.items()
            for subscription in subscriptions
        }
        deadline = time.monotonic() + 90
        while True:
            found, strays = await asyncio.to_thread(self._dead_letters, ctx)
            if found == expected or time.monotonic() > deadline:
                break
            await asyncio.sleep(2)
        for where, count in expected.items():
            if found.get(where, 0) != count:
                ctx.violations.append(
                    f"{dead_letter_topic(*where)} holds {found.get(where, 0)} poison, expected {count}"
                )
        ctx.violations.extend(strays[:5])
        ctx.notes.append(f"dead letters: {sum(found.values())} poison in {len(found)} topics")

    def _dead_letters(self, ctx: FaultContext) -> tuple[Counter[tuple[str, str]], list[str]]:
        """Counts this run's poison per dead-letter topic, and lists stream records found there."""
        marker = f"poison-{ctx.ledger.tag}".encode()
        records = set(ctx.ledger.by_id())
        found: Counter[tuple[str, str]] = Counter()
        strays: list[str] = []
        client = ctx.stack.pulsar_client()
        try:
            for topic, subscriptions in SUBSCRIPTIONS.items():
                for subscription in subscriptions:
                    dlq = dead_letter_topic(f"{NAMESPACE}/{topic}", subscription)
                    reader = client.create_reader(dlq, pulsar.MessageId.earliest)
                    try:
                        while reader.has_message_available():
                            message = reader.read_next(timeout_millis=10_000)
                            if marker in message.data():
                                found[(topic, subscription)] += 1
                            elif message.partition_key() in records:
                                strays.append(f"record {message.partition_key()} dead-lettered in {dlq}")
                    finally:
                        reader.close()
        finally:
            client.close()
        return found, strays
