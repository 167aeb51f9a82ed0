"""Apprise's side of an alert, run as `python -m hambot.core.apprise_child` with one JSON request on stdin.

Apprise imports all of its 130-odd service plugins the first time it reads a URL: about 17 MB in every
process that does so, which a server's master and workers would keep for good (the service's budget on a Pi
is 60 MB in all). A child process pays that for the seconds a check or a message takes, then hands it back.
"""

import contextlib
import json
import logging
import sys


@contextlib.contextmanager
def quiet_apprise():
    """Apprise logs a URL it cannot use in full; keep its secret out of every log."""
    logger = logging.getLogger("apprise")
    before, logger.disabled = logger.disabled, True
    try:
        yield
    finally:
        logger.disabled = before


def first_unusable(urls):
    """The index of the first URL Apprise cannot use, or None."""
    import apprise
    for index, url in enumerate(urls):
        with quiet_apprise():
            if not apprise.Apprise.instantiate(url, suppress_exceptions=True):
                return index
    return None


def send(url, title, body, attachment):
    """One word for the parent: ok, refused (the service did not take it), or the exception a plugin raised."""
    import apprise
    sender = apprise.Apprise()
    with quiet_apprise():
        sender.add(url)
    attach = apprise.AppriseAttachment(attachment) if attachment else None
    try:
        return "ok" if sender.notify(body=body, title=title, attach=attach) else "refused"
    except Exception as error:  # a plugin's failure is an answer, not a crash
        return type(error).__name__


def answer(request):
    if request["do"] == "check":
        return {"unusable": first_unusable(request["urls"])}
    return {"result": send(request["url"], request["title"], request["body"], request["attachment"])}


if __name__ == "__main__":
    logging.disable(logging.CRITICAL)  # nothing a plugin logs may carry a secret to the parent's stderr
    json.dump(answer(json.load(sys.stdin)), sys.stdout)
