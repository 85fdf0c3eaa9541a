"""Strict JSON from outside: what it refuses, and the reason it gives."""

from __future__ import annotations

import re

import pytest

from eventkit.json_text import parse_json


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff", "is not valid UTF-8 (byte 0)"),
        ("{", "is not valid JSON: "),
        ("[NaN]", "is not valid JSON: NaN is not a JSON number"),
        ("[-Infinity]", "is not valid JSON: -Infinity is not a JSON number"),
        ("[" * 50_000, "nests deeper than 8 levels"),  # past the recursion limit of json.loads
        ('{"a":' * 50_000, "nests deeper than 8 levels"),
        ("[[[[[[[[[]]]]]]]]]", "nests deeper than 8 levels"),
        ("9223372036854775808", "holds an integer outside the 64-bit range"),
        ("[-9223372036854775809]", "holds an integer outside the 64-bit range"),
        ("1" * 5_000, "holds an integer outside the 64-bit range"),  # longer than int() reads
    ],
)
def test_refusals_say_what_is_wrong(raw: bytes | str, reason: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(reason)):
        parse_json(raw, max_depth=8)


def test_plain_json_within_the_bounds_is_parsed() -> None:
    text = '{"a": [9223372036854775807, -9223372036854775808, 1.5e308, "\\u00b2", null, true]}'
    assert parse_json(text, max_depth=2) == {"a": [2**63 - 1, -(2**63), 1.5e308, "\u00b2", None, True]}
