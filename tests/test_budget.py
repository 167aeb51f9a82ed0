"""The capture budget: a stranger's presses beyond it run the camera no more, a failing camera rests, and tokens and
scheduled captures have allowances of their own."""

import re

import pytest
import webtest

from conftest import issue_token

ALICE, BOB, CAROL = ({"REMOTE_ADDR": address} for address in ("192.0.2.10", "192.0.2.20", "2001:db8::1"))


def press(web, visitor, status=303):
    return web.post("/snapshot", extra_environ=visitor, status=status)


@pytest.fixture
def budgeted(make_app):
    def make(camera="ok.sh", **budgets):
        settings = dict(dead_time=0, visitor_captures_per_hour=3, captures_per_hour=100, token_captures_per_hour=100)
        return webtest.TestApp(make_app(camera, **dict(settings, **budgets)))
    return make


def test_a_visitors_presses_beyond_the_budget_run_the_camera_no_more_and_show_the_latest_photo(budgeted, camera_runs):
    web = budgeted()
    for _ in range(3):
        press(web, ALICE)
    for _ in range(3):
        refused = press(web, ALICE, status=429)
    assert camera_runs.count() == 3
    assert 3500 < int(refused.headers["Retry-After"]) <= 3600
    latest = web.app.store.latest()
    assert refused.html.find("img", id="image-data")["src"] == f"/photos/{latest.filename}"
    assert re.fullmatch(r"You have taken 3 photos this hour, as many as one visitor may\. Here is the latest photo; "
                        r"a new one can be taken in 60 min\.", refused.html.select_one(".shared").text)
    press(web, BOB)  # another visitor's budget is their own
    legacy = web.get("/?get+image=get+image", extra_environ=ALICE, status=429)
    assert legacy.html.find("img", id="image-data")["src"].startswith("/photos/")
    assert camera_runs.count() == 4


def test_all_visitors_together_have_a_budget_too(budgeted, camera_runs):
    web = budgeted(visitor_captures_per_hour=10, captures_per_hour=2)
    press(web, ALICE)
    press(web, BOB)
    refused = press(web, CAROL, status=429)
    assert "Visitors have taken 2 photos this hour" in refused.html.select_one(".shared").text
    assert camera_runs.count() == 2


def test_failed_runs_count_and_a_failing_camera_rests_longer_after_each_further_failure(budgeted, camera_runs):
    web = budgeted("fails.sh", visitor_captures_per_hour=100)
    for _ in range(3):
        press(web, ALICE, status=503)
    resting = press(web, BOB, status=429)
    assert "The camera failed its last 3 tries, so it rests 10 s before the next." in resting.text
    assert camera_runs.count() == 3
    web.app.store._db().execute("UPDATE captures SET finished_at = finished_at - 11")
    press(web, BOB, status=503)
    assert "rests 20 s" in press(web, BOB, status=429).text
    assert camera_runs.count() == 4
    capped = budgeted("fails.sh", visitor_captures_per_hour=2)
    web.app.store._db().execute("DELETE FROM captures")
    press(capped, CAROL, status=503)
    press(capped, CAROL, status=503)
    assert "You have taken 2 photos this hour" in press(capped, CAROL, status=429).text


def test_tokens_and_scheduled_captures_have_allowances_of_their_own(budgeted, camera_runs):
    web = budgeted(visitor_captures_per_hour=1, token_captures_per_hour=2)
    token = issue_token(web.app)
    press(web, ALICE)
    press(web, ALICE, status=429)
    for _ in range(2):
        web.post("/api/v1/snapshots", headers={"Authorization": f"Enigma {token}"}, extra_environ=ALICE, status=201)
    refused = web.post("/api/v1/snapshots", headers={"Authorization": f"Enigma {token}"}, extra_environ=ALICE,
                       status=429)
    assert refused.json["error"].startswith("This token has started 2 photos this hour")
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert web.app.shutter.press("schedule").photo is not None
    assert camera_runs.count() == 4


def test_over_budget_through_the_real_server(start_server, camera_runs):
    server = start_server(dead_time=0, visitor_captures_per_hour=2)
    assert [server.request("POST", "/snapshot")[0] for _ in range(4)] == [303, 303, 429, 429]
    assert camera_runs.count() == 2
