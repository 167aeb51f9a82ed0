"""A day's time-lapse: its photos decoded one at a time and streamed into ffmpeg as an H.264 MP4 every browser plays.

Memory stays flat however long the day: one photo and one frame are held at a time (and the poster frame).
"""

import collections
import datetime
import fcntl
import logging
import os
import secrets
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction

from PIL import Image, ImageOps

from .days import bounds, day_of, parse_day
from .movies import Movies, ffmpeg_missing
from .stamp import Stamp, draw_band, is_stamped
from .store import fsync_dir, fsync_file

log = logging.getLogger(__name__)

FPS = 24  # a long day plays like film: 1,440 photos taken a minute apart last one minute
MIN_SECONDS = 10  # a short day is slowed down so each photo is seen: 24 hourly photos play at 2.4 a second
MAX_WIDTH = 1280  # a phone's or a laptop's screen; larger frames only cost the Pi time and the owner disk
CRF = 23  # x264's default quality; the FFmpeg H.264 guide calls 18-28 sane, and an enclosure has little motion
PRESET = "veryfast"  # x264's small look-ahead and one reference frame: a Pi encodes quickly, in little memory
POSTER_QUALITY = 85
TEMP_PREFIX = ".making-"  # a movie or poster being written; named so no listing of *.mp4 or *.jpg sees it
LOCK_NAME = ".lock"
UNREADABLE = (OSError, SyntaxError, ValueError, Image.DecompressionBombError)


class TimelapseError(Exception):
    """No movie was made; the message says why in one sentence."""


@dataclass(frozen=True)
class Plan:
    day: datetime.date
    start: float
    end: float
    count: int
    width: int
    height: int

    @property
    def fps(self):
        """24 frames a second, slowed for a short day so the movie lasts MIN_SECONDS (but never below 1 a second)."""
        if self.count >= FPS * MIN_SECONDS:
            return Fraction(FPS)
        return max(Fraction(self.count, MIN_SECONDS), Fraction(1))


@dataclass(frozen=True)
class Made:
    path: object
    poster: object
    frames: int
    skipped: int
    plan: Plan

    @property
    def seconds(self):
        return float(self.frames / self.plan.fps)


def yesterday(zone):
    return day_of(time.time(), zone) - datetime.timedelta(days=1)


def frame_size(sizes):
    """The day's most common photo size, scaled to at most MAX_WIDTH wide, with the even sides yuv420p needs."""
    (width, height), _ = sizes.most_common(1)[0]
    if width > MAX_WIDTH:
        width, height = MAX_WIDTH, round(height * MAX_WIDTH / width)
    return max(2, width - width % 2), max(2, height - height % 2)


