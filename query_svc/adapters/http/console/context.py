"""What every console page works with: the ports it reads, the bridge to the API and the sign-in session."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eventkit.auth.keys import KeyFile
from query_svc.adapters.http.console.bridge import ApiBridge
from query_svc.adapters.http.console.session import ConsoleSession
from query_svc.adapters.pulsar.backlog import SubscriptionLag
from query_svc.application.activity import PipelineActivity
from query_svc.application.queries import RecordQueries


@dataclass(frozen=True)
class ConsolePorts:
    """What the console reads besides the API: the same queries, activity, checkpoints and broker lag."""

    queries: RecordQueries
    activity: PipelineActivity
    checkpoints: Callable[[], dict[str, dict[str, Any]]]
    backlog: Callable[[], list[SubscriptionLag]]
    keys: KeyFile


@dataclass(frozen=True)
class Console:
    """One console app's ports, API bridge and session, handed to every page's routes."""

    ports: ConsolePorts
    bridge: ApiBridge
    session: ConsoleSession
