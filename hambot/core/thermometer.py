"""Reads the enclosure's DS18B20 (or kin) through w1thermsensor, never holding a page for long."""

import threading
import time
from concurrent.futures import Future, TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path

NOT_CONFIGURED = "No temperature sensor is configured."
INSUFFICIENT_POWER = 127.9375  # what a DS18B20 reads when its conversion lacked power (the kernel's w1_therm docs)


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
        from . import probe  # w1thermsensor, imported only once a thermometer is wanted
        self._probe = probe
        self._sensor_class = type("ConfiguredSensor", (probe.Probe,), {"BASE_DIRECTORY": Path(devices_dir)})
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
        except self._probe.W1ThermSensorError as error:
            self._found = None
            return Reading(None, time.time(), sensor_id, self._probe.explain(error, self.sensor))
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
                    raise self._probe.NoSensorFoundError("no sensor")
                self._found = available[0]
            else:
                family, serial = self.sensor.split("-")
                self._found = self._sensor_class(self._probe.Sensor.from_id_string(family), serial)
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
