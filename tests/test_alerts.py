"""Alerts in-process: episodes from the fake 1-Wire tree and recorded readings, delivered to real receivers."""

import base64
import time

import pytest
from bs4 import BeautifulSoup

from conftest import add_photo
from hambot.core import alerts, outbox
from hambot.core.notify import Sender
from receivers import JsonReceiver, SmtpReceiver

MINUTE = 60


@pytest.fixture
def smtp():
    receiver = SmtpReceiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def hook():
    receiver = JsonReceiver()
    yield receiver
    receiver.down()


def sender_of(app):
    return Sender(app.store, app.notifier, app.alerts)


def read_and_record(app, w1, celsius, at):
    """The probe shows `celsius`; the real thermometer reads it and the history records it at `at`."""
    w1.add_sensor(celsius=celsius)
    reading = app.thermometer.fresh()
    assert reading.celsius == pytest.approx(celsius, abs=0.07)
    app.history.record(reading.celsius, "schedule", at)


def outbox_events(app):
    return [row[0] for row in app.store.database.connection().execute("SELECT event FROM outbox WHERE target = 0"
                                                                       " ORDER BY seq")]


def test_a_too_warm_episode_sends_one_alert_one_reminder_and_one_recovery_with_the_photo(make_app, w1, smtp, hook):
    app = make_app(NOTIFY_URLS=f"{smtp.url()} {hook.url()}", TEMPERATURE_ALERT_MINUTES=10, ALERT_REMIND_HOURS=1,
                   PUBLIC_URL="https://cam.example.org", TEMPERATURE_COMFORT_MAX=24, SENSOR_SILENT_MINUTES=600)
    photo = add_photo(app.store, celsius=None)
    jpeg = app.store.path_of(photo).read_bytes()
    start = time.time() - 3 * 3600
    # Too warm for 10 minutes, then flapping at the band's edge (never 0.5 °C inside), a reminder, then back.
    temperatures = [23, 24.5, 25, 25.5, 23.8, 24.2, 23.7, 24.1, 23.6, 24.3, 23.9, 24.4, 23.8, 24.6, 23.7, 23.6,
                    23.4, 24.1, 23.9, 24.2, 23.8]
    for step, celsius in enumerate(temperatures):
        read_and_record(app, w1, celsius, start + step * 5 * MINUTE)
    assert outbox_events(app) == ["start", "reminder", "end"]
    assert sender_of(app).run_once() == 6

    assert [m["Subject"] for m in smtp.messages] == ["hambot: Too warm", "hambot: Too warm",
                                                     "hambot: Too warm (over)"]
    since = alerts.clock(start + 5 * MINUTE)
    first = smtp.messages[0].get_body(("plain",)).get_content()
    assert f"Too warm: 25.5 °C since {since}, above the 24 °C comfort limit." in first
    assert f"https://cam.example.org/photos/{photo.id}" in first
    assert "Still too warm" in smtp.messages[1].get_body(("plain",)).get_content()
    assert "Back to normal: 23.4 °C" in smtp.messages[2].get_body(("plain",)).get_content()
    for message in smtp.messages:
        [attachment] = list(message.iter_attachments())
        assert attachment.get_content_type() == "image/jpeg"
        assert attachment.get_content() == jpeg
    assert len(hook.posts) == 3
    assert "Too warm: 25.5 °C" in hook.posts[0]["message"]
    for post in hook.posts:
        [attachment] = post["attachments"]
        assert base64.b64decode(attachment["base64"]) == jpeg


def test_readings_that_leave_the_band_for_less_than_the_alert_minutes_raise_nothing(make_app, w1, hook):
    app = make_app(NOTIFY_URLS=hook.url(), TEMPERATURE_ALERT_MINUTES=10, TEMPERATURE_COMFORT_MIN=20,
                   TEMPERATURE_COMFORT_MAX=24, SENSOR_SILENT_MINUTES=600)
    start = time.time() - 3600
    for step, celsius in enumerate([24.5, 25, 23.9, 24.5, 25, 24, 19.5, 19.8, 20.1, 19.9]):
        read_and_record(app, w1, celsius, start + step * 5 * MINUTE)
    assert outbox_events(app) == []
    assert alerts.ongoing(app.store.database) == []


def test_a_receiver_down_then_up_gets_the_alert_exactly_once(make_app, w1, hook):
    app = make_app(NOTIFY_URLS=hook.url(), TEMPERATURE_ALERT_MINUTES=0, TEMPERATURE_COMFORT_MAX=24)
    hook.down()
    now = time.time()
    read_and_record(app, w1, 26, now)
    sender = sender_of(app)
    assert sender.run_once(now) == 0
    assert outbox.undelivered(app.store.database)[0] == 1
    assert sender.run_once(now + 1) == 0  # backing off: not tried again yet
    hook.up()
    assert sender.run_once(now + outbox.BACKOFF_FIRST) == 1
    assert sender.run_once(now + 3600) == 0
    assert sender.run_once(now + 7200) == 0
    assert len(hook.posts) == 1 and "Too warm: 26.0 °C" in hook.posts[0]["message"]
    assert outbox.undelivered(app.store.database)[0] == 0


