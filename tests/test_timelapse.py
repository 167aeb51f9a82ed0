"""`hambot timelapse`: each day's movie, made by Debian's real ffmpeg and checked with its real ffprobe.

Nothing here fakes ffmpeg: the movies are encoded by /usr/bin/ffmpeg (libx264) and read back with ffprobe's JSON
(-show_streams -show_format -count_frames); the MP4's top-level boxes are read from the file itself.
"""

import datetime
import io
import json
import os
import random
import select
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from conftest import fill, run_hambot, settings_environ, wait_until
from hambot.core.days import bounds
from hambot.core.movies import FFMPEG_MISSING, Movies
from hambot.core.store import PHOTO_COLUMNS, PLACEHOLDERS, new_id, open_store
from hambot.core.timelapse import TEMP_PREFIX, frame_size, prune_movies

DAY = datetime.date(2026, 5, 4)
UTC = datetime.timezone.utc


def image_bytes(size=(320, 240), kind="JPEG", colour=None, seed=0):
    """A photo: a plain colour, or (without one) a few random blocks, so frames differ as a pet's do."""
    if colour is None:
        rng = random.Random(seed)
        small = Image.frombytes("RGB", (16, 12), rng.randbytes(16 * 12 * 3))
        image = small.resize(size, Image.Resampling.NEAREST)
    else:
        image = Image.new("RGB", size, colour)
    out = io.BytesIO()
    image.save(out, kind, **({"quality": 85} if kind == "JPEG" else {}))
    return out.getvalue()


def put_photos(store, photos):
    """Index photos as taken at given times: (taken_at, bytes, kind) each, files first, one transaction for all."""
    rows = []
    for taken_at, data, kind in photos:
        photo_id = new_id()
        extension, content_type = ("png", "image/png") if kind == "PNG" else ("jpg", "image/jpeg")
        (store.photos_dir / f"{photo_id}.{extension}").write_bytes(data)
        width, height = Image.open(io.BytesIO(data)).size
        rows.append((photo_id, taken_at, 21.5, None, "test", len(data), width, height, content_type, 0, None, None,
                     store.local_day(taken_at).isoformat()))
    with store.database.transaction() as db:
        db.executemany(f"INSERT INTO photos ({PHOTO_COLUMNS}, day) VALUES ({PLACEHOLDERS}, ?)", rows)
    return [row[0] for row in rows]


def day_of_photos(store, count, day=DAY, zone=UTC, size=(320, 240)):
    start, end = bounds(day, zone)
    step = (end - start) / count
    return put_photos(store, [(start + i * step, image_bytes(size, seed=i), "JPEG") for i in range(count)])


def probe(path):
    """ffprobe's own account of the movie: its one video stream (frames counted by decoding) and the format."""
    done = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-show_streams", "-show_format", "-of", "json",
                           str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert len(found["streams"]) == 1
    return found["streams"][0], found["format"]


def top_boxes(path):
    """The MP4's top-level box types in file order (ISO/IEC 14496-12: a 32-bit size, or 1 and a 64-bit one)."""
    types = []
    with open(path, "rb") as movie:
        end = os.fstat(movie.fileno()).st_size
        while movie.tell() < end:
            size, kind = struct.unpack(">I4s", movie.read(8))
            header = 8
            if size == 1:
                size, header = struct.unpack(">Q", movie.read(8))[0], 16
            types.append(kind.decode("latin-1"))
            if size == 0:
                break
            movie.seek(size - header, os.SEEK_CUR)
    return types


def frame_at(path, index):
    """Frame `index` of the movie, decoded by ffmpeg to a PNG."""
    done = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-vf", f"select=eq(n\\,{index})", "-frames:v",
                           "1", "-f", "image2pipe", "-c:v", "png", "-"], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return Image.open(io.BytesIO(done.stdout)).convert("RGB")


@pytest.fixture
def store(tmp_path):
    return open_store(tmp_path / "data")


@pytest.fixture
def timelapse(hambot):
    """The real `hambot timelapse` command in UTC days, unless a test names another TIMEZONE."""
    def run(*args, **overrides):
        return hambot("timelapse", *args, **{"timezone": "UTC", **overrides})
    return run


def movies_of(tmp_path):
    return Movies(tmp_path / "data")


def leftovers(tmp_path):
    return sorted(path.name for path in (tmp_path / "data" / "movies").glob(f"{TEMP_PREFIX}*"))


