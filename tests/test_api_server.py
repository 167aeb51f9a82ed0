"""Tokens end to end: the real `hambot` command issues and revokes them for the real `hambot serve`."""

import json
import stat

import pytest

from conftest import run_hambot, settings_environ


@pytest.fixture
def command(tmp_path, w1):
    environ = settings_environ(tmp_path, w1, "ok.sh", {})

    def run(*args, check=True):
        done = run_hambot(args, environ, cwd=tmp_path)
        if check:
            assert done.returncode == 0, done.stderr
        return done
    return run


def call(server, method, path, token=None):
    headers = {"Authorization": f"Enigma {token}"} if token else {}
    status, answer, body = server.request(method, path, headers)
    return status, answer, json.loads(body) if body else None


def test_issue_use_and_revoke_a_token_against_the_real_server(command, start_server, camera_runs, tmp_path):
    command("keysheet", "new")
    token = command("token", "issue", "--name", "phone", "--expires-in", "7d").stdout.strip()
    server = start_server(workers=2, dead_time=0)

    status, answer, record = call(server, "POST", "/api/v1/snapshots", token)
    assert status == 201 and answer["Location"] == f"/api/v1/photos/{record['id']}"
    assert call(server, "GET", answer["Location"])[2]["id"] == record["id"]
    assert call(server, "DELETE", f"/api/v1/photos/{record['id']}", token)[0] == 204
    assert call(server, "GET", answer["Location"])[0] == 404

    listed = command("token", "list").stdout
    assert "phone" in listed and "active" in listed and "never" not in listed.splitlines()[1]
    command("token", "revoke", "phone")
    for _ in range(6):  # fresh connections land on both workers
        status, answer, body = call(server, "POST", "/api/v1/snapshots", token)
        assert status == 401 and "revoked" in body["error"]
    assert camera_runs.count() == 1
    assert token not in server.log() and token[8:40] not in server.log()


def test_the_key_sheet_is_private_and_not_overwritten(command, tmp_path):
    command("keysheet", "new")
    sheet = tmp_path / "data" / "enigma_keysheet.txt"
    assert stat.S_IMODE(sheet.stat().st_mode) == 0o600
    before = sheet.read_text()
    refused = command("keysheet", "new", check=False)
    assert refused.returncode == 1 and "--force" in refused.stderr and sheet.read_text() == before
    command("keysheet", "new", "--force")
    assert sheet.read_text() != before


@pytest.mark.parametrize("args, words", [
    (("token", "issue", "--name", "phone"), "hambot keysheet new"),
    (("token", "revoke", "nobody"), "No active token"),
    (("token", "issue", "--name", "a b"), "name"),
])
def test_token_commands_fail_with_one_sentence(command, args, words):
    if args[1] != "issue" or args[3] != "phone":
        command("keysheet", "new")
    done = command(*args, check=False)
    assert done.returncode == 1
    assert words in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_an_expiry_that_is_not_a_duration_is_refused(command):
    command("keysheet", "new")
    done = command("token", "issue", "--name", "phone", "--expires-in", "soon", check=False)
    assert done.returncode == 1 and "30d" in done.stderr
