"""Raw Pulsar from the Python client on the stack's broker: the ceiling of every hop between services.

Producer: `send_async` of N messages (the size of a DataIngested event) with the client's default batching,
then `flush`; that is how the relays publish. Consumer: a Shared subscription reading them back from the
earliest message, acknowledging each one, as the consumers do (without the handler's work).

    python -m bench.pulsar_raw --messages 20000 --runs 3
"""

from __future__ import annotations

import argparse
import time
import uuid

import pulsar

from bench import broker
from bench.report import Figure, print_table, write_json

PAYLOAD = b"x" * 600  # about one DataIngested event as JSON


def produce(client: pulsar.Client, topic: str, messages: int) -> float:
    """Messages per second published and confirmed by the broker."""
    producer = client.create_producer(topic, block_if_queue_full=True, max_pending_messages=10_000)
    failures: list[pulsar.Result] = []

    def confirmed(result: pulsar.Result, _: pulsar.MessageId) -> None:
        if result != pulsar.Result.Ok:
            failures.append(result)

    started = time.perf_counter()
    for _ in range(messages):
        producer.send_async(PAYLOAD, confirmed)
    producer.flush()
    elapsed = time.perf_counter() - started
    producer.close()
    if failures:
        raise RuntimeError(f"{len(failures)} publishes failed: {failures[0]}")
    return messages / elapsed


def consume(client: pulsar.Client, topic: str, messages: int) -> float:
    """Messages per second received and acknowledged one by one."""
    consumer = client.subscribe(
        topic,
        f"bench-{uuid.uuid4().hex[:6]}",
        consumer_type=pulsar.ConsumerType.Shared,
        initial_position=pulsar.InitialPosition.Earliest,
        receiver_queue_size=1000,
    )
    started = time.perf_counter()
    for _ in range(messages):
        consumer.acknowledge(consumer.receive(timeout_millis=30_000))
    elapsed = time.perf_counter() - started
    consumer.unsubscribe()
    consumer.close()
    return messages / elapsed


def figures(messages: int, runs: int) -> list[Figure]:
    client = broker.client()
    produced, consumed = [], []
    try:
        for run in range(runs):
            topic = f"persistent://public/default/bench-raw-{uuid.uuid4().hex[:8]}"
            produced.append(produce(client, topic, messages))
            consumed.append(consume(client, topic, messages))
            print(
                f"  run {run + 1}/{runs}: produce {produced[-1]:.0f}/s, consume {consumed[-1]:.0f}/s",
                flush=True,
            )
    finally:
        client.close()
    return [
        Figure("raw Pulsar (Python client)", "produce", "msg/s", produced),
        Figure("raw Pulsar (Python client)", "consume+ack", "msg/s", consumed),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pulsar_raw")
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    result = figures(args.messages, args.runs)
    print_table(result)
    write_json(result, {"messages": args.messages, "runs": args.runs})


if __name__ == "__main__":
    main()