def test_a_day_without_photos_is_one_sentence_exit_1_and_no_file(timelapse, store, tmp_path):
    done = timelapse(DAY.isoformat())
    assert done.returncode == 1
    assert done.stderr.strip() == "hambot: There are no photos on 2026-05-04, so no time-lapse was made."
    assert not movies_of(tmp_path).path(DAY).exists() and not movies_of(tmp_path).poster_path(DAY).exists()
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("count, fps", [(1, 1), (2, 1), (24, 2.4), (500, 24)])
def test_a_days_movie_is_h264_yuv420p_faststart_with_one_frame_per_photo(timelapse, store, tmp_path, count, fps):
    day_of_photos(store, count)
    done = timelapse(DAY.isoformat())
    assert done.returncode == 0, done.stderr
    movie = movies_of(tmp_path).path(DAY)
    assert f"{count} photo(s)" in done.stdout and str(movie) in done.stdout
    stream, container = probe(movie)
    assert stream["codec_name"] == "h264" and stream["pix_fmt"] == "yuv420p"
    assert (stream["width"], stream["height"]) == (320, 240)
    assert int(stream["nb_read_frames"]) == count
    assert float(container["duration"]) == pytest.approx(count / fps, abs=0.5 / fps)
    boxes = top_boxes(movie)
    assert boxes.index("moov") < boxes.index("mdat"), boxes  # +faststart: playable before it is all loaded
    with Image.open(movies_of(tmp_path).poster_path(DAY)) as poster:
        assert poster.format == "JPEG" and poster.size == (320, 240)
    assert leftovers(tmp_path) == []


def test_photos_of_other_sizes_and_a_png_are_scaled_onto_one_frame_and_a_broken_one_is_skipped(timelapse, store,
                                                                                               tmp_path):
    start, _ = bounds(DAY, UTC)
    red, blue, green = (220, 30, 30), (30, 30, 220), (30, 200, 30)
    ids = put_photos(store, [
        (start + 60, image_bytes((640, 480), colour=red), "JPEG"),
        (start + 120, image_bytes((640, 480), colour=red), "JPEG"),
        (start + 180, image_bytes((800, 600), "PNG", colour=blue), "PNG"),  # the camera changed mid-day
        (start + 240, image_bytes((1200, 300), colour=green), "JPEG"),  # a wide one: letterboxed
        (start + 300, image_bytes((640, 480), colour=red), "JPEG"),
        (start + 360, image_bytes((640, 480), colour=red), "JPEG"),
    ])
    (store.photos_dir / f"{ids[4]}.jpg").write_bytes(b"\xff\xd8not a jpeg at all")
    done = timelapse(DAY.isoformat())
    assert done.returncode == 0, done.stderr
    movie = movies_of(tmp_path).path(DAY)
    stream, _ = probe(movie)
    assert (stream["width"], stream["height"], int(stream["nb_read_frames"])) == (640, 480, 5)
    assert "1 photo(s) could not be read and were left out" in done.stdout
    assert f"skipped photo {ids[4]}, which could not be read" in done.stderr
    png_frame, wide_frame = frame_at(movie, 2), frame_at(movie, 3)
    assert _near(png_frame.getpixel((320, 200)), blue)
    assert _near(wide_frame.getpixel((320, 240)), green)
    assert max(wide_frame.getpixel((320, 40))) < 40  # black above the wide photo: letterboxed, not stretched


def test_a_day_whose_photos_all_fail_to_decode_is_a_sentence_and_no_file(timelapse, store, tmp_path):
    for photo_id in day_of_photos(store, 2):
        (store.photos_dir / f"{photo_id}.jpg").write_bytes(b"garbage")
    done = timelapse(DAY.isoformat())
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == ("hambot: None of the 2 photo(s) of 2026-05-04 could be read, "
                                                    "so no time-lapse was made.")
    assert not movies_of(tmp_path).path(DAY).exists() and leftovers(tmp_path) == []


def _near(pixel, colour, within=40):
    return all(abs(a - b) <= within for a, b in zip(pixel, colour))


def test_the_frame_is_the_days_most_common_size_at_most_1280_wide_with_even_sides():
    from collections import Counter
    assert frame_size(Counter({(1920, 1080): 5, (640, 480): 2})) == (1280, 720)
    assert frame_size(Counter({(321, 241): 3, (1920, 1080): 1})) == (320, 240)
    assert frame_size(Counter({(2592, 1944): 1})) == (1280, 960)


