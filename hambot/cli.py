"""The `hambot` command."""

import argparse
import getpass
import os
import re
import sys
import time
from pathlib import Path

from . import __version__
from .service.install import InstallError
from .core.keysheet import KeySheetError
from .service.logs import setup_logging
from .core.settings import ConfigError, load_settings
from .core.password import PasswordError
from .core.tokens import TokenError


class UsageError(Exception):
    """The command cannot do what was asked; the message says why."""


def _serve(settings, args):
    from .service.server import serve
    serve(settings)
    return 0


def _check(settings, args):
    """Reads and checks, and writes nothing: no folder, key, index or migration is made by looking."""
    from .core.notify import check_urls
    from .core.secret_key import check_secret_key
    _check_data_dir(settings.data_dir)
    check_secret_key(settings)
    check_urls(settings.notify_urls)
    print(f"The settings are valid; hambot would listen on {settings.host}:{settings.port} "
          f"and keep its data in {settings.data_dir}.")
    return 0


def _check_data_dir(folder):
    """The data folder, or the nearest folder above it that exists, must be writable by this user."""
    existing = next(path for path in (folder, *folder.parents) if path.exists())
    if not existing.is_dir():
        raise ConfigError(f"DATA_DIR {folder} cannot be used: {existing} is not a folder.")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(f"DATA_DIR {folder} cannot be used: {existing} is not writable by this user.")


def _capture(settings, args):
    from .core.parts import Parts
    hambot = Parts(settings)
    shot = hambot.shutter.press(args.source)
    if shot.error:
        raise UsageError(shot.error)
    if shot.photo is None:
        raise UsageError("The camera is busy with other requests; try again in a few seconds.")
    note = f" (taken {time.time() - shot.photo.taken_at:.0f} s ago, within the dead time)" if shot.reused else ""
    print(f"{shot.photo.id} {hambot.store.path_of(shot.photo)}{note}")
    return 0


def _temperature(settings, args):
    from .core.history import History
    from .core.thermometer import Thermometer, format_temperature
    reading = Thermometer(settings.temperature_sensor, settings.w1_devices_dir, 0,
                          settings.temperature_timeout).fresh()
    if reading.celsius is None:
        if args.record:
            _alerting_store(settings).alerts.tick_now()
        raise UsageError(reading.problem or "There is no reading.")
    if args.record:
        store = _alerting_store(settings)
        History(store.database, store.alerts, pushing=settings.upstream_url is not None).record(
            reading.celsius, args.source, reading.read_at)
    shown = format_temperature(reading.celsius, settings.temperature_unit)
    print(f"{shown} from {reading.sensor_id}{' (recorded)' if args.record else ''}")
    return 0


def _push(settings, args):
    """The pusher and the long poll for remote presses, until SIGTERM; one at a time per data folder."""
    import signal
    import threading
    from .core.parts import Parts
    from .core.upstream import only_pusher, run_push
    if settings.upstream_url is None:
        raise UsageError("UPSTREAM_URL is not set, so there is nowhere to push to.")
    parts = Parts(settings)
    with only_pusher(settings.data_dir) as alone:
        if not alone:
            raise UsageError("Another hambot push is already running for this data folder.")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        run_push(parts, stop)
    return 0


def _upstream_status(settings, args):
    from .core import push_queue
    if settings.upstream_url is None:
        print("UPSTREAM_URL is not set: nothing is pushed.")
    else:
        print(f"Pushing to {settings.upstream_url} as the camera {settings.camera_name}.")
    status = push_queue.status(_store(settings).database)
    if status.queued:
        print(f"{status.queued} queued, the oldest since {_local(status.oldest_at)} "
              f"({time.time() - status.oldest_at:.0f} s ago).")
    else:
        print("Nothing is queued.")
    if status.last_error:
        print(f"Last error: {status.last_error}")
    if status.last_delivered_at:
        print(f"Last delivered: {_local(status.last_delivered_at)}.")
    return 0


def _store(settings):
    from .core.store import open_store
    return open_store(settings.data_dir, settings.timezone)


def _alerting_store(settings):
    """The store with the alert engine attached: a reading recorded here raises its alerts (hambot/core/alerts.py)."""
    from .core.alerts import Alerts, Rules
    store = _store(settings)
    store.alerts = store.captures.alerts = Alerts(Rules.from_settings(settings), store.database)
    return store


