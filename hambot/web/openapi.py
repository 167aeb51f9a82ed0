"""The OpenAPI 3.1 description of every address hambot answers; tests hold it to the real responses."""

import json
from functools import lru_cache

from .. import __version__
from .views import REFRESH_CHOICES
from ..core.store import ID_PATTERN as PHOTO_ID


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _json(description, schema, **headers):
    answer = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        answer["headers"] = {name: {"schema": {"type": kind}, "description": text, "required": required}
                             for name, (kind, text, *optional) in headers.items()
                             for required in [not optional]}
    return answer


def _error(description, **headers):
    return _json(description, _ref("Error"), **headers)


def _html(description):
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


TOO_LONG = {"description": "the address is longer than the server reads (gunicorn's 4094-byte request line), "
                           "answered before any route"}


def _with_long_addresses(paths):
    """Every operation may meet the server's limit on a request line's length."""
    for operations in paths.values():
        for operation in operations.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"] = {**operation["responses"], "414": TOO_LONG}
    return paths


def _redirect(description):
    return {"description": description,
            "headers": {"Location": {"schema": {"type": "string"}, "description": "where to go next"}}}


def _parameter(name, where, description, schema, required=False):
    return {"name": name, "in": where, "description": description, "required": required, "schema": schema}


def _text_query(name, description, pattern):
    return _parameter(name, "query", description, {"type": "string", "pattern": pattern})


ID_PATTERN = f"^{PHOTO_ID.pattern}$"
PHOTO_ID = _parameter("photo_id", "path", "a photo's id", {"type": "string", "pattern": ID_PATTERN}, required=True)
LIMIT = _parameter("limit", "query", "how many (default 24)", {"type": "integer", "minimum": 1, "maximum": 100})
BAD_REQUEST = _error("a query parameter is unknown, repeated or malformed; the sentence names it")
NOT_FOUND = _error("no photo has that id")
NO_TOKEN = _error("the token is missing, malformed, forged, expired or revoked",
                  **{"WWW-Authenticate": ("string", 'Enigma realm="hambot"')})
SLOW_DOWN = _error("too many failed tokens from this address",
                   **{"Retry-After": ("integer", "seconds to wait")})
TOO_LARGE = _error("the call was sent with a body; these calls take none")
TOKEN_ERRORS = {"401": NO_TOKEN, "413": TOO_LARGE, "429": SLOW_DOWN}
SIGN_IN = {"401": _error("a viewer password is set, and the request has neither the signed-in cookie nor a token",
                         **{"WWW-Authenticate": ("string", 'Enigma realm="hambot"')})}

