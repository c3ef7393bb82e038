"""The test fixtures (tests/fixtures/<folder>) against the SHA256SUMS.json their builder wrote.

Always: every file of a fixture folder has the SHA-256 its manifest records, and none is missing
or unlisted. With ../shared/data beside the clone: the upstream files are the very ones the
fixtures were built from (else the fixtures' values may no longer be the upstream's).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.rewrite import FIXTURES
from support.shared import need_shared, sha256_file

FOLDERS = ("exchanges", "fred", "yahoo")
MANIFEST = "SHA256SUMS.json"


def manifest(folder: str) -> dict:
    return json.loads((FIXTURES / folder / MANIFEST).read_text(encoding="utf-8"))


def test_every_fixture_folder_has_a_manifest():
    folders = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
    assert folders == list(FOLDERS)
    assert all((FIXTURES / f / MANIFEST).is_file() for f in FOLDERS)


@pytest.mark.parametrize("folder", FOLDERS)
def test_fixture_files_have_the_sha256_their_manifest_records(folder):
    base, m = FIXTURES / folder, manifest(folder)
    on_disk = {p.relative_to(base).as_posix(): p for p in base.rglob("*")
               if p.is_file() and p.name != MANIFEST}
    recorded: dict[str, str] = m["files_sha256"]
    problems = [f"{folder}/{rel} is not in {MANIFEST} (a stray file?)"
                for rel in sorted(on_disk.keys() - recorded)]
    problems += [f"{folder}/{rel} is missing" for rel in sorted(recorded.keys() - on_disk)]
    problems += [f"{folder}/{rel}: SHA-256 {sha256_file(on_disk[rel])}, {MANIFEST} records {h}"
                 for rel, h in sorted(recorded.items())
                 if rel in on_disk and sha256_file(on_disk[rel]) != h]
    assert not problems, "\n".join([*problems, f"regenerate with: {m['built_by']}"])


@pytest.mark.parametrize("folder", FOLDERS)
def test_fixtures_were_built_from_these_upstream_files(folder):
    shared: Path = need_shared()
    m = manifest(folder)
    assert m["upstream_sha256"], folder
    off = [f"../shared/data/{rel}: SHA-256 {sha256_file(shared / rel)}, the fixtures were built "
           f"from {h}" for rel, h in sorted(m["upstream_sha256"].items())
           if sha256_file(shared / rel) != h]
    assert not off, "\n".join([*off, f"regenerate with: {m['built_by']}"])
