"""`python -m deskapp` does exactly what the `deskapp` console script does."""

import gc
import sys

# No cyclic garbage collection while the desk starts (deskapp.cli turns it back on for a
# command, the desk at its first board): start-up makes long-lived objects, not garbage.
gc.disable()

from deskapp.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