SCHEMAS = {
    "Error": {
        "type": "object", "required": ["error", "status"], "additionalProperties": False,
        "properties": {"error": {"type": "string", "description": "one sentence saying what went wrong"},
                       "status": {"type": "integer"}},
    },
    "Photo": {
        "type": "object", "additionalProperties": False,
        "required": ["id", "taken_at", "temperature_c", "source", "width", "height", "url", "thumbnail_url",
                     "page_url", "kept", "camera_tool", "test_pattern", "camera"],
        "properties": {
            "id": {"type": "string", "pattern": ID_PATTERN},
            "taken_at": {"type": "string", "format": "date-time", "description": "UTC"},
            "temperature_c": {"type": ["number", "null"], "description": "null when the sensor gave no reading"},
            "source": {"type": "string", "description": "button, api:<token name>, legacy, ..."},
            "width": {"type": "integer", "minimum": 1},
            "height": {"type": "integer", "minimum": 1},
            "url": {"type": "string", "description": "the image itself"},
            "thumbnail_url": {"type": "string", "description": "a JPEG about 320 px wide"},
            "page_url": {"type": "string", "description": "the photo's web page"},
            "kept": {"type": "boolean", "description": "true when retention never removes it"},
            "camera_tool": {"type": ["string", "null"],
                            "description": "the tool camera_access.sh used (rpicam-still, fswebcam, ffmpeg, "
                                           "test-pattern, ...); null for a camera script of your own"},
            "test_pattern": {"type": "boolean",
                             "description": "true when no camera was found and the test pattern was stored"},
            "camera": {"type": ["string", "null"],
                       "description": "the camera an uploaded photo came from; null for this hambot's own"},
        },
    },
    "PhotoList": {
        "type": "object", "additionalProperties": False, "required": ["photos", "next"],
        "properties": {"photos": {"type": "array", "items": _ref("Photo"), "maxItems": 100},
                       "next": {"type": ["string", "null"], "description": "the next (older) page, or null"}},
    },
    "Temperature": {
        "type": "object", "additionalProperties": False, "required": ["celsius", "fahrenheit", "read_at", "sensor_id"],
        "properties": {"celsius": {"type": "number"}, "fahrenheit": {"type": "number"},
                       "read_at": {"type": "string", "format": "date-time"},
                       "sensor_id": {"type": ["string", "null"]}},
    },
    "History": {
        "type": "object", "additionalProperties": False, "required": ["since", "until", "downsampled", "readings"],
        "properties": {
            "since": {"type": "string", "format": "date-time"},
            "until": {"type": "string", "format": "date-time"},
            "downsampled": {"type": "boolean", "description": "true when one reading per even time slot is shown"},
            "readings": {"type": "array", "items": {
                "type": "object", "additionalProperties": False, "required": ["taken_at", "celsius", "source"],
                "properties": {"taken_at": {"type": "string", "format": "date-time"},
                               "celsius": {"type": "number"},
                               "source": {"type": "string", "description": "photo or schedule"}}}},
        },
    },
    "Health": {
        "type": "object", "additionalProperties": False,
        "required": ["status", "problems"],
        "description": "With a viewer password set, a caller neither signed in nor holding a token gets only status "
                       "and problems, without the camera's own error text.",
        "properties": {
            "status": {"enum": ["ok", "failing"]},
            "problems": {"type": "array", "items": {"type": "string"}, "description": "one sentence each"},
            "version": {"type": "string"},
            "photos": {"type": "integer", "minimum": 0},
            "photo_bytes": {"type": "integer", "minimum": 0},
            "free_bytes": {"type": "integer", "minimum": 0},
            "last_capture": {"oneOf": [{"type": "null"}, {
                "type": "object", "additionalProperties": False, "required": ["at", "ok", "error", "source"],
                "properties": {"at": {"type": "string", "format": "date-time"}, "ok": {"type": "boolean"},
                               "error": {"type": ["string", "null"]}, "source": {"type": "string"},
                               "camera_tool": {"type": ["string", "null"],
                                               "description": "the tool that took (or failed to take) it"},
                               "note": {"type": ["string", "null"],
                                        "description": "a photo stored, but not as asked (its size)"}}}]},
            "temperature": {
                "type": "object", "additionalProperties": False, "required": ["celsius", "read_at", "error"],
                "properties": {"celsius": {"type": ["number", "null"]},
                               "read_at": {"type": ["string", "null"], "format": "date-time"},
                               "error": {"type": ["string", "null"]}}},
        },
    },
}


SCHEMAS["Alerts"] = {  # alerts (hambot/core/alerts.py)
    "type": "object", "additionalProperties": False, "required": ["alerts"],
    "properties": {"alerts": {"type": "array", "description": "newest first", "items": {
        "type": "object", "additionalProperties": False,
        "required": ["id", "kind", "title", "started_at", "ended_at", "ongoing", "celsius", "worst_celsius",
                     "sentence"],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"enum": ["too_warm", "too_cold", "sensor_silent", "camera", "disk"]},
            "title": {"type": "string"},
            "started_at": {"type": "string", "format": "date-time"},
            "ended_at": {"type": ["string", "null"], "format": "date-time"},
            "ongoing": {"type": "boolean"},
            "celsius": {"type": ["number", "null"], "description": "the latest value while it lasted"},
            "worst_celsius": {"type": ["number", "null"], "description": "the highest (too warm) or lowest"},
            "sentence": {"type": "string", "description": "what the first message said"}}}}},
}
SCHEMAS["Health"]["properties"]["alerts"] = {
    "type": "object", "additionalProperties": False, "required": ["undelivered", "oldest_undelivered_seconds", "ongoing"],
    "properties": {
        "undelivered": {"type": "integer", "minimum": 0, "description": "alert messages not yet delivered"},
        "oldest_undelivered_seconds": {"type": ["number", "null"], "description": "the oldest one's age"},
        "ongoing": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["kind", "since", "sentence"],
            "properties": {"kind": {"type": "string"}, "since": {"type": "string", "format": "date-time"},
                           "sentence": {"type": "string"}}}}},
}