class Timelapse:
    def __init__(self, store, movies, zone, stamp, max_movie_bytes):
        self.store = store
        self.movies = movies
        self.zone = zone  # whose midnight starts and ends the day
        self.stamp = stamp
        self.max_movie_bytes = max_movie_bytes

    @classmethod
    def from_settings(cls, store, settings):
        return cls(store, Movies(settings.data_dir), settings.timezone, Stamp.from_settings(settings),
                   settings.max_movies_bytes)

    def make(self, day, progress=None):
        """Make (or make anew) the day's movie and poster, then apply MAX_MOVIES_MB; raise TimelapseError if not."""
        missing = ffmpeg_missing()
        if missing:
            raise TimelapseError(missing)
        self.movies.folder.mkdir(mode=0o750, parents=True, exist_ok=True)
        with self._lock():
            self._clear_leftovers()
            plan = self._plan(day)
            made = self._make(plan, progress or (lambda done, total: None))
        for path in prune_movies(self.movies, self.max_movie_bytes, keep=day):
            log.info("MAX_MOVIES_MB: removed the time-lapse %s", path.name)
        return made

    @contextmanager
    def _lock(self):
        """One time-lapse at a time, so clearing a killed run's leftovers never touches a running one's files."""
        fd = os.open(self.movies.folder / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise TimelapseError("Another time-lapse is being made right now; try again when it is done.") \
                    from None
            yield
        finally:
            os.close(fd)

    def _clear_leftovers(self):
        for leftover in self.movies.folder.glob(f"{TEMP_PREFIX}*"):
            leftover.unlink(missing_ok=True)
            log.warning("removed %s, left by a time-lapse that was stopped", leftover.name)

    def _plan(self, day):
        """How many photos the local day has and the frame size, from the index alone (no image is opened)."""
        start, end = bounds(day, self.zone)
        sizes = collections.Counter((p.width, p.height) for p in self.store.taken_between(start, end))
        count = sum(sizes.values())
        if not count:
            raise TimelapseError(f"There are no photos on {day.isoformat()}, so no time-lapse was made.")
        return Plan(day, start, end, count, *frame_size(sizes))

    def _make(self, plan, progress):
        token = secrets.token_hex(8)
        movie = self.movies.folder / f"{TEMP_PREFIX}{token}.mp4.part"
        poster = self.movies.folder / f"{TEMP_PREFIX}{token}.jpg.part"
        try:
            frames, skipped, still = self._encode(plan, movie, progress)
            fsync_file(movie)
            _write_poster(still, poster)
            os.replace(movie, self.movies.path(plan.day))
            os.replace(poster, self.movies.poster_path(plan.day))
            fsync_dir(self.movies.folder)
        except OSError as error:
            raise TimelapseError(f"The time-lapse could not be written: {error.strerror or error}.") from None
        finally:
            movie.unlink(missing_ok=True)
            poster.unlink(missing_ok=True)
        return Made(self.movies.path(plan.day), self.movies.poster_path(plan.day), frames, skipped, plan)

    def _encode(self, plan, target, progress):
        """Stream the frames into ffmpeg; (frames written, photos skipped, the poster frame) once it exits 0."""
        with tempfile.TemporaryFile() as said:  # a file: ffmpeg may print a lot, and must never block on a pipe
            ffmpeg = subprocess.Popen(ffmpeg_command(plan, target), stdin=subprocess.PIPE,
                                      stdout=subprocess.DEVNULL, stderr=said)
            try:
                frames, skipped, still = self._feed(plan, ffmpeg.stdin, progress)
            finally:
                _close(ffmpeg.stdin)
                status = ffmpeg.wait()
            failure = _last_line(said, status) if status != 0 else None
        if not frames:
            raise TimelapseError(f"None of the {plan.count} photo(s) of {plan.day.isoformat()} could be read, "
                                 "so no time-lapse was made.")
        if failure:
            raise TimelapseError(f"ffmpeg failed, so no time-lapse was made: {failure}")
        return frames, skipped, still

    def _feed(self, plan, pipe, progress):
        frames = skipped = done = 0
        still = last = None  # the poster: the first frame from the middle of the day on (or the last one)
        try:
            for photo in self.store.taken_between(plan.start, plan.end):
                frame = self._frame(photo, plan)
                done += 1
                if frame is None:
                    skipped += 1
                else:
                    pipe.write(frame.tobytes())
                    frames, last = frames + 1, frame
                    if still is None and done > plan.count // 2:
                        still = frame
                progress(min(done, plan.count), plan.count)
        except BrokenPipeError:  # ffmpeg stopped early; its own words say why
            pass
        return frames, skipped, still or last

    def _frame(self, photo, plan):
        """The photo scaled (and letterboxed) onto the movie's frame and stamped, or None if it cannot be read."""
        try:
            with Image.open(self.store.path_of(photo)) as image:
                image.draft("RGB", (plan.width, plan.height))  # JPEG: decode at the smallest scale that covers it
                stamped = is_stamped(image)
                upright = ImageOps.exif_transpose(image).convert("RGB")
        except UNREADABLE as error:
            log.warning("time-lapse %s: skipped photo %s, which could not be read: %s", plan.day, photo.id, error)
            return None
        frame = ImageOps.pad(upright, (plan.width, plan.height), Image.Resampling.BICUBIC, color=(0, 0, 0))
        if not stamped:  # a photo stored with STAMP on carries it already: never twice
            draw_band(frame, self.stamp.text(photo.taken_at, photo.temperature_c))
        return frame


def ffmpeg_command(plan, target):
    """Raw RGB frames on stdin to H.264 in MP4, as the FFmpeg H.264 guide advises for the web: yuv420p (4:2:0,
    which every phone and browser decodes) and +faststart (the index first, so playback starts at once)."""
    return ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{plan.width}x{plan.height}", "-framerate", str(plan.fps),
            "-i", "pipe:0",
            "-c:v", "libx264", "-preset", PRESET, "-crf", str(CRF), "-pix_fmt", "yuv420p",
            "-movflags", "+faststart", "-f", "mp4", "-y", str(target)]


