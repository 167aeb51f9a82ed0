"""Settings: defaults from config.py, overrides from a file and the environment, clear refusals."""

import re

import pytest

import conftest
from conftest import CAMERAS, ROOT
from hambot.core.settings import NAMES, ConfigError, load_settings

GOOD = {"HAMBOT_CAMERA_SCRIPT": str(CAMERAS / "ok.sh")}


def test_defaults_are_those_in_config_py(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # the default camera script and data folder are relative to it
    settings = load_settings({})
    assert (settings.host, settings.port, settings.workers, settings.threads) == ("127.0.0.1", 8080, 2, 4)
    assert settings.data_dir == ROOT / "data"
    assert settings.camera_script == ROOT / "camera_access.sh"
    assert (settings.camera_timeout, settings.dead_time) == (15, 10)
    assert settings.secret_key is None
    assert settings.temperature_sensor == "auto"
    assert str(settings.w1_devices_dir) == "/sys/bus/w1/devices"
    assert settings.temperature_unit == "C"


def test_config_py_documents_every_setting_on_its_line():
    lines = (ROOT / "config.py").read_text().splitlines()
    for name in NAMES:
        line = next((line for line in lines if line.startswith(f"{name} = ")), None)
        assert line is not None, f"config.py does not set {name}"
        assert re.search(r"#\s*\S", line), f"config.py has no comment for {name}"


def test_environment_overrides_each_setting():
    settings = load_settings(dict(GOOD, HAMBOT_PORT="9000", HAMBOT_DEAD_TIME="2.5",
                                  HAMBOT_TEMPERATURE_UNIT="f", HAMBOT_TEMPERATURE_SENSOR="28-0316A2795AFF"))
    assert settings.port == 9000
    assert settings.dead_time == 2.5
    assert settings.temperature_unit == "F"
    assert settings.temperature_sensor == "28-0316a2795aff"


def test_a_config_file_overrides_defaults_and_the_environment_overrides_the_file(tmp_path):
    config = tmp_path / "mine.py"
    config.write_text("DEAD_TIME = 30\nPORT = 8181\nSITE_TITLE = \"Moolah's cam\"\n")
    settings = load_settings(dict(GOOD, HAMBOT_CONFIG=str(config), HAMBOT_PORT="8282"))
    assert settings.dead_time == 30
    assert settings.port == 8282
    assert settings.site_title == "Moolah's cam"
    assert settings.workers == 2  # not in the file: the default stays


@pytest.mark.parametrize("variable, value, words", [
    ("HAMBOT_DEAD_TIME", "-1", "DEAD_TIME must be a number from 0 to 86400 seconds, got '-1'."),
    ("HAMBOT_PORT", "eighty", "PORT must be a number from 1 to 65535, got 'eighty'."),
    ("HAMBOT_PORT", "70000", "PORT must be a number from 1 to 65535"),
    ("HAMBOT_WORKERS", "0", "WORKERS must be a number from 1 to 32"),
    ("HAMBOT_CAMERA_TIMEOUT", "nan", "CAMERA_TIMEOUT must be a number"),
    ("HAMBOT_CAMERA_SCRIPT", "/no/such/camera.sh", "CAMERA_SCRIPT is /no/such/camera.sh, which does not exist."),
    ("HAMBOT_CAMERA_SCRIPT", str(CAMERAS / "sample.jpg"), "which is not executable"),
    ("HAMBOT_TEMPERATURE_UNIT", "K", "TEMPERATURE_UNIT must be one of C, F, got 'K'."),
    ("HAMBOT_TEMPERATURE_SENSOR", "../../etc", "TEMPERATURE_SENSOR must be 'auto', 'none' or a sensor id"),
    ("HAMBOT_SECRET_KEY", "short", "SECRET_KEY must be at least 32 characters long"),
    ("HAMBOT_LOG_LEVEL", "LOUD", "LOG_LEVEL must be one of"),
])
def test_a_bad_value_is_refused_with_a_sentence_naming_it(variable, value, words):
    with pytest.raises(ConfigError) as refused:
        load_settings(dict(GOOD, **{variable: value}))
    assert words in str(refused.value)


@pytest.mark.parametrize("content, words", [
    ("DEADTIME = 3\n", "sets DEADTIME, which is not a hambot setting."),
    ("PORT = (\n", "line 1"),
    ("raise RuntimeError('boom')\n", "could not be read: boom."),
])
def test_a_bad_config_file_is_refused_with_a_sentence(tmp_path, content, words):
    config = tmp_path / "bad.py"
    config.write_text(content)
    with pytest.raises(ConfigError) as refused:
        load_settings(dict(GOOD, HAMBOT_CONFIG=str(config)))
    assert words in str(refused.value)


def test_a_missing_config_file_is_named():
    with pytest.raises(ConfigError, match="HAMBOT_CONFIG is /no/such.py, which does not exist."):
        load_settings(dict(GOOD, HAMBOT_CONFIG="/no/such.py"))


def run_hambot(*args, **environ):
    return conftest.run_hambot(args, environ)


def test_serve_with_a_bad_setting_stops_with_one_sentence_and_no_traceback(tmp_path):
    result = run_hambot("serve", HAMBOT_DEAD_TIME="-5", HAMBOT_DATA_DIR=str(tmp_path / "data"))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "hambot: DEAD_TIME must be a number from 0 to 86400 seconds, got '-5'.")
    assert "Traceback" not in result.stderr


def test_serve_with_an_unusable_data_dir_says_so(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run_hambot("serve", HAMBOT_DATA_DIR=str(blocker / "data"),
                        HAMBOT_CAMERA_SCRIPT=str(CAMERAS / "ok.sh"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"hambot: DATA_DIR {blocker / 'data'} cannot be used: Not a directory."


@pytest.mark.parametrize("existing", [False, True])
def test_check_config_reports_a_good_setup_and_writes_nothing(tmp_path, existing):
    data = tmp_path / "data"
    if existing:
        data.mkdir()
    result = run_hambot("check-config", HAMBOT_DATA_DIR=str(data), HAMBOT_CAMERA_SCRIPT=str(CAMERAS / "ok.sh"))
    assert result.returncode == 0, result.stderr
    assert "The settings are valid" in result.stdout
    assert (list(data.iterdir()) if existing else data.exists()) in ([], False)


def test_check_config_refuses_a_secret_key_others_can_read(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "secret_key").write_text("k" * 40)
    (data / "secret_key").chmod(0o644)
    result = run_hambot("check-config", HAMBOT_DATA_DIR=str(data), HAMBOT_CAMERA_SCRIPT=str(CAMERAS / "ok.sh"))
    assert result.returncode == 2 and "can be read by other users" in result.stderr


def test_the_readme_lists_every_setting():
    readme = (ROOT / "README.md").read_text()
    for name in NAMES:
        assert f"| `{name}` |" in readme, f"README.md does not list {name}"