DAY_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
DAY = _parameter("day", "path", "a date in TIMEZONE, YYYY-MM-DD, from 1970-01-01 to 9999-12-30",
                 {"type": "string", "pattern": DAY_PATTERN}, required=True)
NO_DAY = "not a real date (2026-02-30, 1969-12-31, x)"
SCHEMAS["Day"] = {
    "type": "object", "additionalProperties": False,
    "required": ["day", "count", "low_c", "high_c", "photo", "url", "page_url"],
    "properties": {
        "day": {"type": "string", "format": "date", "description": "the local date in TIMEZONE"},
        "count": {"type": "integer", "minimum": 0, "description": "photos kept from this day"},
        "low_c": {"type": ["number", "null"], "description": "the lowest temperature of its photos, °C"},
        "high_c": {"type": ["number", "null"], "description": "the highest temperature of its photos, °C"},
        "photo": {"oneOf": [{"type": "null"}, _ref("Photo")],
                  "description": "the day's middle photo in time order, shown for the day"},
        "url": {"type": "string", "description": "this record"},
        "page_url": {"type": "string", "description": "the day's web page"},
    },
}
SCHEMAS["DayList"] = {
    "type": "object", "additionalProperties": False, "required": ["days", "next"],
    "properties": {"days": {"type": "array", "items": _ref("Day"), "maxItems": 100, "description": "newest first"},
                   "next": {"type": ["string", "null"], "description": "the next (earlier) page, or null"}},
}
SCHEMAS["DayDetail"] = {
    **SCHEMAS["Day"],
    "required": [*SCHEMAS["Day"]["required"], "photos", "next", "movie"],
    "properties": {
        **SCHEMAS["Day"]["properties"],
        "photos": {"type": "array", "items": _ref("Photo"), "maxItems": 100, "description": "oldest first"},
        "next": {"type": ["string", "null"], "description": "the day's next (later) photos, or null"},
        "movie": {"oneOf": [{"type": "null"}, {
            "type": "object", "additionalProperties": False, "required": ["url", "size", "poster_url"],
            "properties": {"url": {"type": "string", "description": "the MP4 (H.264), with byte ranges"},
                           "size": {"type": "integer", "minimum": 0, "description": "bytes"},
                           "poster_url": {"type": ["string", "null"], "description": "its poster frame, a JPEG"}}}],
            "description": "the day's time-lapse, or null while there is none"},
    },
}
SCHEMAS["Health"]["properties"]["upstream"] = {
    "type": "object", "additionalProperties": False, "required": ["queued", "oldest_queued_seconds", "last_error"],
    "description": "only with UPSTREAM_URL: the photos and readings waiting for hambot push",
    "properties": {
        "queued": {"type": "integer", "minimum": 0},
        "oldest_queued_seconds": {"type": ["number", "null"], "description": "the oldest one's age"},
        "last_error": {"type": ["string", "null"], "description": "why the oldest one is not delivered yet"}},
}


SCHEMAS["Snapshot"] = {
    **SCHEMAS["Photo"],
    "required": [*SCHEMAS["Photo"]["required"], "reused"],
    "properties": {**SCHEMAS["Photo"]["properties"],
                   "reused": {"type": "boolean", "description": "true when the dead time gave back the latest photo"}},
}


SCHEMAS["Reading"] = {
    "type": "object", "additionalProperties": False, "required": ["camera", "taken_at", "celsius", "source"],
    "properties": {"camera": {"type": "string"}, "taken_at": {"type": "string", "format": "date-time"},
                   "celsius": {"type": "number"}, "source": {"type": "string"}},
}
NAME = "^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$"
UPLOAD_PARAMETERS = [
    _parameter("taken_at", "query", "when it was taken, ISO 8601 (default: now)", {"type": "string",
                                                                                   "format": "date-time"}),
    _parameter("temperature_c", "query", "the temperature then, in °C", {"type": "number", "minimum": -60,
                                                                          "maximum": 130}),
    _parameter("camera", "query", "the camera's name (default: the token's camera, else its name)",
               {"type": "string", "pattern": NAME}),
    _parameter("source", "query", "what took it: schedule, button, ... (default upload)",
               {"type": "string", "pattern": "^[a-z][a-z0-9:._-]{0,39}$"}),
    _parameter("Idempotency-Key", "header", "a retry with the same key stores nothing more and gets the first "
               "answer again", {"type": "string", "pattern": "^[!-~]{1,200}$"}),
]
UPLOAD_ERRORS = {
    "400": _error("a field is malformed, or the body is not a whole JPEG or PNG; the sentence says which"),
    "401": NO_TOKEN, "429": SLOW_DOWN,
    "403": _error("the token may not upload, or is tied to another camera"),
    "409": _error("the Idempotency-Key was used before for a different upload"),
}
CAMERA = _parameter("name", "path", "the camera's name", {"type": "string", "pattern": NAME}, True)
REPLAYED = {"Idempotent-Replayed": ("string", "true when this answer is the first upload's, given again", "optional")}