def prune_movies(movies, max_bytes, keep=None):
    """Remove the oldest days' movies and posters until they take at most max_bytes; never `keep`'s.

    Lists the movies folder (one entry per day, so a few thousand at most): returns the movies removed.
    """
    if max_bytes is None or not movies.folder.is_dir():
        return []
    days = sorted(day for path in movies.folder.glob("*.mp4") if (day := parse_day(path.stem)))
    sizes = {day: _size(movies.path(day)) + _size(movies.poster_path(day)) for day in days}
    total, removed = sum(sizes.values()), []
    for day in days:
        if total <= max_bytes:
            break
        if day == keep:
            continue
        movies.path(day).unlink(missing_ok=True)
        movies.poster_path(day).unlink(missing_ok=True)
        total -= sizes[day]
        removed.append(movies.path(day))
    return removed


class Progress:
    """Frames done and the time left: a bar redrawn in place on a terminal, else a plain line every 10%.

    Hand-written (about 30 lines) rather than tqdm, which would be one more package on the Pi for this alone.
    """

    WIDTH = 30

    def __init__(self, stream=sys.stderr, label="time-lapse"):
        self.stream = stream
        self.label = label
        self.terminal = stream.isatty()
        self.started = time.monotonic()
        self.drawn_at = 0.0
        self.tenths = 0

    def __call__(self, done, total):
        now = time.monotonic()
        left = _duration((now - self.started) / done * (total - done)) if done else "?"
        if self.terminal:
            if done < total and now - self.drawn_at < 0.2:
                return
            self.drawn_at = now
            filled = self.WIDTH * done // total
            bar = "#" * filled + "." * (self.WIDTH - filled)
            end = "\n" if done >= total else ""
            self.stream.write(f"\r{self.label} [{bar}] {done}/{total} frames, {left} left\x1b[K{end}")
        else:
            tenths = 10 * done // total
            if tenths <= self.tenths:
                return
            self.tenths = tenths
            self.stream.write(f"{self.label}: {done}/{total} frames ({10 * tenths}%), {left} left\n")
        self.stream.flush()


def _duration(seconds):
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes}:{seconds:02d}"


def _write_poster(frame, path):
    with open(path, "xb") as out:
        frame.save(out, "JPEG", quality=POSTER_QUALITY, optimize=True)
        out.flush()
        os.fsync(out.fileno())


def _last_line(said, status):
    said.seek(max(0, said.seek(0, os.SEEK_END) - 4096))
    lines = [line.strip() for line in said.read().decode("utf-8", "replace").splitlines() if line.strip()]
    if lines:
        return lines[-1].rstrip(".") + "."
    return f"it was stopped by signal {-status}." if status < 0 else f"it exited with status {status}."


def _close(pipe):
    try:
        pipe.close()
    except BrokenPipeError:
        pass


def _size(path):
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0

