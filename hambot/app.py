"""The web app: thin routes over the store, the shutter and the thermometer."""

import json
import logging
import os
import time
from pathlib import Path
from urllib.parse import parse_qsl, quote

import bottle
from bottle import HTTPError, HTTPResponse, request, response

from . import alerts, chart, views
from .api import PREFIX as API_PREFIX
from .api import APIError, add_api_routes, error_body, iso, reply, require_token
from .bodylimit import limit_body
from .budget import CaptureBudget, in_words
from .camera import Camera
from .cookies import COOKIE_NAME, MAX_AGE, PhotoCookie
from .health import camera_trouble, health_report
from .history import History
from .notify import Notifier, Sender, check_urls
from .image_files import image_headers, images_first
from .keysheet import KeySheet
from .ratelimit import FailureLimit, client_key
from .retention import Retention
from .secret_key import load_secret_key
from .security import behind_proxy, is_same_origin, served_host_names, served_hosts_only, with_security_headers
from .settings import ConfigError
from .shutter import Shutter
from .signin import SESSION_COOKIE, SessionCookie, ViewerPassword
from .store import Store, is_valid_id, open_store
from .thermometer import Thermometer
from .tokens import Tokens

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).with_name("static")
PAGE_CACHE = "no-store"
LEGACY_QUERY = "get image"  # D.O.G.'s "/?get+image=..." bookmarks
GALLERY_PAGE = 24
SHARED_OWN = "?shared=yours"  # a press in the dead time that landed on the photo the visitor took
OPEN_PATHS = frozenset({"/login", "/healthz", "/favicon.ico", "/manifest.webmanifest"})  # reachable without signing in


class Hambot:
    """One configured hambot: its parts, and the WSGI app that serves them."""

    def __init__(self, settings):
        self.settings = settings
        check_urls(settings.notify_urls)  # a bad URL stops start-up here, named by its position
        self.store = Store(settings.data_dir)
        try:
            self.store.open()
        except OSError as error:
            raise ConfigError(f"DATA_DIR {settings.data_dir} cannot be used: {error.strerror}.") from None
        secret = load_secret_key(settings)
        self.cookie = PhotoCookie(secret)
        self.alerts = alerts.Alerts(alerts.Rules.from_settings(settings))
        self.store.alerts = self.alerts
        self.history = History(self.store.database, self.alerts)
        self.notifier, self.sender = Notifier(settings.notify_urls), None
        self.tokens = _token_book(self.store, settings, secret)
        self.failures = FailureLimit(self.store.database, "token")
        self.login_failures = FailureLimit(self.store.database, "login")
        self.password = ViewerPassword(self.store.database)
        self.session = SessionCookie(secret, settings.session_days * 86400)
        self.retention = Retention.from_settings(self.store, settings)
        self.thermometer = Thermometer(settings.temperature_sensor, settings.w1_devices_dir,
                                       settings.temperature_cache_seconds, settings.temperature_timeout)
        camera = Camera.from_settings(settings)
        budget = CaptureBudget(self.store, settings.visitor_captures_per_hour, settings.captures_per_hour,
                               settings.token_captures_per_hour)
        self.shutter = Shutter(self.store, camera, self.thermometer, self.retention, settings.dead_time,
                               max_waiters=settings.threads - 1, budget=budget)
        self.shutter.recover()
        self.store.close()  # gunicorn forks workers from this process; each opens its own
        self.bottle = _routes(self)
        hosts = served_host_names(settings.allowed_hosts)
        self.wsgi = with_security_headers(served_hosts_only(images_first(self.bottle, self), hosts))
        if settings.trust_proxy:
            self.wsgi = behind_proxy(self.wsgi)

    def start_sender(self):
        """The alert sender, in this (forked) process: the server's is the one with the network."""
        if self.sender is None:
            self.sender = Sender(self.store, self.notifier, self.alerts).start()
        return self.sender

    def __call__(self, environ, start_response):
        return self.wsgi(environ, start_response)

    def signed_in(self, environ, generation):
        """Whether the request carries a valid session cookie for the password of this `generation`."""
        return self.session.verify(bottle.BaseRequest(environ).get_cookie(SESSION_COOKIE), generation)


def _alert_notices(hambot):
    """The ongoing temperature alerts in a line each; the camera and the disk have their own notice."""
    return [alerts.notice(alert, hambot.settings.temperature_unit) for alert in alerts.ongoing(hambot.store.database)
            if alert.kind in alerts.TEMPERATURE_KINDS]


def create_app(settings):
    return Hambot(settings)


def open_tokens(settings):
    """The token book alone, for the command line: no camera, no sensor, no web app."""
    return _token_book(open_store(settings.data_dir), settings, load_secret_key(settings))


