"""Every scenario of issue 9, in the order a run takes them."""

from __future__ import annotations

from reliability.faults.abuse import Abuse
from reliability.faults.base import Fault
from reliability.faults.crash_loop import CrashLoop
from reliability.faults.fuzz import Fuzz
from reliability.faults.kill import KillRepeatedly
from reliability.faults.network import FlakyNetwork
from reliability.faults.poison import Poison
from reliability.faults.stall import PausedConsumer
from reliability.faults.stores import StoreOutage
from reliability.supervisor import SERVICES

# Every service process but the two read-only APIs, which no record passes through.
KILLED = tuple(p for p in SERVICES if p not in ("validation-api", "processing-api"))
# Every process a record's events cross the broker through (the APIs only read or publish nothing).
PULSAR_CLIENTS = tuple(p for p in SERVICES if p.endswith(("-relay", "-consumer")))


def scenarios() -> list[Fault]:
    return [
        Fault(),  # baseline: conservation with no fault at all
        *(KillRepeatedly(program) for program in KILLED),
        *(CrashLoop(program) for program in ("ingestion-api", "validation-consumer")),
        StoreOutage("pulsar", "stop"),
        StoreOutage("postgres", "immediate"),
        StoreOutage("redis", "kill"),
        StoreOutage("mongodb", "restart"),
        PausedConsumer("processing-consumer", "processing_svc"),
        PausedConsumer("validation-consumer", "validation_svc"),
        FlakyNetwork(
            "postgres",
            "PG_PORT",
            "DATABASE_URL",
            ("ingestion-api", "ingestion-relay", "processing-consumer", "processing-relay"),
        ),
        FlakyNetwork("redis", "REDIS_PORT", "REDIS_URL", ("validation-consumer", "validation-relay")),
        FlakyNetwork("mongodb", "MONGO_PORT", "MONGO_URL", ("query-consumer",)),
        FlakyNetwork(
            "pulsar",
            "PULSAR_PORT",
            "PULSAR_SERVICE_URL",
            PULSAR_CLIENTS,
            listen_port="PULSAR_FAULTS_PORT",
            overrides={"PULSAR_LISTENER_NAME": "faults"},
        ),
        Poison(),
        Fuzz(),
        Abuse(),
    ]
