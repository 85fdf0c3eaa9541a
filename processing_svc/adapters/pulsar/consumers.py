"""Feeds data-ingested to the processing handler through eventkit's Key_Shared consumer."""

from __future__ import annotations

from eventkit.eventstore.errors import StoreUnavailable
from eventkit.pulsar.subscriptions import Subscription
from eventkit.sealing.keys import KeysUnavailable

# Every copy of the consumer joins this subscription (dead letters: <data-ingested>-processing_svc-DLQ).
# A batch is processed in one transaction, one by one after a failure; an unreachable PostgreSQL or key
# store sends the rest of a failed batch back untried.
SUBSCRIPTION = Subscription("processing_svc", outage_errors=(StoreUnavailable, KeysUnavailable))
