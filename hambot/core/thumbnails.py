"""Small JPEG copies of photos for the gallery, made once and kept beside the photos."""

import os

from PIL import Image, ImageOps

WIDTH = 320
MAX_HEIGHT = 640
QUALITY = 80


class ThumbnailError(Exception):
    pass


def make_thumbnail(source, target):
    """Write a thumbnail of the image at `source` to `target`; JPEGs are decoded at a reduced scale."""
    try:
        with Image.open(source) as image:
            image.draft("RGB", (WIDTH * 2, MAX_HEIGHT * 2))  # JPEG only: decode at 1/2 to 1/8 scale
            small = ImageOps.exif_transpose(image)
            small.thumbnail((WIDTH, MAX_HEIGHT), Image.Resampling.LANCZOS)
            if small.mode != "RGB":
                small = small.convert("RGB")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ThumbnailError(f"A thumbnail could not be made: {error}") from None
    with open(target, "xb") as out:  # target is a fresh temporary name
        try:
            small.save(out, "JPEG", quality=QUALITY, optimize=True)
        except BaseException:
            os.unlink(target)
            raise
