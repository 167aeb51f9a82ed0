"""JSON API v1: thin routes over the store, the shutter, the history and the tokens."""

import json
import logging
import math
import select
import socket
import time
from datetime import datetime, timezone

from bottle import HTTPResponse, request

from .bodylimit import MAX_BODY
from .openapi import openapi_document
from .pagecache import PageCache
from ..core.daybook import day_cursor, shown_day
from ..core.ratelimit import client_key
from ..core.remote import POLL_MOST
from ..core.store import is_valid_id
from ..core.tokens import NAME_PATTERN, TokenError
from ..core.uploads import KEY_PATTERN, UploadError, check_details, iso_time

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
MAX_LIMIT = 100
DEFAULT_LIMIT = 24
AUTH_SCHEMES = ("enigma", "bearer")


class APIError(HTTPResponse):
    """An error in the API's one shape: {"error": sentence, "status": code}."""

    def __init__(self, status, sentence, **headers):
        super().__init__(error_body(status, sentence), status, **headers)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")


def error_body(status, sentence):
    return json.dumps({"error": sentence, "status": status})


def reply(body, status=200, **headers):
    return reply_json(json.dumps(body), status, **headers)


def reply_json(text, status=200, **headers):
    answer = HTTPResponse(text, status, **headers)
    answer.set_header("Content-Type", "application/json")
    answer.set_header("Cache-Control", "no-store")
    return answer


def iso(timestamp):
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def photo_record(photo):
    return {"id": photo.id, "taken_at": iso(photo.taken_at), "temperature_c": photo.temperature_c,
            "source": photo.source, "width": photo.width, "height": photo.height,
            "url": f"/photos/{photo.filename}", "thumbnail_url": f"/photos/{photo.id}/thumb.jpg",
            "page_url": f"/photos/{photo.id}", "kept": photo.kept, "camera_tool": photo.camera_tool,
            "test_pattern": photo.test_pattern, "camera": photo.camera}


def query(*allowed):
    """The query's values by name; 400 naming the parameter for an unknown or repeated one."""
    values = {}
    for name in request.query.keys():
        if name not in allowed:
            raise APIError(400, f"Unknown query parameter: {name[:40]}.")
        given = request.query.getall(name)
        if len(given) > 1:
            raise APIError(400, f"The query parameter {name} is given more than once.")
        values[name] = given[0]
    return values


def whole_number(values, name, default, low, high):
    text = values.get(name)
    if text is None:
        return default
    if not (text.isascii() and text.isdigit() and len(text) <= 6 and low <= int(text) <= high):
        raise APIError(400, f"The query parameter {name} must be a whole number from {low} to {high}.")
    return int(text)


def camera_value(values):
    name = values.get("camera")
    if name is not None and not NAME_PATTERN.fullmatch(name):
        raise APIError(400, "The query parameter camera must be a camera's name.")
    return name


def time_param(values, name, default):
    text = values.get(name)
    if text is None:
        return default
    parsed = iso_time(text)
    if parsed is None:
        raise APIError(400, f"The query parameter {name} must be a time in ISO 8601, such as 2026-11-21T08:00:00Z.")
    return parsed


def require_token(hambot, scope=None, body=False):
    """The name of the request's valid token, or an APIError; failures count toward the address's limit.

    A valid token works even from an address others' bad tokens have slowed down: guessing one is hopeless."""
    return require_grant(hambot, scope, body).name


def require_grant(hambot, scope=None, body=False):
    """The request's valid token as a Grant holding `scope` (403 without it); `body`: the call takes one."""
    grant = request.environ.get("hambot.grant") or _checked_token(hambot)
    if scope and not grant.allows(scope):
        raise APIError(403, f"This token may not {SCOPE_WORDS[scope]}; issue one with --scope {scope}.")
    if not body and request.content_length > MAX_BODY:
        raise APIError(413, "This call takes no request body.")
    return grant


SCOPE_WORDS = {"read": "read from this hambot", "press": "take photos", "upload": "upload to this hambot",
               "admin": "delete or keep photos"}


