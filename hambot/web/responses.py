"""The answers every page route builds the same way: errors with a sentence, redirects, cookies, query values."""

import logging
import os

from bottle import HTTPError, HTTPResponse, request, response

from . import views
from .access import password_set
from .image_files import image_headers
from .security import is_same_origin
from ..core.tokens import NAME_PATTERN

log = logging.getLogger(__name__)

PAGE_CACHE = "no-store"


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


def page_response(status, body, **headers):
    result = response.copy(cls=HTTPResponse)
    result.status = status
    result.body = body
    result.set_header("Cache-Control", PAGE_CACHE)
    for name, value in headers.items():
        result.set_header(name.replace("_", "-"), value)
    return result


def require_same_origin():
    """403 for a form posted from another site's page."""
    if not is_same_origin(request.environ):
        log.warning("refused a form posted from another site to %s (Origin: %.100r)",
                    request.path, request.environ.get("HTTP_ORIGIN"))
        abort(403, "This form can only be sent from hambot's own page.")


def client_address():
    """The client's address: the socket's, or with TRUST_PROXY what the proxy appended; never Bottle's guess."""
    return request.environ.get("REMOTE_ADDR", "")


def set_cookie(name, value, max_age):
    """HttpOnly, SameSite=Lax, and Secure whenever the visitor came over HTTPS."""
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="lax",
                        secure=request.environ["wsgi.url_scheme"] == "https")


def camera_param():
    """The camera the address asks for (?camera=NAME, one that pushes here), None for all."""
    name = request.query.get("camera")
    if name is not None and not NAME_PATTERN.fullmatch(name):
        abort(400, "The address's camera part must be a camera's name.")
    return name


def int_param(name):
    value = request.query.get(name, "")
    if not value.isascii() or not value.isdigit() or len(value) > 15:
        abort(400, f"The address's {name} part must be a whole number.")
    return int(value)


def auto_refresh(here, follow):
    """The visitor's auto-refresh choice for the page at `here`; each refresh loads `follow`."""
    minutes = refresh_minutes()
    return views.AutoRefresh(minutes, here, f"{follow}?refresh={minutes}")


def refresh_minutes():
    """The auto-refresh the visitor chose in the address (?refresh=5), 0 when off."""
    value = request.query.get("refresh", "0")
    choices = {str(minutes): minutes for minutes in views.REFRESH_CHOICES}
    if value == "0":
        return 0
    if value not in choices:
        abort(400, f"The address's refresh part must be 0 (off) or a number of minutes: {', '.join(choices)}.")
    return choices[value]


def photo_bytes(path, content_type, etag):
    """The file itself via the server's sendfile; a plain GET gets the same answer from image_files."""
    headers = image_headers(etag, content_type, password_set(request.environ))
    match = request.environ.get("HTTP_IF_NONE_MATCH", "")
    if match.strip() == "*" or headers["ETag"] in (tag.strip().removeprefix("W/") for tag in match.split(",")):
        return HTTPResponse(status=304, **headers)
    try:
        body = open(path, "rb")
    except FileNotFoundError:
        abort(404, "That photo's file is missing.")
    headers["Content-Length"] = str(os.fstat(body.fileno()).st_size)
    return HTTPResponse(body, **headers)  # Bottle closes it unsent for HEAD
