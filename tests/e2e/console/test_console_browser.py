"""The console in a real headless chromium against the running stack: a partner signs in, finds a record
it has just ingested with a filter, reads its timeline and an earlier state, and is refused another partner's
record; an admin watches the pipeline and a rebuild of the view run to its end. Each page is kept as a screenshot in .run/artifacts/console/."""

from __future__ import annotations

import uuid
from typing import Any

import requests
from selenium.webdriver.common.by import By

from tests.e2e.conftest import ApiKeys
from tests.e2e.console.conftest import NARROW, Console
from tests.helpers import wait_until

FINISHED = ("done", "failed", "cancelled")


def _ingest(urls: dict[str, str], keys: ApiKeys, key: str, partner: str, payload: dict[str, Any]) -> str:
    response = requests.post(
        f"{urls['ingestion_svc']}/ingest",
        headers=keys.auth(key),
        json={"partner_id": partner, "payload": payload},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    record_id: str = response.json()["id"]

    def complete() -> bool:
        view = requests.get(f"{urls['query_svc']}/query/{record_id}", headers=keys.auth(key), timeout=10)
        return view.status_code == 200 and view.json()["status"] == "complete"

    wait_until(complete, timeout_s=90, what=f"record {record_id} complete in the query view")
    return record_id


def test_a_partner_finds_its_record_reads_its_timeline_and_is_refused_another_partners(
    console: Console, service_urls: dict[str, str], api_keys: ApiKeys
) -> None:
    run = uuid.uuid4().hex[:12]
    mine = _ingest(
        service_urls, api_keys, api_keys.partner, "partner123", {"name": "Ada", "age": 36, "run": run}
    )
    theirs = _ingest(
        service_urls, api_keys, api_keys.other, "partner456", {"name": "Bob", "age": 41, "run": run}
    )

    console.open("/")
    console.find("#key").send_keys("dik_000000000000_" + "x" * 43)
    console.find("form.stack button").click()
    assert "not valid" in console.text(".state-error")
    console.snap("01-sign-in-refused")

    console.sign_in(api_keys.partner)
    assert console.text("[data-testid=who]") == "partner123"
    assert int(console.text("[data-testid=total]")) >= 1
    console.snap("02-pipeline-partner")

    console.find("nav a[href$='/records']").click()
    box = console.find("#q")
    box.send_keys(f"payload.run={run}")
    box.submit()
    # Whatever the page answers (a table, an empty result or an error), the failure says which.
    answer = console.find("[data-testid=results], [data-testid=empty], [data-testid=filter-error]")
    assert answer.get_attribute("data-testid") == "results", f"{console.driver.current_url}: {answer.text}"
    listed = [link.text for link in console.all("td.col-id a")]
    assert listed == [mine]  # partner456's record with the same run marker is not among them
    console.snap("03-records-filtered")

    console.find(f"a[href$='/records/{mine}']").click()
    assert console.text("[data-testid=status]") == "complete"
    events = [e.text for e in console.all("[data-testid=timeline] .event-type")]
    # In the order they happened: validation and processing both consume DataIngested, side by side, so
    # either result can come first.
    assert events[0] == "DataIngested"
    assert sorted(events[1:]) == ["DataProcessed", "DataValidated"]
    assert '"age_group": "adult"' in console.text("[data-testid=processing-result]")
    console.snap("04-record")
    assert not console.overflows_horizontally(NARROW[0])
    console.snap("05-record-narrow", NARROW)

    console.all("[data-testid=timeline] li")[0].find_element(By.LINK_TEXT, "As of this event").click()
    assert "Showing the record as it was at" in console.text("[data-testid=as-of]")
    assert console.text("[data-testid=status]") == "received"
    console.snap("06-record-as-of-ingestion")

    console.open(f"/records/{theirs}")
    refusal = console.text("[data-testid=error]")
    assert "Record not found" in refusal and "belongs to another partner" in refusal
    console.snap("07-record-of-another-partner-refused")


def test_the_filter_box_reports_a_refused_filter_and_an_empty_result(
    console: Console, api_keys: ApiKeys
) -> None:
    console.sign_in(api_keys.partner)
    console.open("/records")
    box = console.find("#q")
    box.send_keys("payload.age__near=3")
    box.submit()
    assert "unknown shorthand operator" in console.text("[data-testid=filter-error]")
    console.snap("08-records-filter-refused")
    box = console.find("#q")
    box.clear()
    box.send_keys('{"payload.run": "no-such-run-' + uuid.uuid4().hex + '"}')
    box.submit()
    assert console.text("[data-testid=empty]") == "No records match this filter."


def test_an_admin_sees_counts_activity_lag_dead_letters_and_rebuild(
    console: Console, service_urls: dict[str, str], api_keys: ApiKeys
) -> None:
    _ingest(service_urls, api_keys, api_keys.partner, "partner123", {"name": "Cy", "age": 50})
    console.sign_in(api_keys.admin)
    assert console.text("[data-testid=who]") == "admin"
    assert int(console.text("[data-testid=total]")) >= 1
    assert {s.get_attribute("class") for s in console.all("svg.chart polyline")} == {
        "line stage-received",
        "line stage-validated",
        "line stage-processed",
    }
    subscriptions = {
        (cell.get_attribute("data-topic"), cell.get_attribute("data-subscription"))
        for cell in console.all("#lag td[data-subscription]")
    }
    assert {("data-ingested", "query-projector"), ("data-ingested", "validation_svc")} <= subscriptions
    assert ("data-ingested", "processing_svc") in subscriptions
    assert "events applied" in console.text("#lag [data-checkpoint='data-ingested']")
    assert "List and redrive" in console.text("#dead-letters")
    assert console.find("#rebuild form.start-rebuild button").text == "Start a rebuild"
    console.snap("09-pipeline-admin")
    assert not console.overflows_horizontally(NARROW[0])
    console.snap("10-pipeline-admin-narrow", NARROW)
    console.find("nav a[href$='/dead-letters']").click()
    console.find("h1")
    console.snap("11-dead-letters")


def test_an_admin_starts_a_rebuild_from_the_pipeline_page_and_watches_it_finish(
    console: Console, service_urls: dict[str, str], api_keys: ApiKeys
) -> None:
    _ingest(service_urls, api_keys, api_keys.partner, "partner123", {"name": "Di", "age": 29})
    console.sign_in(api_keys.admin)
    previous = console.find("#rebuild").get_attribute("data-job-id")
    console.find("#rebuild form.start-rebuild button").click()
    job_id = ""

    def started() -> bool:
        nonlocal job_id
        job_id = console.find("#rebuild").get_attribute("data-job-id") or ""
        return job_id not in ("", previous)

    wait_until(started, timeout_s=20, what="the rebuild job shown on the page")
    state = "#rebuild [data-testid=rebuild-state]"
    wait_until(
        lambda: console.text(state) in FINISHED, timeout_s=300, what=f"rebuild {job_id} finished on the page"
    )
    assert console.text(state) == "done", console.text("#rebuild [data-field=error]")
    job = requests.get(
        f"{service_urls['query_svc']}/query/projections/rebuild/{job_id}",
        headers=api_keys.auth(api_keys.admin),
        timeout=10,
    ).json()
    assert job["state"] == "done"
    replayed = console.text("#rebuild [data-field=replayed]")
    for topic, count in job["replayed"].items():
        assert f"{topic}: {count}" in replayed
    progress = console.find("#rebuild progress")
    assert progress.get_attribute("value") == progress.get_attribute("max")
    assert console.text("#rebuild [data-field=collection]") == job["collection"]  # the view switched to it
    assert console.find("#rebuild form.start-rebuild button").is_enabled()
    console.snap("12-rebuild-done")

    console.open("/")  # the page as served after the switch shows the same finished job
    assert console.text("#rebuild [data-field=id]") == job_id
    assert console.text(state) == "done"
