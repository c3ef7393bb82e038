"""How the desk's process asks the C allocator to hand memory back (glibc on Linux only).

A day-long desk allocates and frees pandas and numpy arrays of every size from several
threads. glibc's defaults let that ratchet the resident size up: each thread that allocates
may get an arena of its own (up to 8 per core), and after a large mmapped block is freed the
threshold above which blocks are mmapped (and so returned to the system when freed) rises to
that size, so later arrays of a few hundred kB land in the arenas and their freed space stays
resident. A fixed threshold and two arenas keep the soak's resident size flat
(benchmarks/soak.py; figures in docs/ARCHITECTURE.md). An allocator setting already given
in the environment (MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_, GLIBC_TUNABLES) is left alone.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys

log = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameters (malloc.h)
M_ARENA_MAX = -8
MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's starting value, kept fixed
ARENAS = 2
_ENV = {M_ARENA_MAX: "MALLOC_ARENA_MAX", M_MMAP_THRESHOLD: "MALLOC_MMAP_THRESHOLD_"}


def tune_malloc() -> bool:
    """Fix glibc's mmap threshold and cap its arenas; False where there is no glibc (macOS,
    Windows, musl) or the environment already chose. Call before the worker threads start."""
    if not sys.platform.startswith("linux") or "GLIBC_TUNABLES" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    done = True
    for param, value in ((M_ARENA_MAX, ARENAS), (M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)):
        if _ENV[param] in os.environ:
            done = False
        elif mallopt(param, value) != 1:
            log.info("mallopt(%d, %d) refused", param, value)
            done = False
    return done
