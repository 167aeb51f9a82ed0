"""Local days: where they start and end, across a clock change, in a zone from the tz database."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from hambot.core import days
from hambot.core.settings import ConfigError

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize("day, hours", [
    (datetime.date(2026, 3, 29), 23),  # clocks go forward
    (datetime.date(2026, 10, 25), 25),  # clocks go back
    (datetime.date(2026, 7, 1), 24),
])
def test_a_day_lasts_as_long_as_the_clock_says(day, hours):
    start, end = days.bounds(day, BERLIN)
    assert end - start == hours * 3600
    assert days.day_of(start, BERLIN) == day
    assert days.day_of(end - 1, BERLIN) == day
    assert days.day_of(end, BERLIN) == day + datetime.timedelta(days=1)


def test_only_real_dates_are_days():
    assert days.parse_day("2026-02-28") == datetime.date(2026, 2, 28)
    for text in ("2026-02-30", "2026-2-28", "26-02-28", "2026-02-28x", "", None):
        assert days.parse_day(text) is None


def test_the_zone_is_checked_and_defaults_to_the_machines(make_settings, monkeypatch):
    assert make_settings(TIMEZONE="Europe/Berlin").timezone == BERLIN
    assert make_settings(TIMEZONE="Asia/Tokyo").replace(site_title="x").timezone.key == "Asia/Tokyo"
    monkeypatch.setenv("TZ", "America/Sao_Paulo")
    assert make_settings().timezone.key == "America/Sao_Paulo"
    with pytest.raises(ConfigError, match="TIMEZONE must be a time zone name"):
        make_settings(TIMEZONE="Mars/Olympus")