def _api_paths():
    token = [{"enigma": []}, {"bearer": []}]
    return {
        "/api/v1/cameras/{name}/presses": {"get": {
            "summary": "A pushing camera's long poll for presses of its button here (scope upload, as that camera)",
            "operationId": "nextPress", "security": token,
            "parameters": [CAMERA, _parameter("wait", "query", "seconds to hold the call open (default and most 25)",
                                              {"type": "integer", "minimum": 0, "maximum": 25})],
            "responses": {"200": _json("a press to take a photo for", {
                "type": "object", "additionalProperties": False, "required": ["press"],
                "properties": {"press": {"type": "integer"}}}),
                "204": {"description": "no press came within wait"}, "400": BAD_REQUEST,
                "403": UPLOAD_ERRORS["403"], **TOKEN_ERRORS}}},
        "/api/v1/cameras/{name}/presses/{number}": {"post": {
            "summary": "A pushing camera's report on a press: the upload that carried its photo, or why none",
            "operationId": "reportPress", "security": token,
            "parameters": [CAMERA, _parameter("number", "path", "the press's number",
                                              {"type": "integer", "minimum": 0, "maximum": 10 ** 15 - 1}, True)],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "properties": {
                    "photo_key": {"type": ["string", "null"], "pattern": "^[!-~]{1,200}$",
                                  "description": "the photo upload's Idempotency-Key"},
                    "error": {"type": ["string", "null"], "maxLength": 500,
                              "description": "why there is no photo"}}}}}},
            "responses": {"200": _json("recorded (a report sent again changes nothing)", {
                "type": "object", "additionalProperties": False, "required": ["press", "photo_id", "error"],
                "properties": {"press": {"type": "integer"}, "photo_id": {"type": ["string", "null"]},
                               "error": {"type": ["string", "null"]}}}),
                "400": BAD_REQUEST, "403": UPLOAD_ERRORS["403"],
                "404": _error("no press with that number for this camera"), **TOKEN_ERRORS}}},
        "/api/v1/readings": {"post": {
            "summary": "Upload a temperature reading from another camera (scope upload)", "operationId":
            "uploadReading", "security": token, "parameters": [
                {**p, "required": True} if p["name"] == "temperature_c" else p for p in UPLOAD_PARAMETERS],
            "responses": {"201": _json("stored (or stored before, with the same key)", _ref("Reading"), **REPLAYED),
                          **UPLOAD_ERRORS, "413": TOO_LARGE}}},
        "/api/v1/photos": {"post": {
            "summary": "Upload a photo from another camera (scope upload), checked as a camera's image is",
            "operationId": "uploadPhoto", "security": token, "parameters": UPLOAD_PARAMETERS,
            "requestBody": {"required": True, "content": {
                "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}},
                "multipart/form-data": {"schema": {
                    "type": "object", "required": ["photo"], "additionalProperties": False,
                    "description": "the photo as a file; the fields may come as form fields instead of in the "
                                   "query, with the same rules, each in one place only",
                    "properties": {"photo": {"type": "string", "format": "binary", "minLength": 1}}}}}},
            "responses": {
                "201": _json("stored (or stored before, with the same key)", _ref("Photo"),
                             Location=("string", "the photo's record"), **REPLAYED),
                **UPLOAD_ERRORS,
                "411": _error("the body is chunked; send a Content-Length"),
                "413": _error("the photo is larger than MAX_PHOTO_MB"),
                "415": _error("the body is neither an image nor a multipart form"),
                "503": _error("too many uploads are arriving at once"),
                "507": _error("the disk is below MIN_FREE_MB and nothing more can be pruned")}},
            "get": {
            "summary": "Photos, newest first", "operationId": "listPhotos",
            "parameters": [
                LIMIT,
                _parameter("before", "query", "only photos older than this photo id",
                           {"type": "string", "pattern": ID_PATTERN}),
                _parameter("camera", "query", "only the photos uploaded from this camera",
                           {"type": "string", "pattern": NAME})],
            "responses": {"200": _json("a page of photos", _ref("PhotoList")), "400": BAD_REQUEST,
                          "404": _error("no photo has the id in before (it may have been deleted)"), **SIGN_IN}}},
        "/api/v1/photos/{photo_id}": {
            "parameters": [PHOTO_ID],
            "get": {"summary": "One photo's record", "operationId": "getPhoto",
                    "responses": {"200": _json("the photo", _ref("Photo")), "400": BAD_REQUEST,
                                  "404": NOT_FOUND, **SIGN_IN}},
            "delete": {"summary": "Delete a photo, its thumbnail and its index row", "operationId": "deletePhoto",
                       "security": token,
                       "responses": {"204": {"description": "deleted"}, "400": BAD_REQUEST, "404": NOT_FOUND,
                                     **TOKEN_ERRORS}}},
        "/api/v1/snapshots": {"post": {
            "summary": "Take a photo, as the button does (same dead time and sharing)",
            "operationId": "takeSnapshot", "security": token,
            "responses": {
                "201": _json("a new photo", _ref("Snapshot"), Location=("string", "the new photo's record")),
                "200": _json("the dead time gave back the latest photo", _ref("Snapshot")),
                "400": BAD_REQUEST, **TOKEN_ERRORS,
                "429": _error("too many failed tokens from this address, this token's TOKEN_CAPTURES_PER_HOUR "
                              "are used up, or the camera rests after failing several times; the camera did not run",
                              **{"Retry-After": ("integer", "seconds until it may run")}),
                "503": _error("the camera failed or is busy",
                              **{"Retry-After": ("integer", "sent when the camera is busy", "optional")}),
                "507": _error("the disk is below MIN_FREE_MB and nothing more can be pruned; "
                              "the camera did not run")}}},
        "/api/v1/photos/{photo_id}/keep": {
            "parameters": [PHOTO_ID],
            "post": {"summary": "Keep a photo: retention never removes it", "operationId": "keepPhoto",
                     "security": token,
                     "responses": {"200": _json("the photo, now kept", _ref("Photo")), "400": BAD_REQUEST,
                                   "404": NOT_FOUND, **TOKEN_ERRORS}},
            "delete": {"summary": "Stop keeping a photo", "operationId": "unkeepPhoto", "security": token,
                       "responses": {"200": _json("the photo, no longer kept", _ref("Photo")), "400": BAD_REQUEST,
                                     "404": NOT_FOUND, **TOKEN_ERRORS}}},
        "/api/v1/temperature": {"get": {
            "summary": "The temperature now", "operationId": "getTemperature",
            "responses": {"200": _json("a reading", _ref("Temperature")), "400": BAD_REQUEST,
                          "503": _error("no reading; the sentence says why"), **SIGN_IN}}},
        "/api/v1/temperature/history": {"get": {
            "summary": "Readings over time, oldest first", "operationId": "getTemperatureHistory",
            "parameters": [
                _parameter("since", "query", "ISO 8601 time (default: 24 hours before until)",
                           {"type": "string", "format": "date-time"}),
                _parameter("until", "query", "ISO 8601 time (default: now)",
                           {"type": "string", "format": "date-time"}),
                _parameter("camera", "query", "the readings uploaded from this camera (default: this hambot's own)",
                           {"type": "string", "pattern": NAME})],
            "responses": {"200": _json("the readings", _ref("History")), "400": BAD_REQUEST, **SIGN_IN}}},
        "/api/v1/days": {"get": {
            "summary": "Days with photos, newest first: counts and lows and highs", "operationId": "listDays",
            "parameters": [LIMIT, _text_query("before", "only days before this date (YYYY-MM-DD)", DAY_PATTERN)],
            "responses": {"200": _json("a page of days", _ref("DayList")), "400": BAD_REQUEST, **SIGN_IN}}},
        "/api/v1/days/{day}": {"get": {
            "summary": "One day: its counts, its photos a page at a time, and its time-lapse", "operationId": "getDay",
            "parameters": [DAY, LIMIT, _text_query("after", "only photos after this photo id", ID_PATTERN)],
            "responses": {"200": _json("the day; a real date without photos has a count of 0", _ref("DayDetail")),
                          "400": BAD_REQUEST, "404": _error(f"the day is {NO_DAY}, or no photo has the id in after"),
                          **SIGN_IN}}},
        "/api/v1/alerts": {"get": {
            "summary": "Alerts, newest first (read only)", "operationId": "listAlerts",
            "parameters": [LIMIT],
            "responses": {"200": _json("the alerts", _ref("Alerts")), "400": BAD_REQUEST, **SIGN_IN}}},
        "/api/v1/openapi.json": {"get": {
            "summary": "This document", "operationId": "getOpenAPI",
            "responses": {"200": {"description": "OpenAPI 3.1",
                                  "content": {"application/json": {"schema": {"type": "object"}}}},
                          **SIGN_IN}}},
    }