@pytest.mark.parametrize("day, hours", [(datetime.date(2026, 3, 29), 23), (datetime.date(2026, 10, 25), 25)])
def test_a_day_with_a_clock_change_has_exactly_its_local_photos(timelapse, store, tmp_path, day, hours):
    """Europe/Berlin springs forward on 2026-03-29 (23 hours) and falls back on 2026-10-25 (25 hours)."""
    zone = "Europe/Berlin"
    from zoneinfo import ZoneInfo
    start, end = bounds(day, ZoneInfo(zone))
    assert end - start == hours * 3600
    hourly = [start + 1800 + k * 3600 for k in range(-3, hours + 3)]  # the evening before to the morning after
    edges = [start - 1, start, end - 1, end]  # the first and last second of the day count, those beside them not
    put_photos(store, [(t, image_bytes(seed=int(t)), "JPEG") for t in hourly + edges])
    done = timelapse(day.isoformat(), timezone=zone)
    assert done.returncode == 0, done.stderr
    stream, _ = probe(movies_of(tmp_path).path(day))
    assert int(stream["nb_read_frames"]) == hours + 2


def test_a_second_run_replaces_the_movie_and_max_movies_mb_removes_the_oldest_days_first(timelapse, store,
                                                                                         tmp_path):
    movies = movies_of(tmp_path)
    movies.folder.mkdir(parents=True)
    old = [DAY - datetime.timedelta(days=n) for n in (3, 2, 1)]
    for day in old:
        movies.path(day).write_bytes(b"\0" * 600_000)
        movies.poster_path(day).write_bytes(b"\0" * 10_000)
    day_of_photos(store, 3)
    assert timelapse(DAY.isoformat(), max_movies_mb=10).returncode == 0
    first = movies.path(DAY).stat().st_ino
    day_of_photos(store, 2)
    done = timelapse(DAY.isoformat(), max_movies_mb=1)
    assert done.returncode == 0, done.stderr
    assert movies.path(DAY).stat().st_ino != first and int(probe(movies.path(DAY))[0]["nb_read_frames"]) == 5
    assert [d for d in old if movies.path(d).exists()] == [old[2]]  # 0.61 MB of the newest old day still fit
    assert not movies.poster_path(old[0]).exists() and not movies.poster_path(old[1]).exists()


def test_the_limit_never_removes_the_movie_just_made(tmp_path):
    movies = Movies(tmp_path)
    movies.folder.mkdir()
    movies.path(DAY).write_bytes(b"\0" * 3_000_000)
    assert prune_movies(movies, 1_000_000, keep=DAY) == [] and movies.path(DAY).exists()
    assert prune_movies(movies, None) == []


def test_pruning_photos_keeps_their_days_movie(timelapse, hambot, store, tmp_path):
    day_of_photos(store, 4)
    assert timelapse(DAY.isoformat()).returncode == 0
    assert hambot("prune", max_photos=1).returncode == 0
    assert store.totals()[0] == 1 and movies_of(tmp_path).path(DAY).exists()


def test_without_ffmpeg_the_command_says_how_to_install_it_and_doctor_warns(hambot, store, tmp_path, w1):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for folder in ("/usr/bin", "/bin"):
        for tool in Path(folder).iterdir():
            if tool.name not in ("ffmpeg", "ffprobe") and not (bin_dir / tool.name).exists():
                (bin_dir / tool.name).symlink_to(tool)
    day_of_photos(store, 2)
    environ = dict(hambot_environ(tmp_path, w1), PATH=str(bin_dir))
    done = run_hambot(["timelapse", DAY.isoformat()], environ)
    assert done.returncode == 1 and done.stderr.strip() == f"hambot: {FFMPEG_MISSING}"
    assert not movies_of(tmp_path).path(DAY).exists()
    doctor = run_hambot(["doctor"], environ)
    assert doctor.returncode == 0, doctor.stdout
    warned = [line for line in doctor.stdout.splitlines() if line.startswith("! ")]
    assert warned == [f"! {FFMPEG_MISSING}"]
    assert "✓ ffmpeg is installed" in hambot("doctor").stdout


