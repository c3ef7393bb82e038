"""The compute worker's signal engine in a child process: boards computed on another core,
with no share of the desk's GIL.

In one process the compute worker's Python and the GUI thread take turns on the GIL: a board
(25-120 ms of pandas) cost the GUI thread a wait at each of the hundreds of crossings from Qt
into Python while it painted (the soak's heartbeat gaps). The child holds a copy of the
market state, kept in step by the same batches in the same order (`MarketState.apply`), and its
own `SignalCache`; asked for a board at the state's clock it answers with the `Board`
(`signals.engine.compute`, the same function the worker thread would call). A board crosses the
pipe in ~1 ms (1.2 MB pickled; 0.5 ms to read back).

The child is started with `spawn` (the desk has Qt threads running: a fork could copy a held
lock), so it imports pandas and deskapp on its own core for ~1-2 s; until its "ready" arrives
the worker computes in its thread as before. If the child dies or answers garbage the worker
goes on in its thread for good (`EngineGone`), and says so in the log.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from deskapp.cpu_priority import BACKGROUND_NICE

log = logging.getLogger(__name__)

REPLY_TIMEOUT_S = 30.0  # a board takes < 0.2 s; no answer this long means the child is stuck
# the child's niceness: where it and the GUI thread want one core, the GUI goes first
NICE = BACKGROUND_NICE


class EngineGone(RuntimeError):
    """The child process is gone or out of step; compute in this process from now on."""


@dataclass(frozen=True)
class BoardRequest:
    """Compute the board at the child's state, which must be at `clock`."""

    clock: Any
    view_days: int


def _serve(conn, meta: dict, settings, nice: int = 0) -> None:
    """The child: apply what comes, answer board requests, until "stop" or the pipe closes.
    `nice`: added to its niceness (POSIX; elsewhere ignored)."""
    import gc
    import os

    gc.enable()  # spawn ran the desk's __main__, which turns collection off for its start-up
    if nice and hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(nice)
    try:
        _serve_loop(conn, meta, settings)
    except (EOFError, OSError):  # the desk closed the pipe or died: nothing to answer
        return


def _serve_loop(conn, meta: dict, settings) -> None:
    from deskapp.data.hub import MarketState
    from deskapp.signals.engine import SignalCache, compute

    state = MarketState(meta=meta)
    cache = SignalCache()
    conn.send(("ready", None))
    while True:
        kind, value = conn.recv()
        if kind == "stop":
            return
        if kind == "state":
            state = value
        elif kind == "batch":
            state = state.apply(value)
        elif kind == "board":
            if state.clock is None or state.clock != value.clock:
                conn.send(("error", f"out of step: child at {state.clock}, asked {value.clock}"))
                continue
            try:
                view = compute(state.frames, state.meta, state.clock, settings,
                               source=state.source, dataset=state.dataset,
                               view_days=value.view_days, cache=cache)
            except Exception as exc:  # the worker reports it as its own computation error
                conn.send(("failed", f"{type(exc).__name__}: {exc}"))
                continue
            conn.send(("board", view))


class EngineProcess:
    """The parent's side: start the child with a state, forward batches, ask for boards.

    Called from one thread (the compute worker's). Every method raises `EngineGone` once the
    child cannot be used; `close` never raises."""

    def __init__(self, meta: dict, settings) -> None:
        import multiprocessing  # here: the desk's start-up does not need it

        ctx = multiprocessing.get_context("spawn")
        self._conn, child_end = ctx.Pipe(duplex=True)
        self._proc = ctx.Process(target=_serve, name="deskapp-engine", daemon=True,
                                 args=(child_end, dict(meta), settings, NICE))
        self._proc.start()
        child_end.close()
        self.ready = False
        self.closed = False

    @property
    def pid(self) -> int | None:
        return self._proc.pid

    def _send(self, message: tuple) -> None:
        if self.closed:
            raise EngineGone("the engine process was closed")
        try:
            self._conn.send(message)
        except (OSError, ValueError) as exc:  # BrokenPipe: the child is gone
            raise EngineGone(f"the engine process is gone ({exc})") from exc

    def _waiting(self, timeout_s: float) -> bool:
        """Whether an answer is waiting, after up to `timeout_s`."""
        try:
            return self._conn.poll(timeout_s)
        except (EOFError, OSError) as exc:
            raise EngineGone(f"the engine process is gone ({exc!r})") from exc

    def _recv(self) -> tuple:
        """The waiting answer, as (kind, value)."""
        try:
            message = self._conn.recv()
        except (EOFError, OSError) as exc:
            raise EngineGone(f"the engine process is gone ({exc!r})") from exc
        if not (isinstance(message, tuple) and len(message) == 2):
            raise EngineGone(f"the engine process answered {type(message).__name__}")
        return message

    def poll_ready(self, state) -> bool:
        """True once the child has imported; it then takes `state` (the worker's current
        market state, sent once, ~7 MB for the bundled history) and every batch after it.
        Does not wait for the child's imports."""
        if not self.ready:
            waiting = self._waiting(0)
            if not waiting and not self._proc.is_alive():
                raise EngineGone(f"the engine process exited ({self._proc.exitcode})")
            if waiting:
                kind, _ = self._recv()
                if kind != "ready":
                    raise EngineGone(f"the engine process said {kind!r} before ready")
                self._send(("state", state))
                self.ready = True
        return self.ready

    def wait_ready(self, state, timeout_s: float) -> bool:
        """`poll_ready`, after waiting up to `timeout_s` for the child's imports."""
        self._waiting(timeout_s)
        return self.poll_ready(state)

    def apply(self, batch) -> None:
        """Forward a feed batch the worker's own state took after the one sent at ready
        (same batches, same order). Nothing is sent before ready."""
        if self.ready:
            self._send(("batch", batch))

    def board(self, clock, view_days: int, before_read=None):
        """The board at `clock` (the child's state must have reached it). `before_read` is
        called once the answer is waiting, before it is read back (the GUI gate's pause: the
        read holds the GIL). Raises `EngineGone`, or `RuntimeError` when the engine's
        computation itself failed (the child goes on)."""
        self._send(("board", BoardRequest(clock=clock, view_days=view_days)))
        if not self._waiting(REPLY_TIMEOUT_S):
            raise EngineGone(f"the engine process did not answer in {REPLY_TIMEOUT_S:.0f} s")
        if before_read is not None:
            before_read()
        kind, value = self._recv()
        if kind == "board":
            return value
        if kind == "failed":
            raise RuntimeError(value)
        raise EngineGone(f"the engine process answered {kind!r}: {value}")

    def close(self, timeout_s: float = 2.0) -> None:
        """Stop the child (ask, then wait, then terminate). Idempotent; never raises."""
        if self.closed:
            return
        with contextlib.suppress(OSError, ValueError):  # a child already gone
            self._conn.send(("stop", None))
        self.closed = True
        self._proc.join(timeout_s)
        if self._proc.is_alive():
            log.warning("the engine process did not stop in %.0f s: terminated", timeout_s)
            self._proc.terminate()
            self._proc.join(timeout_s)
        self._conn.close()
