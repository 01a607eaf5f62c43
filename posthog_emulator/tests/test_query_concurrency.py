"""Three queries per project at a time, each slot held for the query's whole simulated run time."""

import threading

import requests

from posthog_emulator import Emulator
from posthog_emulator.tests.conftest import MAIN, NEW_YORK, Api, hogql

TOO_MANY = {
    "type": "throttled_error",
    "code": "throttled",
    "detail": "Too many queries are running right now — please try again in a moment.",
    "attr": None,
}
BODY = hogql("SELECT uuid FROM events LIMIT 1")


def run_together(api: Api, pids: list[int]) -> list[requests.Response]:
    results: list[requests.Response] = []
    lock = threading.Lock()

    def one(pid: int) -> None:
        response = api("POST", f"/api/projects/{pid}/query/", json=BODY)
        with lock:
            results.append(response)

    threads = [threading.Thread(target=one, args=(pid,)) for pid in pids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_given_simulated_time_when_four_clients_query_then_the_fourth_gets_posthogs_429(
    api: Api, emu: Emulator
) -> None:
    emu.configure(limits={"query_cost": {"fixed_s": 0.6, "sleep": True}})
    results = run_together(api, [MAIN] * 4)
    assert sorted(r.status_code for r in results) == [200, 200, 200, 429]
    refused = next(r for r in results if r.status_code == 429)
    assert refused.json() == TOO_MANY
    assert "Retry-After" not in refused.headers


def test_given_a_queue_when_four_clients_query_then_the_fourth_waits_for_a_slot(api: Api, emu: Emulator) -> None:
    emu.configure(limits={"query_cost": {"fixed_s": 0.3, "sleep": True}, "query_queue_s": 2.0})
    assert [r.status_code for r in run_together(api, [MAIN] * 4)] == [200] * 4


def test_given_no_simulated_time_when_four_clients_query_then_all_served(api: Api) -> None:
    assert [r.status_code for r in run_together(api, [MAIN] * 4)] == [200] * 4


def test_given_slots_per_project_when_other_project_queries_then_not_refused(api: Api, emu: Emulator) -> None:
    emu.configure(limits={"query_cost": {"fixed_s": 0.5, "sleep": True}})
    assert [r.status_code for r in run_together(api, [MAIN, MAIN, MAIN, NEW_YORK])] == [200] * 4
