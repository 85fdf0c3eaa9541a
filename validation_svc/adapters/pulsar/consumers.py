"""Feeds data-ingested to the validation handler through eventkit's Key_Shared consumer."""

from __future__ import annotations

from eventkit.pulsar.subscriptions import Subscription
from eventkit.sealing.keys import KeysUnavailable
from validation_svc.domain.errors import StoreUnavailable

# Every copy of the consumer joins this subscription (dead letters: <data-ingested>-validation_svc-DLQ).
# A batch's runs are logged in one Redis round trip, one by one after a failure; an unreachable Redis or
# key store sends the rest of a failed batch back untried.
SUBSCRIPTION = Subscription("validation_svc", outage_errors=(StoreUnavailable, KeysUnavailable))
