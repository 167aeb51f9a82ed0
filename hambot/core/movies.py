"""Where each day's time-lapse and its poster frame live: DATA_DIR/movies/YYYY-MM-DD.mp4 and .jpg."""

import shutil
from pathlib import Path


class Movies:
    def __init__(self, data_dir):
        self.folder = Path(data_dir) / "movies"

    def path(self, day):
        return self.folder / f"{day.isoformat()}.mp4"

    def poster_path(self, day):
        return self.folder / f"{day.isoformat()}.jpg"

    def exists(self, day):
        return self.path(day).is_file()


FFMPEG_MISSING = ("ffmpeg is not installed, so no time-lapse can be made: "
                  "sudo apt install --no-install-recommends ffmpeg")


def ffmpeg_missing():
    """The sentence that says ffmpeg is missing, or None when it is on the PATH."""
    return None if shutil.which("ffmpeg") else FFMPEG_MISSING
