"""Guarantee 8 in what the answers say: no list, search, stats, batch or console answer to one partner holds
another partner's record ids, partner id, payload marker or counts, in its body, its headers or the cursors
they hand out. Both partners ingest records with a marker of their own; each then reads every route that
answers with a collection or an aggregate (and the record routes, asked for the other's records)."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
import requests

from tests.e2e.conftest import ApiKeys
from tests.e2e.isolation import Answer, Party, foreign_traces, readable_text, sign_in
from tests.helpers import wait_until

RECORDS_PER_PARTY = 3
PROCESSING_STEPS = 4  # normalize, enrich, quality, fingerprint: one step event each
T = TypeVar("T")


@dataclass(frozen=True)
class Probe:
    service: str  # "console" for the console's pages and fragments, signed in with the viewer's key
    method: str
    path: str
    body: Any = None
    echoes: tuple[str, ...] = ()  # what the caller asked about the other party, that the answer may repeat
    shows: str = ""  # a value of the viewer's own that the answer must hold: proof that it sees data


def _probes(viewer: Party, foreign: Party) -> list[Probe]:
    own, theirs = viewer.record_ids[0], foreign.record_ids[0]
    return [
        *_list_probes(viewer, foreign),
        Probe("query_svc", "GET", "/query/stats"),
        Probe("query_svc", "GET", f"/query/{theirs}", echoes=(theirs,)),
        Probe("query_svc", "GET", f"/query/{theirs}/history", echoes=(theirs,)),
        Probe("query_svc", "GET", f"/query/{own}/history", shows=viewer.marker),
        Probe("query_svc", "GET", "/query/projections"),
        Probe("query_svc", "GET", "/admin/dead-letters"),
        Probe("ingestion_svc", "POST", "/ingest/batch", [_record(viewer.partner_id, viewer.marker)]),
        Probe("ingestion_svc", "GET", f"/ingest/{own}/events", shows=viewer.marker),
        Probe("ingestion_svc", "GET", f"/ingest/{theirs}", echoes=(theirs,)),
        Probe("ingestion_svc", "GET", f"/ingest/{theirs}/events", echoes=(theirs,)),
        Probe("validation_svc", "GET", "/validation/rules"),
        Probe("validation_svc", "GET", f"/validation/{own}", shows=own),
        Probe("validation_svc", "GET", f"/validation/{theirs}", echoes=(theirs,)),
        Probe("processing_svc", "GET", f"/processing/{own}", shows=viewer.partner_id),
        Probe("processing_svc", "GET", f"/processing/{theirs}", echoes=(theirs,)),
        *_console_probes(viewer, foreign),
    ]


def _list_probes(viewer: Party, foreign: Party) -> list[Probe]:
    own, newest = viewer.record_ids[0], "sort=-timestamp&limit=1000"
    return [
        Probe("query_svc", "GET", f"/query/all?{newest}", shows=own),
        Probe("query_svc", "GET", "/query/all?limit=1", shows='rel="next"'),  # a Link with a cursor
        Probe("query_svc", "GET", f"/query/all?payload.marker={foreign.marker}", echoes=(foreign.marker,)),
        Probe(
            "query_svc",
            "GET",
            f"/query/all?partner_id={foreign.partner_id}&{newest}",
            echoes=(foreign.partner_id,),
        ),
        Probe("query_svc", "GET", f"/query/partner/{viewer.partner_id}?{newest}", shows=own),
        Probe("query_svc", "GET", f"/query/partner/{viewer.partner_id}?limit=1", shows='rel="next"'),
        Probe(
            "query_svc", "GET", f"/query/partner/{foreign.partner_id}?{newest}", echoes=(foreign.partner_id,)
        ),
        Probe("query_svc", "POST", "/query/search", {"sort": "-timestamp", "limit": 1000}, shows=own),
        Probe("query_svc", "POST", "/query/search", {"limit": 1}, shows="next-cursor: "),
        *(
            # Newest first, so the control finds the party's new records before its older ones.
            Probe(
                "query_svc",
                "POST",
                "/query/search",
                {"filter": {field: value}, "sort": "-timestamp"},
                echoes=(value,),
            )
            for field, value in (("payload.marker", foreign.marker), ("partner_id", foreign.partner_id))
        ),
    ]


def _console_probes(viewer: Party, foreign: Party) -> list[Probe]:
    own, theirs = viewer.record_ids[0], foreign.record_ids[0]
    return [
        Probe("console", "GET", "/"),
        Probe("console", "GET", "/records?limit=100"),
        Probe("console", "GET", f"/records?q=payload.marker%3D{viewer.marker}", shows=own),
        Probe("console", "GET", f"/records?q=payload.marker%3D{foreign.marker}", echoes=(foreign.marker,)),
        Probe(
            "console", "GET", f"/records?q=partner_id%3D{foreign.partner_id}", echoes=(foreign.partner_id,)
        ),
        Probe("console", "GET", f"/records/{own}", shows=viewer.marker),
        Probe("console", "GET", f"/records/{theirs}", echoes=(theirs,)),
        Probe("console", "GET", "/dead-letters"),
        Probe("console", "GET", "/api/projections"),
        Probe("console", "GET", f"/api/rebuild/{uuid.uuid4().hex}"),
    ]


def _record(partner_id: str, marker: str) -> dict[str, Any]:
    return {"partner_id": partner_id, "payload": {"name": "Isolation", "age": 30, "marker": marker}}


def _party(urls: dict[str, str], keys: ApiKeys, key: str, partner_id: str) -> Party:
    marker = f"iso-{uuid.uuid4().hex}"
    batch = [_record(partner_id, marker) for _ in range(RECORDS_PER_PARTY)]
    response = requests.post(
        f"{urls['ingestion_svc']}/ingest/batch", json=batch, headers=keys.auth(key), timeout=10
    )
    assert response.status_code == 200 and response.json()["accepted"] == RECORDS_PER_PARTY, response.text
    return Party(partner_id, key, tuple(item["id"] for item in response.json()["items"]), marker)


def _settled(urls: dict[str, str], keys: ApiKeys, party: Party) -> bool:
    """Every service has seen all the party's records, so a list that leaves one out does so by design."""
    admin = keys.auth(keys.admin)
    for record_id in party.record_ids:
        view = requests.get(f"{urls['query_svc']}/query/{record_id}", headers=admin, timeout=10)
        if view.status_code != 200 or view.json()["status"] != "complete":
            return False
        for url in (f"{urls['validation_svc']}/validation/", f"{urls['processing_svc']}/processing/"):
            if requests.get(f"{url}{record_id}", headers=admin, timeout=10).status_code != 200:
                return False
    return True


