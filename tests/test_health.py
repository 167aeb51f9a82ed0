"""/healthz for monitors, and the home page's notice when the camera keeps failing."""

import webtest

from conftest import add_photo, issue_token
from hambot.core.health import FAILURES_FOR_UNHEALTHY


def test_healthz_reports_photos_last_capture_temperature_and_disk(make_app):
    app = make_app(dead_time=0)
    web = webtest.TestApp(app)
    add_photo(app.store)
    web.post("/snapshot", status=303)
    body = web.get("/healthz", status=200).json
    assert body["status"] == "ok" and body["problems"] == []
    assert body["photos"] == 2 and body["photo_bytes"] > 0 and body["free_bytes"] > 0
    assert body["last_capture"]["ok"] is True and body["last_capture"]["source"] == "button"
    assert body["temperature"] == {"celsius": 23.125, "read_at": body["temperature"]["read_at"], "error": None}


def test_healthz_turns_503_after_the_cameras_last_captures_all_fail_and_back_after_a_success(make_app):
    failing = webtest.TestApp(make_app(camera="fails.sh", dead_time=0))
    for attempt in range(FAILURES_FOR_UNHEALTHY):
        assert failing.get("/healthz").status_int == 200  # fewer failures than that are not yet unhealthy
        failing.post("/snapshot", status=503)
    body = failing.get("/healthz", status=503).json
    assert body["status"] == "failing" and body["last_capture"]["ok"] is False
    assert body["problems"] == [f"The camera's last {FAILURES_FOR_UNHEALTHY} captures failed: "
                                "The camera script exited with status 1: my-camera: the lens cover is closed"]
    working = webtest.TestApp(make_app(dead_time=0))
    working.app.store._db().execute("UPDATE captures SET finished_at = finished_at - 60")  # the camera's rest is over
    working.post("/snapshot", status=303)
    assert working.get("/healthz", status=200).json["status"] == "ok"


def test_healthz_reports_a_missing_sensor_with_its_reason(make_app, w1):
    web = webtest.TestApp(make_app())
    w1.remove_sensor()
    web.get("/")  # the home page asks the sensor
    body = web.get("/healthz").json
    assert body["temperature"]["celsius"] is None
    assert body["temperature"]["error"] == "No temperature sensor was found on the 1-Wire bus."


def test_the_home_page_says_since_when_the_camera_has_not_answered(make_app):
    working = webtest.TestApp(make_app(dead_time=0))
    assert "has not answered" not in working.get("/").text
    working.post("/snapshot", status=303)
    failing = webtest.TestApp(make_app(camera="fails.sh", dead_time=0))
    failing.post("/snapshot", status=503)
    failing.post("/snapshot", status=503)
    notice = failing.get("/").html.select_one(".notice")
    text = " ".join(notice.text.split())
    assert text.startswith("The camera has not answered since ")
    assert "(2 tries failed). The last one said: The camera script exited with status 1" in text
    assert notice.select_one("time")["datetime"].endswith("Z")
    working.post("/snapshot", status=303)
    assert failing.get("/").html.select_one(".notice") is None


def test_a_camera_that_never_worked_says_so(make_app):
    web = webtest.TestApp(make_app(camera="hangs.sh", camera_timeout=0.3))
    web.post("/snapshot", status=503)
    text = " ".join(web.get("/").html.select_one(".notice").text.split())
    assert text == ("The camera has not answered yet (1 try failed). "
                    "The last one said: The camera did not answer within 0.3 s.")


def test_with_a_viewer_password_a_signed_out_caller_gets_the_status_and_problems_only(make_app):
    app = make_app(camera="fails.sh", dead_time=0)
    app.password.set("hamster wheel 42")
    token = issue_token(app, name="grandmas-phone")
    stranger = webtest.TestApp(app)
    for _ in range(FAILURES_FOR_UNHEALTHY):
        stranger.post("/api/v1/snapshots", headers={"Authorization": f"Enigma {token}"}, status=503)
    for headers in ({}, {"Authorization": "Enigma not-a-token"}):
        answer = stranger.get("/healthz", headers=headers, status=503)
        assert answer.json == {"status": "failing",
                               "problems": [f"The camera's last {FAILURES_FOR_UNHEALTHY} captures failed."]}
        assert b"grandmas-phone" not in answer.body and b"lens cover" not in answer.body
    full = stranger.get("/healthz", headers={"Authorization": f"Enigma {token}"}, status=503).json
    assert "lens cover" in full["problems"][0] and full["last_capture"]["source"] == "api:grandmas-phone"