def _checked_token(hambot):
    address = request.environ.get("REMOTE_ADDR", "")  # X-Forwarded-For only counts with TRUST_PROXY
    scheme, _, token = request.environ.get("HTTP_AUTHORIZATION", "").strip().partition(" ")
    if scheme.lower() not in AUTH_SCHEMES or not token.strip():
        raise APIError(401, "This call needs a token: send the header Authorization: Enigma <token>.",
                       WWW_Authenticate='Enigma realm="hambot"')
    try:
        grant = hambot.tokens.grant(token.strip())
    except TokenError as error:
        wait = hambot.failures.retry_after(address)
        if wait:
            raise APIError(429, f"Too many failed tokens from your address; try again in {wait} s.",
                           Retry_After=str(wait)) from None
        hambot.failures.failed(address)
        log.warning("refused a token from %s: %s", client_key(address), error)
        raise APIError(401, str(error), WWW_Authenticate='Enigma realm="hambot", error="invalid_token"') from None
    request.environ["hambot.grant"] = grant
    return grant


UPLOAD_FIELDS = ("taken_at", "temperature_c", "camera", "source")
IMAGE_TYPES = ("image/jpeg", "image/png", "application/octet-stream")


def upload_values():
    """The upload's fields, from the query or a multipart form (not both), and the image's bytes (None for none)."""
    values = query(*UPLOAD_FIELDS)
    content_type = request.content_type.split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        for name in request.forms.keys():
            if name not in UPLOAD_FIELDS:
                raise APIError(400, f"Unknown form field: {name[:40]}.")
            given = [value for value in request.forms.getall(name) if value]  # an empty field is not given
            if given and (name in values or len(given) > 1):
                raise APIError(400, f"The field {name} is given more than once.")
            if given:
                values[name] = request.forms.getunicode(name)
        files = list(request.files.values())
        if len(files) != 1:
            raise APIError(400, "A multipart upload carries exactly one file, the photo.")
        return values, files[0].file.read()
    if content_type and content_type not in IMAGE_TYPES:
        raise APIError(415, "Send the photo as the body (image/jpeg or image/png) or as a multipart/form-data file.")
    return values, request.body.read()


def client_gone():
    """Whether the client of this request has hung up (a camera's long poll whose camera went away)."""
    sock = request.environ.get("gunicorn.socket")
    if sock is None:
        return False
    try:  # readable at once, and nothing to read: the other end closed (a socket with a time-out would wait in recv)
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


def json_body():
    try:
        value = json.loads(request.body.read() or b"{}")
    except ValueError:
        raise APIError(400, "The body must be JSON.") from None
    if not isinstance(value, dict):
        raise APIError(400, "The body must be a JSON object.")
    return value


def idempotency_key():
    key = request.environ.get("HTTP_IDEMPOTENCY_KEY")
    if key is not None and not KEY_PATTERN.fullmatch(key):
        raise APIError(400, "An Idempotency-Key is 1 to 200 printable ASCII characters without spaces.")
    return key


def answered(answer, location=None):
    """An upload's answer; a retry with the same Idempotency-Key gets the first one's, marked as replayed."""
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else {}
    if location and answer.status == 201:
        headers["Location"] = location
    return reply_json(answer.body, answer.status, **headers)


def day_record(day, summary):
    """A day's counts; `summary` None for a day without photos."""
    key = day.isoformat()
    return {"day": key, "count": summary.count if summary else 0, "low_c": summary and summary.low,
            "high_c": summary and summary.high,
            "photo": photo_record(summary.photo) if summary and summary.photo else None,
            "url": f"{PREFIX}/days/{key}", "page_url": f"/days/{key}"}


def movie_record(movies, day):
    """The day's time-lapse file, or None while there is none."""
    try:
        size = movies.path(day).stat().st_size
    except OSError:
        return None
    key = day.isoformat()
    return {"url": f"/days/{key}/timelapse.mp4", "size": size,
            "poster_url": f"/days/{key}/poster.jpg" if movies.poster_path(day).is_file() else None}


def alert_record(alert):
    return {"id": alert.seq, "kind": alert.kind, "title": alert.title, "started_at": iso(alert.started_at),
            "ended_at": None if alert.ended_at is None else iso(alert.ended_at), "ongoing": alert.ended_at is None,
            "celsius": alert.value, "worst_celsius": alert.worst, "sentence": alert.sentence}


