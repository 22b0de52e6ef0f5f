"""The ETA model: quotas and queues for APIs, the batching window and file quota for feeds."""

from datetime import UTC, datetime, timedelta

from connectors.registry import CONNECTORS
from service.campaigns.eta import estimate
from service.sync.limiter import SAFETY
from service.settings import Settings

START = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


def settings(**limits: str) -> Settings:
    return Settings(rate_limits=limits, sync_debounce_seconds=1.0, feed_batch_seconds=300.0)


def test_an_api_platform_sends_at_its_quota_behind_its_queue_then_publishes_after_its_delay():
    eta = estimate(settings(google="300/60"), "google", sites=120, queued=30, start=START)
    seconds = (eta.sent_by - START).total_seconds()
    # debounce, then 150 pushes and their 150 read-backs at 5 a second
    assert abs(seconds - (1.0 + 300 * (60 / 300) / SAFETY)) < 1e-3  # the limiter paces at 98 %
    assert eta.done_by == eta.sent_by + CONNECTORS["google"].info.typical_delay
    assert eta.requests == 240 and eta.quota == "300/60s, 10/60s per site" and eta.done_state == "live"


def test_a_feed_waits_for_the_batch_window_and_for_its_next_file_slot():
    info = CONNECTORS["pagesjaunes"].info
    eta = estimate(settings(), "pagesjaunes", sites=120, queued=0, start=START)
    assert eta.sent_by == START + timedelta(seconds=301) and eta.done_state == "submitted" and eta.requests == 1
    late = estimate(settings(pagesjaunes="1/3600"), "pagesjaunes", sites=120, queued=0, start=START,
                    last_delivery=START - timedelta(minutes=10))
    assert late.sent_by == START + timedelta(minutes=50)  # one file an hour: the next slot
    assert info.typical_delay.days >= 1 and "publishes about" in late.note


def test_derived_follows_its_platform_and_manual_has_no_date():
    google = estimate(settings(), "google", sites=10, queued=0, start=START)
    waze = estimate(settings(), "waze", sites=10, queued=0, start=START, others={"google": google})
    assert waze.done_by == google.done_by + CONNECTORS["waze"].info.typical_delay and waze.requests == 0
    alone = estimate(settings(), "waze", sites=10, queued=0, start=START)
    assert alone.done_by is None and "not connected" in alone.note
    manual = estimate(settings(), "tripadvisor", sites=10, queued=0, start=START)
    assert manual.done_by is None and manual.done_state == "manual" and "10 site(s)" in manual.note


def test_without_a_quota_the_estimate_says_it_assumes_a_round_trip():
    eta = estimate(settings(google="off"), "google", sites=160, queued=0, start=START)
    assert "assumed 0.5 s per request" in eta.note
    assert abs((eta.sent_by - START).total_seconds() - (1.0 + 320 * 0.5 / Settings().sync_concurrency)) < 1e-3
