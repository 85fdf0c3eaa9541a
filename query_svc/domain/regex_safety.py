"""Refuses `$regex` patterns on which a backtracking engine could spend exponential time.

FerretDB matches with RE2, which never backtracks; MongoDB matches with PCRE, which does, so one pattern
such as `(a+)+$` can hold a MongoDB server for hours. The check reads the pattern as parsed, not its text:
no spelling of a nested quantifier (`((a+))+`, `(?:a+)+`, `(a?){25}`) gets past it.

Rules, for a pattern that Python's `re` accepts (PCRE reads every such pattern the same way, apart from
the lexical corners `_check_lexing` refuses):

- a repeat that may run more than once must have a body of one fixed width holding no repeat and no
  alternation (`(ab)+` passes: each turn matches one way, so giving turns back costs linear time);
- no back-reference, no conditional group, no repeat inside a lookahead or lookbehind;
- counted repeats up to `MAX_COUNT`; at most `MAX_CHOICES` variable repeats and alternations in all (a row
  of optional parts, `a?a?a?…aaa`, backtracks over every subset); at most `MAX_NODES` parsed nodes, each
  counted as often as a counted repeat copies it when PCRE compiles it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from query_svc.domain.errors import InvalidQuery

# Python's own regular-expression parser is private (re._parser since 3.11, the deprecated sre_parse
# before). It is used anyway because nothing maintained on PyPI gives a tree that keeps the backtracking
# shape: greenery and interegular reduce a pattern to an automaton, which keeps what it matches but not how
# a backtracking engine gets there; regexploit (last released 2021) reads this same parser. It is also the
# parser re.compile uses, so it reads a pattern exactly as Python does. If a Python release moves it,
# importing this module fails at start-up, naming why, instead of letting patterns through unchecked.
if TYPE_CHECKING:
    import sre_parse as _parser  # typeshed types the parser under its pre-3.11 name

    def _parse_sub(source: _parser.Tokenizer, state: _parser.State, verbose: int, nested: int) -> Any: ...
else:
    try:
        from re import _parser
        from re._parser import _parse_sub
    except ImportError as missing:  # pragma: no cover - only on a Python that moved its parser again
        raise ImportError(
            "query_svc vets $regex patterns with the standard library's regular-expression parser "
            "(re._parser, Python 3.11+), which this Python does not have"
        ) from missing

MAX_COUNT = 1000
MAX_CHOICES = 8
MAX_NODES = 5000

_WHY = "catastrophic backtracking on PCRE, the engine of MongoDB"
_REPEATS = frozenset({_parser.MAX_REPEAT, _parser.MIN_REPEAT, _parser.POSSESSIVE_REPEAT})
_CHOICES = _REPEATS | {_parser.BRANCH}
_REFERENCES = frozenset({_parser.GROUPREF, _parser.GROUPREF_EXISTS})
_LOOKAROUNDS = frozenset({_parser.ASSERT, _parser.ASSERT_NOT})
# An inline flag group that may switch on extended mode: (?x), (?ix), (?x:...), (?-i+x...).
_INLINE_EXTENDED = re.compile(r"\(\?[a-zA-Z^-]*x")
# White space that PCRE's extended mode skips (in UTF mode, as MongoDB compiles) and Python's reads.
_PCRE_ONLY_SPACE = frozenset("\x85\u200e\u200f\u2028\u2029")
# Braces holding digits, commas and blanks that Python left as text (it reads {m,n} itself as a repeat).
_LITERAL_COUNT = re.compile(r"\{[0-9, \t]*[0-9][0-9, \t]*\}")


@dataclass
class _Tally:
    """What the walk has counted so far over the whole pattern."""

    nodes: int = 0
    choices: int = 0


def check_regex(pattern: str, options: str, path: str) -> None:
    """Raises InvalidQuery, naming `path` and why, unless PCRE can match the pattern without blowing up."""
    flags = re.VERBOSE if "x" in options else 0
    _check_lexing(pattern, bool(flags) or bool(_INLINE_EXTENDED.search(pattern)), path)
    tally = _Tally()
    _walk(_faithful_tree(pattern, flags, path), tally, weight=1, in_lookaround=False, path=path)
    if tally.nodes > MAX_NODES:
        raise InvalidQuery(f"{path}: more than {MAX_NODES} parts once counted repeats are unrolled")
    if tally.choices > MAX_CHOICES:
        raise InvalidQuery(
            f"{path}: more than {MAX_CHOICES} variable repeats and alternations in all ({_WHY})"
        )


def _check_lexing(pattern: str, extended: bool, path: str) -> None:
    """Refuses what Python and PCRE would split into different parts, so that Python's tree is PCRE's."""
    # In a (?#...) comment Python takes `\)` as escaped and PCRE as the end: `(a(?#\)(a+)+)` hides (a+)+.
    if "(?#" in pattern:
        raise InvalidQuery(f"{path}: (?#...) comments are not allowed")
    if not extended:
        return
    # A `#` comment ends at a newline in both, but Python lets a backslash escape that newline.
    if "#" in pattern:
        raise InvalidQuery(
            f"{path}: with the x option, write a literal # as \\x23 (comments are not allowed)"
        )
    if _PCRE_ONLY_SPACE & set(pattern):
        raise InvalidQuery(
            f"{path}: with the x option, U+0085, U+200E, U+200F, U+2028 and U+2029 are refused"
        )


def _faithful_tree(pattern: str, flags: int, path: str) -> Any:
    """The parse tree with every alternation kept as an alternation.

    Python's parser folds alternatives of one character into a set and lifts a prefix shared by all
    alternatives out of them, so `(?:a|[ab])+` reads as `[ab]+`; PCRE keeps the two overlapping
    alternatives and backtracks over both. An empty group `()` in front of each alternative after the
    first leaves nothing to fold, and changes neither what the pattern matches nor how wide it is.
    """
    try:
        re.compile(pattern, flags)  # refuses everything Python cannot compile, with Python's message
        marked = pattern
        for bar in reversed(_alternation_bars(pattern, flags)):
            marked = f"{marked[: bar + 1]}(){marked[bar + 1 :]}"
        return _parser.parse(marked, flags)
    except re.error as error:
        raise InvalidQuery(f"{path}: not a valid regular expression: {error}") from None
    except RecursionError:
        raise InvalidQuery(f"{path}: groups are nested too deeply") from None


class _BarRecorder(_parser.Tokenizer):
    """The parser's tokenizer, noting where the parser reads a `|` that separates alternatives."""

    def __init__(self, pattern: str) -> None:
        super().__init__(pattern)
        self.bars: list[int] = []

    def match(self, char: str) -> bool:
        at = self.tell()
        matched = super().match(char)
        if matched and char == "|":  # only alternations (and conditionals) ask the tokenizer for a `|`
            self.bars.append(at)
        return matched


