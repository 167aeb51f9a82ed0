"""w1thermsensor, imported so that it never loads kernel modules (hambot never runs as root), and hambot's reading of it.

w1thermsensor runs modprobe when first imported unless W1THERMSENSOR_NO_KERNEL_MODULE is "1" (its __init__.py);
the variable is set for that import only, so importing hambot changes no one's environment.
"""

import os

VARIABLE = "W1THERMSENSOR_NO_KERNEL_MODULE"
EMPTY_ANSWER = ("The sensor gave no answer (an empty reading, which Linux 5.10 and later give when a conversion "
                "fails): it may have just been unplugged, or a wire is loose.")


def _import_without_modprobe():
    before = os.environ.get(VARIABLE)
    os.environ[VARIABLE] = "1"
    try:
        import w1thermsensor
    finally:
        if before is None:
            del os.environ[VARIABLE]
        else:
            os.environ[VARIABLE] = before
    return w1thermsensor


_w1 = _import_without_modprobe()
NoSensorFoundError, ResetValueError, Sensor = _w1.NoSensorFoundError, _w1.ResetValueError, _w1.Sensor
SensorNotReadyError, W1ThermSensor, W1ThermSensorError = _w1.SensorNotReadyError, _w1.W1ThermSensor, _w1.W1ThermSensorError


class EmptyAnswerError(SensorNotReadyError):
    """w1_therm answered with nothing: since Linux 5.10 that is how a failed conversion reads."""


class Probe(W1ThermSensor):
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


def explain(error, configured):
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
