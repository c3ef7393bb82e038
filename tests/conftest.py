"""Shared fixtures. Every test runs headless (offscreen Qt) with its own DESKAPP_HOME."""

from __future__ import annotations

import gc
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from deskapp.config import Config, load_config  # noqa: E402
from deskapp.data.replay import ReplayDataset, load_dataset  # noqa: E402
from deskapp.resources import replay_dir  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True, scope="session")
def _shared_derived_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Parsed replays and start-up boards (data/derived_cache.py) are shared by the session's
    tests in one folder (each test's own home would parse and store them again)."""
    folder = tmp_path_factory.mktemp("derived-cache")
    before = os.environ.get("DESKAPP_CACHE")
    os.environ["DESKAPP_CACHE"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("DESKAPP_CACHE", None)
    else:
        os.environ["DESKAPP_CACHE"] = before


@pytest.fixture(autouse=True, scope="session")
def _collection_in_the_gui_thread(qapp) -> Iterator[object]:
    """Cyclic garbage collection runs in the GUI thread only, as in the desk
    (deskapp/ui/gui_thread_gc.py): a worker thread of one test must not destroy the windows
    an earlier test left to the collector."""
    from deskapp.ui.gui_thread_gc import install

    collector = install(gc.get_threshold())
    yield collector
    collector.collect_all()


@pytest.fixture(autouse=True)
def _collection_stays_in_the_gui_thread(_collection_in_the_gui_thread) -> Iterator[None]:
    """After each test: automatic collection off again (a command line call turns it on)
    and the pass Python would have run by now."""
    yield
    _collection_in_the_gui_thread.take_over()
    _collection_in_the_gui_thread.step()


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Journal, settings and logs go to a per-test folder, never the user's."""
    home = tmp_path / "deskapp-home"
    monkeypatch.setenv("DESKAPP_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def _patient_joins(monkeypatch: pytest.MonkeyPatch) -> None:
    """A desk's shutdown waits up to 60 s for its threads (the app: 5 s): on a loaded CI machine
    a board being computed can take seconds, and `assert desk.shutdown()` is no timing test."""
    from deskapp.app import Desk

    monkeypatch.setattr(Desk, "JOIN_TIMEOUT_MS", 60_000)


@pytest.fixture(scope="session")
def config() -> Config:
    return load_config()


@pytest.fixture(scope="session")
def datasets() -> Callable[[str], ReplayDataset]:
    """Load a bundled dataset once per test session."""
    cache: dict[str, ReplayDataset] = {}

    def get(name: str) -> ReplayDataset:
        if name not in cache:
            cache[name] = load_dataset(name)
        return cache[name]

    return get


@pytest.fixture
def make_desk(qtbot, config, datasets, tmp_path) -> Iterator[Callable[..., object]]:
    """Build a running Desk on a replay; every desk made is shut down after the test."""
    from deskapp.app import Desk, DeskOptions

    made = []

    def make(name: str = "2026-02-risk-off", at: str | None = None, speed: float = 0.0,
             size: tuple[int, int] = (1600, 900), journal: Path | None = None,
             engine_process: bool = False) -> Desk:
        ds = datasets(name)
        when = pd.Timestamp(at) if at else ds.info.default_at
        if when.tzinfo is None:
            when = when.tz_localize("UTC")
        desk = Desk(DeskOptions(config=config, dataset=ds, at=when, speed=speed, size=size,
                                journal=journal or tmp_path / "journal.sqlite3",
                                engine_process=engine_process))
        made.append(desk)
        qtbot.addWidget(desk.window)
        desk.start()
        desk.window.show()
        return desk

    yield make
    for desk in made:
        assert desk.shutdown(), "a worker thread did not join"


def bundled_series_csv(key: str) -> Path:
    return replay_dir() / "series" / f"{key}.csv.gz"
