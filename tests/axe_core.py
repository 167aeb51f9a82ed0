"""axe-core, the accessibility checker the browser tests inject, fetched once from the npm registry and verified."""

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "4.14.1"
TARBALL = f"https://registry.npmjs.org/axe-core/-/axe-core-{VERSION}.tgz"
INTEGRITY = "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
SCRIPT = Path(__file__).resolve().parents[1] / ".venv" / f"axe-core-{VERSION}.min.js"


def fetch():
    """Download the package, check it against the registry's sha512, and keep only axe.min.js."""
    with urllib.request.urlopen(TARBALL, timeout=60) as answer:
        package = answer.read()
    digest = "sha512-" + base64.b64encode(hashlib.sha512(package).digest()).decode()
    if digest != INTEGRITY:
        sys.exit(f"axe-core {VERSION} from {TARBALL} does not match its published sha512; not used.")
    with tarfile.open(fileobj=io.BytesIO(package)) as tar:
        script = tar.extractfile("package/axe.min.js").read()
    SCRIPT.parent.mkdir(exist_ok=True)
    partial = SCRIPT.with_suffix(".part")
    partial.write_bytes(script)
    partial.replace(SCRIPT)


if __name__ == "__main__":
    if not SCRIPT.exists():
        fetch()
    print(SCRIPT)
