"""The soak (issue 15): the real desk, offscreen, for M minutes under a steady load, sampled.

One `Desk` gets three sources feeding its one compute worker: the bundled `history` replay,
seeked to about four years before its end and played so those four years (their daily bars and
the hourly episodes inside them) pass in M minutes (looping back if it reaches the end), and the
two loopback live pollers of `benchmarks/gui_latency.py` (80 ms an answer, a new bar in every
answer). The live pollers' series are passed on as `loop.<key>` and stamped with the replay's
clock and name, so the board stays one coherent replay (its alerts, decisions and outcomes) while
every poll still crosses threads, merges, and triggers a recompute like a live feed.

The run (its clock, samples and actions) begins once the desk has settled after its first
board: every pane built (those behind tabs are built in steps after the first paint) and no GUI
step waiting. The heartbeat already runs from the first board; its max gap in those start-up
seconds is reported apart (`hb_startup_max_ms`): the start itself is benchmarks/startup.py's.

Every minute the soak clicks a decision button of the checklist (the trader's path: journal
writer thread, saved signal, outcome fill), opens a watch screen (View > New watch screen, then
two panes from its Panes menu) and closes it, clicks a timeframe on every pane and switches the
theme (dark <-> light), each at its own offset in the minute. Clicks are CLICK_GAP_MS apart,
as a trader's are. Every 10 s it samples RSS, the Python heap (allocated blocks; with
--tracemalloc also the traced bytes, and the top growth by line at the end), threads (Python,
OS, Qt pool), open file descriptors, the GUI heartbeat's max gap, board latency (the compute
worker's board signal -> the main window's `sig_board_drawn`: queue wait plus the staged draw)
and the journal's row count. At the end (desk shut down, journal reopened read-only) it writes
`soak.csv`, `soak.png`, `heap_growth.txt`, `result.json` to --out and prints one summary line.

tracemalloc is off by default: it slows every Python allocation, and with it the desk drew a
third of the boards, at 10x the board latency and heartbeat gaps (1-minute runs); its figures
are for finding what grows, not for the timing targets.

Targets (60-minute run): RSS after the warm-up (5 min) grows < 10 % to the end; threads and
descriptors flat; heartbeat max gap < 50 ms; every decision in the journal.
`tests/test_soak.py` runs 3 minutes and asserts the non-timing parts.

Usage: python benchmarks/soak.py --minutes M [--out DIR] [--warmup S] [--tracemalloc]
"""

from __future__ import annotations

import argparse
import csv
import faulthandler
import json
import logging
import os
import sys
import tempfile
import threading
import time
import tracemalloc
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.support.loopback, benchmarks.gui_latency

YEARS = 4.0  # replay years played in M minutes
SAMPLE_EVERY_S = 10.0
HEARTBEAT_MS = 10
SETTLE_POLL_MS = 50  # how often the start-up is checked for settled
SETTLE_MAX_S = 30.0  # the run begins by then, settled or not
ACTION_SHADOW_S = 1.0  # heartbeat gaps this close to a scripted action are the action's
LIVE_PREFIX = "loop."
QT_NOISE = ("This plugin does not support propagateSizeHints",)  # offscreen, harmless
# Second of each minute at which each scripted action happens (samples fall on multiples of 10).
# None on a multiple of 10 s: a sample never falls in the same turn as an action.
OFFSETS = {"watch_open": 2.0, "watch_close": 8.0, "timeframe": 15.0, "decision": 33.0,
           "theme": 47.0}
# A trader's clicks on different panes (or menu items) are at least this far apart. Chained with
# no delay, Qt ran the next click, posted, before its timers: four timeframe clicks and their
# paints made one heartbeat gap of up to 65 ms under the load, a burst no hand can make.
CLICK_GAP_MS = 150
DECISIONS = ("wait", "reduce", "hedge")
TIMEFRAME_CYCLE = ("1h", "4h", "1d")
COLUMNS = ("t_s", "replay_time", "rss_mb", "engine_rss_mb", "engine_boards", "py_blocks_k",
           "py_heap_mb", "threads_py", "threads_os", "threads_pooled", "fds", "watch_open",
           "hb_max_ms", "hb_max_quiet_ms",
           "boards_drawn", "board_latency_p50_ms", "board_latency_max_ms", "journal_rows",
           "decisions_clicked", "qt_warnings", "log_errors", "sample_ms")


