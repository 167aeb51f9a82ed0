"""JSON API v1: records, paging, tokens on write calls, and one error shape for everything."""

from urllib.parse import urlencode

import pytest
import webtest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import add_photo, issue_token

ERROR_KEYS = {"error", "status"}


@pytest.fixture
def app(make_app):
    return make_app(dead_time=0)


@pytest.fixture
def api(app):
    return webtest.TestApp(app)


def auth(token, scheme="Enigma"):
    return {"Authorization": f"{scheme} {token}"}


def spoiled(token):
    """The token with its last letter changed, so it can never be the valid token itself."""
    return token[:-1] + ("Q" if token[-1] != "Q" else "R")


def assert_error(answer, status, *words):
    assert answer.status_int == status
    assert answer.content_type == "application/json"
    assert set(answer.json) == ERROR_KEYS and answer.json["status"] == status
    assert answer.json["error"][:1].isupper() and "Traceback" not in answer.json["error"]
    for word in words:
        assert word in answer.json["error"]


def test_photos_are_listed_newest_first_with_a_link_to_the_next_page(app, api):
    stored = [add_photo(app.store, celsius=20 + i) for i in range(5)]
    first = api.get("/api/v1/photos?limit=2").json
    assert [p["id"] for p in first["photos"]] == [stored[4].id, stored[3].id]
    second = api.get(first["next"]).json
    assert [p["id"] for p in second["photos"]] == [stored[2].id, stored[1].id]
    last = api.get(second["next"]).json
    assert [p["id"] for p in last["photos"]] == [stored[0].id] and last["next"] is None
    record = last["photos"][0]
    assert record["taken_at"].endswith("Z") and record["temperature_c"] == 20.0
    assert api.get(record["url"]).content_type == "image/jpeg"
    assert api.get(record["thumbnail_url"]).content_type == "image/jpeg"


def test_one_photo_record(app, api):
    photo = add_photo(app.store)
    record = api.get(f"/api/v1/photos/{photo.id}").json
    assert (record["id"], record["width"], record["height"], record["source"]) == (photo.id, 160, 120, "test")
    assert_error(api.get("/api/v1/photos/AAAAAAAAAAAA", status=404), 404, "no photo")
    assert_error(api.get("/api/v1/photos/..%2F..%2Fetc", status=404), 404)


@pytest.mark.parametrize("query, named", [("limit=0", "limit"), ("limit=101", "limit"), ("limit=ten", "limit"),
                                          ("limit=1&limit=2", "limit"), ("colour=red", "colour"),
                                          ("before=", "before"), ("before=../x", "before")])
def test_bad_query_parameters_are_named(api, query, named):
    assert_error(api.get(f"/api/v1/photos?{query}", status=400), 400, named)


def test_a_list_that_continues_from_a_deleted_photo_is_a_404(api):
    assert_error(api.get("/api/v1/photos?before=AAAAAAAAAAAA", status=404), 404, "before")


def test_unknown_addresses_and_methods_get_json_errors(api):
    assert_error(api.get("/api/v1/cats", status=404), 404)
    answer = api.put("/api/v1/photos", status=405)
    assert_error(answer, 405)
    assert answer.headers["Allow"] == "GET,POST"


def test_the_current_temperature(api, w1):
    reading = api.get("/api/v1/temperature").json
    assert reading["celsius"] == 23.125 and reading["fahrenheit"] == pytest.approx(73.625)
    assert reading["sensor_id"] == "28-000005e2fdc3" and reading["read_at"].endswith("Z")


def test_no_temperature_is_a_503_with_the_reason(make_app, w1):
    w1.remove_sensor()
    answer = webtest.TestApp(make_app()).get("/api/v1/temperature", status=503)
    assert_error(answer, 503, "sensor")


def test_the_temperature_history_in_order_within_since_and_until(app, api):
    for minute in range(60):
        app.history.record(20 + minute / 60, "schedule", 1_790_000_000 + minute * 60)
    body = api.get("/api/v1/temperature/history?since=2026-09-21T14:20:00Z&until=2026-09-21T14:30:00%2B00:00").json
    times = [r["taken_at"] for r in body["readings"]]
    assert times == sorted(times) and len(times) == 10 and not body["downsampled"]
    assert times[0] >= "2026-09-21T14:20:00" and times[-1] <= "2026-09-21T14:30:00"


def test_a_long_history_is_capped_at_the_configured_number_of_points(make_app):
    app = make_app(temperature_history_points=50)
    for minute in range(1000):
        app.history.record(21.0, "schedule", 1_790_000_000 + minute * 60)
    body = webtest.TestApp(app).get("/api/v1/temperature/history?since=2026-01-01").json
    assert body["downsampled"] and 45 <= len(body["readings"]) <= 50


@pytest.mark.parametrize("query, named", [("since=yesterday", "since"), ("until=2026-13-01", "until"),
                                          ("since=2026-02-01&until=2026-01-01", "since"), ("step=5", "step")])
def test_bad_history_times_are_named(api, query, named):
    assert_error(api.get(f"/api/v1/temperature/history?{query}", status=400), 400, named)


