"""The Host names the site answers to (a DNS-rebinding page is refused), in-process; the real server's are in
test_hostile_requests.py."""

import socket

import pytest
import webtest

from hambot.core.settings import ConfigError
from hambot.web.security import host_is_served, served_host_names

SENTENCE = "hambot does not answer to that host name; its owner can add it to ALLOWED_HOSTS.\n"


@pytest.mark.parametrize("host", ["localhost", "localhost:8080", "127.0.0.1:8080", "[::1]:8080", "10.0.0.5",
                                  "[fe80::1]", socket.gethostname(), f"{socket.gethostname().split('.')[0]}.local:80"])
def test_loopback_this_machines_names_and_ip_addresses_are_served_by_default(web, host):
    assert web.get("/", headers={"Host": host}).status_int == 200


@pytest.mark.parametrize("host", ["evil.example", "localhost.evil.example", "10.0.0.5.nip.io", "cam.example.org",
                                  "[::1]x", "localhost:http", "::1", "a b"])
def test_any_other_host_gets_a_400_sentence(web, camera_runs, host):
    answer = web.get("/", headers={"Host": host}, status=400)
    assert answer.text == SENTENCE and answer.content_type == "text/plain"
    assert "Content-Security-Policy" in answer.headers
    web.post("/snapshot", headers={"Host": host, "Origin": f"http://{host}"}, status=400)
    assert camera_runs.count() == 0


def test_names_the_owner_adds_are_served_and_a_leading_dot_takes_those_below_it(make_app):
    web = webtest.TestApp(make_app(allowed_hosts="cam.example.org, .example.net"))
    for host in ("cam.example.org", "CAM.example.org.:443", "example.net", "pi.home.example.net", "localhost"):
        assert web.get("/", headers={"Host": host}).status_int == 200, host
    for host in ("evil.example.org", "badexample.net", "example.net.evil.example"):
        web.get("/", headers={"Host": host}, status=400)


def test_the_default_names_include_dot_local():
    names = served_host_names()
    short = socket.gethostname().split(".")[0].lower()
    assert {"localhost", short, f"{short}.local"} <= names
    assert not host_is_served("local", names)


@pytest.mark.parametrize("value", ["exa mple..org", "-bad.example", "cam_example.org", "a/b"])
def test_a_bad_allowed_host_is_refused_with_a_sentence(make_settings, value):
    with pytest.raises(ConfigError, match="ALLOWED_HOSTS must hold host names such as cam.example.org"):
        make_settings(allowed_hosts=value)