def _token_book(store, settings, secret):
    return Tokens(store.database, KeySheet(settings.key_sheet_path), secret)


def _routes(hambot):
    app = bottle.Bottle()

    @app.hook("before_request")
    def hold_the_body():
        """Before any other hook or route: a body of at most 64 kB, in memory, read once (hambot/bodylimit.py)."""
        status = limit_body(request.environ)
        if status:
            abort(status, views.STATUS_SENTENCES[status])
    store, shutter, settings = hambot.store, hambot.shutter, hambot.settings
    page = views.Pages(settings, store.usual_capture_seconds, shutter.ready_in)

    def visitor_photo():
        return store.get(hambot.cookie.verify(request.get_cookie(COOKIE_NAME)))

    def remember(photo):
        _set_cookie(COOKIE_NAME, hambot.cookie.sign(photo.id), MAX_AGE)

    def answer(shot, *, legacy=False):
        """Turn a press's outcome into the page the visitor lands on."""
        if shot.refused:
            return refused(shot)
        if shot.error:
            return _page_response(shot.status, page.capture_failed(shot.error))
        if shot.photo is None:
            return see_other(f"/snapshots/pending?after={shot.wait_after}&since={int(time.time())}")
        mine = visitor_photo()
        own = shot.reused and mine is not None and mine.id == shot.photo.id  # pressed again on their own photo
        remember(shot.photo)
        if legacy:
            return page.photo(shot.photo)
        return see_other(f"/photos/{shot.photo.id}" + (SHARED_OWN if own else "?shared=1" if shot.reused else ""))

    def refused(shot):
        """429: the latest photo, with why the camera did not run and when it will."""
        wait = shot.refused.retry_after
        if shot.photo is None:
            sentence = f"{shot.refused.sentence} A photo can be taken in {in_words(wait)}."
            return _page_response(429, page.capture_failed(sentence), Retry_After=str(wait))
        note = f"{shot.refused.sentence} Here is the latest photo; a new one can be taken in {in_words(wait)}."
        return _page_response(429, page.photo(shot.photo, *store.neighbours(shot.photo), note=note),
                              Retry_After=str(wait))

    @app.get("/")
    @app.get("/index")
    def home():
        response.set_header("Cache-Control", PAGE_CACHE)
        if is_legacy_press(request.path, request.query_string):
            return answer(shutter.press("legacy", wait=True, client=_client()), legacy=True)
        refresh = _auto_refresh("/", "/")
        own = None if refresh.minutes else visitor_photo()  # auto-refresh follows the newest photo
        whose = "Your last photo" if own else "The newest photo" if refresh.minutes else "The latest photo"
        return page.home(own or store.latest(), whose, hambot.thermometer.current(), sparkline(),
                         camera_trouble(store), auto_refresh=refresh, alert_notices=_alert_notices(hambot))

    def sparkline():
        until = time.time()
        since = until - 86400
        buckets = hambot.history.buckets(chart.SPARKLINE_WIDTH, since, until)
        summary = chart.summarize(buckets)
        if summary is None:
            return ""
        label = (f"Last 24 hours: from {page.temperature(summary.low)} to {page.temperature(summary.high)}")
        return chart.sparkline_svg(buckets, since, until, settings.temperature_unit, label)

    @app.post("/snapshot")
    def snapshot():
        _require_same_origin()
        return answer(shutter.press("button", client=_client()))

    @app.get("/snapshots/pending")
    def pending():
        response.set_header("Cache-Control", PAGE_CACHE)
        after, since = _int_param("after"), _int_param("since")
        shot = shutter.outcome_after(after)
        if shot is not None:
            return answer(shot)
        if time.time() - since > settings.camera_timeout * 2 + 10:
            return _page_response(503, page.capture_failed("The camera is still busy; please press again."))
        return page.pending()

    @app.get("/photos/<name>")
    def photo(name):
        photo_id, dot, extension = name.partition(".")
        found = store.get(photo_id)  # None for anything that is not a well-formed, known id
        if found is None:
            abort(404, "There is no photo with that address.")
        if not dot:
            response.set_header("Cache-Control", PAGE_CACHE)
            shared = {"1": "someone", "yours": "you"}.get(request.query.get("shared"))  # the dead time gave it
            refresh = _auto_refresh(f"/photos/{found.id}", "/latest")
            return page.photo(found, *store.neighbours(found), shared=shared, auto_refresh=refresh)
        if extension != found.extension:
            abort(404, "There is no photo with that address.")
        return _photo_bytes(store.path_of(found), found.content_type, found.id)

    @app.get("/latest")
    def latest_photo():
        """The newest photo's page, which an auto-refreshing photo page moves on to."""
        response.set_header("Cache-Control", PAGE_CACHE)
        minutes = _refresh_minutes()
        newest = store.latest()
        query = f"?refresh={minutes}" if minutes else ""
        return see_other(f"/photos/{newest.id}{query}" if newest else f"/{query}")

    @app.get("/photos/<photo_id>/thumb.jpg")
    def thumbnail(photo_id):
        found = store.get(photo_id)
        path = found and store.thumbnail(found)
        if path is None:
            abort(404, "There is no thumbnail at that address.")
        return _photo_bytes(path, "image/jpeg", f"{found.id}-thumb")

    @app.get("/photos")
    def gallery():
        response.set_header("Cache-Control", PAGE_CACHE)
        before, after = request.query.get("before"), request.query.get("after")
        for name, value in (("before", before), ("after", after)):
            if value is not None and not is_valid_id(value):
                abort(400, f"The address's {name} part is not a photo id.")
        found = store.page(before=before, after=after, limit=GALLERY_PAGE)
        if found is None:
            abort(404, "That photo is no longer here, so the gallery cannot continue from it.")
        photos, has_older, has_newer = found
        return page.gallery(photos, older=photos[-1].id if has_older and photos else None,
                            newer=photos[0].id if has_newer and photos else None)

    @app.get("/temperature")
    def temperature():
        response.set_header("Cache-Control", PAGE_CACHE)
        shown = request.query.get("range", "24h")
        if shown not in chart.RANGES:
            abort(400, "The address's range part must be 24h, 7d or 30d.")
        seconds, width = chart.RANGES[shown][:2]
        until = time.time()
        since = until - seconds
        buckets = hambot.history.buckets(width, since, until)
        comfort = (settings.temperature_comfort_min, settings.temperature_comfort_max)
        svg = chart.chart_svg(buckets, since, until, shown, settings.temperature_unit, comfort,
                              title=f"Temperature over the last {chart.RANGE_WORDS[shown]}",
                              episodes=[(a.started_at, a.ended_at, a.sentence)
                                        for a in alerts.between(store.database, since, until)])
        return page.temperature_chart(shown, svg, chart.summarize(buckets), hambot.history.latest())

    @app.get("/healthz")
    def healthz():
        status, body = health_report(hambot, iso, full=may_see_details())
        return reply(body, status)

    def may_see_details():
        """Anyone with no viewer password set; otherwise only those signed in or holding a valid token."""
        generation = hambot.password.generation()
        if generation is None or hambot.signed_in(request.environ, generation):
            return True
        if not request.environ.get("HTTP_AUTHORIZATION"):
            return False
        try:
            return bool(require_token(hambot))
        except APIError:  # a monitor with a bad token still learns whether things are well
            return False

    @app.hook("before_request")
    def require_sign_in():
        """With a viewer password set, everything but OPEN_PATHS needs the session cookie or a token."""
        path = request.path
        if path in OPEN_PATHS or path.startswith("/static/"):
            return
        generation = hambot.password.generation()
        request.environ["hambot.password_set"] = generation is not None
        if generation is None:
            return
        if hambot.signed_in(request.environ, generation):
            request.environ["hambot.signed_in"] = True
            return
        if request.environ.get("HTTP_AUTHORIZATION"):
            require_token(hambot)
            return
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            raise APIError(401, "Sign in on the web page or send a token: Authorization: Enigma <token>.",
                           WWW_Authenticate='Enigma realm="hambot"')
        target = request.fullpath + (f"?{request.query_string}" if request.query_string else "")
        raise see_other("/login?next=" + quote(target if request.method in ("GET", "HEAD") else "/", safe=""))

    @app.get("/login")
    def login_form():
        response.set_header("Cache-Control", PAGE_CACHE)
        if not hambot.password.is_set():
            return see_other("/")
        return page.login(_local_target(request.query.get("next")))

    @app.post("/login")
    def login():
        _require_same_origin()
        target = _local_target(request.forms.get("next"))
        address = request.environ.get("REMOTE_ADDR", "")
        wait = hambot.login_failures.retry_after(address)
        if wait:
            return _page_response(429, page.login(target, f"Too many wrong passwords; try again in {wait} s."),
                                  Retry_After=str(wait))
        if not hambot.password.check(request.forms.getunicode("password") or ""):
            hambot.login_failures.failed(address)
            log.warning("refused a sign-in from %s: wrong password", client_key(address))
            return _page_response(401, page.login(target, "That password is not right."))
        log.info("signed in from %s", client_key(address))
        session = hambot.session.sign(hambot.password.generation())
        _set_cookie(SESSION_COOKIE, session, int(hambot.session.lifetime))
        return see_other(target)

    @app.post("/logout")
    def logout():
        _require_same_origin()
        response.delete_cookie(SESSION_COOKIE, path="/")
        return see_other("/login")

    @app.get("/static/<filename>")
    def static(filename):
        if filename not in views.STATIC_FILES:
            abort(404, "There is no such file.")
        return bottle.static_file(filename, root=str(STATIC_DIR), headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/manifest.webmanifest")
    def manifest():
        response.set_header("Content-Type", "application/manifest+json")
        response.set_header("Cache-Control", "public, max-age=86400")
        return json.dumps(views.manifest(settings.site_title))

    @app.get("/favicon.ico")
    def favicon():
        return static("favicon.svg")

    add_api_routes(app, hambot)

    def error_page(error):
        sentence = getattr(error, "sentence", None)
        if request.path.startswith(API_PREFIX + "/") or request.path == API_PREFIX:
            response.set_header("Content-Type", "application/json")
            response.set_header("Cache-Control", "no-store")
            return error_body(error.status_code, sentence or views.STATUS_SENTENCES.get(
                error.status_code, views.STATUS_SENTENCES[500]))
        return page.error(error.status_code, sentence)

    for status in (400, 401, 403, 404, 405, 413, 429, 500, 503, 507):
        app.error(status)(error_page)
    return app


def is_legacy_press(path, query_string):
    """D.O.G.'s "/?get+image=get+image": only a non-empty value takes a photo, and the answer waits for it."""
    return path in ("/", "/index") and any(
        name == LEGACY_QUERY and value for name, value in parse_qsl(query_string, keep_blank_values=True))


def abort(status, sentence):
    error = HTTPError(status, sentence)
    error.sentence = sentence
    raise error


def see_other(location):
    """A relative 303, so a forged Host or X-Forwarded-Host header cannot steer it elsewhere."""
    redirect = response.copy(cls=HTTPResponse)
    redirect.status = 303
    redirect.body = ""
    redirect.set_header("Location", location)
    return redirect


def _page_response(status, body, **headers):
    result = response.copy(cls=HTTPResponse)
    result.status = status
    result.body = body
    result.set_header("Cache-Control", PAGE_CACHE)
    for name, value in headers.items():
        result.set_header(name.replace("_", "-"), value)
    return result


def _require_same_origin():
    """403 for a form posted from another site's page."""
    if not is_same_origin(request.environ):
        log.warning("refused a form posted from another site to %s (Origin: %.100r)",
                    request.path, request.environ.get("HTTP_ORIGIN"))
        abort(403, "This form can only be sent from hambot's own page.")


def _client():
    """The client's address: the socket's, or with TRUST_PROXY what the proxy appended; never Bottle's guess."""
    return request.environ.get("REMOTE_ADDR", "")


def _set_cookie(name, value, max_age):
    """HttpOnly, SameSite=Lax, and Secure whenever the visitor came over HTTPS."""
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="lax",
                        secure=request.environ["wsgi.url_scheme"] == "https")