@pytest.fixture(scope="module")
def parties(service_urls: dict[str, str], api_keys: ApiKeys) -> tuple[Party, Party]:
    mine = _party(service_urls, api_keys, api_keys.partner, "partner123")
    theirs = _party(service_urls, api_keys, api_keys.other, "partner456")
    wait_until(
        lambda: _settled(service_urls, api_keys, mine) and _settled(service_urls, api_keys, theirs),
        timeout_s=120,
        what="both partners' records settled in every service",
    )
    return mine, theirs


def _ask(urls: dict[str, str], keys: ApiKeys, viewer: Party, probe: Probe) -> Answer:
    if probe.service == "console":
        session = sign_in(f"{urls['query_svc']}/console", viewer.key)
        return Answer.of(session.request(probe.method, probe.path))
    url = f"{urls[probe.service]}{probe.path}"
    response = requests.request(probe.method, url, json=probe.body, headers=keys.auth(viewer.key), timeout=10)
    return Answer.of(response)


def test_no_answer_to_one_partner_holds_the_other_partners_records(
    service_urls: dict[str, str], api_keys: ApiKeys, parties: tuple[Party, Party]
) -> None:
    failures, cells = [], 0
    for viewer, foreign in (parties, parties[::-1]):
        for probe in _probes(viewer, foreign):
            answer = _ask(service_urls, api_keys, viewer, probe)
            cells += 1
            where = f"{probe.method} {probe.service}{probe.path} as {viewer.partner_id}"
            if answer.status >= 500:
                failures.append(f"{where}: {answer.status}")
            if probe.shows not in readable_text(answer):
                failures.append(f"{where}: {probe.shows} of its own is missing")
            failures += [f"{where}: holds {trace}" for trace in foreign_traces(answer, foreign, probe.echoes)]
    assert not failures, "\n".join(failures)
    assert cells == 2 * len(_probes(*parties))


