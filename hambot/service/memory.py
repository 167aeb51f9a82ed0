"""What the service asks of glibc's allocator, so that a Pi's memory holds the pages in use and no more.

Python has no interface to these: they are glibc's own (mallopt(3), malloc_trim(3)), called through ctypes.
On any other C library they are skipped and its allocator decides.
"""

import ctypes
import time

M_ARENA_MAX = -8  # mallopt(3)'s parameter numbers, from glibc's malloc.h
MALLOC_ARENAS = 2
TRIM_EVERY = 10  # seconds between a worker's hand-backs of freed memory; each takes about 20 µs


def _glibc():
    try:
        libc = ctypes.CDLL(None)
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


GLIBC = _glibc()


def fewer_malloc_arenas():
    """At most two malloc arenas, as MALLOC_ARENA_MAX=2 would: glibc's default is up to 8 per core, one per
    thread that allocates, each holding on to its own freed memory. Set in the master before it forks, so the
    workers inherit it (the variable itself is read only when a process starts, not by a fork)."""
    if GLIBC is not None:
        GLIBC.mallopt(M_ARENA_MAX, MALLOC_ARENAS)


class Trimmer:
    """Hands freed memory back to the kernel now and then: glibc keeps free pages inside its heaps, where a
    page freed among pages still used stays counted to the process until malloc_trim(0) releases it."""

    def __init__(self):
        self.next_trim = time.monotonic() + TRIM_EVERY

    def now_and_then(self):
        now = time.monotonic()
        if now >= self.next_trim and GLIBC is not None:
            self.next_trim = now + TRIM_EVERY
            GLIBC.malloc_trim(0)
