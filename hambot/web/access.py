"""Who may see what: the one rule the route hook, the image fast path and /healthz all ask."""

from dataclasses import dataclass

import bottle

from .sessions import SESSION_COOKIE

OPEN_PATHS = frozenset({"/login", "/healthz", "/favicon.ico", "/manifest.webmanifest"})  # reachable without signing in


def is_open(path):
    return path in OPEN_PATHS or path.startswith("/static/")


SIGNED_IN, PASSWORD_SET = "hambot.signed_in", "hambot.password_set"  # the request's viewer, kept in its environ


def remember(environ, viewer):
    """Keep the route hook's decision for the pages: their cache keys and headers follow it."""
    environ[PASSWORD_SET], environ[SIGNED_IN] = viewer.password_set, viewer.signed_in


def signed_in(environ):
    return environ.get(SIGNED_IN, False)


def password_set(environ):
    return environ.get(PASSWORD_SET, False)


@dataclass(frozen=True)
class Viewer:
    password_set: bool
    signed_in: bool
    generation: str | None = None  # the password's, which a session cookie must carry

    @property
    def may_look(self):
        """Anyone may look while no viewer password is set; once one is, those signed in."""
        return not self.password_set or self.signed_in


class Access:
    def __init__(self, password, session):
        self.password = password
        self.session = session

    def viewer(self, environ):
        """The request's viewer, from the password's generation and the session cookie (one index read)."""
        generation = self.password.generation()
        if generation is None:
            return Viewer(False, False)
        cookie = bottle.BaseRequest(environ).get_cookie(SESSION_COOKIE)
        return Viewer(True, self.session.verify(cookie, generation), generation)
