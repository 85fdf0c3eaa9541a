"""The ValidationLog port's contract, run against the in-memory fake and the real Redis adapter."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from eventkit.messaging import OutboundMessage
from tests.stack import StackEndpoints
from validation_svc.adapters.memory import InMemoryValidationLog
from validation_svc.adapters.redis.connection import make_redis
from validation_svc.adapters.redis.keys import Keys
from validation_svc.adapters.redis.log import RedisValidationLog
from validation_svc.application.ports import PendingRun, ValidationLog
from validation_svc.domain.log import LogEntry, validation_run
from validation_svc.domain.rules import Violation


@pytest.fixture(params=["memory", "redis"])
def log(request: pytest.FixtureRequest) -> Iterator[ValidationLog]:
    if request.param == "memory":
        yield InMemoryValidationLog()
        return
    stack: StackEndpoints = request.getfixturevalue("stack")
    client = make_redis(stack.redis_url)
    keys = Keys(f"test-validation-{uuid.uuid4().hex[:10]}")
    yield RedisValidationLog(client, keys)
    doomed = list(client.scan_iter(f"{keys.prefix}:*"))
    if doomed:
        client.delete(*doomed)


def _run(data_id: str, causation_id: str, version: int = 1, failures: int = 0) -> list[LogEntry]:
    violations = tuple(Violation("required", f"f{i}", "Is required.") for i in range(failures))
    return validation_run(
        data_id=data_id,
        partner_id="partner123",
        record_version=version,
        causation_id=causation_id,
        ruleset_version="1",
        violations=violations,
    )


def _message(data_id: str) -> OutboundMessage:
    return OutboundMessage("persistent://public/default/t", data_id, b"{}", str(uuid.uuid4()), {"k": "v"})


def _pending(data_id: str, causation_id: str, version: int = 1, failures: int = 0) -> PendingRun:
    return PendingRun(causation_id, _run(data_id, causation_id, version, failures), _message(data_id))


def test_an_unknown_record_has_an_empty_log(log: ValidationLog) -> None:
    assert log.record_log(str(uuid.uuid4())) == []


def test_a_run_is_read_back_in_order(log: ValidationLog) -> None:
    data_id, cause = str(uuid.uuid4()), str(uuid.uuid4())
    entries = _run(data_id, cause, failures=2)
    assert log.append_run(PendingRun(cause, entries, _message(data_id))) is True
    recorded = log.record_log(data_id)
    assert [r.entry for r in recorded] == entries
    assert len({r.position for r in recorded}) == len(entries)


def test_the_same_cause_appends_nothing_the_second_time(log: ValidationLog) -> None:
    data_id, cause = str(uuid.uuid4()), str(uuid.uuid4())
    assert log.append_run(_pending(data_id, cause)) is True
    assert log.append_run(_pending(data_id, cause, failures=1)) is False
    assert [r.entry.type for r in log.record_log(data_id)] == ["ValidationStarted", "ValidationCompleted"]


def test_records_keep_separate_logs_and_versions_accumulate(log: ValidationLog) -> None:
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    for data_id, version in ((first, 1), (second, 1), (first, 2)):
        cause = str(uuid.uuid4())
        log.append_run(_pending(data_id, cause, version))
    assert [r.entry.record_version for r in log.record_log(first)] == [1, 1, 2, 2]
    assert [r.entry.record_version for r in log.record_log(second)] == [1, 1]


def test_concurrent_deliveries_of_one_cause_have_one_effect(log: ValidationLog) -> None:
    data_id, cause = str(uuid.uuid4()), str(uuid.uuid4())
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda _: log.append_run(_pending(data_id, cause)), range(16)))
    assert outcomes.count(True) == 1
    assert len(log.record_log(data_id)) == 2


def test_a_batch_of_runs_answers_each_ones_effect_in_order(log: ValidationLog) -> None:
    record, other = str(uuid.uuid4()), str(uuid.uuid4())
    handled, first, second, repeated = (str(uuid.uuid4()) for _ in range(4))
    assert log.append_run(_pending(record, handled)) is True
    outcomes = log.append_runs(
        [
            _pending(record, first, version=2, failures=1),
            _pending(record, handled, version=1),  # a redelivery of a handled event
            _pending(other, repeated),
            _pending(other, repeated, failures=2),  # the same event twice in one batch: the first wins
            _pending(record, second, version=3),
        ]
    )
    assert outcomes == [True, False, True, False, True]
    assert [(r.entry.record_version, r.entry.type) for r in log.record_log(record)] == [
        (1, "ValidationStarted"),
        (1, "ValidationCompleted"),
        (2, "ValidationStarted"),
        (2, "RuleFailed"),
        (2, "ValidationCompleted"),
        (3, "ValidationStarted"),
        (3, "ValidationCompleted"),
    ]
    assert [r.entry.type for r in log.record_log(other)] == ["ValidationStarted", "ValidationCompleted"]


def test_an_empty_batch_appends_nothing(log: ValidationLog) -> None:
    assert log.append_runs([]) == []
