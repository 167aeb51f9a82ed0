"""Reads the enclosure's DS18B20 (or kin) through w1thermsensor, never holding a page for long."""

import os
import threading
import time
from concurrent.futures import Future, TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path

# The server is not root: w1thermsensor must never try to modprobe on import.
os.environ["W1THERMSENSOR_NO_KERNEL_MODULE"] = "1"

from w1thermsensor import (  # noqa: E402  (must follow the variable above)
    NoSensorFoundError, ResetValueError, Sensor, SensorNotReadyError, W1ThermSensor,
    W1ThermSensorError)

NOT_CONFIGURED = "No temperature sensor is configured."
INSUFFICIENT_POWER = 127.9375  # what a DS18B20 reads when its conversion lacked power (the kernel's w1_therm docs)
EMPTY_ANSWER = ("The sensor gave no answer (an empty reading, which Linux 5.10 and later give when a conversion "
                "fails): it may have just been unplugged, or a wire is loose.")


class EmptyAnswerError(SensorNotReadyError):
    """w1_therm answered with nothing: since Linux 5.10 that is how a failed conversion reads."""


class _Probe(W1ThermSensor):
    """w1thermsensor's sensor, except that an empty answer gets its own error.

    w1thermsensor raises SensorNotReadyError both for an empty w1_slave (kernel 5.10+: a probe unplugged, a broken
    wire) and for a failed checksum (older kernels), and the owner's fix differs; reading again to tell them apart
    would start another 750 ms conversion, so this reads once and checks as the library does.
    """

    def get_raw_sensor_strings(self):
        try:
            with self.sensorpath.open("r") as answer:
                lines = answer.readlines()
        except OSError:
            raise NoSensorFoundError(f"Could not find sensor of type {self.name} with id {self.id}") from None
        if not lines:
            raise EmptyAnswerError(self)
        if lines[0].strip()[-3:] != "YES" or "00 00 00 00 00 00 00 00 00" in lines[0]:
            raise SensorNotReadyError(self)
        return lines


def to_unit(celsius, unit):
    """Celsius in the display unit, "C" or "F"."""
    return celsius * 9 / 5 + 32 if unit == "F" else celsius


def format_temperature(celsius, unit):
    """A reading as people read it, such as "23.1 °C"; None when there is no reading."""
    return None if celsius is None else f"{to_unit(celsius, unit):.1f} °{unit}"


@dataclass(frozen=True)
class Reading:
    celsius: float | None
    read_at: float
    sensor_id: str | None = None
    problem: str | None = None  # why there is no reading, in plain words

    @property
    def fahrenheit(self):
        return None if self.celsius is None else to_unit(self.celsius, "F")


class Thermometer:
    def __init__(self, sensor, devices_dir, cache_seconds, timeout):
        self.sensor = sensor
        self.cache_seconds = cache_seconds
        self.timeout = timeout
        self._sensor_class = type("ConfiguredSensor", (_Probe,),
                                  {"BASE_DIRECTORY": Path(devices_dir)})
        self._found = None
        self._lock = threading.Lock()
        self._latest = None
        self._inflight = None

    def read(self):
        """Ask the sensor now (about 0.75 s on a DS18B20); never raises."""
        if self.sensor == "none":
            return Reading(None, time.time(), problem=NOT_CONFIGURED)
        sensor_id = None
        try:
            device = self._find()
            sensor_id = f"{device.slave_prefix}{device.id}"
            celsius = device.get_temperature()
        except W1ThermSensorError as error:
            self._found = None
            return Reading(None, time.time(), sensor_id, _explain(error, self.sensor))
        except OSError:
            self._found = None
            return Reading(None, time.time(), sensor_id,
                           "The 1-Wire bus is not available; is dtoverlay=w1-gpio in the Pi's config.txt?")
        except (ValueError, IndexError):
            return Reading(None, time.time(), sensor_id, "The sensor gave an answer that could not be read.")
        if celsius == INSUFFICIENT_POWER:
            return Reading(None, time.time(), sensor_id,
                           "The sensor reported 127.94 °C, which means its conversion lacked power; check its power "
                           "wire, or give it 3.3 V rather than parasite power.")
        return Reading(round(celsius, 3), time.time(), sensor_id)

    def _find(self):
        if self._found is None:
            if self.sensor == "auto":
                available = sorted(self._sensor_class.get_available_sensors(), key=lambda s: s.id)
                if not available:
                    raise NoSensorFoundError("no sensor")
                self._found = available[0]
            else:
                family, serial = self.sensor.split("-")
                self._found = self._sensor_class(Sensor.from_id_string(family), serial)
        return self._found

    def start(self):
        """A reading in the background; at most one is ever under way."""
        with self._lock:
            if self._inflight is None or self._inflight.done():
                self._inflight = Future()
                threading.Thread(target=self._run, args=(self._inflight,), daemon=True,
                                 name="thermometer").start()
            return self._inflight

    def _run(self, future):
        reading = self.read()
        with self._lock:
            self._latest = reading
        future.set_result(reading)

    def wait(self, future, deadline):
        """The reading, or a reading that says the sensor was too slow at `deadline` (monotonic)."""
        try:
            return future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            return Reading(None, time.time(), problem=f"The sensor did not answer within {self.timeout:g} s.")

    def last(self):
        """The last reading this process made, without asking the sensor; None before the first."""
        with self._lock:
            return self._latest

    def current(self):
        """A reading at most cache_seconds old; concurrent callers share one sensor read."""
        with self._lock:
            latest = self._latest
        if latest is not None and time.time() - latest.read_at < self.cache_seconds:
            return latest
        if self.sensor == "none":
            return self.read()
        return self.fresh()

    def fresh(self):
        """A new reading, waiting at most `timeout` for it."""
        return self.wait(self.start(), time.monotonic() + self.timeout)


def _explain(error, configured):
    if isinstance(error, EmptyAnswerError):
        return EMPTY_ANSWER
    if isinstance(error, SensorNotReadyError):
        return "The sensor's answer failed its checksum (CRC); this is usually a loose or long wire."
    if isinstance(error, ResetValueError):
        return "The sensor reported 85 °C, its power-on value, so it has no real reading; check its power wire."
    if isinstance(error, NoSensorFoundError):
        if configured == "auto":
            return "No temperature sensor was found on the 1-Wire bus."
        return f"The temperature sensor {configured} was not found on the 1-Wire bus."
    return f"The sensor could not be read ({error})."