def test_a_silent_probe_raises_an_alert_and_a_reading_ends_it(make_app, w1, hook):
    app = make_app(NOTIFY_URLS=hook.url(), SENSOR_SILENT_MINUTES=30, ALERT_REMIND_HOURS=1)
    now = time.time()
    read_and_record(app, w1, 22, now - 40 * MINUTE)
    w1.unplug()
    sender = sender_of(app)
    sender.tick(now - 20 * MINUTE)
    assert outbox_events(app) == []
    sender.tick(now)
    sender.tick(now + MINUTE)
    assert outbox_events(app) == ["start"]
    sender.tick(now + 61 * MINUTE)
    sender.tick(now + 62 * MINUTE)
    assert outbox_events(app) == ["start", "reminder"]
    read_and_record(app, w1, 22.5, now + 63 * MINUTE)
    assert outbox_events(app) == ["start", "reminder", "end"]
    sender.run_once(now + 64 * MINUTE)
    assert "No temperature reading since" in hook.posts[0]["message"]
    assert hook.posts[1]["message"].startswith("Still ongoing: No temperature reading since")
    assert "Temperature readings are back: 22.5 °C" in hook.posts[2]["message"]


def test_three_camera_failures_in_a_row_raise_an_alert_and_a_photo_ends_it(make_app, hook):
    app = make_app(NOTIFY_URLS=hook.url())
    add_photo(app.store, celsius=None)
    for _ in range(3):
        app.store.captures.record_failure(started_at=time.time(), source="test", error="The camera did not answer.")
    app.store.captures.record_failure(started_at=time.time(), source="test", error="The camera did not answer.")
    assert outbox_events(app) == ["start"]
    add_photo(app.store, celsius=None)
    assert outbox_events(app) == ["start", "end"]
    sender_of(app).run_once()
    assert hook.posts[0]["message"].startswith("The camera failed 3 times in a row since")
    assert hook.posts[0]["attachments"], "a camera alert attaches the last photo there is"


def test_a_photo_refused_for_lack_of_room_raises_one_disk_alert(make_app, hook):
    app = make_app(NOTIFY_URLS=hook.url())
    for _ in range(2):
        app.store.captures.record_failure(started_at=time.time(), source="test", error="No room.", status=507)
    assert outbox_events(app) == ["start"]


def test_the_home_page_healthz_and_the_api_show_an_ongoing_alert(make_app, w1, hook):
    import webtest
    app = make_app(NOTIFY_URLS=hook.url(), TEMPERATURE_ALERT_MINUTES=0, TEMPERATURE_COMFORT_MAX=24)
    hook.down()
    started = time.time() - 120
    read_and_record(app, w1, 27.1, started)
    web = webtest.TestApp(app)
    notices = BeautifulSoup(web.get("/").text, "html.parser").select("p.notice")
    assert [n.get_text() for n in notices] == [f"Too warm since {alerts.clock(started)}: 27.1 °C"]
    health = web.get("/healthz", status="*").json
    assert health["alerts"]["undelivered"] == 1
    assert health["alerts"]["oldest_undelivered_seconds"] >= 100
    listed = web.get("/api/v1/alerts").json["alerts"]
    assert [(a["kind"], a["ongoing"]) for a in listed] == [("too_warm", True)]
    assert listed[0]["sentence"].startswith("Too warm: 27.1 °C")


def test_the_chart_marks_each_episode_with_its_sentence(make_app, w1):
    import webtest
    app = make_app(TEMPERATURE_ALERT_MINUTES=10, TEMPERATURE_COMFORT_MAX=24)
    start = time.time() - 2 * 3600
    for step, celsius in enumerate([22, 25, 25.5, 26, 25, 23, 22]):
        read_and_record(app, w1, celsius, start + step * 10 * MINUTE)
    svg = BeautifulSoup(webtest.TestApp(app).get("/temperature").text, "html.parser")
    [mark] = svg.select("svg.chart rect.episode")
    assert mark.title.get_text().startswith("Too warm: 25.5 °C since")
    assert float(mark["width"]) > 10


def test_the_daily_photo_comes_once_a_day_with_the_days_low_and_high(make_app, w1, hook):
    app = make_app(NOTIFY_URLS=hook.url(), DAILY_PHOTO_AT="00:01", SENSOR_SILENT_MINUTES=600)
    app.store.alerts = None  # the photo is stored now, after 00:01: its own tick would send today's at once
    add_photo(app.store, celsius=None)
    app.store.alerts = app.alerts
    local = time.localtime()
    due = time.mktime((local.tm_year, local.tm_mon, local.tm_mday, 0, 1, 0, 0, 0, -1))
    midnight = due - 60
    read_and_record(app, w1, 21.25, midnight + 10)
    read_and_record(app, w1, 23.5, midnight + 20)
    sender = sender_of(app)
    sender.tick(due - 1)
    assert outbox_events(app) == []
    sender.tick(due + 1)
    sender.tick(due + 3600)
    assert outbox_events(app) == ["daily"]
    sender.run_once(due + 3601)
    assert "went from 21.2 °C to 23.5 °C" in hook.posts[0]["message"]
    assert hook.posts[0]["attachments"]
