"""The real server killed with SIGKILL mid-capture, reloaded with SIGHUP, and what it writes to its logs."""

import os
import signal
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from conftest import live_processes_in_group, wait_until
from hambot.core.store import Store


def children_of(pid):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError):
                continue
    return found


def kill_9(server):
    """As a power cut would: the master and every worker at once, with no chance to clean up."""
    for pid in [server.process.pid, *children_of(server.process.pid)]:
        os.kill(pid, signal.SIGKILL)
    server.process.wait()


def test_a_server_killed_mid_capture_leaves_no_half_photo_and_the_next_start_cleans_up(
        start_server, camera_runs, tmp_path):
    server = start_server("writes_half_then_held.sh", dead_time=0)
    press = threading.Thread(target=lambda: _quietly(server.request, "POST", "/snapshot"), daemon=True)
    press.start()
    camera_runs.wait_for_runs(1)
    temp = tmp_path / "data" / "tmp"
    assert wait_until(lambda: any(temp.iterdir()), 10), "the camera never started writing"
    orphan = camera_runs.pids()[0]
    kill_9(server)
    assert live_processes_in_group(orphan), "the camera script outlives the server, as on a real crash"

    restarted = start_server("writes_half_then_held.sh", dead_time=0)
    assert wait_until(lambda: not live_processes_in_group(orphan), 5), "the orphaned camera script was not stopped"
    assert list(temp.iterdir()) == []
    assert "stopped the camera script" in restarted.log() and "unfinished capture file" in restarted.log()
    store = Store(tmp_path / "data")
    assert store.audit() == ([], []) and store.totals() == (0, 0)
    assert sqlite3.connect(store.db_path).execute("PRAGMA integrity_check").fetchone() == ("ok",)

    camera_runs.release()
    status, headers, _ = restarted.request("POST", "/snapshot")
    assert status == 303 and store.get(headers["Location"].rsplit("/", 1)[1]) is not None
    assert store.audit() == ([], [])


def _quietly(call, *args):
    try:
        call(*args)
    except OSError:
        pass  # the server died under it, as intended


def test_sighup_reads_the_settings_again_and_lets_a_running_capture_finish(start_server, camera_runs, tmp_path):
    config = tmp_path / "site.py"
    config.write_text('SITE_TITLE = "Before"\n')
    server = start_server("held.sh", dead_time=0, config=config)
    assert b"Before" in server.request("GET", "/")[2]
    capture = ThreadPoolExecutor(1).submit(server.request, "POST", "/snapshot")
    camera_runs.wait_for_runs(1)

    config.write_text('SITE_TITLE = "After"\n')
    server.process.send_signal(signal.SIGHUP)
    assert wait_until(lambda: b"After" in server.request("GET", "/")[2], 20), server.log()
    camera_runs.release()
    status, headers, _ = capture.result(timeout=30)
    assert status == 303 and headers["Location"].startswith("/photos/")

    config.write_text("SITE_TITLE = \n")  # a broken file: the running settings stay
    server.process.send_signal(signal.SIGHUP)
    assert wait_until(lambda: "kept the running settings" in server.log(), 20)
    assert b"After" in server.request("GET", "/")[2] and server.process.poll() is None


def test_the_log_has_one_line_per_capture_with_id_and_duration_and_never_a_token_or_password(
        start_server, camera_runs, tmp_path, hambot):
    log_file = tmp_path / "logs" / "hambot.log"
    assert hambot("set-password", input="correct horse battery\n").returncode == 0
    hambot("keysheet", "new")
    token = hambot("token", "issue", "--name", "phone").stdout.strip()
    server = start_server(dead_time=0, log_file=log_file)
    auth = {"Authorization": f"Enigma {token}"}
    status, headers, _ = server.request("POST", "/api/v1/snapshots", headers=auth)
    assert status == 201
    server.request("POST", "/api/v1/snapshots", headers={"Authorization": f"Enigma {token[:-3]}AAA"})
    body = "password=correct+horse+battery&next=%2F"
    server.request("POST", "/login", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    server.request("POST", "/login", body="password=wrong-guess-123", headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    photo_id = headers["Location"].rsplit("/", 1)[1]
    server.stop()

    for text in (server.log(), log_file.read_text()):
        stored = [line for line in text.splitlines() if "capture stored" in line]
        assert len(stored) == 1 and f"id={photo_id}" in stored[0] and "camera_seconds=" in stored[0]
        assert "refused a token" in text and "refused a sign-in" in text and "signed in from" in text
        for secret in (token, token[:40], "correct horse", "correct+horse", "wrong-guess-123", "hambot_session="):
            assert secret not in text
