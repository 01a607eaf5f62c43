"""DRF throttles per endpoint class: 429 body, Retry-After, burst vs sustained, classes apart."""

import pytest

from posthog_emulator import ClassLimit, Emulator, Limits
from posthog_emulator.common.web import ApiError
from posthog_emulator.server.ratelimit import RateLimiter
from posthog_emulator.tests.conftest import MAIN, Api, hogql, session_for


def test_given_burst_of_3_per_second_when_4th_request_then_real_429(api: Api, emu: Emulator) -> None:
    emu.configure(limits={"enabled": True, "classes": {"crud": {"burst": 3, "sustained": None, "burst_period_s": 1.0}}})
    statuses = [api("GET", f"/api/projects/{MAIN}/cohorts/").status_code for _ in range(3)]
    refused = api("GET", f"/api/projects/{MAIN}/cohorts/")
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    assert refused.json() == {
        "type": "throttled_error",
        "code": "throttled",
        "attr": None,
        "detail": "Request was throttled. Expected available in 1 second.",
    }
    assert api("GET", f"/api/projects/{MAIN}/persons/").status_code == 200  # another class, another bucket


def test_given_a_429_when_request_log_read_then_it_holds_the_retry_after_sent(api: Api, emu: Emulator) -> None:
    emu.configure(limits={"enabled": True, "classes": {"crud": {"burst": 1, "sustained": None, "burst_period_s": 1.0}}})
    api("GET", f"/api/projects/{MAIN}/cohorts/")
    api("GET", f"/api/projects/{MAIN}/cohorts/")
    assert [(entry["status"], entry["retry_after"]) for entry in emu.requests[-2:]] == [(200, None), (429, "1")]


def test_given_sustained_bucket_when_exhausted_then_retry_after_is_the_largest_wait(api: Api, emu: Emulator) -> None:
    emu.configure(limits={"enabled": True, "classes": {"query": {"burst": 10, "sustained": 2}}})
    for _ in range(2):
        assert api("POST", f"/api/projects/{MAIN}/query/", json=hogql("SELECT uuid FROM events LIMIT 1")).ok
    refused = api("POST", f"/api/projects/{MAIN}/query/", json=hogql("SELECT uuid FROM events LIMIT 1"))
    assert refused.status_code == 429
    assert 3590 <= int(refused.headers["Retry-After"]) <= 3600


def test_given_no_retry_after_variant_when_throttled_then_header_absent(api: Api, emu: Emulator) -> None:
    emu.configure(
        limits={"enabled": True, "retry_after": False, "classes": {"clickhouse": {"burst": 1, "sustained": None}}}
    )
    api("GET", f"/api/projects/{MAIN}/insights/")
    refused = api("GET", f"/api/projects/{MAIN}/insights/")
    assert refused.status_code == 429
    assert "Retry-After" not in refused.headers


def test_given_bucket_per_project_when_two_keys_then_they_share_it(emu: Emulator) -> None:
    emu.configure(limits={"enabled": True, "key_by": "project", "classes": {"crud": {"burst": 1, "sustained": None}}})
    url = f"{emu.base_url}/api/projects/{MAIN}/cohorts/"
    assert session_for(emu).get(url, timeout=10).status_code == 200
    assert session_for(emu, emu.keys["read_only"]).get(url, timeout=10).status_code == 429


def test_given_limits_disabled_when_many_requests_then_never_throttled(api: Api) -> None:
    assert all(api("GET", "/api/projects/").ok for _ in range(30))


def test_given_drf_history_when_one_bucket_refuses_then_the_other_still_counts_the_request() -> None:
    now = [100.0]
    limiter = RateLimiter(clock=lambda: now[0])
    limits = Limits(enabled=True, classes={"crud": ClassLimit(2, 3, burst_period_s=10.0, sustained_period_s=100.0)})
    limiter.check(limits, "crud", "k")
    now[0] = 104.0
    limiter.check(limits, "crud", "k")
    now[0] = 105.0
    with pytest.raises(ApiError) as burst:
        limiter.check(limits, "crud", "k")
    assert burst.value.headers["Retry-After"] == "5"  # 10 - (105 - 100): counted from the oldest entry
    now[0] = 110.5  # burst has room again, but the refused request was recorded by the sustained bucket
    with pytest.raises(ApiError) as sustained:
        limiter.check(limits, "crud", "k")
    assert sustained.value.headers["Retry-After"] == "90"  # ceil(100 - (110.5 - 100))
