"""`$regex` patterns are judged by their parsed shape: none that PCRE (MongoDB) could backtrack on without
end gets into a filter, and the plain patterns partners use still do (issue 22, finding 4).

Patterns marked "old: missed" got past the text check this one replaced.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from query_svc.domain.errors import InvalidQuery
from query_svc.domain.filters import compile_filter

NESTED = "a repeated group may hold no repeat or alternation"
BUDGET = "variable repeats and alternations in all"

REFUSED = [
    # (pattern, $options, what the refusal says)
    pytest.param("((a+))+", "", NESTED, id="old: missed ((a+))+"),
    pytest.param("(a?){25}a{25}", "", NESTED, id="old: missed (a?){25}a{25}"),
    pytest.param("((ab){3})+", "", NESTED, id="old: missed a repeat of a counted repeat"),
    pytest.param("(?:(?:a|b)c?)+", "", NESTED, id="old: missed an inner group with an alternation"),
    pytest.param("(?:a+)+", "", NESTED, id="(?:a+)+"),
    pytest.param("(a+)+$", "", NESTED, id="(a+)+$"),
    pytest.param("(a|aa)*", "", NESTED, id="(a|aa)*"),
    pytest.param("(a|a)+", "", NESTED, id="(a|a)+"),
    # Python's parser reads these as [ab]+, [\wa]+ and (ab)+; PCRE backtracks over both alternatives.
    pytest.param("(?:a|[ab])+", "", NESTED, id="(a|a)+ spelled (?:a|[ab])+"),
    pytest.param(r"(\w|a)+", "", NESTED, id="(a|a)+ spelled (\\w|a)+"),
    pytest.param("(ab|a[b])+", "", NESTED, id="(a|a)+ spelled (ab|a[b])+"),
    pytest.param("(a+) +", "x", NESTED, id="the x option: (a+) + reads as (a+)+"),
    pytest.param("(a)\\1", "", "back-references", id="old: missed (a)\\1"),
    pytest.param("(?P<x>a)(?P=x)", "", "back-references", id="old: missed (?P<x>a)(?P=x)"),
    pytest.param("(a)(?(1)b|c)", "", "conditional groups", id="old: missed a conditional group"),
    pytest.param("(?=a+)b", "", "lookahead or lookbehind", id="old: missed a repeat in a lookahead"),
    pytest.param(
        "^(?!.*x)", "", "lookahead or lookbehind", id="old: missed a repeat in a negative lookahead"
    ),
    pytest.param("(?<=a{2})b", "", "lookahead or lookbehind", id="old: missed a repeat in a lookbehind"),
    pytest.param("a{1001}", "", "up to {0,1000}", id="old: missed a{1001}"),
    pytest.param("a{0,2000}", "", "up to {0,1000}", id="old: missed a{0,2000}"),
    pytest.param("a{1001,}", "", "up to {0,1000}", id="old: missed a{1001,}"),
    pytest.param("a?" * 25 + "a" * 25, "", BUDGET, id="old: missed (a?){25}a{25} unrolled"),
    pytest.param("(a|a)" * 10, "", BUDGET, id="old: missed (a|a) ten times in a row"),
    pytest.param("(?:abcd){1000}" * 2, "", "parts once counted repeats are unrolled", id="old: missed size"),
    pytest.param("(a+){1, 3}", "", "without spaces", id="{1, 3}: a repeat for PCRE2 10.43, text for Python"),
    pytest.param("(a(?#\\)(a+)+)", "", "comments", id="a (?#...) comment PCRE ends sooner than Python"),
    pytest.param("(a+)(?#c)+", "", "comments", id="old: missed a comment between group and quantifier"),
    pytest.param("(a+)#\\\n+", "x", "x23", id="old: missed a # comment under the x option"),
    pytest.param("(?x)(a+)\u2028+", "", "U+2028", id="x on inline: white space only PCRE skips"),
    pytest.param("(", "", "not a valid regular expression", id="unbalanced"),
    pytest.param("(?<=a+)b", "", "not a valid regular expression", id="variable lookbehind"),
]

ACCEPTED = [
    ("^abc", ""),
    ("foo.*bar", ""),
    (r"[a-z]+@example\.com$", ""),
    ("(foo|bar)baz", ""),
    (r"\d{3}-\d{4}", ""),
    # Each turn of a fixed-width group without choices matches one way, so backtracking is linear.
    ("^(ab)+$", ""),
    ("[ab]+", ""),
    (r"^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$", ""),
    ("(?i)^partner-[0-9]{1,6}$", ""),
    ("a{0,1000}", ""),
    ("[(|)]+x", ""),  # the | in a set is no alternation
    (r"\|+", ""),
    ("(a+) +", ""),  # without the x option: a group, then a run of spaces
    ("^ab c$", "x"),
    ("(" * 100 + "a" + ")" * 100, ""),
]


def _regex_filter(pattern: str, options: str) -> dict[str, Any]:
    condition = {"$regex": pattern, **({"$options": options} if options else {})}
    return {"payload.name": condition}


@pytest.mark.parametrize(("pattern", "options", "reason"), REFUSED)
def test_a_pattern_pcre_could_backtrack_on_without_end_is_refused(
    pattern: str, options: str, reason: str
) -> None:
    with pytest.raises(InvalidQuery) as refused:
        compile_filter(_regex_filter(pattern, options))
    assert str(refused.value).startswith("filter.payload.name.$regex: "), refused.value
    assert reason in str(refused.value)


@pytest.mark.parametrize(("pattern", "options"), ACCEPTED)
def test_a_plain_pattern_passes_unchanged(pattern: str, options: str) -> None:
    assert compile_filter(_regex_filter(pattern, options)) == _regex_filter(pattern, options)


def test_the_refusal_says_why() -> None:
    with pytest.raises(InvalidQuery, match="catastrophic backtracking on PCRE"):
        compile_filter(_regex_filter("((a+))+", ""))


@pytest.mark.parametrize(
    ("source", "where"),
    [
        ({"payload.name": {"$not": {"$regex": "((a+))+"}}}, "filter.payload.name.$not.$regex"),
        ({"payload.tags": {"$elemMatch": {"$regex": "(a)\\1"}}}, "filter.payload.tags.$elemMatch.$regex"),
        ({"$or": [{"status": "complete"}, {"payload.name": {"$regex": "a{2000}"}}]}, "filter.$or[1]"),
    ],
)
def test_a_pattern_is_checked_wherever_it_stands(source: dict[str, Any], where: str) -> None:
    with pytest.raises(InvalidQuery, match=rf"^{re.escape(where)}"):
        compile_filter(source)
