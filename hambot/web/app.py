"""The web app factory: the core's parts, the pages grouped by area, and the WSGI layers in front of them."""

import bottle
from bottle import request

from . import cameras, days, gallery, pages, signin, site, temperature, views
from .access import Access
from .api import add_api_routes
from .bodylimit import limit_body, limit_for
from .cookies import COOKIE_NAME, MAX_AGE, PhotoCookie
from .image_files import images_first
from .responses import abort, set_cookie
from .security import behind_proxy, served_host_names, served_hosts_only, with_security_headers
from .sessions import SessionCookie
from ..core.parts import Parts

AREAS = (signin, pages, cameras, gallery, days, temperature, site)  # signin's hook must run before any page's route


class Hambot(Parts):
    """One configured hambot: its parts, and the WSGI app that serves them."""

    def __init__(self, settings):
        super().__init__(settings)
        self.cookie = PhotoCookie(self.secret)
        self.session = SessionCookie(self.secret, settings.session_days * 86400)
        self.access = Access(self.password, self.session)
        self.store.close()  # gunicorn forks workers from this process; each opens its own
        self.bottle = _routes(self)
        hosts = served_host_names(settings.allowed_hosts)
        self.wsgi = with_security_headers(served_hosts_only(images_first(self.bottle, self), hosts))
        if settings.trust_proxy:
            self.wsgi = behind_proxy(self.wsgi)

    def __call__(self, environ, start_response):
        return self.wsgi(environ, start_response)


def create_app(settings):
    return Hambot(settings)


def _routes(hambot):
    app = bottle.Bottle()

    @app.hook("before_request")
    def hold_the_body():
        """Before any other hook or route: a body within its limit, in memory, read once (web/bodylimit.py)."""
        status = limit_body(request.environ, limit_for(request.method, request.path,
                                                       hambot.settings.max_photo_bytes))
        if status:
            abort(status, views.STATUS_SENTENCES[status])

    @app.hook("before_request")
    def renew_an_old_photo_cookie():
        """LEGACY (cookies.py): a photo cookie of the old format is signed anew, for the same photo."""
        renewed = hambot.cookie.renewed(request.get_cookie(COOKIE_NAME))
        if renewed:
            set_cookie(COOKIE_NAME, renewed, MAX_AGE)

    page = views.Pages(hambot.settings, hambot.store.captures.usual_seconds, hambot.shutter.ready_in)
    for area in AREAS:
        area.add_routes(app, hambot, page)
    add_api_routes(app, hambot)
    return app
