"""Temperature charts drawn on the server as inline SVG: readable without JavaScript or another host."""

import statistics
import time
from dataclasses import dataclass
from html import escape

from ..core.thermometer import to_unit

RANGES = {  # name: (seconds shown, bucket width, tick every, tick label format)
    "24h": (86400, 300, 3 * 3600, "%H:%M"),
    "7d": (7 * 86400, 1800, 86400, "%d %b"),
    "30d": (30 * 86400, 7200, 5 * 86400, "%d %b"),
}
RANGE_WORDS = {"24h": "24 hours", "7d": "7 days", "30d": "30 days"}
SPARKLINE_WIDTH = 1800
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 72, 12, 12, 34
STEPS = (0.5, 1, 2, 5, 10, 20)
EDGE_ROOM = 60  # half the widest time label ("03:00 PM" in a phone's 22 px type), in chart units


@dataclass(frozen=True)
class Summary:
    low: float
    high: float
    count: int


def segments(buckets):
    """Split buckets into runs with no gap: a gap is a pause much longer than the data's usual spacing."""
    if not buckets:
        return []
    spacing = [b.start - a.start for a, b in zip(buckets, buckets[1:])]
    usual = statistics.median(spacing) if spacing else buckets[0].width
    gap = max(2.5 * usual, 2 * buckets[0].width)
    runs = [[buckets[0]]]
    for previous, bucket in zip(buckets, buckets[1:]):
        if bucket.start - previous.start > gap:
            runs.append([])
        runs[-1].append(bucket)
    return runs


def summarize(buckets):
    if not buckets:
        return None
    return Summary(min(b.low for b in buckets), max(b.high for b in buckets), sum(b.count for b in buckets))


class Scale:
    def __init__(self, since, until, low, high):
        self.since, self.until = since, until
        padding = max(0.5, (high - low) * 0.08)
        self.low, self.high = low - padding, high + padding

    def x(self, t):
        return round(LEFT + (t - self.since) / (self.until - self.since) * (WIDTH - LEFT - RIGHT), 1)

    def y(self, value):
        return round(TOP + (self.high - value) / (self.high - self.low) * (HEIGHT - TOP - BOTTOM), 1)


def chart_svg(buckets, since, until, range_name, unit, comfort=(None, None), title="Temperature", episodes=(),
              ticks=None):
    """The chart for one range: comfort band, alert episodes, min-max band, mean line with gaps, labelled axes.

    `episodes` are (start, end or None, label): each alert's time shaded, so the line shows what raised it.
    `ticks`, (time, label) pairs, replace the range's own time axis (a local day's hours).
    """
    values = [to_unit(v, unit) for b in buckets for v in (b.low, b.high)]
    bounds = [to_unit(c, unit) for c in comfort if c is not None]
    scale = Scale(since, until, min(values + bounds, default=15.0), max(values + bounds, default=25.0))
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-title">',
             f'<title id="chart-title">{escape(title)}</title>']
    parts += _comfort_band(scale, comfort, unit)
    parts += _episodes(scale, episodes, until)
    parts += _y_axis(scale, unit)
    parts += _x_axis(scale, range_name) if ticks is None else _labelled_ticks(scale, ticks)
    for run in segments(buckets):
        parts += _run(scale, run, unit)
    if not buckets:
        parts.append(f'<text class="empty" x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">'
                     "No readings in this period</text>")
    parts.append("</svg>")
    return "\n".join(parts)


def _episodes(scale, episodes, until):
    """Alert episodes (hambot/core/alerts.py) as shaded time spans, each titled with its sentence."""
    marks = []
    for start, end, label in episodes:
        left, right = scale.x(max(start, scale.since)), scale.x(min(end or until, until))
        marks.append(f'<rect class="episode" x="{left:.1f}" y="{TOP}" width="{max(1.0, right - left):.1f}" '
                     f'height="{HEIGHT - TOP - BOTTOM}"><title>{escape(label)}</title></rect>')
    return marks


def _comfort_band(scale, comfort, unit):
    low, high = comfort
    if low is None and high is None:
        return []
    top = scale.y(min(to_unit(high, unit), scale.high) if high is not None else scale.high)
    bottom = scale.y(max(to_unit(low, unit), scale.low) if low is not None else scale.low)
    width = WIDTH - LEFT - RIGHT
    return [f'<rect class="comfort" x="{LEFT}" y="{top}" width="{width}" height="{max(0, bottom - top)}">'
            "<title>Comfortable range</title></rect>"]


def _y_axis(scale, unit):
    step = next((s for s in STEPS if (scale.high - scale.low) / s <= 6), STEPS[-1])
    parts = []
    value = (scale.low // step + 1) * step
    while value < scale.high:
        y = scale.y(value)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}"/>')
        parts.append(f'<text class="tick" x="{LEFT - 6}" y="{y + 4}" text-anchor="end">{value:g}°{unit}</text>')
        value += step
    return parts


