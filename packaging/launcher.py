"""Entry script of the frozen app: the same command line as the `deskapp` console script."""

import gc
import sys

# No cyclic garbage collection while the desk starts (deskapp.cli turns it back on for a
# command, the desk at its first board): start-up makes long-lived objects, not garbage.
gc.disable()

from deskapp.cli import main  # noqa: E402

if __name__ == "__main__":
    import multiprocessing

    # The engine process (deskapp/engine_process.py) is this binary started again by
    # multiprocessing's spawn: it runs the child here instead of the desk.
    multiprocessing.freeze_support()
    sys.exit(main())