def test_a_snapshot_with_a_token_is_a_new_photo_then_the_dead_time_gives_it_back(make_app, camera_runs):
    app = make_app(dead_time=60)
    api, token = webtest.TestApp(app), issue_token(app)
    new = api.post("/api/v1/snapshots", headers=auth(token), status=201)
    assert new.headers["Location"] == f"/api/v1/photos/{new.json['id']}"
    assert new.json["reused"] is False and new.json["source"] == "api:phone"
    again = api.post("/api/v1/snapshots", headers=auth(token, "Bearer"), status=200)
    assert again.json["reused"] is True and again.json["id"] == new.json["id"]
    assert camera_runs.count() == 1


def test_a_failing_camera_is_a_503_with_its_sentence(make_app):
    app = make_app("fails.sh")
    answer = webtest.TestApp(app).post("/api/v1/snapshots", headers=auth(issue_token(app)), status=503)
    assert_error(answer, 503, "camera")


@pytest.mark.parametrize("header", [None, "", "Enigma", "Basic dXNlcjpwYXNz", "Enigma abc", "Enigma " + "A" * 118,
                                    "Enigma ÄÖÜ", "Bearer 12345", "Enigma " + "Z" * 5000])
def test_write_calls_without_a_good_token_get_401(app, api, camera_runs, header):
    issue_token(app)
    headers = {} if header is None else {"Authorization": header}
    answer = api.post("/api/v1/snapshots", headers=headers, status=401)
    assert_error(answer, 401)
    assert answer.headers["WWW-Authenticate"].startswith("Enigma")
    assert camera_runs.count() == 0


def test_expired_and_revoked_tokens_get_401(app, api):
    issue_token(app, "first")  # writes the key sheet
    expired = app.tokens.issue("old", 60, now=1_700_000_000)
    assert_error(api.post("/api/v1/snapshots", headers=auth(expired), status=401), 401, "expired")
    token = issue_token(app, "phone")
    app.tokens.revoke("phone")
    assert_error(api.post("/api/v1/snapshots", headers=auth(token), status=401), 401, "revoked")


def test_repeated_failures_from_one_address_are_slowed_down_but_not_others_nor_a_valid_token(app, api):
    token = issue_token(app)
    attacker, owner = {"REMOTE_ADDR": "203.0.113.7"}, {"REMOTE_ADDR": "198.51.100.2"}
    for _ in range(app.failures.limit):
        api.post("/api/v1/snapshots", headers=auth(spoiled(token)), extra_environ=attacker, status=401)
    slowed = api.post("/api/v1/snapshots", headers=auth(spoiled(token)), extra_environ=attacker, status=429)
    assert_error(slowed, 429)
    assert 0 < int(slowed.headers["Retry-After"]) <= app.failures.window
    api.post("/api/v1/snapshots", headers=auth(token), extra_environ=owner, status=201)
    api.post("/api/v1/snapshots", headers=auth(token), extra_environ=attacker, status=201)  # a shared address, say


def test_a_forwarded_for_header_does_not_dodge_the_limit(app, api):
    token = issue_token(app)
    for n in range(app.failures.limit):
        api.post("/api/v1/snapshots", headers={**auth(spoiled(token)), "X-Forwarded-For": f"10.0.0.{n}"},
                 status=401)
    api.post("/api/v1/snapshots", headers={**auth(spoiled(token)), "X-Forwarded-For": "10.9.9.9"}, status=429)


def test_a_body_on_a_write_call_is_refused(app, api):
    answer = api.post("/api/v1/snapshots", params=b"x" * 100_000, headers=auth(issue_token(app)),
                      content_type="application/octet-stream", status=413)
    assert_error(answer, 413)


def test_deleting_removes_the_photo_its_thumbnail_and_its_row(app, api):
    photo, token = add_photo(app.store), issue_token(app)
    files = [app.store.path_of(photo), app.store.thumbnail_path_of(photo)]
    assert all(f.exists() for f in files)
    api.delete(f"/api/v1/photos/{photo.id}", status=401)
    api.delete(f"/api/v1/photos/{photo.id}", headers=auth(token), status=204)
    assert not any(f.exists() for f in files)
    assert app.store.get(photo.id) is None
    assert_error(api.delete(f"/api/v1/photos/{photo.id}", headers=auth(token), status=404), 404)
    api.get(f"/photos/{photo.id}", status=404)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["/api/v1/photos", "/api/v1/photos/AAAAAAAAAAAA", "/api/v1/temperature/history",
                             "/api/v1/snapshots", "/api/v1/openapi.json"]),
       method=st.sampled_from(["GET", "POST", "DELETE", "PATCH"]),
       query=st.dictionaries(st.sampled_from(["limit", "before", "since", "until", "x", "limit[]"]),
                             st.text(max_size=30), max_size=3),
       authorization=st.text(max_size=200).map(lambda t: t.encode("utf-8").decode("latin-1")))
def test_no_request_a_client_can_send_gets_a_500_or_an_html_page(api, path, method, query, authorization):
    answer = api.request(path + "?" + urlencode(query), method=method, headers={"Authorization": authorization},
                         expect_errors=True)
    assert answer.status_int < 500
    assert answer.content_type == "application/json"
    if answer.status_int >= 400:
        assert set(answer.json) == ERROR_KEYS
