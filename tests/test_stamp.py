"""STAMP: the time and temperature written into each stored photo, its thumbnail, and never twice in a movie frame.

The photos come through the real shutter from camera scripts of an owner's own (a white and a black enclosure).
"""

import datetime
import os
import stat
from zoneinfo import ZoneInfo

import webtest
from PIL import Image, ImageOps

from hambot.core.stamp import MARK, Stamp, band_box, is_stamped
from hambot.core.timelapse import Plan, Timelapse

SIZE = (640, 480)


def camera_writing(tmp_path, name, image, kind="JPEG"):
    """A camera script that writes `image`; returns its path and the exact bytes it writes."""
    picture = tmp_path / f"{name}.{kind.lower()}"
    image.save(picture, kind)
    script = tmp_path / f"{name}.sh"
    script.write_text(f'#!/bin/sh\ncp "{picture}" "$1"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, picture.read_bytes()


def take(make_app, script, **overrides):
    app = make_app(camera=str(script), dead_time=0, timezone="Europe/Berlin", **overrides)
    webtest.TestApp(app).post("/snapshot", status=303)
    return app, app.store.latest()


def band_pixels(image, text_box):
    """The band's pixels as (darkened background share, bright text share), from the band the stamp computes."""
    pixels = list(image.convert("L").crop(text_box).get_flattened_data())
    return sum(p < 110 for p in pixels) / len(pixels), sum(p > 200 for p in pixels) / len(pixels)


def test_on_a_white_and_a_black_enclosure_the_band_is_dark_and_its_text_bright(make_app, tmp_path):
    for colour in ("white", "black"):
        script, _ = camera_writing(tmp_path, colour, Image.new("RGB", SIZE, colour))
        app, photo = take(make_app, script, stamp=True)
        box = band_box(SIZE, Stamp.from_settings(app.settings).text(photo.taken_at, photo.temperature_c))
        with Image.open(app.store.path_of(photo)) as stored:
            dark, bright = band_pixels(stored, box)
            assert dark > 0.6 and 0.03 < bright < 0.4, (colour, dark, bright)  # dark band, white letters on it
            assert is_stamped(stored) and stored.size == SIZE
            outside = stored.convert("L").getpixel((SIZE[0] - 5, 5))
            assert abs(outside - (255 if colour == "white" else 0)) < 10
        assert box[1] > SIZE[1] * 0.9 and box[3] == SIZE[1] and box[0] == 0  # the bottom-left corner
        assert SIZE[1] * 0.03 < (box[3] - box[1]) < SIZE[1] * 0.1  # the text about 4% of the height, padded


def test_the_thumbnail_shows_the_band_too(make_app, tmp_path):
    script, _ = camera_writing(tmp_path, "white", Image.new("RGB", SIZE, "white"))
    app, photo = take(make_app, script, stamp=True)
    box = band_box(SIZE, Stamp.from_settings(app.settings).text(photo.taken_at, photo.temperature_c))
    with Image.open(app.store.thumbnail_path_of(photo)) as thumb:
        scale = thumb.width / SIZE[0]
        dark, bright = band_pixels(thumb, tuple(round(side * scale) for side in box))
        assert dark > 0.5 and bright > 0.01, (dark, bright)  # the band and its letters, scaled down
        assert thumb.convert("L").getpixel((thumb.width - 3, 3)) > 240


def test_the_stamp_says_the_local_time_and_the_temperature_in_the_owners_unit():
    stamp = Stamp(ZoneInfo("Europe/Berlin"), "F")
    taken = datetime.datetime(2026, 7, 1, 12, 5, tzinfo=datetime.timezone.utc).timestamp()
    assert stamp.text(taken, 21.5) == "2026-07-01 14:05  70.7 °F"
    assert stamp.text(taken, None) == "2026-07-01 14:05  no reading"


def test_with_stamp_off_the_stored_bytes_are_the_cameras(make_app, tmp_path):
    script, written = camera_writing(tmp_path, "white", Image.new("RGB", SIZE, "white"))
    app, photo = take(make_app, script)
    assert app.store.path_of(photo).read_bytes() == written


def test_a_png_stays_a_png_with_the_mark(make_app, tmp_path):
    script, _ = camera_writing(tmp_path, "white", Image.new("RGB", SIZE, "white"), kind="PNG")
    app, photo = take(make_app, script, stamp=True)
    with Image.open(app.store.path_of(photo)) as stored:
        assert stored.format == "PNG" and photo.content_type == "image/png"
        assert stored.info.get(MARK) == "1" and photo.size == os.path.getsize(app.store.path_of(photo))


def test_a_movie_frame_of_a_stamped_photo_is_not_stamped_again_and_an_unstamped_one_is(make_app, tmp_path):
    script, _ = camera_writing(tmp_path, "grey", Image.new("RGB", SIZE, (128, 128, 128)))
    app, stamped = take(make_app, script, stamp=True)
    _, plain = take(make_app, script)
    store = app.store
    timelapse = Timelapse.from_settings(store, app.settings)
    plan = Plan(datetime.date(2026, 1, 1), 0, 1, 2, *SIZE)
    with Image.open(store.path_of(stamped)) as stored:
        as_stored = ImageOps.pad(stored.convert("RGB"), SIZE)
    assert list(timelapse._frame(stamped, plan).get_flattened_data()) == list(as_stored.get_flattened_data())  # no second band
    frame = timelapse._frame(plain, plan)
    box = band_box(SIZE, timelapse.stamp.text(plain.taken_at, plain.temperature_c))
    assert band_pixels(frame, box)[1] > 0.03  # the frame carries the stamp the photo did not