def _alternation_bars(pattern: str, flags: int) -> list[int]:
    """Where the parser reads `|` as an alternation, not inside a set, an escape or a comment."""
    source = _BarRecorder(pattern)
    state = _parser.State()
    state.flags = flags
    _parse_sub(source, state, flags & re.VERBOSE, 0)
    return source.bars


def _walk(tree: Any, tally: _Tally, *, weight: int, in_lookaround: bool, path: str) -> None:
    """Checks each node of a sequence and what it holds; `weight` is how often PCRE copies the sequence."""
    _check_braces(tree.data, path)
    for op, av in tree.data:
        tally.nodes += weight
        if op in _REFERENCES:
            raise InvalidQuery(f"{path}: back-references and conditional groups are refused ({_WHY})")
        if op in _REPEATS:
            _check_repeat(av, tally, in_lookaround=in_lookaround, path=path)
        for sub, copies in _children(op, av):
            _walk(
                sub,
                tally,
                weight=weight * copies,
                in_lookaround=in_lookaround or op in _LOOKAROUNDS,
                path=path,
            )
        if op is _parser.BRANCH:
            tally.choices += 1


def _children(op: Any, av: Any) -> list[tuple[Any, int]]:
    """The sub-sequences a node holds, each with how many copies of it PCRE compiles."""
    if op is _parser.BRANCH:
        return [(alternative, 1) for alternative in av[1]]
    if op is _parser.SUBPATTERN:
        return [(av[3], 1)]
    if op is _parser.ATOMIC_GROUP:
        return [(av, 1)]
    if op in _LOOKAROUNDS:
        return [(av[1], 1)]
    if op in _REPEATS:
        low, high, body = av
        return [(body, max(low, 1) if high == _parser.MAXREPEAT else max(high, 1))]
    return []


def _check_repeat(av: Any, tally: _Tally, *, in_lookaround: bool, path: str) -> None:
    """Refuses a repeat whose turns could match one text in many ways, and counts it if its length varies."""
    low, high, body = av
    if in_lookaround:
        raise InvalidQuery(f"{path}: a lookahead or lookbehind may not hold a repeat ({_WHY})")
    if low > MAX_COUNT or (high != _parser.MAXREPEAT and high > MAX_COUNT):
        raise InvalidQuery(
            f"{path}: counted repeats go up to {{0,{MAX_COUNT}}} (PCRE compiles a copy of the part per count)"
        )
    if high > 1 and _ambiguous(body):
        raise InvalidQuery(
            f"{path}: a repeated group may hold no repeat or alternation, nor match texts of different "
            f"lengths, as in (a+)+, (a|aa)* or (a?){{25}} ({_WHY}); "
            "use one quantifier, or a character class such as [ab]+ for (a|b)+"
        )
    if low != high:
        tally.choices += 1


def _ambiguous(body: Any) -> bool:
    """Whether a repeated body can match one text in more than one way, so that backtracking multiplies."""
    low, high = body.getwidth()
    return bool(low != high or _holds(body, _CHOICES))


def _holds(tree: Any, ops: frozenset[Any]) -> bool:
    """Whether any node in the tree, at any depth, is one of `ops`."""
    return any(op in ops or any(_holds(sub, ops) for sub, _ in _children(op, av)) for op, av in tree.data)


def _check_braces(items: list[Any], path: str) -> None:
    """Refuses text such as `{1, 3}`: Python reads literal braces, PCRE2 10.43 and later a counted repeat."""
    literals = "".join(chr(av) if op is _parser.LITERAL else "\0" for op, av in items)
    if _LITERAL_COUNT.search(literals):
        raise InvalidQuery(f"{path}: write a counted repeat as {{m,n}}, without spaces")
