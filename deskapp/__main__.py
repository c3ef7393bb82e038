"""`python -m deskapp` does exactly what the `deskapp` console script does."""

import sys

from deskapp.cli import main

if __name__ == "__main__":
    sys.exit(main())
