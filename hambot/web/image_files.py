"""Photo and thumbnail bytes sent straight from disk, ahead of Bottle: a gallery asks for 24 at a time.

Only the plain case takes this path: a GET with no query and no If-None-Match, for an image file that exists,
from a visitor who may see it (no viewer password, or a valid session cookie). Everything else (HEAD, 304,
tokens, the sign-in redirect, 404, a thumbnail still to be made) goes on to the Bottle routes.
"""

import os
import re

from bottle import WSGIFileWrapper

from ..core.store import ID_PATTERN

IMAGE_PATH = re.compile(rf"/photos/({ID_PATTERN.pattern})(\.jpg|\.png|/thumb\.jpg)\Z")
SUFFIX = re.compile(r"\.[a-z]+\Z")
PHOTO_CACHE = "public, max-age=31536000, immutable"
PRIVATE_PHOTO_CACHE = "private, max-age=31536000, immutable"  # behind a password: no shared cache may keep it


def image_headers(etag, content_type, password_set):
    """An immutable image's headers: its id is its strong ETag."""
    return {"ETag": f'"{etag}"', "Cache-Control": PRIVATE_PHOTO_CACHE if password_set else PHOTO_CACHE,
            "Content-Type": content_type}


def split_image_name(name):
    """"AbC…xyz.jpg" as ("AbC…xyz", ".jpg"), and a page's name with no suffix as (name, ""); the routes' and
    this fast path's one reading of an image's address."""
    suffix = SUFFIX.search(name)
    return (name[:suffix.start()], suffix.group()) if suffix else (name, "")


def images_first(app, hambot):
    """`app` with plain image requests answered before it sees them."""
    def wrapped(environ, start_response):
        match = IMAGE_PATH.match(environ.get("PATH_INFO", ""))
        if (match is None or environ["REQUEST_METHOD"] != "GET" or environ.get("QUERY_STRING")
                or "HTTP_IF_NONE_MATCH" in environ):
            return app(environ, start_response)
        viewer = hambot.access.viewer(environ)
        if not viewer.may_look:
            return app(environ, start_response)
        image = _open_image(hambot.store, *match.groups())
        if image is None:
            return app(environ, start_response)
        file, etag, content_type = image
        headers = image_headers(etag, content_type, viewer.password_set)
        headers["Content-Length"] = str(os.fstat(file.fileno()).st_size)
        start_response("200 OK", list(headers.items()))
        return environ.get("wsgi.file_wrapper", WSGIFileWrapper)(file)
    return wrapped


def _open_image(store, photo_id, suffix):
    """(open file, ETag, content type) of a stored photo or its thumbnail, or None."""
    photo = store.get(photo_id)
    if photo is None:
        return None
    if suffix == "/thumb.jpg":
        path, etag, content_type = store.thumbnail_path_of(photo), f"{photo.id}-thumb", "image/jpeg"
    elif split_image_name(photo.filename) == (photo_id, suffix):
        path, etag, content_type = store.path_of(photo), photo.id, photo.content_type
    else:
        return None
    try:
        return open(path, "rb"), etag, content_type
    except FileNotFoundError:
        return None
