"""Aggregates repeated runs (median, min-max), prints the table and writes it as JSON."""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass
class Figure:
    scenario: str
    metric: str
    unit: str
    values: list[float] = field(default_factory=list)
    baseline: str = ""
    baseline_values: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else 0.0

    @property
    def baseline_median(self) -> float:
        return statistics.median(self.baseline_values) if self.baseline_values else 0.0

    @property
    def ratio(self) -> float | None:
        return self.median / self.baseline_median if self.baseline_values and self.baseline_median else None


def _spread(values: list[float]) -> str:
    return f"{min(values):.1f}-{max(values):.1f}" if values else "-"


def print_table(figures: list[Figure]) -> None:
    header = (
        f"{'scenario':<30}{'metric':<14}{'median':>10}{'min-max':>18}  "
        f"{'baseline':<26}{'median':>10}{'ratio':>8}"
    )
    print(header)
    print("-" * len(header))
    for f in figures:
        ratio = f"{f.ratio:.2f}" if f.ratio is not None else "-"
        base = f"{f.baseline_median:.1f}" if f.baseline_values else "-"
        print(
            f"{f.scenario:<30}{f.metric + ' ' + f.unit:<14}{f.median:>10.1f}{_spread(f.values):>18}  "
            f"{f.baseline:<26}{base:>10}{ratio:>8}"
        )


def write_json(figures: list[Figure], context: dict[str, object]) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"bench-{time.strftime('%Y%m%dT%H%M%S')}.json"
    rows = [
        {**asdict(f), "median": f.median, "baseline_median": f.baseline_median, "ratio": f.ratio}
        for f in figures
    ]
    path.write_text(json.dumps({"context": context, "figures": rows}, indent=2))
    return path
