"""When the worker's main loop deems a request whole, and when it refuses one without a thread."""

import socket

import pytest
from gunicorn.config import Config
from gunicorn.workers.gthread import TConn

from hambot.service import worker
from hambot.service.worker import (MAX_BODY, MAX_HEAD, WholeRequestWorker, missing_from_gunicorn, refusal, request_needs,
                           waits_on_camera)

HEAD = b"POST /login HTTP/1.1\r\nHost: x\r\n"
CHUNKED = HEAD + b"Transfer-Encoding: chunked\r\n\r\n"


@pytest.mark.parametrize("data, verdict", [
    (b"", ("more", None)),
    (b"GET / HTTP/1.1\r\nHost: x\r\n", ("more", None)),
    (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", ("whole", 27)),
    (b"GET / HTTP/1.1\nHost: x\n\n", ("whole", 24)),  # bare LF: gunicorn's parser refuses it in the thread
    (b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /next", ("whole", 27)),  # pipelined: the rest waits its turn
    (HEAD + b"Content-Length: 9\r\n\r\npassword=", ("whole", len(HEAD) + 30)),
    (HEAD + b"content-length:9\r\n\r\npass", ("more", len(HEAD) + 29)),
    (HEAD + b"Content-Length: 9\r\n\r\npassword=&next=/", ("whole", len(HEAD) + 30)),  # the rest is not its body
    (HEAD + b"Content-Length: 0009\r\n\r\npassword=", ("whole", len(HEAD) + 33)),  # zero-padded: its number
    (HEAD + b"X-Content-Length: 9\r\n\r\n", ("whole", len(HEAD) + 23)),  # not the header it looks like
    (HEAD + b"Content-Length: %d\r\n\r\n" % (MAX_BODY + 1), ("refuse", 413)),
    (HEAD + b"Content-Length: 0000000000100000000\r\n\r\n", ("refuse", 413)),
    (HEAD + b"Content-Length: 99999999999999999999\r\n\r\n", ("refuse", 413)),
    (HEAD + b"Content-Length: \xb9\r\n\r\n", ("whole", len(HEAD) + 21)),  # gunicorn's own 400, from the thread
    (HEAD + b"Content-Length: 1\r\nContent-Length: 1\r\n\r\nx", ("whole", len(HEAD) + 41)),  # gunicorn's 400
    (CHUNKED + b"4\r\npass\r\n", ("refuse", 411)),
    (CHUNKED, ("refuse", 411)),
    (CHUNKED + b"1400000\r\n\r\n0\r\n\r\n", ("refuse", 411)),  # a fake last chunk inside a chunk's data
    (HEAD + b"Transfer-Encoding: identity\r\nContent-Length: 1\r\n\r\nx", ("whole", len(HEAD) + 51)),  # 400
    (b"GET / HTTP/1.1\r\nX: " + b"a" * MAX_HEAD, ("refuse", 431)),
    (b"GET / HTTP/1.1\r\nX: " + b"a" * MAX_HEAD + b"\r\n\r\n", ("refuse", 431)),
])
def test_request_needs(data, verdict):
    assert request_needs(data, Config()) == verdict


@pytest.mark.parametrize("status, sentence", [(400, b"That request is malformed.\n"),
                                              (408, b"The request did not arrive in time.\n"),
                                              (411, b"A request body needs a Content-Length header.\n"),
                                              (413, b"That request is too large.\n"),
                                              (431, b"The request's headers are too large.\n")])
def test_a_refusal_is_a_whole_plain_answer_that_closes_the_connection(status, sentence):
    head, body = refusal(status).split(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 %d " % status) and b"\r\nConnection: close" in head
    assert body == sentence and b"\r\nContent-Length: %d" % len(sentence) in head


def test_the_installed_gunicorn_has_every_member_the_worker_relies_on():
    assert missing_from_gunicorn() == [], "hambot/worker.py relies on gunicorn internals that changed"
    one, other = socket.socketpair()
    with one, other:
        connection = TConn(Config(), one, ("127.0.0.1", 1), ("127.0.0.1", 2))
        assert (connection.parser, connection.data_ready) == (None, False)


def test_a_gunicorn_that_changed_a_member_stops_the_worker_with_one_sentence(monkeypatch):
    monkeypatch.setattr(TConn, "close", lambda self: None)
    monkeypatch.setitem(worker.ATTRIBUTES, TConn, {"__init__": "self.sock self.hambot_missing"})
    with pytest.raises(RuntimeError, match=r"^hambot's worker needs gunicorn 27; this gunicorn lacks or changed "
                                           r"TConn\.close\(graceful\), self\.hambot_missing in TConn\.__init__\.$"):
        WholeRequestWorker.check_config(Config(), None)


@pytest.mark.parametrize("data, waits", [
    (b"GET /?get+image=get+image HTTP/1.0\r\n\r\n", "park"),
    (b"GET /index?get+image=1 HTTP/1.1\r\nHost: x\r\n\r\n", "park"),
    (b"GET /?get%20image=x&refresh=0 HTTP/1.0\r\n\r\n", "park"),
    (b"GET /snapshots/pending?after=3&since=1 HTTP/1.1\r\nHost: x\r\n\r\n", "park"),
    (b"GET /?get+image= HTTP/1.0\r\n\r\n", False),  # an empty value takes no photo
    (b"GET / HTTP/1.0\r\n\r\n", False),
    (b"GET /photos?get+image=1 HTTP/1.0\r\n\r\n", False),
    (b"POST /?get+image=1 HTTP/1.0\r\n\r\n", False),
    (b"POST /snapshots/pending HTTP/1.0\r\n\r\n", False),
    (b"POST /snapshot HTTP/1.1\r\nHost: x\r\n\r\n", "count"),  # counted, never parked
    (b"POST /api/v1/snapshots HTTP/1.1\r\nHost: x\r\n\r\n", "count"),
])
def test_legacy_gets_and_the_pending_page_are_kept_from_a_workers_last_thread(data, waits):
    assert waits_on_camera(data) is waits or waits_on_camera(data) == waits
