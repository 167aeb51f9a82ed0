"""The real w1thermsensor library reading a fake sysfs tree, with the failures real probes show."""

import os
import subprocess
import sys
import time

import pytest

from conftest import SENSOR_ID
from hambot.core.probe import EMPTY_ANSWER
from hambot.core.thermometer import Thermometer


def thermometer(w1, sensor="auto", cache_seconds=0, timeout=3):
    return Thermometer(sensor, w1.root, cache_seconds, timeout)


def test_importing_hambot_changes_no_environment_and_the_library_never_loads_kernel_modules(tmp_path):
    """w1thermsensor's import runs modprobe (and fails after a wait) unless told not to; hambot tells it for that
    import only. On this machine, which has no 1-Wire bus, a modprobe would end in KernelModuleLoadError."""
    script = ("import os, sys; before = dict(os.environ); import hambot.core.thermometer as t; "
              "assert dict(os.environ) == before, 'import changed the environment'; "
              f"r = t.Thermometer('auto', {str(tmp_path / 'no-w1')!r}, 0, 3).read(); "
              "assert dict(os.environ) == before, 'reading changed the environment'; print(r.problem)")
    environ = {key: value for key, value in os.environ.items() if key != "W1THERMSENSOR_NO_KERNEL_MODULE"}
    done = subprocess.run([sys.executable, "-c", script], env=environ, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "1-Wire bus is not available" in done.stdout


def test_a_good_reading(w1):
    reading = thermometer(w1).read()
    assert (reading.celsius, reading.sensor_id, reading.problem) == (23.125, SENSOR_ID, None)
    assert reading.fahrenheit == pytest.approx(73.625)


def test_below_freezing_reads_as_negative(w1):
    w1.add_sensor(celsius=-10.5)
    assert thermometer(w1).read().celsius == -10.5


def test_a_named_sensor_is_read_even_when_others_are_present(w1):
    w1.add_sensor("28-00000aaaaaaa", celsius=30.0)
    assert thermometer(w1, sensor=SENSOR_ID).read().celsius == 23.125
    assert thermometer(w1, sensor="28-00000aaaaaaa").read().celsius == 30.0


@pytest.mark.parametrize("setup, sensor, problem", [
    (lambda w1: w1.add_sensor(crc_ok=False), "auto",
     "The sensor's answer failed its checksum (CRC); this is usually a loose or long wire."),
    (lambda w1: w1.add_sensor(celsius=85.0), "auto",
     "The sensor reported 85 °C, its power-on value, so it has no real reading; check its power wire."),
    (lambda w1: w1.remove_sensor(), "auto", "No temperature sensor was found on the 1-Wire bus."),
    (lambda w1: w1.fail_conversion(), "auto", EMPTY_ANSWER),
    (lambda w1: w1.fail_conversion(), SENSOR_ID, EMPTY_ANSWER),
    (lambda w1: w1.add_sensor(celsius=127.9375), "auto",
     "The sensor reported 127.94 °C, which means its conversion lacked power; check its power wire, or give it "
     "3.3 V rather than parasite power."),
    (lambda w1: None, "28-0000000000ff", "The temperature sensor 28-0000000000ff was not found on the 1-Wire bus."),
    (lambda w1: None, "none", "No temperature sensor is configured."),
])
def test_no_reading_comes_with_the_reason_in_plain_words(w1, setup, sensor, problem):
    setup(w1)
    reading = thermometer(w1, sensor=sensor).read()
    assert reading.celsius is None
    assert reading.problem == problem


def test_a_missing_bus_is_explained(tmp_path):
    class NoBus:
        root = tmp_path / "no-w1-here"
    reading = thermometer(NoBus).read()
    assert reading.celsius is None
    assert "1-Wire bus is not available" in reading.problem


@pytest.mark.parametrize("sensor", ["auto", SENSOR_ID])
def test_a_probe_pulled_out_reads_empty_then_is_not_found_then_is_found_again(w1, sensor):
    probe = thermometer(w1, sensor=sensor)
    assert probe.read().celsius == 23.125
    w1.unplug()  # the kernel keeps its folder until the bus search gives it up
    assert probe.read().problem == EMPTY_ANSWER
    w1.remove_sensor()
    assert probe.read().problem in ("No temperature sensor was found on the 1-Wire bus.",
                                    f"The temperature sensor {SENSOR_ID} was not found on the 1-Wire bus.")
    w1.add_sensor(celsius=21.0)
    assert probe.read().celsius == 21.0


def test_the_current_reading_is_reused_within_the_cache_time(w1):
    probe = thermometer(w1, cache_seconds=60)
    assert probe.current().celsius == 23.125
    w1.add_sensor(celsius=25.0)
    assert probe.current().celsius == 23.125
    expired = thermometer(w1, cache_seconds=0)
    assert expired.current().celsius == 25.0


def test_a_reading_that_is_too_slow_is_given_up_on(w1, monkeypatch):
    probe = thermometer(w1, timeout=0.2)
    monkeypatch.setattr(probe, "read", lambda: time.sleep(1.5))  # a bus stuck in conversion
    started = time.monotonic()
    reading = probe.current()
    assert reading.celsius is None
    assert reading.problem == "The sensor did not answer within 0.2 s."
    assert time.monotonic() - started < 1.5
