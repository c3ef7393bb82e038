"""Reuse a pure function's result when it is called again on equal inputs.

Successive boards hand many signal functions the same numbers: the hourly S&P and BTC pairs do
not change outside the US session, the 4h bars change once in four hourly boards. `same_inputs`
keeps the last few results of a function and returns one when every argument equals the one it
was computed from: a pandas object equals when its index (stamps, dtype and name), its name or
column names, and its values (as one array for a frame: `to_numpy`; NaN equal to NaN) are the
same; anything else by `==`. The result is then the one a fresh call would give (the
functions are pure), and the check costs a few microseconds against the pandas work it saves.
Results are shared: callers must not modify them.
Pure: no Qt, no I/O.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pandas as pd

F = TypeVar("F", bound=Callable[..., Any])
_ALL: list[Callable[[], None]] = []  # each decorated function's `forget`


def forget_all() -> None:
    """Drop every kept result (benchmarks/engine.py: a cold board reuses nothing)."""
    for forget in _ALL:
        forget()


def _key(args: tuple, kwargs: dict) -> tuple[tuple, list[np.ndarray]]:
    """What a call is compared by: a tuple of plain values (types, lengths, names, dtypes;
    other arguments themselves) and the arrays (copies: a key must not change with an object
    a caller might still modify)."""
    sig: list = []
    arrays: list[np.ndarray] = []

    def index(ix: pd.Index) -> None:
        sig.extend((ix.dtype, ix.name))
        arrays.append((ix.asi8 if isinstance(ix, pd.DatetimeIndex) else ix.to_numpy()).copy())

    for name, x in (*((None, a) for a in args), *sorted(kwargs.items())):
        sig.append(name)
        if isinstance(x, pd.Series):
            sig.extend(("series", len(x), x.name, x.dtype))
            index(x.index)
            arrays.append(x.to_numpy().copy())
        elif isinstance(x, pd.DataFrame):
            values = x.to_numpy()  # the columns as one array (mixed dtypes: objects)
            sig.extend(("frame", x.shape, tuple(x.columns), values.dtype))
            arrays.append(values.copy())
            index(x.index)
        elif isinstance(x, np.ndarray):
            sig.extend(("array", x.dtype.str, x.shape))
            arrays.append(x.copy())
        else:
            sig.append(("value", x))
    return tuple(sig), arrays


def _same(a: tuple[tuple, list[np.ndarray]], b: tuple[tuple, list[np.ndarray]]) -> bool:
    try:
        if a[0] != b[0]:
            return False
    except (TypeError, ValueError):  # an argument without a plain ==
        return False
    return all(np.array_equal(x, y, equal_nan=x.dtype.kind in "fc")
               for x, y in zip(a[1], b[1], strict=True))


def same_inputs(size: int = 2) -> Callable[[F], F]:
    """Decorator: keep the last `size` results of a pure function; a call whose arguments all
    equal a kept call's (see the module docstring) returns that result. `wrapper.hits` counts
    reuses."""

    def decorate(fn: F) -> F:
        kept: list[tuple[tuple, Any]] = []
        lock = threading.Lock()

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            key = _key(args, kwargs)
            with lock:
                for k, result in kept:
                    if _same(k, key):
                        wrapper.hits += 1
                        return result
            result = fn(*args, **kwargs)
            with lock:
                kept.insert(0, (key, result))
                del kept[size:]
            return result

        def forget() -> None:
            with lock:
                kept.clear()

        wrapper.hits = 0
        wrapper.forget = forget
        _ALL.append(forget)
        return wrapper  # type: ignore[return-value]

    return decorate
