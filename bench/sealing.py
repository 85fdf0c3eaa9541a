"""What sealing costs per record, in-process: each step beside the same work without encryption.

Ingestion makes a data key, wraps it under the KEK, seals the payload and hashes it under the key; a consumer
opens the payload; processing seals its result. The baselines are what each side does with the record anyway
(encoding and decoding the DataIngested event), so each figure reads as "sealing adds X to Y". The one call a
consumer makes to the key store per batch is measured end to end in the e2e section.

    python -m bench.sealing            # 3 runs of 5,000 records, a small and a 10 kB payload
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import contracts
from bench.report import Figure, print_table
from eventkit.sealing.cipher import KEY_BYTES, DataKey
from eventkit.sealing.events import ingested_payload, sealed_ingested
from eventkit.sealing.keys import KeyLookup
from ingestion_svc.adapters.kek import KeyRing

SMALL = {"name": "Ada Lovelace", "email": "ada@example.org", "age": 36, "attributes": {"tier": "gold"}}
LARGE = {**SMALL, "notes": ["x" * 100] * 100}  # about 10 kB of canonical JSON


def _per_record_us(work: Callable[[int], object], records: int) -> float:
    for index in range(min(records, 200)):  # warm up
        work(index)
    started = time.perf_counter()
    for index in range(records):
        work(index)
    return (time.perf_counter() - started) / records * 1e6


def _event(data_id: str, data: contracts.DataIngested) -> contracts.IntegrationEvent:
    return contracts.new_event(
        "DataIngested",
        data_id=data_id,
        partner_id="partner123",
        record_version=1,
        data=data,
        producer="bench",
        correlation_id="bench",
    )


def measure(payload: dict[str, object], label: str, records: int, runs: int) -> list[Figure]:
    ring = KeyRing("k1", {"k1": os.urandom(KEY_BYTES)})
    ids = [str(uuid.uuid4()) for _ in range(records)]
    keys = {data_id: DataKey.new(data_id) for data_id in ids}
    now = datetime.now(UTC)
    plain = contracts.DataIngested(payload, now, contracts.content_hash(payload))
    sealed_events = [_event(i, sealed_ingested(keys[i], payload, now, None)) for i in ids[:records]]
    wires = [contracts.encode(event) for event in sealed_events]
    plain_wire = contracts.encode(_event(ids[0], plain))
    lookup = KeyLookup(keys)

    def seal_record(index: int) -> object:
        key = DataKey.new(ids[index])
        ring.wrap(key)  # as ingestion stores it
        return contracts.encode(_event(ids[index], sealed_ingested(key, payload, now, None)))

    def encode_plain(index: int) -> object:
        return contracts.encode(_event(ids[index], plain))

    def open_record(index: int) -> object:
        return ingested_payload(contracts.decode(wires[index]), lookup)

    def decode_plain(index: int) -> object:
        return contracts.decode(plain_wire).data

    sealing = Figure(f"seal a record, {label}", "per record", "us", baseline="the same event unsealed")
    opening = Figure(f"open a record, {label}", "per record", "us", baseline="decode the unsealed event")
    for _ in range(runs):
        sealing.values.append(_per_record_us(seal_record, records))
        sealing.baseline_values.append(_per_record_us(encode_plain, records))
        opening.values.append(_per_record_us(open_record, records))
        opening.baseline_values.append(_per_record_us(decode_plain, records))
    return [sealing, opening]


def figures(records: int, runs: int) -> list[Figure]:
    return measure(SMALL, "small payload", records, runs) + measure(LARGE, "10 kB payload", records, runs)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print_table(figures(args.records, args.runs))


if __name__ == "__main__":
    main()
