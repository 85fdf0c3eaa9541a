"""The monotonic-read check finds a client that saw a record go back, and nothing else."""

from __future__ import annotations

from reliability.reads import NOT_FOUND, Read, monotonic_violations


def test_versions_that_only_rise_per_client_pass_even_when_clients_differ() -> None:
    history = [
        Read(0, "a", 1.0, NOT_FOUND),
        Read(0, "a", 2.0, 1),
        Read(1, "a", 2.5, 3),  # another client may be ahead: reads are monotonic per client
        Read(0, "a", 3.0, 2),
        Read(0, "b", 3.5, 1),
    ]
    assert monotonic_violations(history) == []


def test_a_client_that_sees_an_older_version_later_is_a_violation() -> None:
    history = [Read(0, "a", 1.0, 2), Read(1, "a", 1.5, 1), Read(0, "a", 2.0, 1)]
    assert monotonic_violations(history) == ["client 0 read a at v1 after v2 (1.00 s later)"]


def test_a_record_that_vanishes_after_being_shown_is_a_violation() -> None:
    history = [Read(2, "a", 5.0, NOT_FOUND), Read(2, "a", 1.0, 3)]  # out of order in the list
    assert len(monotonic_violations(history)) == 1
