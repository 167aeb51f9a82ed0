"""The key that signs cookies: from SECRET_KEY, or generated once and kept in DATA_DIR/secret_key."""

import os
import secrets
import stat
from pathlib import Path

from .settings import ConfigError


def load_secret_key(settings):
    if settings.secret_key:
        return settings.secret_key.encode()
    path = Path(settings.data_dir) / "secret_key"
    if not path.exists():
        _create(path)
    return _read(path)


def check_secret_key(settings):
    """What load_secret_key would refuse, without making a key when there is none yet."""
    path = Path(settings.data_dir) / "secret_key"
    if not settings.secret_key and path.exists():
        _read(path)


def _read(path):
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(f"The secret key file {path} can be read by other users; run: chmod 600 {path}")
    key = path.read_text().strip()
    if len(key) < 32:
        raise ConfigError(f"The secret key file {path} is too short; delete it to have a new one made.")
    return key.encode()


def _create(path):
    """Write the whole key to a private file, then link it into place so no reader sees half a key."""
    temp = path.with_name(f".secret_key-{secrets.token_hex(6)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, (secrets.token_urlsafe(48) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(temp, path)
    except FileExistsError:
        pass  # another process made one first; use theirs
    finally:
        temp.unlink()