def _notify_test(settings, args):
    from .core.notify import Notifier, check_urls, scheme, test_all
    check_urls(settings.notify_urls)
    if not settings.notify_urls:
        raise UsageError("NOTIFY_URLS is empty; set it to one or more Apprise URLs, such as ntfy://my-topic.")
    store = _store(settings)
    photo = store.latest()
    results = test_all(Notifier(settings.notify_urls), store.path_of(photo) if photo else None, settings.site_title)
    for (name, error), url in zip(results, settings.notify_urls):
        print(f"✓ {name} ({scheme(url)}://) took the test message" if error is None else f"✗ {error}", flush=True)
    failed = sum(1 for _, error in results if error)
    print(f"{len(results) - failed} of {len(results)} URL(s) worked"
          f"{'' if photo else '; there is no photo yet, so none was attached'}.")
    return 1 if failed else 0


def _alerts(settings, args):
    from .core import alerts, outbox
    store = _store(settings)
    found = alerts.recent(store.database, args.limit)
    if not found:
        print("No alerts so far.")
        return 0
    messages = outbox.messages_of(store.database, [alert.seq for alert in found])
    for alert in found:
        state = "ongoing" if alert.ended_at is None else f"ended {_local(alert.ended_at)}"
        print(f"{_local(alert.started_at)}  {alert.title:<24} {state:<19} {_deliveries(alert, messages)}")
        print(f"    {alert.sentence}")
    return 0


def _deliveries(alert, messages):
    mine = [m for m in messages if m.alert_seq == alert.seq]
    waiting = [m for m in mine if m.delivered_at is None]
    if not mine:
        return "no messages (NOTIFY_URLS was empty)"
    if not waiting:
        return f"{len(mine)} message(s) delivered"
    return f"{len(waiting)} of {len(mine)} message(s) waiting: {waiting[-1].error or 'not tried yet'}"


def _local(timestamp):
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp))


def _timelapse(settings, args):
    from .core.timelapse import Progress, Timelapse, TimelapseError, yesterday
    day = args.day or yesterday(settings.timezone)
    try:
        made = Timelapse.from_settings(_store(settings), settings).make(day, Progress(sys.stderr, day.isoformat()))
    except TimelapseError as error:
        raise UsageError(str(error)) from None
    skipped = f"; {made.skipped} photo(s) could not be read and were left out" if made.skipped else ""
    print(f"{made.path}: {made.frames} photo(s), {made.seconds:.1f} s at {float(made.plan.fps):g} frames a second, "
          f"{made.plan.width}×{made.plan.height}{skipped}; poster {made.poster.name}.")
    return 0


def _day(text):
    from .core.days import parse_day
    day = parse_day(text)
    if day is None:
        raise argparse.ArgumentTypeError(f"a day is a date such as 2026-03-29, not {text!r}")
    return day


def _prune(settings, args):
    from .core.retention import Retention
    store = _store(settings)
    retention = Retention.from_settings(store, settings)
    removed = retention.prune()
    for photo in removed:
        print(f"removed {photo.id} taken {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(photo.taken_at))}")
    count, size = store.totals()
    print(f"Removed {len(removed)} photo(s); {count} remain ({size / 1048576:.1f} MB), "
          f"{retention.free_bytes() / 1048576:.0f} MB free on the disk.")
    return 0


def _keep(settings, args):
    photo = _store(settings).set_kept(args.id, not args.undo)
    if photo is None:
        raise UsageError(f"There is no photo with the id {args.id}.")
    print(f"{photo.id} is {'kept: retention never removes it' if photo.kept else 'no longer kept'}.")
    return 0


def _set_password(settings, args):
    from .core.password import ViewerPassword
    password = ViewerPassword(_store(settings).database)
    if args.remove:
        removed = password.remove()
        print("The viewer password is removed; anyone who can reach hambot may look." if removed
              else "There was no viewer password.")
        return 0
    if sys.stdin.isatty():
        first = getpass.getpass("New viewer password: ")
        if getpass.getpass("The same again: ") != first:
            raise UsageError("The two passwords differ; nothing was changed.")
    else:
        first = sys.stdin.readline().rstrip("\r\n")
    password.set(first)
    print("The viewer password is set; everyone signed in before must sign in again.")
    return 0


def _doctor(settings, args):
    from .service.doctor import run_checks
    failed = 0
    for check in run_checks():
        print(f"{'✗' if not check.ok else '!' if check.warning else '✓'} {check.text}", flush=True)
        if not check.ok or check.warning:
            failed += not check.ok
            print(f"    fix: {check.fix}", flush=True)
    print("All checks passed." if not failed else f"{failed} check(s) failed.")
    return 0 if not failed else 1


def _install_service(settings, args):
    from .service.install import Installer, Layout
    prefix = Path(args.prefix).absolute()
    layout = Layout(prefix=prefix, venv=Path(args.venv).absolute() if args.venv else prefix / "venv",
                    data_dir=Path(args.data_dir).absolute(), config_dir=Path(args.config_dir).absolute(),
                    unit_dir=Path(args.unit_dir).absolute(), bin_dir=Path(args.bin_dir).absolute(), user=args.user)
    Installer(layout).install(start=not args.no_start)
    return 0


