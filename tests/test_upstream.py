"""A Pi pushing to an upstream hambot: two real gunicorn servers on loopback and the real `hambot push` process
between them (its HTTP client is the standard library's urllib). The upstream goes down and comes back, the
pusher is killed with SIGKILL, and a token tied to one camera is used as another."""

import json
import signal

import pytest

from conftest import Pair, settings_environ, wait_until
from hambot.core import outbox, push_queue
from hambot.core.parts import Parts
from hambot.core.settings import load_settings
from hambot.core.upstream import Client, Pusher
from hambot.web.api import iso


@pytest.fixture
def pair(tmp_path, w1, hambot, start_server):
    made = Pair(tmp_path, w1, hambot, start_server)
    yield made
    made.stop()


def same_photos(pair):
    """Each of the Pi's photos is upstream exactly once, in the order taken, under the Pi's camera name."""
    here, there = pair.pi_photos(), pair.upstream_photos()
    assert [iso(p.taken_at) for p in here] == [p["taken_at"] for p in there]
    assert {p["camera"] for p in there} == {"pi"}
    assert len({p["id"] for p in there}) == len(there)


def test_every_photo_taken_while_the_upstream_was_down_arrives_once_in_order(pair):
    pair.start_pusher()
    pair.capture(2)
    assert pair.arrived(2), pair.push_log()
    pair.upstream.stop()
    pair.capture(3)
    assert wait_until(lambda: "did not answer" in pair.hambot("upstream", "status", **pair.pi).stdout, 20)
    status = pair.hambot("upstream", "status", **pair.pi).stdout
    assert "3 queued" in status and f"Pushing to {pair.pi['upstream_url']} as the camera pi." in status
    pair.restart_upstream()
    assert pair.arrived(5), pair.push_log()
    same_photos(pair)
    assert wait_until(lambda: "Nothing is queued." in pair.hambot("upstream", "status", **pair.pi).stdout, 20)


def test_readings_are_pushed_too(pair):
    pair.start_pusher()
    recorded = pair.hambot("temperature", "--record", **pair.pi)
    assert recorded.returncode == 0, recorded.stderr
    assert wait_until(lambda: json.loads(pair.upstream.request(
        "GET", "/api/v1/temperature/history?since=2000-01-01T00:00:00Z&camera=pi")[2])["readings"], 20), \
        pair.push_log()


def test_a_pusher_killed_again_and_again_loses_and_doubles_nothing(pair):
    pair.capture(8)
    for _ in range(6):
        process = pair.start_pusher()
        before = len(pair.upstream_photos())
        wait_until(lambda: len(pair.upstream_photos()) > before, 10)
        process.send_signal(signal.SIGKILL)  # mid-queue, perhaps mid-upload
        process.wait()
    pair.start_pusher()
    assert pair.arrived(8), pair.push_log()
    same_photos(pair)


def test_a_push_sent_but_not_marked_before_a_kill_is_sent_again_and_stored_once(pair):
    """The window a SIGKILL can hit: the upstream took the photo, the pusher died before marking it delivered."""
    pair.capture(1)
    settings = load_settings(settings_environ(pair.tmp_path, pair.w1, "ok.sh", pair.pi))
    parts = Parts(settings)
    client = Client(settings.upstream_url, settings.upstream_token, settings.camera_name)
    dead = Pusher(parts.store, client)
    dead.owner = "999999999:gone"  # a process that no longer exists
    push = outbox.claim(parts.store.database, dead.owner, queue=push_queue.PUSHES)
    assert dead._send(push) is None  # the upstream has it; the mark never happens
    assert len(pair.upstream_photos()) == 1
    assert Pusher(parts.store, client).run_once() == 1  # the claim is released and the push sent again
    assert len(pair.upstream_photos()) == 1
    same_photos(pair)


def test_a_token_tied_to_one_camera_cannot_push_as_another(tmp_path, w1, hambot, start_server):
    pair = Pair(tmp_path, w1, hambot, start_server, camera_name="other", token_camera="pi")
    try:
        pair.capture(1)
        pair.start_pusher()
        assert wait_until(lambda: "uploads as the camera pi only" in pair.hambot(
            "upstream", "status", **pair.pi).stdout, 20), pair.push_log()
        assert pair.upstream_photos() == []
        assert "1 queued" in pair.hambot("upstream", "status", **pair.pi).stdout  # kept, not lost
    finally:
        pair.stop()


def test_the_pis_healthz_reports_the_queue(pair, start_server):
    pair.upstream.stop()
    pair.capture(2)
    pi_server = start_server(name="pi-server", **pair.pi)
    health = json.loads(pi_server.request("GET", "/healthz")[2])
    assert health["upstream"]["queued"] == 2 and health["upstream"]["oldest_queued_seconds"] >= 0


def test_a_second_pusher_for_the_same_data_folder_refuses_to_start(pair):
    first = pair.start_pusher()
    wait_until(lambda: "pushing to" in pair.push_log(), 10)
    second = pair.hambot("push", **pair.pi)
    assert second.returncode == 1 and "Another hambot push is already running" in second.stderr
    assert first.poll() is None
