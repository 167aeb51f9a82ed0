"""Photo uploads through the real server (gunicorn and hambot's worker): a photo larger than any form is
collected whole by the main loop and stored; the limit, the framing rules and the 411 still hold."""

import pytest

from conftest import issue_token, noisy_jpeg, raw_request, wait_until
from hambot.core.settings import load_settings
from hambot.web.app import create_app


@pytest.fixture
def server(start_server):
    return start_server(max_photo_mb=1)


@pytest.fixture
def token(server, tmp_path, w1):
    from conftest import settings_environ
    app = create_app(load_settings(settings_environ(tmp_path, w1, "ok.sh", {"max_photo_mb": 1})))
    return issue_token(app, "garden", scopes=("upload",), camera="garden")


def test_a_photo_larger_than_a_form_is_uploaded_through_the_worker(server, token):
    photo = noisy_jpeg()
    assert len(photo) > 64 * 1024
    status, _, body = server.request("POST", "/api/v1/photos", {"Authorization": f"Enigma {token}",
                                                                 "Content-Type": "image/jpeg"}, body=photo)
    assert status == 201, body
    assert b'"camera": "garden"' in body


def test_beyond_max_photo_mb_the_worker_refuses_before_reading_it(server, token):
    head = (b"POST /api/v1/photos HTTP/1.1\r\nHost: x\r\nAuthorization: Enigma " + token.encode()
            + b"\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % (2 * 1024 * 1024))
    assert raw_request(server.port, head + b"\xff\xd8").startswith(b"HTTP/1.1 413")


def test_a_chunked_upload_is_refused_with_411_and_other_routes_keep_64_kb(server, token):
    chunked = (b"POST /api/v1/photos HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"4\r\nabcd\r\n0\r\n\r\n")
    assert raw_request(server.port, chunked).startswith(b"HTTP/1.1 411")
    big_form = b"POST /snapshot HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (100 * 1024)
    assert raw_request(server.port, big_form).startswith(b"HTTP/1.1 413")


def test_a_worker_collects_four_uploads_at_once_and_asks_a_fifth_to_come_back(start_server, tmp_path, w1):
    """Each upload in progress is held in memory: past four per worker, one is refused with 503 at its head."""
    import socket
    from conftest import settings_environ
    server = start_server(max_photo_mb=1, workers=1, name="one-worker")
    app = create_app(load_settings(settings_environ(tmp_path, w1, "ok.sh", {"max_photo_mb": 1})))
    token = issue_token(app, "garden", scopes=("upload",), camera="garden")
    head = (b"POST /api/v1/photos HTTP/1.1\r\nHost: x\r\nAuthorization: Enigma " + token.encode()
            + b"\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % (512 * 1024))
    trickling = []
    for _ in range(4):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        sock.sendall(head + b"\xff\xd8" * 1000)
        trickling.append(sock)
    try:
        assert raw_request(server.port, head + b"\xff\xd8").startswith(b"HTTP/1.1 503")
    finally:
        for sock in trickling:
            sock.close()
    upload = lambda: server.request("POST", "/api/v1/photos", {"Authorization": f"Enigma {token}",  # noqa: E731
                                                                "Content-Type": "image/jpeg"}, body=noisy_jpeg())[0]
    assert wait_until(lambda: upload() == 201, 10)  # the four gone, their places are free again