def _source(text):
    if not re.fullmatch(r"[a-z][a-z0-9-]{0,19}", text):
        raise argparse.ArgumentTypeError("a source is up to 20 lower-case letters, digits or dashes")
    return text


def _keysheet_new(settings, args):
    from .core.keysheet import write_key_sheet
    path = Path(args.file) if args.file else settings.key_sheet_path
    path.parent.mkdir(parents=True, exist_ok=True)
    write_key_sheet(path, force=args.force)
    print(f"Wrote a new key sheet with 31 daily settings to {path} (readable by you only).")
    if args.file and Path(args.file).absolute() != settings.key_sheet_path:
        print(f"Set KEY_SHEET = {str(path.absolute())!r} so the server uses it.")
    return 0


def _tokens(settings):
    from .core.parts import open_tokens
    return open_tokens(settings)


def _token_issue(settings, args):
    from .core.tokens import parse_lifetime
    lifetime = parse_lifetime(args.expires_in)
    if lifetime is None:
        raise UsageError("--expires-in must be a number of days, hours or minutes, such as 30d, 12h or 90m.")
    from .core.tokens import EARLIER_SCOPES, check_scopes
    scopes = check_scopes(args.scope or EARLIER_SCOPES)
    token = _tokens(settings).issue(args.name, lifetime, scopes=scopes, camera=args.camera)
    expires = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(time.time() + lifetime))
    print(token)
    tied = f", as the camera {args.camera} only" if args.camera else ""
    print(f"\nThis is the token for {args.name}, valid until {expires}, allowed to {' '.join(scopes)}{tied}. "
          "It is shown only this once; send it as:\n  Authorization: Enigma <token>", file=sys.stderr)
    return 0


def _token_list(settings, args):
    records = _tokens(settings).records()
    if not records:
        print("No tokens have been issued. Make one with: hambot token issue --name NAME")
        return 0
    now = time.time()
    print(f"{'NAME':<32} {'STATE':<8} {'EXPIRES (UTC)':<17} {'LAST USED (UTC)':<17} SCOPES")
    for r in records:
        tied = f" (camera {r.camera})" if r.camera else ""
        print(f"{r.name:<32} {r.state(now):<8} {_when(r.expires_at):<17} {_when(r.last_used_at):<17} "
              f"{' '.join(r.scopes)}{tied}")
    return 0


def _token_revoke(settings, args):
    count = _tokens(settings).revoke(args.name)
    if not count:
        raise UsageError(f"No active token is named {args.name}; see: hambot token list")
    print(f"Revoked {count} token(s) named {args.name}; they stop working at once.")
    return 0


def _when(timestamp):
    return "never" if timestamp is None else time.strftime("%Y-%m-%d %H:%M", time.gmtime(timestamp))