def test_the_probes_that_ask_about_the_other_partner_find_its_records_with_a_key_that_may_see_them(
    service_urls: dict[str, str], api_keys: ApiKeys, parties: tuple[Party, Party]
) -> None:
    """The control: as the admin, each probe that asks about the other party does report it."""
    mine, theirs = parties
    admin = Party(mine.partner_id, api_keys.admin, mine.record_ids, mine.marker)
    asking = [probe for probe in _probes(admin, theirs) if probe.echoes]
    silent = [
        f"{probe.method} {probe.service}{probe.path}"
        for probe in asking
        if not foreign_traces(_ask(service_urls, api_keys, admin, probe), theirs, probe.echoes)
    ]
    assert not silent, f"probes that cannot see the other partner's records at all: {silent}"
    assert len(asking) == 14  # 7 list and search filters on the other party, 7 reads of its record


def _stats(urls: dict[str, str], keys: ApiKeys, key: str) -> dict[str, Any]:
    answer = requests.get(f"{urls['query_svc']}/query/stats", headers=keys.auth(key), timeout=10)
    assert answer.status_code == 200, answer.text
    stats: dict[str, Any] = answer.json()
    return stats


def _held_still(counts: Callable[[], Any], read: Callable[[], T]) -> T:
    """What `read` gives while `counts` does not change: other tests may be ingesting at the same time."""
    for _ in range(60):
        before = counts()
        value = read()
        if counts() == before:
            return value
        time.sleep(0.5)
    pytest.fail("the view's counts never held still for a moment")


def test_stats_count_the_callers_records_only(
    service_urls: dict[str, str], api_keys: ApiKeys, parties: tuple[Party, Party]
) -> None:
    for viewer, foreign in (parties, parties[::-1]):
        _assert_stats_count_only(service_urls, api_keys, viewer, foreign)


def _assert_stats_count_only(urls: dict[str, str], keys: ApiKeys, viewer: Party, foreign: Party) -> None:
    everyone, mine = _held_still(
        lambda: _stats(urls, keys, keys.admin),
        lambda: (_stats(urls, keys, keys.admin), _stats(urls, keys, viewer.key)),
    )
    assert mine["total"] == everyone["by_partner"][viewer.partner_id], (mine, everyone)
    assert mine["total"] < everyone["total"]  # at least the other party's records are left out
    assert sum(mine["by_status"].values()) == mine["total"], mine
    assert all(n <= everyone["by_status"][status] for status, n in mine["by_status"].items())
    assert set(mine.get("by_partner", {})) <= {viewer.partner_id}, mine
    assert foreign.partner_id not in str(mine)


_TOTAL = re.compile(r'data-testid="total">(\d+)<')
_BY_STATUS = re.compile(r'data-status="([a-z_]+)">(\d+)<')


def test_the_console_counts_the_callers_records_only(
    service_urls: dict[str, str], api_keys: ApiKeys, parties: tuple[Party, Party]
) -> None:
    for viewer in parties:
        _assert_console_counts_only(service_urls, api_keys, viewer)


def _assert_console_counts_only(urls: dict[str, str], keys: ApiKeys, viewer: Party) -> None:
    session = sign_in(f"{urls['query_svc']}/console", viewer.key)
    mine, page = _held_still(
        lambda: _stats(urls, keys, viewer.key),
        lambda: (_stats(urls, keys, viewer.key), session.request("GET", "/").text),
    )
    total = _TOTAL.search(page)
    assert total and int(total.group(1)) == mine["total"], (mine, page[:2000])
    shown = {status: int(n) for status, n in _BY_STATUS.findall(page) if int(n)}
    assert shown == mine["by_status"], (shown, mine)
    assert "By partner" not in page


def _ingest_one(urls: dict[str, str], keys: ApiKeys, party: Party) -> str:
    response = requests.post(
        f"{urls['ingestion_svc']}/ingest",
        json=_record(party.partner_id, party.marker),
        headers=keys.auth(party.key),
        timeout=10,
    )
    assert response.status_code == 201, response.text
    record_id: str = response.json()["id"]
    return record_id


