"""Where the bundled resources (default config, replay datasets) live.

Order: $DESKAPP_RESOURCES, a PyInstaller bundle's folder, then the source tree's resources/.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resource_dir() -> Path:
    """The folder holding default_config.toml and replay/."""
    env = os.environ.get("DESKAPP_RESOURCES")
    if env:
        return Path(env)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[1] / "resources"


def replay_dir() -> Path:
    return resource_dir() / "replay"