def hambot_environ(tmp_path, w1, **overrides):
    """What the hambot fixture sets, for a command the test starts itself; with this process's environment."""
    settings = settings_environ(tmp_path, w1, "ok.sh", {"timezone": "UTC", **overrides})
    return {**os.environ, **settings, "HAMBOT_LOG_LEVEL": "WARNING"}


def ffmpeg_children(pid):
    try:
        children = (Path(f"/proc/{pid}/task/{pid}/children").read_text()).split()
    except OSError:
        return []
    return [c for c in children if Path(f"/proc/{c}/comm").exists() and
            Path(f"/proc/{c}/comm").read_text().strip() == "ffmpeg"]


def test_a_run_killed_mid_encode_leaves_no_movie_and_the_next_run_succeeds(store, tmp_path, w1):
    """SIGKILL to the real command while the real ffmpeg encodes."""
    day_of_photos(store, 400, size=(640, 480))
    command = [sys.executable, "-m", "hambot", "timelapse", DAY.isoformat()]
    running = subprocess.Popen(command, env=hambot_environ(tmp_path, w1), cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert wait_until(lambda: ffmpeg_children(running.pid) and leftovers(tmp_path), 30), "ffmpeg never started"
    running.kill()
    running.wait()
    movies = movies_of(tmp_path)
    assert not movies.path(DAY).exists() and not movies.poster_path(DAY).exists()
    again = run_hambot(["timelapse", DAY.isoformat()], hambot_environ(tmp_path, w1))
    assert again.returncode == 0, again.stderr
    assert leftovers(tmp_path) == [] and int(probe(movies.path(DAY))[0]["nb_read_frames"]) == 400


def test_a_full_disk_is_a_sentence_and_leaves_no_partial_movie(small_disk, timelapse, tmp_path):
    """The real ffmpeg writing to a really full tmpfs: its own last line is the reason given."""
    store = open_store(small_disk)
    start, _ = bounds(DAY, UTC)
    noise = [(start + i, Image.frombytes("RGB", (160, 120), random.Random(i).randbytes(160 * 120 * 3)))
             for i in range(30)]
    photos = []
    for taken_at, image in noise:
        out = io.BytesIO()
        image.save(out, "JPEG", quality=90)
        photos.append((taken_at, out.getvalue(), "JPEG"))
    put_photos(store, photos)
    (small_disk / "movies").mkdir()
    fill(small_disk, 64 * 1024)
    done = timelapse(DAY.isoformat(), min_free_mb=0)
    assert done.returncode == 1
    said = done.stderr.strip().splitlines()[-1]  # after the progress lines
    assert said.startswith("hambot: ffmpeg failed, so no time-lapse was made: ") and said.endswith(
        "No space left on device."), said
    assert sorted(os.listdir(small_disk / "movies")) == [".lock"]
    (small_disk / "ballast").unlink()
    again = timelapse(DAY.isoformat(), min_free_mb=0)
    assert again.returncode == 0, again.stderr
    assert int(probe(movies_of(tmp_path).path(DAY))[0]["nb_read_frames"]) == 30


def test_progress_is_plain_lines_off_a_terminal(timelapse, store):
    day_of_photos(store, 50)
    done = timelapse(DAY.isoformat())
    lines = [line for line in done.stderr.splitlines() if "frames" in line]
    assert lines[0].startswith("2026-05-04: 5/50 frames (10%)") and lines[-1].startswith("2026-05-04: 50/50 frames")
    assert len(lines) == 10 and "\r" not in done.stderr and " left" in lines[0]


def test_progress_is_one_line_redrawn_in_place_on_a_terminal(store, tmp_path, w1):
    """Under a real pseudo-terminal (os.openpty), as a person running it by hand would see it."""
    day_of_photos(store, 300)
    leader, follower = os.openpty()
    running = subprocess.Popen([sys.executable, "-m", "hambot", "timelapse", DAY.isoformat()],
                               env=hambot_environ(tmp_path, w1), cwd=tmp_path, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    shown = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        try:
            chunk = os.read(leader, 65536) if ready else b""
        except OSError:  # the terminal's other end closed
            chunk = b""
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert running.wait(timeout=60) == 0
    text = shown.decode()
    assert "300/300 frames" in text and " left\x1b[K" in text
    assert text.count("\r2026-05-04 [") >= 2  # redrawn in place...
    assert text.count("\n") == 1  # ...on one line, ended once at the end