def _local_target(target):
    """Where to go after signing in: a path on this site, never another host."""
    if (not target or not target.startswith("/") or target.startswith(("//", "/\\")) or len(target) > 2000
            or not target.isascii() or not target.isprintable() or " " in target):
        return "/"
    return target


def _int_param(name):
    value = request.query.get(name, "")
    if not value.isascii() or not value.isdigit() or len(value) > 15:
        abort(400, f"The address's {name} part must be a whole number.")
    return int(value)


def _auto_refresh(here, follow):
    """The visitor's auto-refresh choice for the page at `here`; each refresh loads `follow`."""
    minutes = _refresh_minutes()
    return views.AutoRefresh(minutes, here, f"{follow}?refresh={minutes}")


def _refresh_minutes():
    """The auto-refresh the visitor chose in the address (?refresh=5), 0 when off."""
    value = request.query.get("refresh", "0")
    choices = {str(minutes): minutes for minutes in views.REFRESH_CHOICES}
    if value == "0":
        return 0
    if value not in choices:
        abort(400, f"The address's refresh part must be 0 (off) or a number of minutes: {', '.join(choices)}.")
    return choices[value]


def _photo_bytes(path, content_type, etag):
    """The file itself via the server's sendfile; a plain GET gets the same answer from image_files."""
    headers = image_headers(etag, content_type, request.environ.get("hambot.password_set"))
    match = request.environ.get("HTTP_IF_NONE_MATCH", "")
    if match.strip() == "*" or headers["ETag"] in (tag.strip().removeprefix("W/") for tag in match.split(",")):
        return HTTPResponse(status=304, **headers)
    try:
        body = open(path, "rb")
    except FileNotFoundError:
        abort(404, "That photo's file is missing.")
    headers["Content-Length"] = str(os.fstat(body.fileno()).st_size)
    return HTTPResponse(body, **headers)  # Bottle closes it unsent for HEAD
