"""A rebuild job's record and the rules of its life: its states, and when a silent one counts as abandoned.

How a job moves through its states is in ``query_svc.application.rebuild``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

PENDING, RUNNING, CATCHING_UP, SWITCHING = "pending", "running", "catching_up", "switching"
DONE, FAILED, CANCELLED = "done", "failed", "cancelled"
UNFINISHED = (PENDING, RUNNING, CATCHING_UP, SWITCHING)
FINISHED = (DONE, FAILED, CANCELLED)
STALE_AFTER = timedelta(seconds=10)  # ten missed heartbeats


@dataclass(frozen=True)
class RebuildJob:
    id: str
    state: str
    generation: str
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    heartbeat_at: datetime | None = None
    replayed: dict[str, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)  # messages in each topic when the replay began
    skipped: dict[str, int] = field(
        default_factory=dict
    )  # events the view store refused (as live: dead letters)
    rate: float = 0.0  # events per second since the start
    eta_seconds: float | None = None
    error: str | None = None
    # Where the catching-up pass ended in each topic (opaque positions): the last pass reads on from there.
    resume_from: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        shown = {k: v for k, v in asdict(self).items() if k != "resume_from"}
        return {**shown, "collection": f"records_{self.generation}"}

    @property
    def seen_at(self) -> datetime:
        """The job's last sign of life: its runner's heartbeat, or its creation while pending."""
        return self.heartbeat_at or self.created_at


def stale(job: RebuildJob, now: datetime) -> bool:
    """Unfinished and silent for too long: its runner is gone."""
    return job.state in UNFINISHED and now - job.seen_at > STALE_AFTER


def effective(job: RebuildJob, now: datetime) -> RebuildJob:
    """The job as it really stands: one whose runner is gone has failed, unless it is switching (which
    another runner takes over and finishes)."""
    if job.state != SWITCHING and stale(job, now):
        reason = "no query consumer picked it up" if job.state == PENDING else "its runner stopped"
        return replace(job, state=FAILED, error=f"abandoned: {reason} (no heartbeat since {job.seen_at})")
    return job
