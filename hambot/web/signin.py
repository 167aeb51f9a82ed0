"""Signing in with the viewer password, and the hook that asks for it everywhere else."""

import logging
from urllib.parse import quote

from bottle import request, response

from .access import is_open, remember
from .api import PREFIX as API_PREFIX
from .api import APIError, require_grant
from .responses import PAGE_CACHE, page_response, require_same_origin, see_other, set_cookie
from .sessions import SESSION_COOKIE
from ..core.ratelimit import client_key

log = logging.getLogger(__name__)


def local_target(target):
    """Where to go after signing in: a path on this site, never another host."""
    if (not target or not target.startswith("/") or target.startswith(("//", "/\\")) or len(target) > 2000
            or not target.isascii() or not target.isprintable() or " " in target):
        return "/"
    return target


def add_routes(app, hambot, page):
    @app.hook("before_request")
    def require_sign_in():
        """With a viewer password set, everything but the open paths needs the session cookie or a token."""
        path = request.path
        if is_open(path):
            return
        viewer = hambot.access.viewer(request.environ)
        remember(request.environ, viewer)
        if viewer.signed_in:
            renewed = hambot.session.renewed(request.get_cookie(SESSION_COOKIE), viewer.generation)
            if renewed:  # LEGACY (sessions.py): a session of the old format, in the current one, same expiry
                set_cookie(SESSION_COOKIE, *renewed)
        if viewer.may_look:
            return
        if request.environ.get("HTTP_AUTHORIZATION"):
            require_grant(hambot, "read" if request.method in ("GET", "HEAD") else None, body=True)
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
        return page.login(local_target(request.query.get("next")))

    @app.post("/login")
    def login():
        require_same_origin()
        target = local_target(request.forms.get("next"))
        address = request.environ.get("REMOTE_ADDR", "")
        wait = hambot.login_failures.retry_after(address)
        if wait:
            return page_response(429, page.login(target, f"Too many wrong passwords; try again in {wait} s."),
                                 Retry_After=str(wait))
        if not hambot.password.check(request.forms.getunicode("password") or ""):
            hambot.login_failures.failed(address)
            log.warning("refused a sign-in from %s: wrong password", client_key(address))
            return page_response(401, page.login(target, "That password is not right."))
        log.info("signed in from %s", client_key(address))
        session = hambot.session.sign(hambot.password.generation())
        set_cookie(SESSION_COOKIE, session, int(hambot.session.lifetime))
        return see_other(target)

    @app.post("/logout")
    def logout():
        require_same_origin()
        response.delete_cookie(SESSION_COOKIE, path="/")
        return see_other("/login")
