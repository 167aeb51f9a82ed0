"""Log lines to stderr (journald keeps them) and, with LOG_FILE, to a file that rotates safely across workers."""

import fcntl
import logging
import logging.handlers
import os
import sys

FORMAT = "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"  # as gunicorn's own lines
DATE_FORMAT = "%Y-%m-%d %H:%M:%S %z"
ROTATE_BYTES = 1024 * 1024
BACKUPS = 5


class SharedRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A RotatingFileHandler that several processes may share: each write and rotation holds a file lock,
    and a process whose file was rotated away by another reopens the new one."""

    def __init__(self, path):
        super().__init__(path, maxBytes=ROTATE_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True)
        self._lock_path = f"{path}.lock"

    def emit(self, record):
        try:
            fd = os.open(self._lock_path, os.O_WRONLY | os.O_CREAT, 0o600)
        except OSError:
            self.handleError(record)
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._reopen_if_rotated()
            super().emit(record)
        finally:
            os.close(fd)

    def _reopen_if_rotated(self):
        if self.stream is None:
            return
        try:
            current = os.stat(self.baseFilename).st_ino
        except FileNotFoundError:
            current = None
        if current != os.fstat(self.stream.fileno()).st_ino:
            self.stream.close()
            self.stream = None  # reopened by the next emit


def setup_logging(settings):
    formatter = logging.Formatter(FORMAT, DATE_FORMAT)
    handlers = [logging.StreamHandler(sys.stderr)]
    if settings.log_file is not None:
        settings.log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(SharedRotatingFileHandler(str(settings.log_file)))
    root = logging.getLogger()
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    for handler in handlers:
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(settings.log_level)