def _integers(event: dict[str, Any]) -> dict[str, int]:
    """The integers of an event as answered (a global counter would be one of them)."""
    return {name: value for name, value in event.items() if isinstance(value, int)}


def _audit_counters(urls: dict[str, str], keys: ApiKeys, party: Party) -> dict[str, int]:
    """The integers of a new record's first audit event at ingestion."""
    record_id = _ingest_one(urls, keys, party)
    events = requests.get(
        f"{urls['ingestion_svc']}/ingest/{record_id}/events", headers=keys.auth(party.key), timeout=10
    )
    return _integers(events.json()[0])


def _step_counters(urls: dict[str, str], keys: ApiKeys, party: Party) -> dict[str, int]:
    """The integers of a new record's last processing step event, once processing has stored them all."""
    record_id = _ingest_one(urls, keys, party)
    steps: list[dict[str, Any]] = []

    def processed() -> bool:
        nonlocal steps
        answer = requests.get(
            f"{urls['processing_svc']}/processing/{record_id}", headers=keys.auth(party.key), timeout=10
        )
        steps = answer.json() if answer.status_code == 200 else []
        return len(steps) >= PROCESSING_STEPS

    wait_until(processed, timeout_s=60, what=f"processing's steps for {record_id}")
    return _integers(steps[-1])


@pytest.mark.parametrize("counters", [_audit_counters, _step_counters], ids=["ingestion", "processing"])
def test_an_event_list_does_not_reveal_the_other_partners_volume(
    service_urls: dict[str, str],
    api_keys: ApiKeys,
    parties: tuple[Party, Party],
    counters: Callable[[dict[str, str], ApiKeys, Party], dict[str, int]],
) -> None:
    viewer, foreign = parties
    before = counters(service_urls, api_keys, viewer)
    for _ in range(5):
        counters(service_urls, api_keys, foreign)
    after = counters(service_urls, api_keys, viewer)
    # Five of the other partner's records in between must not show as a gap of five or more in any
    # number (the global position of ingestion's and of processing's event store once did).
    assert {name: after[name] - before[name] for name in before if after[name] - before[name] >= 5} == {}


CURSOR = "eyJ2IjpbInBhcnRuZXI0NTYiXX0"  # base64 of {"v":["partner456"]}, as the query service encodes one
THEIRS = Party("partner456", "unused", (str(uuid.uuid4()),), f"iso-{uuid.uuid4().hex}")


@pytest.mark.parametrize(
    ("answer", "found"),
    [
        (Answer(200, f'[{{"id": "{THEIRS.record_ids[0]}"}}]', {}), "record id"),
        (Answer(200, '{"total": 3, "by_partner": {"partner456": 2}}', {}), "partner id"),
        (Answer(200, f'[{{"payload": {{"marker": "{THEIRS.marker}"}}}}]', {}), "payload marker"),
        (Answer(200, "[]", {"X-Owner": "partner456"}), "partner id"),
        (Answer(200, "[]", {"Next-Cursor": CURSOR}), "partner id"),
        (Answer(200, "[]", {"next-cursor": CURSOR}), "partner id"),
        (Answer(200, "[]", {"Link": f'</query/all?cursor={CURSOR}>; rel="next"'}), "partner id"),
    ],
)
def test_the_checker_reports_a_planted_trace_of_the_other_partner(answer: Answer, found: str) -> None:
    traces = foreign_traces(answer, THEIRS)
    assert len(traces) == 1 and found in traces[0], traces


def test_the_checker_passes_a_clean_answer_and_what_the_caller_sent() -> None:
    theirs = THEIRS.record_ids[0]
    assert foreign_traces(Answer(200, '[{"id": "x", "partner_id": "partner123"}]', {}), THEIRS) == []
    refusal = Answer(404, f'{{"detail": "no record {theirs}"}}', {})
    assert foreign_traces(refusal, THEIRS, echoes=(theirs,)) == []
    assert foreign_traces(refusal, THEIRS) == [f"partner456's record id {theirs}"]
