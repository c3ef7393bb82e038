"""deskapp: the cross-asset risk-off desk."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("deskapp")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