def add_api_routes(app, hambot):
    store, shutter, settings = hambot.store, hambot.shutter, hambot.settings
    lists = PageCache(store.generation)  # each list's JSON, made once per generation of the photos

    def found(photo_id):
        photo = store.get(photo_id)
        if photo is None:
            raise APIError(404, "There is no photo with that id.")
        return photo

    @app.get(PREFIX + "/photos")
    def list_photos():
        values = query("limit", "before", "camera")
        limit = whole_number(values, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        before, camera = values.get("before"), camera_value(values)
        if before is not None and not is_valid_id(before):
            raise APIError(400, "The query parameter before must be a photo id.")
        return reply_json(lists.get((before, limit, camera), lambda: photo_list(before, limit, camera)))

    def photo_list(before, limit, camera):
        page = store.page(before=before, limit=limit, camera=camera)
        if page is None:
            raise APIError(404, "There is no photo with the id in before, so the list cannot continue from it.")
        photos, has_older, _ = page
        only = f"&camera={camera}" if camera else ""
        following = f"{PREFIX}/photos?limit={limit}&before={photos[-1].id}{only}" if has_older else None
        return json.dumps({"photos": [photo_record(p) for p in photos], "next": following})

    @app.post(PREFIX + "/photos")
    def upload_photo():
        grant = require_grant(hambot, "upload", body=True)
        values, data = upload_values()
        if not data:
            raise APIError(400, "The upload has no photo: send a JPEG or PNG as the body.")
        key = idempotency_key()
        try:
            details = check_details(grant, values)
            answer = hambot.uploads.photo(data, details, token_name=grant.name, key=key,
                                          render=lambda photo: json.dumps(photo_record(photo)))
        except UploadError as error:
            raise APIError(error.status, str(error)) from None
        photo_id = json.loads(answer.body)["id"]
        return answered(answer, f"{PREFIX}/photos/{photo_id}")

    @app.post(PREFIX + "/readings")
    def upload_reading():
        grant = require_grant(hambot, "upload")
        values = query(*UPLOAD_FIELDS)
        key = idempotency_key()
        try:
            details = check_details(grant, values)
            answer = hambot.uploads.reading(details, token_name=grant.name, key=key, render=lambda: json.dumps(
                {"camera": details.camera, "taken_at": iso(details.taken_at), "celsius": details.celsius,
                 "source": details.source}))
        except UploadError as error:
            raise APIError(error.status, str(error)) from None
        return answered(answer)

    def as_camera(name):
        """The request's token, allowed to act as camera `name` (scope upload, and tied to it if tied at all)."""
        grant = require_grant(hambot, "upload", body=True)
        try:
            check_details(grant, {"camera": name})
        except UploadError as error:
            raise APIError(error.status, str(error)) from None
        return grant

    @app.get(PREFIX + "/cameras/<name>/presses")
    def next_press(name):
        """The camera's long poll: answered at once when a visitor here presses its button, else 204 after wait."""
        wait = whole_number(query("wait"), "wait", POLL_MOST, 0, POLL_MOST)
        as_camera(name)
        press = hambot.remotes.next_press(name, wait, client_gone)
        return HTTPResponse(status=204) if press is None else reply({"press": press})

    @app.post(PREFIX + "/cameras/<name>/presses/<number>")
    def press_outcome(name, number):
        """The camera's report on a press: the key of the upload that carried its photo, or why there is none."""
        query()
        if not (number.isascii() and number.isdigit() and len(number) <= 15):
            raise APIError(404, "There is no press with that number for this camera.")
        seq = int(number)
        grant = as_camera(name)
        report = json_body()
        key, error = report.get("photo_key"), report.get("error")
        if not (key is None or isinstance(key, str) and KEY_PATTERN.fullmatch(key)) \
                or not (error is None or isinstance(error, str) and len(error) <= 500):
            raise APIError(400, "The report is {\"photo_key\": an Idempotency-Key or null, \"error\": a sentence "
                                "or null}.")
        photo_id = key and hambot.uploads.photo_of(grant.name, key)
        if key and photo_id is None:
            error = error or "The photo did not reach this server."
        press = hambot.remotes.get(seq)
        if press is None or press.camera != name:
            raise APIError(404, "There is no press with that number for this camera.")
        hambot.remotes.finish(name, seq, photo_id, error)  # a report sent again finds it finished: no change
        return reply({"press": seq, "photo_id": photo_id, "error": error})

    @app.get(PREFIX + "/photos/<photo_id>")
    def one_photo(photo_id):
        query()
        return reply(photo_record(found(photo_id)))

    @app.delete(PREFIX + "/photos/<photo_id>")
    def delete_photo(photo_id):
        query()
        name = require_token(hambot, "admin")
        found(photo_id)
        if store.delete(photo_id) is None:
            raise APIError(404, "There is no photo with that id.")
        log.info("photo deleted id=%s token=%s", photo_id, name)
        return HTTPResponse(status=204)

    @app.post(PREFIX + "/photos/<photo_id>/keep")
    def keep_photo(photo_id):
        return mark_kept(photo_id, True)

    @app.delete(PREFIX + "/photos/<photo_id>/keep")
    def unkeep_photo(photo_id):
        return mark_kept(photo_id, False)

    def mark_kept(photo_id, kept):
        query()
        name = require_token(hambot, "admin")
        photo = store.set_kept(found(photo_id).id, kept)
        if photo is None:
            raise APIError(404, "There is no photo with that id.")
        log.info("photo %s id=%s token=%s", "kept" if kept else "no longer kept", photo_id, name)
        return reply(photo_record(photo))

    @app.post(PREFIX + "/snapshots")
    def take_snapshot():
        query()
        name = require_token(hambot, "press")
        shot = shutter.press(f"api:{name}", client=request.environ.get("REMOTE_ADDR", ""))
        if shot.refused:
            raise APIError(429, f"{shot.refused.sentence} Try again in {shot.refused.retry_after} s.",
                           Retry_After=str(shot.refused.retry_after))
        if shot.error:
            raise APIError(shot.status, shot.error)
        if shot.photo is None:
            raise APIError(503, "The camera is busy with other requests; try again in a few seconds.",
                           Retry_After=str(math.ceil(settings.camera_timeout)))
        record = dict(photo_record(shot.photo), reused=shot.reused)
        if shot.reused:
            return reply(record)
        return reply(record, 201, Location=f"{PREFIX}/photos/{shot.photo.id}")

    @app.get(PREFIX + "/temperature")
    def temperature():
        query()
        reading = hambot.thermometer.current()
        if reading.celsius is None:
            raise APIError(503, reading.problem or "There is no temperature reading.")
        return reply({"celsius": reading.celsius, "fahrenheit": round(reading.fahrenheit, 3),
                      "read_at": iso(reading.read_at), "sensor_id": reading.sensor_id})

    @app.get(PREFIX + "/temperature/history")
    def temperature_history():
        values = query("since", "until", "camera")
        camera = camera_value(values)
        history = hambot.history.of_camera(camera) if camera else hambot.history
        until = time_param(values, "until", time.time())
        since = time_param(values, "since", until - 86400)
        if since >= until:
            raise APIError(400, "The query parameter since must be earlier than until.")
        points, downsampled = history.points(since, until, settings.temperature_history_points)
        return reply({"since": iso(since), "until": iso(until), "downsampled": downsampled,
                      "readings": [{"taken_at": iso(p.taken_at), "celsius": p.celsius, "source": p.source}
                                   for p in points]})

    @app.get(PREFIX + "/days")
    def list_days():
        values = query("limit", "before")
        limit = whole_number(values, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        before = values.get("before")
        if before is not None and day_cursor(before) is None:
            raise APIError(400, "The query parameter before must be a date such as 2026-03-29.")
        return reply_json(lists.get(("days", before, limit), lambda: day_list(before, limit)))

    def day_list(before, limit):
        days, has_older, _ = hambot.daybook.page(before=before, limit=limit)
        following = f"{PREFIX}/days?limit={limit}&before={days[-1].day.isoformat()}" if has_older else None
        return json.dumps({"days": [day_record(d.day, d) for d in days], "next": following})

    @app.get(PREFIX + "/days/<day>")
    def one_day(day):
        values = query("limit", "after")
        day = shown_day(day)
        if day is None:
            raise APIError(404, "There is no day with that address; days are written like 2026-03-29.")
        limit = whole_number(values, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        after = values.get("after")
        if after is not None and not is_valid_id(after):
            raise APIError(400, "The query parameter after must be a photo id.")
        photos = hambot.daybook.photos(day, after=after, limit=limit + 1)
        if photos is None:
            raise APIError(404, "There is no photo with the id in after, so the list cannot continue from it.")
        following = (f"{PREFIX}/days/{day.isoformat()}?limit={limit}&after={photos[limit - 1].id}"
                     if len(photos) > limit else None)
        return reply(dict(day_record(day, hambot.daybook.get(day)), photos=[photo_record(p) for p in photos[:limit]],
                          next=following, movie=movie_record(hambot.movies, day)))

    @app.get(PREFIX + "/alerts")
    def list_alerts():
        """Read-only: the latest alerts, newest first, as `hambot alerts` lists them."""
        from ..core import alerts
        values = query("limit")
        limit = whole_number(values, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        return reply({"alerts": [alert_record(a) for a in alerts.recent(store.database, limit)]})

    @app.get(PREFIX + "/openapi.json")
    def openapi():
        query()
        return reply(openapi_document())