def _page_paths():
    page = {"200": _html("the page"), "400": _html("a malformed address"),
            "414": {"description": "an address longer than gunicorn reads (4094 bytes), refused before hambot"}}
    image = {"200": {"description": "the image", "content": {"image/jpeg": {}, "image/png": {}}},
             "304": {"description": "not modified (If-None-Match)"}, "404": _html("no such photo")}
    file = {"200": {"description": "the file"}, "304": {"description": "not modified"}, "404": _html("no such file")}
    refresh = _parameter("refresh", "query", "auto-refresh every N minutes; 0 is off",
                         {"type": "integer", "enum": [0, *REFRESH_CHOICES]})
    moment = {"type": "integer", "minimum": 0, "maximum": 10 ** 15 - 1}
    movie = {"304": {"description": "not modified (If-None-Match, If-Modified-Since)"},
             "404": _html(f"the day is {NO_DAY}, or it has no time-lapse yet"),
             "416": _html("the Range asked for lies beyond the file")}
    gallery_from = {"type": "string", "pattern": ID_PATTERN}
    return {
        "/": {"get": {"summary": "Home: your last photo, the temperature, the button; ?refresh=N follows the newest",
                      "parameters": [refresh], "responses": page}},
        "/index": {"get": {"summary": "The same as /", "parameters": [refresh], "responses": page}},
        "/snapshot": {"post": {"summary": "The button: take a photo and go to its page", "responses": {
            "303": _redirect("the photo's page"), "403": _html("posted from another site"),
            "503": _html("the camera failed; the page says why")}}},
        "/snapshots/pending": {"get": {
            "summary": "Waiting for a capture someone else started",
            "parameters": [_parameter("after", "query", "the last capture number the visitor had seen", moment, True),
                           _parameter("since", "query", "when the visitor started waiting (Unix time)", moment,
                                      True)],
            "responses": {**page, "303": _redirect("the photo's page"),
                          "503": _html("the capture took far too long; press again")}}},
        "/cameras/{name}": {"get": {
            "summary": "A camera that pushes here: its latest photo and its button; says so when it is offline",
            "parameters": [CAMERA], "responses": {**page, "404": _html("no camera by that name pushes here")}}},
        "/cameras/{name}/snapshot": {"post": {
            "summary": "That camera's button: the press reaches it through its long poll",
            "parameters": [CAMERA], "responses": {
                "303": _redirect("the pending page of the press"), "403": _html("posted from another site"),
                "404": _html("no camera by that name pushes here"),
                "503": _html("the camera is offline: since when, and its latest photo")}}},
        "/cameras/{name}/pending": {"get": {
            "summary": "Waiting for that camera's photo",
            "parameters": [CAMERA,
                           _parameter("press", "query", "the press's number", moment, True),
                           _parameter("since", "query", "when the visitor pressed (Unix time)", moment, True)],
            "responses": {**page, "303": _redirect("the photo's page"), "404": _html("no such press"),
                          "503": _html("the camera failed, went offline or took far too long")}}},
        "/photos": {"get": {
            "summary": "The gallery, newest first",
            "parameters": [_parameter("before", "query", "the page of photos older than this id", gallery_from),
                           _parameter("after", "query", "the page of photos newer than this id", gallery_from),
                           _parameter("camera", "query", "only this camera's photos", {"type": "string",
                                                                                     "pattern": NAME})],
            "responses": {**page, "404": _html("the photo the page continues from is gone")}}},
        "/photos/{name}": {"get": {
            "summary": "A photo's page (<id>) or image (<id>.jpg, <id>.png)",
            "parameters": [_parameter("name", "path", "a photo's id, for its page, or its file name",
                                      {"type": "string"}, True),
                           _parameter("shared", "query", "1: the page says the dead time shared this photo",
                                      {"type": "string"}),
                           refresh],
            "responses": {**page, **image}}},
        "/latest": {"get": {"summary": "The newest photo's page (auto-refresh moves on to it)",
                            "parameters": [refresh], "responses": {
                                "303": _redirect("the newest photo's page, or home when there is none"),
                                "400": _html("a malformed address")}}},
        "/photos/{photo_id}/thumb.jpg": {"get": {"summary": "A photo's thumbnail", "parameters": [PHOTO_ID],
                                                 "responses": image}},
        "/days": {"get": {
            "summary": "Days with photos, newest first",
            "parameters": [_text_query("before", "the page of days before this date (YYYY-MM-DD)", DAY_PATTERN),
                           _text_query("after", "the page of days after this date (YYYY-MM-DD)", DAY_PATTERN)],
            "responses": page}},
        "/days/{day}": {"get": {
            "summary": "One day: its photos on a timeline, its temperature, its time-lapse",
            "parameters": [DAY],
            "responses": {"200": _html("the day (a real date without photos says so)"), "404": _html(NO_DAY)}}},
        "/days/{day}/timelapse.mp4": {"get": {
            "summary": "The day's time-lapse (byte ranges)", "parameters": [DAY], "responses": {
                **movie, "200": {"description": "the movie", "content": {"video/mp4": {}}},
                "206": {"description": "the part asked for with Range", "content": {"video/mp4": {}}}}}},
        "/days/{day}/poster.jpg": {"get": {
            "summary": "The time-lapse's poster frame", "parameters": [DAY], "responses": {
                **movie, "200": {"description": "the picture", "content": {"image/jpeg": {}}},
                "206": {"description": "the part asked for with Range", "content": {"image/jpeg": {}}}}}},
        "/temperature": {"get": {
            "summary": "The temperature chart",
            "parameters": [_parameter("range", "query", "the chart's span (default 24h)",
                                      {"type": "string", "enum": ["24h", "7d", "30d"]}),
                           _parameter("camera", "query", "the readings of a camera that pushes here",
                                      {"type": "string", "pattern": NAME})],
            "responses": page}},
        "/static/{filename}": {"get": {
            "summary": "Style sheet, script and icons",
            "parameters": [_parameter("filename", "path", "a file's name", {"type": "string"}, True)],
            "responses": file}},
        "/favicon.ico": {"get": {"summary": "The icon", "responses": file}},
        "/manifest.webmanifest": {"get": {"summary": "The web app manifest (add to home screen)", "responses": {
            "200": {"description": "the manifest", "content": {"application/manifest+json": {}}}}}},
        "/healthz": {"get": {"summary": "Health for monitors; open even with a viewer password", "responses": {
            "200": _json("healthy", _ref("Health")),
            "503": _json("the camera's last captures all failed, or the disk is low", _ref("Health"))}}},
        "/login": {
            "get": {"summary": "The sign-in page (with a viewer password set)",
                    "responses": {"200": _html("the form"), "303": _redirect("no password is set: home")}},
            "post": {"summary": "Sign in with the form field password", "responses": {
                "303": _redirect("signed in: back where the visitor was going"),
                "401": _html("wrong password"), "403": _html("posted from another site"),
                "429": _html("too many wrong passwords from this address")}}},
        "/logout": {"post": {"summary": "Sign out", "responses": {"303": _redirect("the sign-in page"),
                                                                  "403": _html("posted from another site")}}},
    }


def openapi_document():
    """A fresh copy each time: a caller that changes it changes nobody else's."""
    return json.loads(_document_text())


@lru_cache(maxsize=1)
def _document_text():
    return json.dumps(_document())


def _document():
    return {
        "openapi": "3.1.0",
        "info": {"title": "hambot", "version": __version__,
                 "description": "A snapshot server for a Raspberry Pi pet cam. Write calls need a token from "
                                "`hambot token issue`. Every API error, including 404 for an unknown address "
                                "and 405 for a method an address does not take, is "
                                "{\"error\": sentence, \"status\": code}."},
        "paths": _with_long_addresses({**_api_paths(), **_page_paths()}),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "enigma": {"type": "http", "scheme": "Enigma", "description": "Authorization: Enigma <token>"},
                "bearer": {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer <token>"},
            },
        },
    }
