"""Streams records from several concurrent clients that retry with an Idempotency-Key until acknowledged."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import aiohttp
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_delay, wait_random_exponential

from reliability.ledger import Attempt, Ledger
from reliability.settings import Profile, Stack

_REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=15)


class Retryable(Exception):
    """An answer a retry can fix: no answer at all, 429, 5xx (a 503 while a store restarts)."""


class Refused(Exception):
    """A 4xx no retry can fix: for the records this load sends, always a bug."""


def payload(tag: str, seq: int, revision: int, odd: bool) -> dict[str, Any]:
    """A record the seed's rules accept, or (odd) one that validation finds invalid and processing fails."""
    attributes: Any = "not an object" if odd else {"run": tag, "seq": seq, "revision": revision}
    return {
        "name": f"reliability {seq}",
        "age": 500 if odd else seq % 90,
        "email": f"r{seq}@example.com",
        "attributes": attributes,
        "run": tag,
        "seq": seq,
        "revision": revision,
    }


class LoadClient:
    """Sends records for one scenario: POST /ingest with an Idempotency-Key, then amendments by PUT."""

    def __init__(self, stack: Stack, profile: Profile, ledger: Ledger) -> None:
        self._stack = stack
        self._profile = profile
        self._ledger = ledger
        self._base = stack.url("INGESTION_PORT")
        self._headers = {"Authorization": f"Bearer {stack.admin_key}", "Content-Type": "application/json"}

    async def run(self) -> None:
        """Streams `profile.records` records at `profile.rate` from `profile.clients` clients."""
        sequence = iter(range(self._profile.records))
        started = time.monotonic()
        connector = aiohttp.TCPConnector(limit=self._profile.clients * 2)
        async with aiohttp.ClientSession(connector=connector, timeout=_REQUEST_TIMEOUT) as session:
            await asyncio.gather(
                *(self._client(session, sequence, started) for _ in range(self._profile.clients))
            )

    async def _client(self, session: aiohttp.ClientSession, sequence: Iterator[int], started: float) -> None:
        for seq in sequence:
            delay = started + seq / self._profile.rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await self._send(session, seq)

    async def _send(self, session: aiohttp.ClientSession, seq: int) -> None:
        ledger = self._ledger
        partner = ledger.partners[seq % len(ledger.partners)]
        odd = seq % self._profile.odd_every == self._profile.odd_every - 1
        # The external id carries the seq in plain: the payload is sealed in ingestion's store (ADR 0006), and
        # the checker counts the records each seq made there (one, whatever the retries).
        body = {
            "partner_id": partner,
            "payload": payload(ledger.tag, seq, 0, odd),
            "external_id": f"seq-{seq}",
        }
        ledger.record_sent()
        try:
            answer = await self._call(
                session, "POST", "/ingest", body, {"Idempotency-Key": f"{ledger.tag}-{seq}"}
            )
        except (TimeoutError, Retryable, aiohttp.ClientError):
            ledger.unacked.append(seq)
            return
        except Refused as refused:
            ledger.refused[str(refused)] += 1
            return
        record_id = str(answer["id"])
        ledger.acknowledge(seq, record_id, partner, int(answer["version"]), odd)
        if seq % self._profile.amend_every == 0:
            await self._amend(session, seq, record_id, partner, odd)

    async def _amend(
        self, session: aiohttp.ClientSession, seq: int, record_id: str, partner: str, odd: bool
    ) -> None:
        """Amends a record a few times; a retried PUT with the same payload adds no version.

        An amendment never acknowledged is a failure of its own: the record's POST being acknowledged
        does not excuse it."""
        self._ledger.amended.append(record_id)
        for revision in range(1, self._profile.amendments + 1):
            body = {"payload": payload(self._ledger.tag, seq, revision, odd)}
            try:
                answer = await self._call(session, "PUT", f"/ingest/{record_id}", body, {})
            except (TimeoutError, Retryable, aiohttp.ClientError):
                self._ledger.unacked_amendments.append((seq, revision))
                return
            except Refused as refused:
                self._ledger.refused[str(refused)] += 1
                return
            self._ledger.acknowledge(seq, record_id, partner, int(answer["version"]), odd)

    async def _call(
        self, session: aiohttp.ClientSession, method: str, path: str, body: object, headers: dict[str, str]
    ) -> dict[str, Any]:
        """Sends one request, retrying what a retry can fix until the record deadline."""
        data = json.dumps(body)
        retrying = AsyncRetrying(
            retry=retry_if_exception_type((Retryable, asyncio.TimeoutError, aiohttp.ClientError)),
            wait=wait_random_exponential(multiplier=0.2, max=3),
            stop=stop_after_delay(self._profile.record_deadline_s),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._once(session, method, path, data, headers)
        raise AssertionError("unreachable: tenacity reraises the last failure")

    async def _once(
        self, session: aiohttp.ClientSession, method: str, path: str, data: str, headers: dict[str, str]
    ) -> dict[str, Any]:
        started = time.monotonic()
        try:
            async with session.request(
                method, self._base + path, data=data, headers={**self._headers, **headers}
            ) as response:
                text = await response.text()
        except (TimeoutError, aiohttp.ClientError) as error:
            self._ledger.attempts.append(Attempt(started, time.monotonic(), ok=False))
            self._ledger.retries[type(error).__name__] += 1
            raise
        self._ledger.attempts.append(Attempt(started, time.monotonic(), ok=response.status < 300))
        if response.status in (200, 201):
            answer: dict[str, Any] = json.loads(text)
            return answer
        if response.status == 429 or response.status >= 500:
            self._ledger.retries[str(response.status)] += 1
            raise Retryable(f"{method} {path}: {response.status}")
        raise Refused(f"{method} {path.split('/')[1]}: {response.status} {text[:200]}")


def partners_for(tag: str, count: int) -> list[str]:
    return [f"rel-{tag}-{n}" for n in range(count)]


def new_tag(index: int) -> str:
    return f"{int(time.time()) % 10_000_000:07d}{index:02d}"
