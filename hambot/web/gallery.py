"""The gallery: thumbnails, newest first, a page at a time along the index."""

from bottle import request, response

from .access import signed_in
from .pagecache import PageCache
from .responses import PAGE_CACHE, abort, camera_param
from ..core.store import is_valid_id

GALLERY_PAGE = 24


def add_routes(app, hambot, page):
    store = hambot.store
    pages = PageCache(store.generation)  # photos never change, so a page of them is made once per generation

    @app.get("/photos")
    def gallery():
        response.set_header("Cache-Control", PAGE_CACHE)
        before, after = request.query.get("before"), request.query.get("after")
        for name, value in (("before", before), ("after", after)):
            if value is not None and not is_valid_id(value):
                abort(400, f"The address's {name} part is not a photo id.")
        camera = camera_param()
        # sign-in is the page's only part not from the photos
        return pages.get((before, after, signed_in(request.environ), camera), lambda: render(before, after, camera))

    def render(before, after, camera):
        found = store.page(before=before, after=after, limit=GALLERY_PAGE, camera=camera)
        if found is None:
            abort(404, "That photo is no longer here, so the gallery cannot continue from it.")
        photos, has_older, has_newer = found
        return page.gallery(photos, older=photos[-1].id if has_older and photos else None,
                            newer=photos[0].id if has_newer and photos else None, camera=camera)
