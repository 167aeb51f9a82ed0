"""Rendered pages of photos, reused until a photo is added, removed or changed in any process.

Each lookup reads the store's generation (one row, bumped by triggers in the same transaction as the change),
so a page made in this worker is never served after another worker, the timers or the command line changed
a photo. What is kept is the page's finished text, made from escaped values as any render; at most `size`
pages are kept, the least recently used going first.
"""

import threading
from collections import OrderedDict


class PageCache:
    def __init__(self, generation, size=16):
        self.generation, self.size = generation, size
        self._pages, self._seen, self._lock = OrderedDict(), None, threading.Lock()

    def get(self, key, make):
        """The page for `key` at the store's current generation, made by `make()` if it is not kept."""
        now = self.generation()  # read before the page's own queries: what make() sees is at least this new
        with self._lock:
            if now != self._seen:
                self._pages.clear()
                self._seen = now
            elif key in self._pages:
                self._pages.move_to_end(key)
                return self._pages[key]
        page = make()
        with self._lock:
            if now == self._seen:
                self._pages[key] = page
                if len(self._pages) > self.size:
                    self._pages.popitem(last=False)
        return page
