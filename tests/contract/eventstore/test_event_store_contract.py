"""EventStore semantics every adapter must have: versions, conflicts, time travel, global order."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventkit.eventstore.errors import ConcurrencyConflict
from eventkit.eventstore.model import NewEvent, StoredEvent, StreamAppend
from tests.contract.eventstore.conftest import Harness

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _stream() -> str:
    return f"record-{uuid.uuid4()}"


def _event(n: int = 0, *, at: datetime = T0) -> NewEvent:
    return NewEvent(
        "DataReceived", {"n": n, "nested": {"list": [1, "two", None]}}, {"partner_id": "p1"}, occurred_at=at
    )


def _append(harness: Harness, stream_id: str, expected: int, events: list[NewEvent]) -> list[StoredEvent]:
    with harness.new_uow() as uow:
        stored = uow.events.append(stream_id, expected, events)
        uow.commit()
    return stored


def _read(harness: Harness, stream_id: str, until: datetime | None = None) -> list[StoredEvent]:
    with harness.new_uow() as uow:
        return uow.events.read_stream(stream_id, until=until)


def test_a_new_stream_starts_at_version_one_and_reads_back_as_appended(harness: Harness) -> None:
    stream_id = _stream()
    events = [_event(1), _event(2)]

    stored = _append(harness, stream_id, 0, events)

    assert [e.version for e in stored] == [1, 2]
    assert stored[0].position < stored[1].position
    read = _read(harness, stream_id)
    assert read == stored
    assert [(e.event_id, e.event_type, e.data, e.metadata, e.occurred_at) for e in read] == [
        (e.event_id, e.event_type, e.data, e.metadata, e.occurred_at) for e in events
    ]


def test_appending_after_the_current_version_continues_the_stream(harness: Harness) -> None:
    stream_id = _stream()
    _append(harness, stream_id, 0, [_event(1), _event(2)])

    stored = _append(harness, stream_id, 2, [_event(3)])

    assert [e.version for e in stored] == [3]
    assert [e.data["n"] for e in _read(harness, stream_id)] == [1, 2, 3]


@pytest.mark.parametrize(("expected", "actual"), [(0, 2), (1, 2), (5, 2)])
def test_a_stale_or_future_expected_version_is_a_conflict_and_changes_nothing(
    harness: Harness, expected: int, actual: int
) -> None:
    stream_id = _stream()
    _append(harness, stream_id, 0, [_event(1), _event(2)])

    with pytest.raises(ConcurrencyConflict) as raised:
        _append(harness, stream_id, expected, [_event(9), _event(10)])

    assert (raised.value.stream_id, raised.value.expected, raised.value.actual) == (
        stream_id,
        expected,
        actual,
    )
    assert [e.version for e in _read(harness, stream_id)] == [1, 2]


def test_an_unknown_stream_is_at_version_zero(harness: Harness) -> None:
    with pytest.raises(ConcurrencyConflict) as raised:
        _append(harness, _stream(), 1, [_event()])

    assert raised.value.actual == 0
    assert _read(harness, _stream()) == []


def test_a_conflict_leaves_the_unit_of_work_usable(harness: Harness) -> None:
    stream_id = _stream()
    _append(harness, stream_id, 0, [_event(1)])

    with harness.new_uow() as uow:
        with pytest.raises(ConcurrencyConflict):
            uow.events.append(stream_id, 0, [_event(2), _event(3)])
        uow.events.append(stream_id, 1, [_event(2)])
        uow.commit()

    assert [(e.version, e.data["n"]) for e in _read(harness, stream_id)] == [(1, 1), (2, 2)]


def test_a_unit_of_work_reads_its_own_appends_before_commit(harness: Harness) -> None:
    stream_id = _stream()
    with harness.new_uow() as uow:
        uow.events.append(stream_id, 0, [_event(1)])
        uow.events.append(stream_id, 1, [_event(2)])

        assert [e.version for e in uow.events.read_stream(stream_id)] == [1, 2]
        with harness.new_uow() as other:
            assert other.events.read_stream(stream_id) == []


def test_append_many_appends_to_several_streams_as_separate_appends_would(harness: Harness) -> None:
    old, new = _stream(), _stream()
    _append(harness, old, 0, [_event(1)])
    with harness.new_uow() as uow:
        stored = uow.events.append_many(
            [
                StreamAppend(new, 0, [_event(2), _event(3)]),
                StreamAppend(old, 1, [_event(4)]),
                StreamAppend(new, 2, [_event(5)]),  # the same stream again, after its first append
                StreamAppend(old, 2, []),
            ]
        )
        uow.commit()

    assert [(e.stream_id, e.version, e.data["n"]) for e in stored] == [
        (new, 1, 2),
        (new, 2, 3),
        (old, 2, 4),
        (new, 3, 5),
    ]
    assert _read(harness, new) == [e for e in stored if e.stream_id == new]
    assert [e.data["n"] for e in _read(harness, old)] == [1, 4]


@pytest.mark.parametrize("stale", ["behind", "taken as new", "ahead", "chained"])
def test_append_many_with_one_stale_stream_appends_nothing(harness: Harness, stale: str) -> None:
    moved, fresh = _stream(), _stream()
    _append(harness, moved, 0, [_event(1), _event(2)])
    appends = [StreamAppend(fresh, 0, [_event(3)]), StreamAppend(moved, 2, [_event(4)])]
    if stale == "behind":
        appends[1] = StreamAppend(moved, 1, [_event(4)])
    elif stale == "taken as new":  # caught by the store's unique key, after the fresh stream's insert
        appends[1] = StreamAppend(moved, 0, [_event(4)])
    elif stale == "ahead":
        appends[1] = StreamAppend(moved, 3, [_event(4)])
    else:
        appends.append(StreamAppend(fresh, 0, [_event(5)]))  # fresh is at 1 after the first append
    with harness.new_uow() as uow:
        with pytest.raises(ConcurrencyConflict):
            uow.events.append_many(appends)
        uow.events.append(moved, 2, [_event(6)])  # the unit of work is still usable
        uow.commit()

    assert _read(harness, fresh) == []
    assert [e.data["n"] for e in _read(harness, moved)] == [1, 2, 6]


def test_read_streams_returns_each_stream_as_read_stream_does(harness: Harness) -> None:
    first, second, unknown = _stream(), _stream(), _stream()
    _append(harness, first, 0, [_event(1), _event(2)])
    _append(harness, second, 0, [_event(3)])
    with harness.new_uow() as uow:
        uow.events.append(first, 2, [_event(4)])  # its own appends count, as in read_stream

        found = uow.events.read_streams([second, unknown, first])

        assert list(found) == [second, unknown, first]
        assert found == {s: uow.events.read_stream(s) for s in (first, second, unknown)}
        assert [e.data["n"] for e in found[first]] == [1, 2, 4]
        assert found[unknown] == []
        assert uow.events.read_streams([]) == {}


def test_read_stream_until_returns_the_events_that_had_occurred_by_then(harness: Harness) -> None:
    stream_id = _stream()
    moments = [T0, T0 + timedelta(hours=1), T0 + timedelta(hours=2)]
    _append(harness, stream_id, 0, [_event(n, at=at) for n, at in enumerate(moments, start=1)])

    assert [e.version for e in _read(harness, stream_id, until=moments[1])] == [1, 2]
    assert [e.version for e in _read(harness, stream_id, until=moments[1] - timedelta(microseconds=1))] == [1]
    assert _read(harness, stream_id, until=T0 - timedelta(days=1)) == []
    in_other_zone = moments[2].astimezone(timezone(timedelta(hours=-5)))
    assert [e.version for e in _read(harness, stream_id, until=in_other_zone)] == [1, 2, 3]


def test_appending_nothing_stores_nothing(harness: Harness) -> None:
    stream_id = _stream()
    assert _append(harness, stream_id, 0, []) == []
    assert _read(harness, stream_id) == []


@pytest.mark.parametrize(
    "event",
    [
        NewEvent("E", {}, event_id="not-a-uuid"),
        NewEvent("E", {}, occurred_at=datetime(2024, 1, 1)),
        NewEvent("E", {"text": "nul \x00 inside"}),
        NewEvent("E", {"number": float("nan")}),
        NewEvent("E", {"when": T0}),
    ],
    ids=["bad-event-id", "naive-time", "nul-character", "nan", "not-json"],
)
def test_events_a_store_cannot_keep_are_refused_before_anything_is_written(
    harness: Harness, event: NewEvent
) -> None:
    stream_id = _stream()
    with harness.new_uow() as uow:
        with pytest.raises(ValueError):
            uow.events.append(stream_id, 0, [event])
        uow.events.append(stream_id, 0, [_event()])
        uow.commit()
    assert [e.version for e in _read(harness, stream_id)] == [1]


def test_negative_expected_versions_and_naive_until_are_refused(harness: Harness) -> None:
    with harness.new_uow() as uow:
        with pytest.raises(ValueError):
            uow.events.append(_stream(), -1, [_event()])
        with pytest.raises(ValueError):
            uow.events.read_stream(_stream(), until=datetime(2024, 1, 1))


_text = st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), max_size=20)
_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_text, children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(_text, _json, max_size=5))
def test_any_json_object_reads_back_equal(harness: Harness, data: dict[str, object]) -> None:
    stream_id = _stream()
    _append(harness, stream_id, 0, [NewEvent("E", data, {"m": data})])

    (read,) = _read(harness, stream_id)

    assert _same_json(read.data, data)
    assert _same_json(read.metadata, {"m": data})


def _same_json(read: object, written: object) -> bool:
    """Equal as JSON values: jsonb keeps numbers as decimals, so 1e16 may come back as the int 10**16."""
    if isinstance(read, dict) and isinstance(written, dict):
        return read.keys() == written.keys() and all(_same_json(read[k], written[k]) for k in read)
    if isinstance(read, list) and isinstance(written, list):
        return len(read) == len(written) and all(map(_same_json, read, written))
    if _is_number(read) and _is_number(written):
        return read == written or float(read) == float(written)  # type: ignore[arg-type]
    return type(read) is type(written) and read == written


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
