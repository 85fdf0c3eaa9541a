"""The console's pure parts: the filter box, the as-of picker, the chart, the lag table, event summaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from query_svc.adapters.http.console.bridge import Answer, Panel
from query_svc.adapters.http.console.chart import activity_chart
from query_svc.adapters.http.console.filter_box import as_of_moment, filter_params
from query_svc.adapters.http.console.pipeline import job_progress, topic_lags
from query_svc.adapters.http.console.records import summary
from query_svc.adapters.pulsar.backlog import SubscriptionLag
from query_svc.application.activity import Activity
from query_svc.domain.errors import InvalidQuery

NOW = datetime(2026, 1, 1, 12, 0, 30, tzinfo=UTC)


def test_the_filter_box_takes_json_as_the_filter_and_anything_else_as_shorthand() -> None:
    assert filter_params("") == {}
    assert filter_params('  {"status": "complete"} ') == {"filter": '{"status": "complete"}'}
    assert filter_params("status=complete & payload.age__gt=30\npayload.name__regex=^A+") == {
        "status": "complete",
        "payload.age__gt": "30",
        "payload.name__regex": "^A+",  # verbatim: no URL decoding turns + into a space
    }


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("status", "field=value"),
        ("=complete", "field=value"),
        ("sort=-timestamp", "sort and paging controls"),
        ("cursor=abc", "sort and paging controls"),
        ("status=a&status=b", "given twice"),
    ],
)
def test_the_filter_box_refuses_what_it_cannot_mean(text: str, complaint: str) -> None:
    with pytest.raises(InvalidQuery, match=complaint):
        filter_params(text)


def test_the_as_of_picker_reads_a_local_value_as_utc_and_keeps_an_explicit_offset() -> None:
    assert as_of_moment(None) is None and as_of_moment("") is None
    assert as_of_moment("2026-01-01T10:00:00.250") == datetime(2026, 1, 1, 10, 0, 0, 250_000, tzinfo=UTC)
    assert as_of_moment("2026-01-01T10:00:00+02:00") == datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    with pytest.raises(InvalidQuery):
        as_of_moment("yesterday")


def test_the_chart_scales_every_series_to_the_largest_minute() -> None:
    minutes = tuple(NOW.replace(second=0) - timedelta(minutes=2 - i) for i in range(3))
    activity = Activity(
        minutes, {"received": (0, 4, 2), "validated": (0, 2, 0), "processed": (1, 0, 0)}, False
    )
    chart = activity_chart(activity)
    received = next(s for s in chart.series if s.stage == "received")
    assert chart.y_max == 4 and received.total == 6
    assert received.per_minute == 2.0  # mean of the complete minutes (0 and 4); the filling one is left out
    points = [tuple(map(float, p.split(","))) for p in received.points.split()]
    assert points[1][1] == min(y for _, y in points)  # the peak is drawn highest
    assert points[0][1] == chart.baseline


def test_the_lag_table_joins_broker_backlog_checkpoints_and_projection_lag_by_topic() -> None:
    lags = [
        SubscriptionLag("data-ingested", "processing_svc", 3, 1, 0.5),
        SubscriptionLag("data-ingested", "query-projector", 0, 1, 0.0),
    ]
    checkpoints = {
        "persistent://public/default/data-ingested": {
            "handled": 7,
            "consumers": 1,
            "last_occurred_at": NOW - timedelta(seconds=30),
        }
    }
    projections = Panel.of(Answer(200, {"active": {"collection": "records", "lag": {"data-validated": 2}}}))
    rows = {row.topic: row for row in topic_lags(checkpoints, lags, projections, NOW)}
    ingested = rows["data-ingested"]
    assert [s.subscription for s in ingested.subscriptions] == ["processing_svc", "query-projector"]
    assert (ingested.handled, ingested.age_s) == (7, 30.0)
    assert rows["data-validated"].projection_lag == 2


@pytest.mark.parametrize(
    ("status", "state"), [(200, "ok"), (404, "missing"), (405, "missing"), (403, "forbidden"), (503, "error")]
)
def test_an_api_answer_becomes_a_panel_state(status: int, state: str) -> None:
    assert Panel.of(Answer(status, {"detail": "why"})).state == state


def test_each_event_kind_is_summarised_in_one_line() -> None:
    base = {"record_version": 2}
    assert summary({**base, "event_type": "DataIngested", "data": {"external_id": "x-1"}}) == (
        "version 2 received, external id x-1"
    )
    invalid = {"is_valid": False, "errors": [{}, {}], "ruleset_version": "r1"}
    assert (
        summary({**base, "event_type": "DataValidated", "data": invalid}) == "invalid: 2 error(s) (rules r1)"
    )
    done = {"status": "processed", "pipeline_version": "p1"}
    assert summary({**base, "event_type": "DataProcessed", "data": done}) == "processed by pipeline p1"


def test_a_rebuilds_progress_sums_the_replayed_events_against_the_topics_sizes_at_the_start() -> None:
    job = {
        "replayed": {"data-ingested": 40, "data-validated": 10},
        "totals": {"data-ingested": 50, "data-validated": 50},
    }
    assert job_progress(job) == (50, 100)
    assert job_progress({**job, "replayed": {"data-ingested": 120}}) == (100, 100)  # topics grew meanwhile
    assert job_progress({"state": "pending", "replayed": {}, "totals": {}}) is None  # sizes not known yet