def _x_axis(scale, range_name):
    every, label_format = RANGES[range_name][2], RANGES[range_name][3]
    parts = [f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{HEIGHT - BOTTOM}" y2="{HEIGHT - BOTTOM}"/>']
    tick = (scale.since // every + 1) * every
    count = 0
    while tick < scale.until:
        x = scale.x(tick)
        count += 1
        utc = time.gmtime(tick)
        iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", utc)
        data = f' data-time="{iso}" data-format="{"time" if "%H" in label_format else "date"}"'
        parts += _tick(x, count, _without_leading_zero(time.strftime(label_format, utc)), data)
        tick += every
    return parts


def _labelled_ticks(scale, ticks):
    """A time axis with labels already written in the site's zone (a day's page): the script leaves them alone."""
    parts = [f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{HEIGHT - BOTTOM}" y2="{HEIGHT - BOTTOM}"/>']
    for count, (tick, label) in enumerate(ticks, start=1):
        x = scale.x(tick)
        parts += _tick(x, count, escape(label))
    return parts


def _tick(x, count, text, data=""):
    """A grid line and its time label, centred under it or ending at the chart's right edge when centring would
    cut it off there. Phones show every other label, in larger type."""
    grid = f'<line class="grid" x1="{x}" x2="{x}" y1="{TOP}" y2="{HEIGHT - BOTTOM}"/>'
    label_x, anchor = (WIDTH, "end") if x > WIDTH - EDGE_ROOM else (x, "middle")
    every_other = " every-other" if count % 2 else ""
    return [grid, f'<text class="tick{every_other}" x="{label_x}" y="{HEIGHT - 8}" text-anchor="{anchor}"{data}>'
                  f"{text}</text>"]


def day_chart(history, since, until, ticks, unit, comfort, title):
    """One local day's chart (23, 24 or 25 hours) from the 5-minute buckets, and its summary."""
    buckets = history.buckets(RANGES["24h"][1], since, until)
    return chart_svg(buckets, since, until, "24h", unit, comfort, title=title, ticks=ticks), summarize(buckets)


def _without_leading_zero(text):
    """ "03:00" reads 3:00 and "07 Nov" 7 Nov, but midnight stays 0:00 (lstrip("0") made it ":00")."""
    return text[1:] if len(text) > 1 and text[0] == "0" and text[1].isdigit() else text


def _run(scale, run, unit):
    if len(run) == 1:
        b = run[0]
        return [f'<circle class="point" cx="{scale.x(b.middle)}" cy="{scale.y(to_unit(b.mean, unit))}" r="3"/>']
    upper = " ".join(f"{scale.x(b.middle)},{scale.y(to_unit(b.high, unit))}" for b in run)
    lower = " ".join(f"{scale.x(b.middle)},{scale.y(to_unit(b.low, unit))}" for b in reversed(run))
    line = " ".join(f"{scale.x(b.middle)},{scale.y(to_unit(b.mean, unit))}" for b in run)
    return [f'<polygon class="range" points="{upper} {lower}"/>', f'<polyline class="line" points="{line}"/>']


def sparkline_svg(buckets, since, until, unit, label):
    """A small line of the last day, for the home page, with its range as the text alternative."""
    width, height = 120, 32
    values = [to_unit(b.mean, unit) for b in buckets]
    if not values:
        return ""
    low, high = min(values), max(values)
    span = max(high - low, 0.5)
    def xy(b):
        return round((b.middle - since) / (until - since) * width, 1), \
            round(2 + (high - to_unit(b.mean, unit)) / span * (height - 4), 1)

    marks = []
    for run in segments(buckets):
        if len(run) == 1:
            marks.append('<circle cx="{}" cy="{}" r="1.5"/>'.format(*xy(run[0])))
        else:
            marks.append('<polyline points="{}"/>'.format(" ".join("{},{}".format(*xy(b)) for b in run)))
    lines = "".join(marks)
    return (f'<svg class="sparkline" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img"'
            f' aria-label="{escape(label)}">{lines}</svg>')


def range_chart(history, shown, unit, comfort, episodes_between=lambda since, until: (), now=None):
    """The chart page's SVG and summary for a range name ("24h", "7d", "30d"), from the bucketed history;
    episodes_between(since, until) gives the alert episodes to shade, as (start, end or None, sentence)."""
    seconds, width = RANGES[shown][:2]
    until = time.time() if now is None else now
    buckets = history.buckets(width, until - seconds, until)
    svg = chart_svg(buckets, until - seconds, until, shown, unit, comfort,
                    title=f"Temperature over the last {RANGE_WORDS[shown]}",
                    episodes=episodes_between(until - seconds, until))
    return svg, summarize(buckets)


def sparkline_for(history, unit, temperature_text, now=None):
    """The home page's last 24 hours as a small SVG, or "" with no readings; temperature_text formats a value."""
    until = time.time() if now is None else now
    since = until - 86400
    buckets = history.buckets(SPARKLINE_WIDTH, since, until)
    summary = summarize(buckets)
    if summary is None:
        return ""
    label = f"Last 24 hours: from {temperature_text(summary.low)} to {temperature_text(summary.high)}"
    return sparkline_svg(buckets, since, until, unit, label)
