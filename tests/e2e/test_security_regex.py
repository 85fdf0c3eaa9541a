"""Issue 22, finding 4, against the running stack: a `$regex` that PCRE (MongoDB) could backtrack on without
end answers 400 problem+json naming where it stands and why, however it is spelled and wherever it is sent;
plain patterns still find records.

Before the fix `((a+))+`, `(a?){25}a{25}`, back-references, repeats in lookarounds and the long counted or
unrolled forms passed the text check and reached the store (FerretDB's RE2 shrugs them off, PCRE does not).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import requests

from tests.e2e.conftest import ApiKeys

WHY = "catastrophic backtracking on PCRE"
REFUSED = [
    # (pattern, $options, what the refusal says)
    ("((a+))+", "", WHY),
    ("(a?){25}a{25}", "", WHY),
    ("(?:a+)+", "", WHY),
    ("(?:a|[ab])+", "", WHY),  # (a|a)+ in another spelling: Python's parser alone reads it as [ab]+
    (r"(\w|a)+", "", WHY),
    ("(a)\\1", "", WHY),
    ("(?P<x>a)(?P=x)", "", WHY),
    ("(?=a+)b", "", WHY),
    ("a?" * 25 + "a" * 25, "", WHY),
    ("(a+) +", "x", WHY),  # the x option drops the space: (a+)+
    ("a{2000}", "", "counted repeats go up to {0,1000}"),
]
ACCEPTED = ["^abc", "foo.*bar", r"[a-z]+@example\.com$", "(foo|bar)baz", r"\d{3}-\d{4}", "^(ab)+$"]


def _filter(pattern: str, options: str = "") -> dict[str, Any]:
    return {"payload.name": {"$regex": pattern, **({"$options": options} if options else {})}}


def _list(urls: dict[str, str], keys: ApiKeys, **params: str) -> requests.Response:
    return requests.get(
        f"{urls['query_svc']}/query/all", params=params, headers=keys.auth(keys.partner), timeout=10
    )


def _refusal(response: requests.Response) -> str:
    assert response.status_code == 400, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json"), response.headers
    detail: str = response.json()["detail"]
    return detail


@pytest.mark.parametrize(("pattern", "options", "why"), REFUSED)
def test_a_pattern_pcre_backtracks_on_without_end_is_refused(
    service_urls: dict[str, str], api_keys: ApiKeys, pattern: str, options: str, why: str
) -> None:
    response = _list(service_urls, api_keys, filter=json.dumps(_filter(pattern, options)))
    detail = _refusal(response)
    assert detail.startswith("filter.payload.name.$regex: ") and why in detail


def test_the_shorthand_and_the_search_body_are_checked_alike(
    service_urls: dict[str, str], api_keys: ApiKeys
) -> None:
    shorthand = _list(service_urls, api_keys, **{"payload.name__regex": "((a+))+"})
    assert WHY in _refusal(shorthand)
    search = requests.post(
        f"{service_urls['query_svc']}/query/search",
        json={"filter": {"payload.tags": {"$elemMatch": {"$not": {"$regex": "(a)\\1"}}}}},
        headers=api_keys.auth(api_keys.partner),
        timeout=10,
    )
    assert _refusal(search).startswith("filter.payload.tags.$elemMatch.$not.$regex: back-references")


@pytest.mark.parametrize("pattern", ACCEPTED)
def test_a_plain_pattern_is_answered(service_urls: dict[str, str], api_keys: ApiKeys, pattern: str) -> None:
    response = _list(service_urls, api_keys, filter=json.dumps(_filter(pattern)), limit="1")
    assert response.status_code == 200, response.text


def test_a_repeated_fixed_group_finds_its_record(service_urls: dict[str, str], api_keys: ApiKeys) -> None:
    marker, auth = uuid.uuid4().hex, api_keys.auth(api_keys.partner)
    posted = requests.post(
        f"{service_urls['ingestion_svc']}/ingest",
        json={"partner_id": "partner123", "payload": {"name": "ababab", "marker": marker}},
        headers=auth,
        timeout=10,
    )
    assert posted.status_code == 201, posted.text
    record_id = posted.json()["id"]
    seen = requests.get(
        f"{service_urls['query_svc']}/query/{record_id}?min_version=1&wait_ms=10000", headers=auth, timeout=30
    )
    assert seen.status_code == 200, seen.text
    found = _list(service_urls, api_keys, filter=json.dumps({**_filter("^(ab)+$"), "payload.marker": marker}))
    assert found.status_code == 200, found.text
    assert [record["id"] for record in found.json()] == [record_id]
