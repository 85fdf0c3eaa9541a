"""The results table, printed and written as JSON."""

from __future__ import annotations

import json
from pathlib import Path

from reliability.scenario import Outcome

_COLUMNS = ("scenario", "sent", "acked", "in view", "pending", "lost", "dup", "reord", "converge s", "pass")


def table(outcomes: list[Outcome]) -> str:
    rows = [
        (
            o.scenario,
            str(o.sent),
            str(o.acked),
            str(o.in_view),
            str(o.pending),
            str(o.lost),
            str(o.duplicated),
            str(o.reordered),
            "-" if o.converge_s is None else f"{o.converge_s:.1f}",
            "PASS" if o.passed else "FAIL",
        )
        for o in outcomes
    ]
    widths = [max(len(c), *(len(r[i]) for r in rows)) if rows else len(c) for i, c in enumerate(_COLUMNS)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(_COLUMNS, widths, strict=True))]
    lines.append("-+-".join("-" * w for w in widths))
    lines.extend(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows)
    return "\n".join(lines)


def details(outcomes: list[Outcome]) -> str:
    """The notes and, for a failed scenario, its problems."""
    lines: list[str] = []
    for o in outcomes:
        lines.append(f"* {o.scenario} ({o.seconds:.0f} s): {'; '.join(o.notes)}")
        lines.extend(f"    ! {problem}" for problem in o.problems)
    return "\n".join(lines)


def write_json(outcomes: list[Outcome], path: Path, profile: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "profile": profile,
        "passed": all(o.passed for o in outcomes),
        "scenarios": [o.as_json() for o in outcomes],
    }
    path.write_text(json.dumps(body, indent=2) + "\n")
