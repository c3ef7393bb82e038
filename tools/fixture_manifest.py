"""SHA256SUMS.json for a folder of test fixtures, written by each fixture builder.

It records the SHA-256 of every upstream file the builder read (paths under ../shared/data) and
of every file in the folder, so a clone without ../shared/data still checks its fixtures
(tests/data/test_fixture_checksums.py) and, with it, that they came from these very files.
Deterministic: sorted keys, no dates.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

NAME = "SHA256SUMS.json"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_manifest(folder: Path, command: str, shared: Path, upstream: list[str]) -> Path:
    """Hash `upstream` (relative to `shared`) and every file under `folder`; write the manifest."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != NAME)
    body = {
        "built_by": command,
        "upstream_sha256": {rel: sha256(shared / rel) for rel in sorted(set(upstream))},
        "files_sha256": {p.relative_to(folder).as_posix(): sha256(p) for p in files},
    }
    target = folder / NAME
    target.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
    return target