@dataclass
class SoakResult:
    minutes: float
    out_dir: str
    speed: float
    warmup_s: float
    boards_drawn: int = 0
    decisions_clicked: int = 0
    decisions_saved: int = 0
    decisions_failed: int = 0
    decisions_skipped: int = 0  # a button was disabled (a write still pending) at its minute
    journal_rows: int = -1
    actions: dict[str, int] = field(default_factory=dict)
    replay_loops: int = 0
    qt_warnings: list[str] = field(default_factory=list)
    log_errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    heap_growth: list[str] = field(default_factory=list)
    shutdown_joined: bool = False
    hb_max_ms: float = 0.0
    hb_max_quiet_ms: float = 0.0
    startup_s: float = 0.0  # first board drawn -> the desk settled (the run's clock starts)
    hb_startup_max_ms: float = 0.0  # the heartbeat's max gap in those seconds
    board_latency_p95_ms: float = 0.0
    samples: list[dict] = field(default_factory=list)
    summary: str = ""


class ReplayStamped:
    """A live source whose batches join the replay: series renamed `loop.<key>`, the clock and
    the name the replay's (the board stays one replay; the poll, HTTP and merge are live)."""

    kind = "live"

    def __init__(self, live, replay):
        self.live, self.replay = live, replay
        self.name = live.name

    def poll(self):
        from deskapp.data.feed import FeedBatch

        b = self.live.poll()
        return FeedBatch(source="replay", dataset=self.replay.name, clock=self.replay.clock.now(),
                         frames={LIVE_PREFIX + k: f for k, f in b.frames.items()},
                         errors={LIVE_PREFIX + k: e for k, e in b.errors.items()})

    def close(self) -> None:
        self.live.close()


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of this process (or of `pid`; 0.0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return 0.0


def os_threads() -> tuple[int, int]:
    """(all OS threads of this process, Qt pool threads among them: they come and go with
    work and expire after 30 s idle, so they are counted apart)."""
    total = pooled = 0
    for tid in os.listdir("/proc/self/task"):
        total += 1
        try:
            with open(f"/proc/self/task/{tid}/comm", encoding="utf-8") as f:
                pooled += f.read().strip() == "Thread (pooled)"
        except OSError:  # ended meanwhile
            pass
    return total, pooled


def journal_rows(path: Path) -> int:
    import sqlite3

    if not path.exists():
        return 0
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(db.execute("SELECT COUNT(*) FROM decisions").fetchone()[0])
    except sqlite3.Error:
        return -1
    finally:
        db.close()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    import numpy as np

    return float(np.percentile(np.array(values), q))


class _Counter(logging.Handler):
    def __init__(self, sink: list[str]):
        super().__init__(logging.ERROR)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(f"{record.name}: {record.getMessage()}"[:300])


class Soak:
    """Builds the desk and its load, drives it from GUI-thread timers, samples, reports."""

    def __init__(self, minutes: float, out_dir: Path, warmup_s: float | None = None,
                 trace: bool = False):
        import pandas as pd

        from deskapp.data.replay import ReplayClock, ReplaySource, load_dataset

        self.minutes = minutes
        self.out = out_dir
        self.duration_s = minutes * 60.0
        self.warmup_s = min(300.0, self.duration_s / 3) if warmup_s is None else warmup_s
        self.trace = trace
        ds = load_dataset("history")
        info = ds.info
        span = pd.Timedelta(days=365.25 * YEARS)
        self.start_at = info.end - span - pd.Timedelta(days=60)  # the 4 years end inside
        self.speed = span.total_seconds() / self.duration_s
        self.result = SoakResult(minutes=minutes, out_dir=str(out_dir), speed=self.speed,
                                 warmup_s=self.warmup_s)
        self.replay = ReplaySource(ds, ReplayClock(self.start_at, self.speed, info.start,
                                                   info.end))
        self.ds = ds
        self.journal = out_dir / "journal.sqlite3"

    # ------------------------------------------------------------------ setup
    def _build(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        from benchmarks.gui_latency import KEYS, live_load
        from deskapp.app import Desk, DeskOptions
        from deskapp.config import load_config

        # The upstream in a process of its own, as an exchange is (gui_latency.UpstreamProcess).
        self.server, self.adapters, lives = live_load(self.ds, own_process=True)
        sources = [self.replay, *(ReplayStamped(s, self.replay) for s in lives)]
        meta = {**self.ds.meta, **{LIVE_PREFIX + k: self.ds.meta[k] for k in KEYS}}
        opts = DeskOptions(config=load_config(), dataset=None, at=self.start_at,
                           speed=self.speed, size=(1600, 900), journal=str(self.journal),
                           source="replay", engine_process=True)
        self.desk = Desk(opts, sources=sources, meta=meta)
        w = self.desk.window
        self.sent: list[tuple[object, float]] = []  # (board, when the worker emitted it)
        self.latencies: list[float] = []
        self.all_latencies: list[float] = []
        self.desk.compute.sig_board.connect(self._on_board_sent, Qt.ConnectionType.DirectConnection)
        w.sig_board_drawn.connect(self._on_board_drawn)
        w.journal_writer.saved.connect(lambda *_a: self._count("decisions_saved"))
        w.journal_writer.failed.connect(lambda *_a: self._count("decisions_failed"))
        self.heartbeat = QTimer()
        self.heartbeat.setInterval(HEARTBEAT_MS)
        self.heartbeat.timeout.connect(self._beat)
        self.scheduler = QTimer()
        self.scheduler.setInterval(100)
        self.scheduler.timeout.connect(self._tick)

    def _count(self, name: str) -> None:
        setattr(self.result, name, getattr(self.result, name) + 1)

    def _on_board_sent(self, view) -> None:  # in the compute thread
        self.sent.append((view, time.perf_counter()))

    def _on_board_drawn(self, view) -> None:
        now = time.perf_counter()
        self.result.boards_drawn += 1
        while self.sent:  # boards the staging skipped (a newer one came) are dropped here
            sent, t = self.sent.pop(0)
            if sent is view:
                self.latencies.append((now - t) * 1000)
                break
        if self.first_board is None:  # (set before the run's clock, t0)
            self._start_up(now)

    # ------------------------------------------------------------------ run
    def run(self) -> SoakResult:
        from PySide6.QtCore import QEventLoop, qInstallMessageHandler
        from PySide6.QtWidgets import QApplication

        from deskapp.ui.theme import apply_theme

        # Kept on self: the application must outlive the desk's widgets.
        self.app = app = QApplication.instance() or QApplication(sys.argv[:1])
        apply_theme(app, "dark")
        qInstallMessageHandler(self._qt_message)
        console = logging.StreamHandler(sys.stderr)
        console.setLevel(logging.WARNING)
        logging.getLogger().addHandler(console)
        logging.getLogger().addHandler(_Counter(self.result.log_errors))
        sys.excepthook = self._exception
        threading.excepthook = lambda a: self._exception(a.exc_type, a.exc_value,
                                                         a.exc_traceback)
        faulthandler.enable()  # a crash says where, on stderr
        if self.trace:
            tracemalloc.start(1)
        self.csv_file = open(self.out / "soak.csv", "w", newline="", encoding="utf-8")  # noqa: SIM115
        self.csv = csv.DictWriter(self.csv_file, fieldnames=COLUMNS)
        self.csv.writeheader()
        self.t0: float | None = None
        self.first_board: float | None = None
        self.gap_startup = 0.0
        self.loop = QEventLoop()
        self._build()
        self.desk.start()
        self.desk.window.show()
        self.loop.exec()  # until _finish
        self._shutdown()
        self._write()
        return self.result

    def _start_up(self, now: float) -> None:
        """First board drawn: the heartbeat runs, and the run begins once the desk has settled
        (`_settled`); the start-up's max gap is kept apart (benchmarks/startup.py times it)."""
        from PySide6.QtCore import QTimer

        self.first_board = self.last_beat = now
        self.heartbeat.start()
        self.settle_timer = QTimer()
        self.settle_timer.setInterval(SETTLE_POLL_MS)
        self.settle_timer.timeout.connect(self._begin_when_settled)
        self.settle_timer.start()

    def _settled(self) -> bool:
        """The desk's start-up work is done: every pane built (those behind tabs are built in
        steps after the first board) and no GUI step waiting."""
        from deskapp.ui import gui_steps

        panes = self.desk.window.panes
        return all(panes.is_built(k) for k in panes) and gui_steps.pending() == 0

    def _begin_when_settled(self) -> None:
        now = time.perf_counter()
        if not self._settled() and now - self.first_board < SETTLE_MAX_S:
            return
        self.settle_timer.stop()
        self.result.startup_s = round(now - self.first_board, 2)
        self.result.hb_startup_max_ms = round(self.gap_startup, 1)
        self._begin(now)

    def _begin(self, now: float) -> None:
        """The desk settled: the replay starts over at its start, the clock runs."""
        self.t0 = now
        self.replay.seek(self.start_at)
        self.events = sorted(
            [(m * 60.0 + off, kind) for m in range(int(self.minutes) + 1)
             for kind, off in OFFSETS.items() if m * 60.0 + off < self.duration_s - 10]
            + [(k * SAMPLE_EVERY_S, "sample")
               for k in range(1, int(self.duration_s // SAMPLE_EVERY_S) + 1)]
            + [(self.duration_s + 0.5, "end")])
        self.last_beat = now
        self.gap_max = self.gap_quiet = 0.0
        self.shadow_until = now + ACTION_SHADOW_S
        self.watch = None
        self.theme_dark = True
        self.tf_index = 0
        self.baseline = None
        self.heartbeat.start()
        self.scheduler.start()

    def _beat(self) -> None:
        now = time.perf_counter()
        gap = (now - self.last_beat) * 1000
        self.last_beat = now
        if self.t0 is None:
            self.gap_startup = max(self.gap_startup, gap)
            return
        self.gap_max = max(self.gap_max, gap)
        if now - gap / 1000 > self.shadow_until:
            self.gap_quiet = max(self.gap_quiet, gap)

    def _tick(self) -> None:
        elapsed = time.perf_counter() - self.t0
        if self.replay.clock.at_end:
            self.replay.seek(self.start_at)
            self.result.replay_loops += 1
        while self.events and self.events[0][0] <= elapsed:
            _t, kind = self.events.pop(0)
            if kind == "sample":
                self._sample(elapsed)
            elif kind == "end":
                self._finish()
                return
            else:
                self._act(kind)
                self.shadow_until = time.perf_counter() + ACTION_SHADOW_S
                self.result.actions[kind] = self.result.actions.get(kind, 0) + 1

    def _act(self, kind: str) -> None:
        """One scripted trader action, through the widgets a trader uses."""
        w = self.desk.window
        if kind == "decision":
            decision = DECISIONS[self.result.decisions_clicked % len(DECISIONS)]
            button = w.checklist.buttons[decision]
            if button.isEnabled():
                button.click()
                self.result.decisions_clicked += 1
            else:
                self.result.decisions_skipped += 1
        elif kind == "theme":
            self.theme_dark = not self.theme_dark
            name = "dark" if self.theme_dark else "light"
            next(a for a in w.screens.theme_actions.actions()
                 if a.objectName() == f"action_theme_{name}").trigger()
        elif kind == "timeframe":
            tf = TIMEFRAME_CYCLE[self.tf_index % len(TIMEFRAME_CYCLE)]
            self.tf_index += 1
            # One button per event-loop turn, as a trader clicks them: one pane at a time.
            buttons = [p.timeframe_buttons[tf] for p in w.panes.built().values()]
            self._one_per_turn([b.click for b in buttons])  # (reading an unbuilt pane builds it)
        elif kind == "watch_open":
            # As a trader does it: View > New watch screen, then two panes from its Panes menu.
            watch = self.watch = w.screens.open_screen()
            self._one_per_turn([lambda: watch.add_pane("macro"),
                                lambda: watch.add_pane("crypto")])
        elif kind == "watch_close" and self.watch is not None:
            self.watch.close()  # the watch screen's Window > Close
            self.watch = None

    def _one_per_turn(self, steps: list) -> None:
        """Run `steps` CLICK_GAP_MS apart, each a separate user action (a zero-delay chain ran
        them and their paints back to back, with no turn for the heartbeat between them)."""
        from PySide6.QtCore import QTimer

        if steps:
            steps[0]()
            if steps[1:]:
                QTimer.singleShot(CLICK_GAP_MS, lambda: self._one_per_turn(steps[1:]))

    def _sample(self, elapsed: float) -> None:
        t_start = time.perf_counter()
        fds = len(os.listdir("/proc/self/fd")) - 1  # less the listing's own descriptor
        total, pooled = os_threads()
        lat = self.latencies
        self.all_latencies += lat
        heap = tracemalloc.get_traced_memory()[0] / 2**20 if self.trace else 0.0
        engine = self.desk.compute.engine  # the engine process: None before it starts, or gone
        row = {
            "t_s": round(elapsed, 1),
            "replay_time": f"{self.replay.clock.now():%Y-%m-%d %H:%M}",
            "rss_mb": round(rss_mb(), 1),
            "engine_rss_mb": round(rss_mb(engine.pid), 1) if engine is not None else 0.0,
            "engine_boards": self.desk.compute.engine_boards,
            "py_blocks_k": round(sys.getallocatedblocks() / 1000),
            "py_heap_mb": round(heap, 1),
            "threads_py": threading.active_count(), "threads_os": total,
            "threads_pooled": pooled, "fds": fds,
            "watch_open": len(self.desk.window.screens.windows),
            "hb_max_ms": round(self.gap_max, 1), "hb_max_quiet_ms": round(self.gap_quiet, 1),
            "boards_drawn": self.result.boards_drawn,
            "board_latency_p50_ms": round(percentile(lat, 50), 1),
            "board_latency_max_ms": round(max(lat, default=0.0), 1),
            "journal_rows": journal_rows(self.journal),
            "decisions_clicked": self.result.decisions_clicked,
            "qt_warnings": len(self.result.qt_warnings),
            "log_errors": len(self.result.log_errors),
        }
        self.latencies = []
        self.result.hb_max_ms = max(self.result.hb_max_ms, self.gap_max)
        self.result.hb_max_quiet_ms = max(self.result.hb_max_quiet_ms, self.gap_quiet)
        self.gap_max = self.gap_quiet = 0.0
        if self.trace and self.baseline is None and elapsed >= self.warmup_s:
            self.baseline = tracemalloc.take_snapshot()
        row["sample_ms"] = round((time.perf_counter() - t_start) * 1000, 1)
        self.result.samples.append(row)
        self.csv.writerow(row)  # as it comes: a run that dies keeps its samples
        self.csv_file.flush()
        print(f"soak: {row['t_s']:.0f} s, replay {row['replay_time']}, RSS {row['rss_mb']} MB,"
              f" {row['boards_drawn']} boards", file=sys.stderr, flush=True)
        self.last_beat = time.perf_counter()  # the sampler's own time is not a GUI stall

    def _finish(self) -> None:
        self.scheduler.stop()
        self.heartbeat.stop()
        if self.trace:
            final = tracemalloc.take_snapshot()
            if self.baseline is not None:
                skip = [tracemalloc.Filter(False, tracemalloc.__file__)]
                stats = final.filter_traces(skip).compare_to(
                    self.baseline.filter_traces(skip), "lineno")
                self.result.heap_growth = [str(s) for s in stats[:15]]
            # Not tracemalloc.stop() here: with other threads still allocating it can crash
            # Python 3.11 (CPython gh-128679); _shutdown stops it once they are gone.
        self.loop.quit()

    def _shutdown(self) -> None:
        """Let a decision in flight commit, close the windows as a trader would, stop the desk
        and the load, and count the journal's rows with the desk gone."""
        from PySide6.QtCore import QEventLoop, QTimer

        from deskapp import __version__
        from deskapp.journal.locate import open_journal

        w = self.desk.window
        if w.journal_writer.pending is not None:  # wait for it (a guard against a hang only)
            loop = QEventLoop()
            w.journal_writer.saved.connect(loop.quit)
            w.journal_writer.failed.connect(loop.quit)
            QTimer.singleShot(60_000, loop.quit)
            if w.journal_writer.pending is not None:
                loop.exec()
        print("soak: closing the desk", file=sys.stderr, flush=True)
        w.close()
        self.result.shutdown_joined = self.desk.shutdown()
        print("soak: desk shut down", file=sys.stderr, flush=True)
        for a in self.adapters:
            a.close()
        self.server.close()
        if self.trace and threading.active_count() == 1:
            tracemalloc.stop()
        self.result.board_latency_p95_ms = round(percentile(self.all_latencies, 95), 1)
        journal = open_journal(str(self.journal), __version__, read_only=True)
        try:
            self.result.journal_rows = journal.count()
        finally:
            journal.close()

    def _qt_message(self, mode, _context, message: str) -> None:
        from PySide6.QtCore import QtMsgType

        if mode in (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg) \
                and not any(n in message for n in QT_NOISE):
            self.result.qt_warnings.append(message[:300])
            print(f"Qt: {message}", file=sys.stderr)

    def _exception(self, exc_type, exc, tb) -> None:
        import traceback

        self.result.exceptions.append("".join(traceback.format_exception_only(exc_type, exc))
                                      .strip()[:300])
        traceback.print_exception(exc_type, exc, tb)

    # ------------------------------------------------------------------ output
    def _write(self) -> None:
        r = self.result
        self.csv_file.close()
        (self.out / "heap_growth.txt").write_text(
            "top Python heap growth, end vs the warm-up sample (tracemalloc, by line):\n"
            + ("\n".join(r.heap_growth) if r.heap_growth else "(not traced: --tracemalloc)")
            + "\n", encoding="utf-8")
        r.summary = summary_line(r)
        plot(r.samples, self.out / "soak.png", r.summary)
        (self.out / "result.json").write_text(json.dumps(asdict(r), indent=1), encoding="utf-8")


def warm_and_last(samples: list[dict], warmup_s: float) -> tuple[dict, dict] | None:
    """The first sample at or after the warm-up and the last one, both taken with no watch
    screen open (an open one holds its panes' objects: not a leak)."""
    quiet = [s for s in samples if s["t_s"] >= warmup_s and s["watch_open"] == 0]
    return (quiet[0], quiet[-1]) if quiet else None


def summary_line(r: SoakResult) -> str:
    pair = warm_and_last(r.samples, r.warmup_s)
    if pair is None:
        return f"soak {r.minutes:g} min: no sample after the warm-up ({len(r.samples)} samples)"
    a, b = pair
    growth = (b["rss_mb"] / a["rss_mb"] - 1) * 100
    desk_a, desk_b = (s["threads_os"] - s["threads_pooled"] for s in (a, b))
    top = f", top growth {r.heap_growth[0].split(': ')[0]}" if r.heap_growth else ""
    return (f"soak {r.minutes:g} min: {r.boards_drawn} boards drawn; RSS {a['rss_mb']:.0f} MB "
            f"at {a['t_s']:.0f} s -> {b['rss_mb']:.0f} MB at {b['t_s']:.0f} s ({growth:+.1f} %); "
            f"engine process RSS {a['engine_rss_mb']:.0f} -> {b['engine_rss_mb']:.0f} MB, "
            f"{b['engine_boards']:.0f} of the boards; "
            f"Python blocks {a['py_blocks_k']:.0f}k -> {b['py_blocks_k']:.0f}k{top}; "
            f"threads {desk_a} -> {desk_b} (+pool {a['threads_pooled']}/{b['threads_pooled']}); "
            f"fds {a['fds']} -> {b['fds']}; heartbeat max {r.hb_max_ms:.0f} ms "
            f"({r.hb_max_quiet_ms:.0f} ms away from scripted actions; in the {r.startup_s:.1f} s "
            f"of start-up before the run {r.hb_startup_max_ms:.0f} ms); board latency p95 "
            f"{r.board_latency_p95_ms:.0f} ms; decisions {r.decisions_clicked} clicked, "
            f"{r.journal_rows} in the journal; Qt warnings {len(r.qt_warnings)}; "
            f"errors logged {len(r.log_errors)}; exceptions {len(r.exceptions)}")


def plot(samples: list[dict], path: Path, title: str) -> None:
    """The series over time, one row per kind, rendered offscreen with pyqtgraph."""
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    t = [s["t_s"] / 60 for s in samples]
    rows = [
        ("memory (MB)", [("RSS", "rss_mb", "#1f77b4"),
                         ("engine process RSS", "engine_rss_mb", "#8c564b")]
         + ([("Python heap (traced)", "py_heap_mb", "#ff7f0e")]
            if any(s["py_heap_mb"] for s in samples) else [])),
        ("Python heap (k blocks)", [("allocated blocks", "py_blocks_k", "#2ca02c")]),
        ("threads / fds", [("OS threads", "threads_os", "#1f77b4"),
                           ("Qt pool threads", "threads_pooled", "#9467bd"),
                           ("Python threads", "threads_py", "#2ca02c"),
                           ("open fds", "fds", "#d62728")]),
        ("heartbeat max gap (ms)", [("all", "hb_max_ms", "#d62728"),
                                    ("away from actions", "hb_max_quiet_ms", "#1f77b4")]),
        ("board latency (ms)", [("p50", "board_latency_p50_ms", "#1f77b4"),
                                ("max", "board_latency_max_ms", "#ff7f0e")]),
        ("count", [("journal rows", "journal_rows", "#2ca02c"),
                   ("decisions clicked", "decisions_clicked", "#000000")]),
    ]
    win = pg.GraphicsLayoutWidget()
    win.setBackground("w")
    win.resize(1100, 1500)
    parts = title.split("; ")
    third = (len(parts) + 2) // 3
    lines = ["; ".join(parts[i:i + third]) for i in range(0, len(parts), third)]
    win.addLabel(";<br>".join(lines), row=0, col=0, color="k", size="8pt")
    for i, (label, curves) in enumerate(rows, start=1):
        p = win.addPlot(row=i, col=0)
        p.showGrid(x=True, y=True, alpha=0.3)
        for side in ("left", "bottom"):  # black on white, whichever theme the desk ended in
            p.getAxis(side).setPen("k")
            p.getAxis(side).setTextPen("k")
        p.setLabel("left", label, color="k")
        p.setLabel("bottom", "minutes", color="k")
        p.addLegend(offset=(10, 5), labelTextColor="k")
        for name, key, colour in curves:
            width = 5 if key == "journal_rows" else 2  # shows round the clicks it matches
            p.plot(t, [s[key] for s in samples], pen=pg.mkPen(colour, width=width), name=name)
        if label.startswith("heartbeat"):
            p.addLine(y=50, pen=pg.mkPen("#888888", style=pg.QtCore.Qt.PenStyle.DashLine))
    win.show()
    app.processEvents()
    win.grab().save(str(path), "PNG")
    win.close()


def run_soak(minutes: float, out_dir: Path, warmup_s: float | None = None,
             trace: bool = False) -> SoakResult:
    out_dir.mkdir(parents=True, exist_ok=True)
    return Soak(minutes, out_dir, warmup_s, trace).run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, required=True, help="how long to run")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for soak.csv, soak.png, result.json (default: a new "
                             "folder under benchmarks/out/)")
    parser.add_argument("--warmup", type=float, default=None,
                        help="seconds before the baseline sample (default min(300, run/3))")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="trace the Python heap from launch: the top growth by line "
                             "(slows the desk several times: timing figures do not count)")
    args = parser.parse_args(argv)
    if not 0.5 <= args.minutes <= 24 * 60:
        parser.exit(2, f"soak: --minutes {args.minutes:g}: give 0.5 .. 1440\n")
    if args.warmup is not None and not 0 <= args.warmup < args.minutes * 60:
        parser.exit(2, f"soak: --warmup {args.warmup:g}: give 0 .. the run's length in "
                       "seconds\n")
    out = args.out or ROOT / "benchmarks" / "out" / time.strftime("soak-%Y%m%d-%H%M%S")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"soak: cannot use --out {out}: {exc}", file=sys.stderr)
        return 2
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("DESKAPP_HOME", tempfile.mkdtemp(prefix="soak-home-"))
    result = run_soak(args.minutes, out, args.warmup, args.tracemalloc)
    print(result.summary)
    print(f"written: {out / 'soak.csv'}, {out / 'soak.png'}, {out / 'result.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
