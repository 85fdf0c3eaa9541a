"""Correlation ids: accepted when safe, generated otherwise, scoped to a context."""

from __future__ import annotations

from eventkit.correlation import accept_or_new, correlation_scope, current_correlation_id


def test_safe_ids_are_kept_and_others_replaced() -> None:
    assert accept_or_new("req-1:abc.DEF_9") == "req-1:abc.DEF_9"
    assert accept_or_new("x" * 129) != "x" * 129
    assert len(accept_or_new(None)) == 36


def test_scope_sets_and_restores() -> None:
    assert current_correlation_id() is None
    with correlation_scope("outer"):
        with correlation_scope("inner"):
            assert current_correlation_id() == "inner"
        assert current_correlation_id() == "outer"
    assert current_correlation_id() is None
