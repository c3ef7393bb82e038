"""Derived files that let the desk start fast: what took parsing or computing, pickled, each
keyed by everything it was made from, so a hit is exactly what the slow path would give.

- a parsed replay dataset (data/replay.py), under `<data folder>/cache` ($DESKAPP_CACHE
  instead, when set: the tests share one for the session): keyed by the path, size, mtime and
  inode of its catalog, its datasets file and every series file, and by the parsing code;
- the first board of a replay session (startup_board.py), under `<data folder>/cache`: keyed
  by the dataset's key, the replay time, the settings and the signal code.

A miss, an unreadable or foreign file, or a folder that cannot be written costs only the slow
path (logged, never raised). The files are the desk's own, in the user's own folder; like the
journal and the market cache they are trusted as written by this desk.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import logging
import os
import pickle
import sys
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

FORMAT = 1  # bump when what is pickled changes shape


def cache_dir() -> Path:
    """$DESKAPP_CACHE, else <data folder>/cache."""
    env = os.environ.get("DESKAPP_CACHE")
    if env:
        return Path(env)
    from deskapp.paths import data_dir

    return data_dir() / "cache"


def file_stamp(path: Path) -> tuple:
    """What changes when a file is written, replaced or removed."""
    try:
        st = path.stat()
    except OSError:
        return (str(path), None)
    return (str(path), st.st_size, st.st_mtime_ns, st.st_ino)


def code_stamp(*modules: str) -> tuple:
    """The deskapp version and, from a source tree, each named module's file stamp (a frozen
    app's code changes only with its version)."""
    from deskapp import __version__

    if getattr(sys, "frozen", False):
        return (__version__, "frozen")
    stamps = []
    for name in modules:
        module = sys.modules.get(name)
        path = getattr(module, "__file__", None)
        stamps.append(file_stamp(Path(path)) if path else (name, None))
    return (__version__, *stamps)


def make_key(*parts: object) -> str:
    """A short hash of `parts` (their repr: plain values, tuples, strings)."""
    return hashlib.sha256(repr((FORMAT, parts)).encode()).hexdigest()[:32]


def _path(kind: str, key: str, folder: Path | None) -> Path:
    return (folder or cache_dir()) / f"{kind}-{key}.pickle"


def load(kind: str, key: str, folder: Path | None = None) -> object | None:
    """The value stored under `kind`/`key`, else None (a bad file is removed and logged)."""
    path = _path(kind, key, folder)
    try:
        with path.open("rb") as fh:
            value = pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception as exc:  # truncated, corrupt, from another version: the slow path
        log.warning("derived cache %s unreadable (%s); it is rebuilt", path.name,
                    type(exc).__name__)
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # the newest by use survive pruning
    return value


def store(kind: str, key: str, value: object, folder: Path | None = None, keep: int = 4) -> bool:
    """Write `value` under `kind`/`key` atomically; prune the kind to its `keep` newest files.
    False (logged) when the folder cannot be written."""
    folder = folder or cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{kind}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, _path(kind, key, folder))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:
        log.info("derived cache %s-%s not written: %s", kind, key[:8], exc)
        return False
    _prune(folder, kind, keep)
    return True


def _prune(folder: Path, kind: str, keep: int) -> None:
    try:
        files = sorted(folder.glob(f"{glob.escape(kind)}-*.pickle"),
                       key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in files[keep:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass
