"""The horizon profiles' playbooks, shown beside the checklist's execution step (DESIGN.md §6).

The defaults live in `resources/playbooks.toml`. The trader's copy, `playbooks.toml` in the
platform config folder (`deskapp.paths.config_dir()`), replaces any profile it names; profiles it
leaves out keep the default text. A user file that cannot be used (unreadable, not TOML, an
unknown profile or key, an empty title or text) is ignored as a whole: the defaults are used and
`Playbooks.message` says, in one line, what is wrong with it. Loading never raises for a bad user
file; only a broken default file (a broken install) raises `PlaybookError`.

No Qt here (`deskapp.paths` finds the config folder without Qt); it is imported only when the
user file's location is needed.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deskapp.resources import resource_dir

# The trader's horizon profiles, in the order the checklist offers them (as the journal's).
PROFILES: tuple[str, ...] = ("short-term", "swing", "long-term")
FILE_NAME = "playbooks.toml"
_KEYS = ("title", "text")


class PlaybookError(Exception):
    """A playbooks file that cannot be used. The message is one line naming the file."""


@dataclass(frozen=True)
class Playbook:
    """One profile's playbook: a short title and the text, and the file it came from."""

    profile: str
    title: str
    text: str
    source: Path


@dataclass(frozen=True)
class Playbooks:
    """The playbook of every profile, and what was wrong with the user file (None if nothing).

    `message` is one line meant for the screen, e.g. "playbooks.toml: [swing] 'text' is empty;
    using the default playbooks"."""

    books: Mapping[str, Playbook]
    message: str | None = None

    def __getitem__(self, profile: str) -> Playbook:
        return self.books[profile]

    def __contains__(self, profile: object) -> bool:
        return profile in self.books


def default_file() -> Path:
    """The bundled defaults: resources/playbooks.toml."""
    return resource_dir() / FILE_NAME


def user_file() -> Path:
    """The trader's copy: playbooks.toml in the platform config folder (it need not exist)."""
    from deskapp.paths import config_dir

    return config_dir() / FILE_NAME


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise PlaybookError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise PlaybookError(f"{path}: not valid TOML: {_one_line(exc)}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlaybookError(f"{path}: cannot be read: {_one_line(exc)}") from None


def parse_playbooks(tree: Mapping[str, Any], source: Path, *,
                    require_all: bool) -> dict[str, Playbook]:
    """The playbooks in a parsed TOML document, by profile.

    Each top-level table must be a known profile holding non-empty strings `title` and `text`
    and nothing else. With `require_all`, every profile of `PROFILES` must be there.
    Raises PlaybookError (one line, naming `source`) for anything else."""
    out: dict[str, Playbook] = {}
    for profile, table in tree.items():
        if profile not in PROFILES:
            raise PlaybookError(f"{source}: unknown profile [{profile}] "
                                f"(expected one of {', '.join(PROFILES)})")
        if not isinstance(table, dict):
            raise PlaybookError(f"{source}: '{profile}' must be a table [{profile}] with "
                                f"title and text, got {type(table).__name__}")
        unknown = [k for k in table if k not in _KEYS]
        if unknown:
            raise PlaybookError(f"{source}: [{profile}] unknown key '{unknown[0]}' "
                                "(expected title and text)")
        values = {}
        for key in _KEYS:
            value = table.get(key)
            if value is None:
                raise PlaybookError(f"{source}: [{profile}] '{key}' is missing")
            if not isinstance(value, str):
                raise PlaybookError(f"{source}: [{profile}] '{key}' must be a string, "
                                    f"got {type(value).__name__} {value!r}")
            if not value.strip():
                raise PlaybookError(f"{source}: [{profile}] '{key}' is empty")
            values[key] = value.strip()
        out[profile] = Playbook(profile, values["title"], values["text"], source)
    if require_all:
        missing = [p for p in PROFILES if p not in out]
        if missing:
            raise PlaybookError(f"{source}: profile [{missing[0]}] is missing "
                                f"(every one of {', '.join(PROFILES)} is needed)")
    return out


def load_playbooks(user: Path | None = None, default: Path | None = None) -> Playbooks:
    """The defaults, with every profile the user file names replaced by the user's text.

    `user` defaults to `user_file()`, `default` to `default_file()`. A missing user file is not
    an error. A user file that cannot be used leaves the defaults in place and sets `message`.
    Raises PlaybookError only when the default file itself is unusable."""
    default = default_file() if default is None else default
    books = parse_playbooks(_read(default), default, require_all=True)
    path = user_file() if user is None else user
    if not path.exists():
        return Playbooks(books)
    try:
        if path.is_dir():
            raise PlaybookError(f"{path}: is a folder, not a file")
        books.update(parse_playbooks(_read(path), path, require_all=False))
    except PlaybookError as exc:
        return Playbooks(books, f"{exc}; using the default playbooks")
    return Playbooks(books)
