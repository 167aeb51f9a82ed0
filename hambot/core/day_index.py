"""Which local day each indexed photo is on, kept for the zone it was worked out in.

SQLite cannot tell a photo's local day (it knows no zone rules), so Python writes it into photos.day when the
photo is stored, and triggers (migration 9) keep the days table's count, low, high and middle photo from it.
"""

from zoneinfo import ZoneInfo

from .days import day_of, machine_zone

ZONE_ROW = "days_zone"  # in the site table: the zone photos.day was worked out in


def zone_name(zone):
    """The name a zone is recorded under (its IANA key, or "localtime" for a zone read from /etc/localtime)."""
    return str(zone.key)


def recorded_zone(db):
    row = db.execute("SELECT value FROM site WHERE name = ?", (ZONE_ROW,)).fetchone()
    return row[0] if row else None


def align(db, zone):
    """Work every photo's day out again when the index's days were worked out in another zone (or never).

    This is hambot's one pass over every photo: it runs once, after migration 9 or after TIMEZONE changes,
    inside the start-up transaction, and only then (one row read otherwise). A change of zone really moves
    photos from day to day, so nothing cheaper would be right; at about 100,000 photos it takes seconds once.
    """
    if recorded_zone(db) == zone_name(zone):
        return False
    db.create_function("hambot_local_day", 1, lambda taken_at: day_of(taken_at, zone).isoformat(),
                       deterministic=True)
    db.execute("UPDATE photos SET day = hambot_local_day(taken_at)")
    db.execute("DELETE FROM days")
    db.execute("INSERT INTO days (day, count, low, high) SELECT day, count(*), min(temperature_c),"
               " max(temperature_c) FROM photos GROUP BY day")
    db.execute("UPDATE days SET photo = middle.seq FROM (SELECT seq, day,"
               " row_number() OVER (PARTITION BY day ORDER BY seq) - 1 AS n, count(*) OVER (PARTITION BY day) AS c"
               " FROM photos) AS middle WHERE middle.day = days.day AND middle.n = (middle.c - 1) / 2")
    db.execute("INSERT INTO site (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
               (ZONE_ROW, zone_name(zone)))
    return True


def zone_for(db, zone):
    """The zone given, or with none the one the index's days were worked out in (the machine's for a new index)."""
    if zone is not None:
        return zone
    name = recorded_zone(db)
    if name is not None:
        try:
            return ZoneInfo(name)
        except (ValueError, OSError, LookupError):
            pass
    return machine_zone()
