"""The Enigma key sheet: one daily machine setting for each day of the month, in py-enigma's key-file format."""

import io
import os
import secrets
import string

from enigma.keyfile import KeyFileError, get_daily_settings
from enigma.machine import EnigmaError, EnigmaMachine

ROTORS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII")  # the Kriegsmarine M3 set
REFLECTORS = ("B", "C")
PLUG_PAIRS = 10
DAYS = range(1, 32)
_random = secrets.SystemRandom()


class KeySheetError(Exception):
    """The key sheet is missing or unusable; the message says what to do."""


def daily_setting(day):
    """One line of a key sheet: rotors, ring settings, plugboard and reflector, all drawn at random."""
    rotors = _random.sample(ROTORS, 3)
    rings = [f"{_random.randrange(1, 27):02d}" for _ in rotors]
    letters = _random.sample(string.ascii_uppercase, 2 * PLUG_PAIRS)
    plugs = [letters[i] + letters[i + 1] for i in range(0, len(letters), 2)]
    return " ".join([f"{day:02d}", *rotors, *rings, *plugs, _random.choice(REFLECTORS)])


def new_key_sheet():
    lines = ["# hambot Enigma key sheet: day, rotors (left to right), ring settings, plugboard, reflector.",
             "# Keep it secret; tokens are enciphered with the setting of the day they were issued."]
    lines += [daily_setting(day) for day in DAYS]
    return "\n".join(lines) + "\n"


def write_key_sheet(path, force=False):
    """Write a new sheet readable by its owner only; an existing one is replaced only when forced."""
    text = new_key_sheet()
    if not force:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise KeySheetError(f"A key sheet already exists at {path}; add --force to replace it "
                                "(every token issued under it will stop working).") from None
        with os.fdopen(fd, "w") as out:
            out.write(text)
        return
    temp = path.with_name(f".{path.name}-{secrets.token_hex(6)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    os.replace(temp, path)


class KeySheet:
    """The sheet on disk, read again whenever the file changes, so every worker sees a new sheet at once."""

    def __init__(self, path):
        self.path = path
        self._stamp = None
        self._settings = {}

    def machine(self, day):
        """A fresh Enigma machine set up with the given day's setting."""
        return EnigmaMachine.from_key_sheet(**self._current()[day])

    def _current(self):
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            raise KeySheetError(f"There is no key sheet at {self.path}; run: hambot keysheet new") from None
        stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
        if stamp != self._stamp:
            self._settings = self._read()
            self._stamp = stamp
        return self._settings

    def _read(self):
        text = self.path.read_text()
        settings = {}
        try:
            for day in DAYS:
                settings[day] = get_daily_settings(io.StringIO(text), day)
                EnigmaMachine.from_key_sheet(**settings[day])  # every line must make a machine
        except (KeyFileError, EnigmaError, KeyError, ValueError) as error:
            raise KeySheetError(f"The key sheet {self.path} is damaged ({error}); "
                                "make a new one with: hambot keysheet new --force") from None
        return settings
