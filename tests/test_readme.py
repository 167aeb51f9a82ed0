"""The README's "Where things live" names every module, and every path it names is there."""

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("tests/world/", "bench/", "docs/", "systemd/")  # named in the table besides hambot/'s own files


def section():
    readme = (ROOT / "README.md").read_text()
    return readme.split("\n## Where things live\n", 1)[1].split("\n## ", 1)[0]


def where_things_live():
    """Every path in backticks in the first column of the section's tables."""
    named = set()
    for line in section().splitlines():
        if not line.startswith("| ") or line.startswith("| File ") or line.startswith("| ---"):
            continue
        first_cell = line.split("|")[1]
        named.update(re.findall(r"`([^`]+)`", first_cell))
    return named


def hambot_files():
    """Every .py file under hambot/, and the links that stand in the package."""
    found = set()
    for folder, dirs, files in os.walk(ROOT / "hambot"):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        here = Path(folder)
        for name in files + [d for d in dirs if (here / d).is_symlink()]:
            path = here / name
            if name.endswith(".py") or path.is_symlink():
                found.add(path.relative_to(ROOT).as_posix())
    return found


def test_every_path_where_things_live_names_exists():
    named = where_things_live()
    assert named, "README.md has no \"Where things live\" table"
    missing = sorted(p for p in named if not (ROOT / p).exists() and not (ROOT / p).is_symlink())
    assert not missing, "README.md's \"Where things live\" names files that do not exist: " + ", ".join(missing)


def test_where_things_live_names_every_module_and_folder():
    named = where_things_live()
    unnamed = sorted((hambot_files() | set(FOLDERS)) - named)
    assert not unnamed, "README.md's \"Where things live\" does not name: " + ", ".join(unnamed)


def test_where_things_live_names_every_benchmark():
    named = set(re.findall(r"`([^`]+)`", section()))
    unnamed = sorted(f"bench/{p.name}" for p in (ROOT / "bench").glob("*.py") if f"bench/{p.name}" not in named)
    assert not unnamed, "README.md's \"Where things live\" does not name: " + ", ".join(unnamed)
