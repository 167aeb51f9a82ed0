"""The stamp: the time and the temperature on a dark band in a photo's corner, for stored photos and movie frames."""

import datetime
import functools
import os
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from .thermometer import format_temperature

TEXT_SHARE = 0.04  # text height as a share of the image's height: readable on a phone, small beside the pet
MIN_TEXT = 12  # pixels; below this no font is legible
BAND_DARKEN = 0.3  # what is left of the pixels under the band: dark enough for white text on a white enclosure
MARK = "hambot-stamp"  # written into a stamped file (JPEG comment, PNG text), so nothing stamps it twice
JPEG_QUALITY = 92  # as camera.py re-encodes a turned photo: nearly all of the camera's detail
EXIF_ORIENTATION = 0x0112
_LUT = [int(value * BAND_DARKEN) for value in range(256)] * 3


class Stamp:
    """What a stamp says, in the owner's zone and unit."""

    def __init__(self, zone, unit):
        self.zone = zone
        self.unit = unit

    @classmethod
    def from_settings(cls, settings):
        return cls(settings.timezone, settings.temperature_unit)

    def text(self, taken_at, celsius):
        when = datetime.datetime.fromtimestamp(taken_at, self.zone).strftime("%Y-%m-%d %H:%M")
        return f"{when}  {format_temperature(celsius, self.unit) or 'no reading'}"

    def stamp_file(self, path, content_type, taken_at, celsius):
        """Stamp the image file in place (temp name, fsync, rename); return its new (width, height, size)."""
        path = Path(path)
        with Image.open(path) as original:
            image = ImageOps.exif_transpose(original).convert("RGB")  # the band goes where a viewer sees the corner
            exif = original.getexif()
            icc = original.info.get("icc_profile")
        exif.pop(EXIF_ORIENTATION, None)
        draw_band(image, self.text(taken_at, celsius))
        temp = path.with_name(path.name + ".stamped")
        try:
            with open(temp, "xb") as out:
                _save(image, out, content_type, exif, icc)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, path)
        finally:
            temp.unlink(missing_ok=True)
        return image.width, image.height, path.stat().st_size


def _save(image, out, content_type, exif, icc):
    extra = {"icc_profile": icc} if icc else {}
    if content_type == "image/png":
        from PIL.PngImagePlugin import PngInfo
        info = PngInfo()
        info.add_text(MARK, "1")
        image.save(out, "PNG", pnginfo=info, exif=exif, **extra)
    else:
        image.save(out, "JPEG", quality=JPEG_QUALITY, exif=exif, comment=MARK.encode(), **extra)


def is_stamped(image):
    """Whether a decoded image carries hambot's mark: it was stamped when it was stored."""
    comment = image.info.get("comment")
    return comment == MARK.encode() or image.info.get(MARK) == "1"


def band_box(size, text):
    """The band's (left, top, right, bottom) for `text` on an image of `size`, in its bottom-left corner."""
    font, pad = _font(size[1])
    width, height = font.getbbox(text)[2] + 2 * pad, font.size + 2 * pad
    return 0, max(0, size[1] - height), min(size[0], width), size[1]


def draw_band(image, text):
    """Darken the bottom-left corner under `text` and write it there in white, in place (an RGB image)."""
    box = band_box(image.size, text)
    image.paste(image.crop(box).point(_LUT), box[:2])
    font, pad = _font(image.height)
    ImageDraw.Draw(image).text((box[0] + pad, box[3] - pad), text, fill=(255, 255, 255), font=font, anchor="ld")


@functools.lru_cache(maxsize=8)
def _font(image_height):
    """Pillow's bundled FreeType font (Pillow 10.1 and later) at about 4% of the image's height, and its margin."""
    font = ImageFont.load_default(size=max(MIN_TEXT, round(image_height * TEXT_SHARE)))
    return font, max(3, font.size // 3)
