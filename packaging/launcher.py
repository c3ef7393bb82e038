"""Entry script of the frozen app: the same command line as the `deskapp` console script."""

import sys

from deskapp.cli import main

if __name__ == "__main__":
    sys.exit(main())
