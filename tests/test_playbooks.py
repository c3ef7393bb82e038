"""Playbooks: bundled defaults, the trader's copy per profile, and a bad copy never crashing."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from deskapp.playbooks import (
    PROFILES,
    PlaybookError,
    Playbooks,
    default_file,
    load_playbooks,
    user_file,
)
from deskapp.resources import resource_dir

DEFAULTS = resource_dir() / "playbooks.toml"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_load_with_the_three_profiles_and_their_rules(tmp_path):
    raw = tomllib.loads(DEFAULTS.read_text(encoding="utf-8"))
    books = load_playbooks(tmp_path / "absent.toml")
    assert isinstance(books, Playbooks) and books.message is None
    assert default_file() == DEFAULTS
    assert set(raw) == set(PROFILES) == set(books.books)
    for profile in PROFILES:
        book = books[profile]
        assert book.profile == profile and book.source == DEFAULTS
        assert book.title == raw[profile]["title"].strip() and book.title
        assert book.text == raw[profile]["text"].strip() and book.text
    short, swing, long_ = (books[p].text.lower() for p in PROFILES)
    assert "buy the drop" in short or "knife" in books["short-term"].title.lower()
    assert all(w in short for w in ("funding", "open interest", "realised volatility"))
    assert all(w in swing for w in ("leverage", "index futures or options", "in steps",
                                    "correlation falls"))
    assert all(w in long_ for w in ("target weights", "stage buys", "dry powder"))


def test_the_journal_knows_the_same_profiles():
    model = pytest.importorskip("deskapp.journal.model")
    assert tuple(model.PROFILES) == PROFILES


def test_user_copy_overrides_only_the_profiles_it_names(tmp_path):
    user = write(tmp_path / "playbooks.toml",
                 '[swing]\ntitle = "Half size"\ntext = """Never more than half size.\n'
                 'Hedge first."""\n')
    books = load_playbooks(user)
    defaults = load_playbooks(tmp_path / "absent.toml")
    assert books.message is None
    assert (books["swing"].title, books["swing"].text) == (
        "Half size", "Never more than half size.\nHedge first.")
    assert books["swing"].source == user
    assert books["short-term"] == defaults["short-term"]
    assert books["long-term"] == defaults["long-term"]


def test_the_user_copy_lives_in_the_config_folder(_isolated_home):
    assert user_file() == _isolated_home / "config" / "playbooks.toml"
    write(user_file(), '[long-term]\ntitle = "Mine"\ntext = "Buy monthly."\n')
    books = load_playbooks()
    assert books["long-term"].text == "Buy monthly." and books.message is None


def test_an_empty_user_copy_changes_nothing(tmp_path):
    books = load_playbooks(write(tmp_path / "p.toml", "# nothing yet\n"))
    assert books.message is None
    assert books.books == load_playbooks(tmp_path / "absent.toml").books


@pytest.mark.parametrize(("text", "said"), [
    ("[swing\ntitle = 'x'\n", "not valid TOML"),
    ('[swing]\ntitle = "x"\n', "[swing] 'text' is missing"),
    ('[swing]\ntitle = "  "\ntext = "y"\n', "[swing] 'title' is empty"),
    ('[swing]\ntitle = "x"\ntext = 3\n', "[swing] 'text' must be a string, got int 3"),
    ('[swng]\ntitle = "x"\ntext = "y"\n', "unknown profile [swng]"),
    ('swing = "cut leverage"\n', "'swing' must be a table"),
    ('[swing]\ntitle = "x"\ntxt = "y"\n', "unknown key 'txt'"),
    # One bad profile spoils the file: the good one is not half-applied.
    ('[short-term]\ntitle = "Mine"\ntext = "ok"\n[long-term]\ntitle = ""\ntext = "y"\n',
     "[long-term] 'title' is empty"),
])
def test_a_bad_user_copy_falls_back_to_the_defaults_with_one_line(tmp_path, text, said):
    user = write(tmp_path / "playbooks.toml", text)
    books = load_playbooks(user)
    assert books.books == load_playbooks(tmp_path / "absent.toml").books
    assert books.message is not None and "\n" not in books.message
    assert said in books.message
    assert str(user) in books.message and books.message.endswith("using the default playbooks")


def test_unreadable_user_copies_fall_back_too(tmp_path):
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"[swing]\ntitle = \"\xff\xfe\"\n")
    books = load_playbooks(binary)
    assert books.message and "default playbooks" in books.message and "\n" not in books.message
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    books = load_playbooks(folder)
    assert books.message and "folder" in books.message
    assert books["swing"].source == DEFAULTS


def test_a_broken_default_file_raises_one_line(tmp_path):
    default = write(tmp_path / "defaults.toml", '[swing]\ntitle = "x"\ntext = "y"\n')
    with pytest.raises(PlaybookError) as err:
        load_playbooks(tmp_path / "absent.toml", default)
    assert "[short-term] is missing" in str(err.value) and str(default) in str(err.value)


def test_loading_needs_no_qt():
    code = ("import sys, deskapp.playbooks as p; b = p.load_playbooks(p.default_file().parent / "
            "'absent.toml'); print(sorted(b.books), 'PySide6' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=300).stdout.strip()
    assert out == "['long-term', 'short-term', 'swing'] False"