def parser():
    top = argparse.ArgumentParser(
        prog="hambot", description="A snapshot server for a Raspberry Pi pet cam. "
        "Settings come from config.py, HAMBOT_CONFIG and HAMBOT_<NAME> variables.")
    top.add_argument("--version", action="version", version=f"hambot {__version__}")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("serve", help="run the web server (gunicorn) on HOST:PORT").set_defaults(run=_serve)
    commands.add_parser("check-config", help="load and check the settings, then exit").set_defaults(run=_check)

    capture = commands.add_parser("capture", help="take a photo as the button does and print its id and file")
    capture.add_argument("--source", type=_source, default="command", help="recorded with the photo (default command;"
                         " the timer uses schedule)")
    capture.set_defaults(run=_capture)
    temperature = commands.add_parser("temperature", help="print the temperature now, or why there is none")
    temperature.add_argument("--record", action="store_true", help="also store it in the history for the chart")
    temperature.add_argument("--source", type=_source, default="schedule", help="recorded with it (default schedule)")
    temperature.set_defaults(run=_temperature)

    keysheet = commands.add_parser("keysheet", help="the Enigma key sheet for API tokens")
    keysheet_commands = keysheet.add_subparsers(dest="keysheet_command", required=True, metavar="COMMAND")
    new = keysheet_commands.add_parser("new", help="write a new key sheet of 31 random daily settings")
    new.add_argument("--file", help="where to write it (default: KEY_SHEET, or DATA_DIR/enigma_keysheet.txt)")
    new.add_argument("--force", action="store_true", help="replace an existing sheet; its tokens stop working")
    new.set_defaults(run=_keysheet_new)

    token = commands.add_parser("token", help="API tokens: issue, list, revoke")
    token_commands = token.add_subparsers(dest="token_command", required=True, metavar="COMMAND")
    issue = token_commands.add_parser("issue", help="print a new token (once)")
    issue.add_argument("--name", required=True, help="who or what it is for, such as phone")
    issue.add_argument("--expires-in", default="30d", help="how long it is valid: 30d, 12h, 90m (default 30d)")
    issue.add_argument("--scope", action="append", choices=("read", "press", "upload", "admin"),
                       help="what it may do; repeat for several (default: read, press and admin)")
    issue.add_argument("--camera", help="tie its uploads and remote button to this one camera name")
    issue.set_defaults(run=_token_issue)
    token_commands.add_parser("list", help="show names, expiry and last use").set_defaults(run=_token_list)
    revoke = token_commands.add_parser("revoke", help="make the named token fail at once")
    revoke.add_argument("name")
    revoke.set_defaults(run=_token_revoke)

    notify = commands.add_parser("notify", help="alerts' NOTIFY_URLS: send a test message")
    notify_commands = notify.add_subparsers(dest="notify_command", required=True, metavar="COMMAND")
    notify_commands.add_parser("test", help="send a test message with the latest photo to every URL and say which "
                               "worked").set_defaults(run=_notify_test)
    alert_list = commands.add_parser("alerts", help="list recent alerts, whether they are over, and their delivery")
    alert_list.add_argument("--limit", type=int, default=20, help="how many (default 20)")
    alert_list.set_defaults(run=_alerts)

    timelapse = commands.add_parser("timelapse", help="make a day's time-lapse movie and poster with ffmpeg "
                                    "(the timer makes yesterday's after midnight)")
    timelapse.add_argument("day", nargs="?", type=_day, help="YYYY-MM-DD in TIMEZONE (default yesterday)")
    timelapse.set_defaults(run=_timelapse)

    commands.add_parser("push", help="push every photo and reading to UPSTREAM_URL and answer its button "
                        "(hambot-push.service runs this)").set_defaults(run=_push)
    upstream = commands.add_parser("upstream", help="the upstream server this camera pushes to")
    upstream_commands = upstream.add_subparsers(dest="upstream_command", required=True, metavar="COMMAND")
    upstream_commands.add_parser("status", help="what is queued for it, since when, and the last error"
                                 ).set_defaults(run=_upstream_status)

    commands.add_parser("prune", help="apply MAX_PHOTOS, MAX_STORAGE_MB and MIN_FREE_MB now and list what "
                        "was removed").set_defaults(run=_prune)
    keep = commands.add_parser("keep", help="mark a photo so retention never removes it")
    keep.add_argument("id", help="the photo's id, as in its address /photos/<id>")
    keep.add_argument("--undo", action="store_true", help="stop keeping it")
    keep.set_defaults(run=_keep)
    password = commands.add_parser("set-password", help="require a password to view (read from standard "
                                   "input when that is not a terminal)")
    password.add_argument("--remove", action="store_true", help="remove the password: anyone may view again")
    password.set_defaults(run=_set_password)
    commands.add_parser("doctor", help="check the config, camera, sensor, disk, index and permissions; "
                        "say how to fix what fails").set_defaults(run=_doctor, settings=False)

    install = commands.add_parser("install-service", help="as root on the Pi: create the hambot user and "
                                  "folders, write the systemd units and start them (make install runs this)")
    install.add_argument("--user", default="hambot", help="the account the service runs as (default hambot)")
    install.add_argument("--prefix", default="/opt/hambot", help="where the camera script goes (default /opt/hambot)")
    install.add_argument("--venv", help="the virtualenv with hambot in it (default PREFIX/venv)")
    install.add_argument("--data-dir", default="/var/lib/hambot", help="photos and index (default /var/lib/hambot)")
    install.add_argument("--config-dir", default="/etc/hambot", help="config.py goes here (default /etc/hambot)")
    install.add_argument("--unit-dir", default="/etc/systemd/system",
                         help="systemd units (default /etc/systemd/system)")
    install.add_argument("--bin-dir", default="/usr/local/bin", help="the hambot command (default /usr/local/bin)")
    install.add_argument("--no-start", action="store_true", help="write everything but do not enable or start")
    install.set_defaults(run=_install_service, settings=False)
    return top


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        settings = None
        if getattr(args, "settings", True):
            settings = load_settings()
            setup_logging(settings)
        return args.run(settings, args)
    except ConfigError as error:
        print(f"hambot: {error}", file=sys.stderr)
        return 2
    except (UsageError, KeySheetError, TokenError, PasswordError, InstallError) as error:
        print(f"hambot: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"hambot: {error.strerror or error}: {error.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
