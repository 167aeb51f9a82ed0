"""D.O.G.'s own test client against the real server with two workers: HTTP/1.0 with no Host and no cookie, no
redirects followed, the answer read in 8 kB pieces and each decoded as ASCII, as that client does."""

import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor

from conftest import wait_until

IMAGE = re.compile(r'<img id="image-data" src="([^"]+)"')


def dog_client(port, path):
    """The image's src on the page D.O.G.'s client gets for `path`; fails as it would on anything else."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(f"GET {path} HTTP/1.0\r\n\r\n".encode("ascii"))
        text = ""
        while piece := sock.recv(8192):
            text += piece.decode("ascii")
    assert text.startswith("HTTP/1.0 200 ") or text.startswith("HTTP/1.1 200 "), text[:200]
    return IMAGE.search(text)[1]


def ten_at_once(port, path):
    pool = ThreadPoolExecutor(10)
    clients = [pool.submit(dog_client, port, path) for _ in range(10)]
    pool.shutdown(wait=False)
    return clients


def test_ten_clients_at_once_get_the_latest_photo_with_no_cookie(start_server, camera_runs):
    server = start_server(workers=2)
    assert dog_client(server.port, "/") == "/static/placeholder.svg"  # no photo yet
    photo_id = server.request("POST", "/snapshot")[1]["Location"].rsplit("/", 1)[1]
    sources = {client.result() for client in ten_at_once(server.port, "/")}
    assert sources == {f"/photos/{photo_id}.jpg"}


def test_ten_legacy_gets_at_once_wait_for_one_new_photo_and_a_page_view_still_gets_a_thread(start_server,
                                                                                            camera_runs):
    server = start_server("held.sh", workers=2)
    clients = ten_at_once(server.port, "/?get+image=get+image")
    assert camera_runs.wait_for_runs(1) == 1
    time.sleep(1)  # every client has sent its request
    for _ in range(6):  # a thread in each worker is still free for pages
        started = time.monotonic()
        assert server.request("GET", "/photos", timeout=5)[0] == 200
        assert time.monotonic() - started < 2
    assert not any(client.done() for client in clients)  # all wait for the camera: none got a redirect
    camera_runs.release()
    sources = {client.result(timeout=60) for client in clients}
    assert len(sources) == 1 and re.fullmatch(r"/photos/[A-Za-z0-9_-]{12}\.jpg", sources.pop())
    assert camera_runs.count() == 1


def test_an_empty_get_image_value_takes_no_photo(start_server, camera_runs):
    server = start_server()
    assert dog_client(server.port, "/?get+image=") == "/static/placeholder.svg"
    assert dog_client(server.port, "/index?get+image") == "/static/placeholder.svg"
    assert not wait_until(camera_runs.count, 0.5)
