"""Retention: the oldest photos go so the count, the bytes and the disk's free space stay within bounds."""

import logging
import os
from dataclasses import dataclass

log = logging.getLogger(__name__)

BATCH = 100  # photos looked at, and removed in one transaction, per round


@dataclass
class Retention:
    store: object
    max_photos: int | None
    max_bytes: int | None
    min_free_bytes: int

    @classmethod
    def from_settings(cls, store, settings):
        return cls(store, settings.max_photos, settings.max_storage_bytes, settings.min_free_bytes)

    def free_bytes(self):
        stats = os.statvfs(self.store.data_dir)
        return stats.f_bavail * stats.f_frsize

    def prune(self):
        """Remove the oldest unkept photos until every limit holds (or only kept ones are left)."""
        removed = []
        while self._over(*self.store.totals()) or self.free_bytes() < self.min_free_bytes:
            doomed = self._choose(self.store.oldest_unkept(BATCH))
            if not doomed:
                break  # only kept photos are left
            removed += self.store.delete_many(doomed)
        return removed

    def _choose(self, candidates):
        """The oldest of `candidates` that must go by count and bytes; for free space, one at a time,
        as only the disk can say what removing a photo gave back."""
        count, size = self.store.totals()
        doomed = []
        for photo in candidates:
            if self._over(count, size):
                doomed.append(photo)
                count, size = count - 1, size - photo.size
            elif self.free_bytes() < self.min_free_bytes:
                return doomed or [photo]
            else:
                break
        return doomed

    def _over(self, count, size):
        return ((self.max_photos is not None and count > self.max_photos)
                or (self.max_bytes is not None and size > self.max_bytes))

    def room_for_a_photo(self):
        """None when a capture may go ahead (pruning first if the disk is low), else the sentence why not.

        When even removing every unkept photo would not free enough, nothing is removed.
        """
        free = self.free_bytes()
        if free >= self.min_free_bytes:
            return None
        _, size = self.store.totals()
        if free + size - self.store.kept_bytes() < self.min_free_bytes:
            return self._refusal(free)
        removed = self.prune()
        if removed:
            log.warning("disk low: removed %d oldest photo(s) before the capture", len(removed))
        free = self.free_bytes()
        if free >= self.min_free_bytes:
            return None
        return self._refusal(free)

    def _refusal(self, free):
        return (f"The disk is almost full ({_megabytes(free)} free, {_megabytes(self.min_free_bytes)} needed) "
                "and no more old photos can be removed, so no photo was taken.")


def _megabytes(size):
    return f"{size / 1048576:.1f} MB"
