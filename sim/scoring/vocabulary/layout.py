"""The output folder of a vocabulary run: plan, token list, shards and their completion records.

```
OUT/manifest.json          the plan: vocabulary (sha256, shape, sampling), source, scorer, shard size
OUT/tokens.txt             every token, one per line; shard i holds lines [i * K, (i + 1) * K)
OUT/shards/shard_00000.npz the scores of shard 0 (layout: sim.scoring.vocabulary.shard)
OUT/shards/shard_00000.json its completion record: bytes, sha256, counts, failed tokens
OUT/summary.json           totals and throughput of the last run
```

Every file is written to a temporary name and renamed, so a crash leaves either the old file or
the new one. A shard is finished only when its record exists and the ``.npz`` has the recorded
size (and, when verified, checksum); anything else is scored again.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

MANIFEST_FORMAT = 1
MANIFEST = "manifest.json"
TOKENS = "tokens.txt"
SUMMARY = "summary.json"
SHARDS = "shards"


class LayoutError(ValueError):
    """The output folder does not hold the run being resumed (the message names the field)."""


@dataclass(frozen=True)
class Layout:
    """Paths of one output folder."""

    root: Path

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST

    @property
    def tokens(self) -> Path:
        return self.root / TOKENS

    @property
    def summary(self) -> Path:
        return self.root / SUMMARY

    def shard(self, index: int) -> Path:
        return self.root / SHARDS / f"shard_{index:05d}.npz"

    def record(self, index: int) -> Path:
        return self.root / SHARDS / f"shard_{index:05d}.json"


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def write_json(path: Path, value: dict) -> None:
    write_atomic(path, (json.dumps(value, indent=1) + "\n").encode())


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def start_run(layout: Layout, plan: dict, tokens: list[str]) -> None:
    """Write the plan and the token list, or check that the folder holds the same run.

    Raises:
        LayoutError: the folder holds another run (different vocabulary, source, scorer, shard
            size or tokens); the message names the first differing field.
    """
    plan = {**plan, "format": MANIFEST_FORMAT}
    if layout.manifest.exists():
        existing = json.loads(layout.manifest.read_text())
        for key in sorted(set(plan) | set(existing)):
            if existing.get(key) != plan.get(key):
                raise LayoutError(
                    f"{layout.manifest}: '{key}' is {existing.get(key)!r} there but {plan.get(key)!r} now; "
                    "resume with the same inputs or write to a new folder"
                )
        listed = layout.tokens.read_text().splitlines() if layout.tokens.exists() else None
        if listed != tokens:
            raise LayoutError(f"{layout.tokens}: the source's tokens changed since this run started")
        return
    write_atomic(layout.tokens, "".join(f"{token}\n" for token in tokens).encode())
    write_json(layout.manifest, plan)


def shard_finished(layout: Layout, index: int, verify_checksum: bool) -> bool:
    """The shard's record exists and its ``.npz`` matches the recorded size (and checksum)."""
    record_path, shard_path = layout.record(index), layout.shard(index)
    if not (record_path.is_file() and shard_path.is_file()):
        return False
    try:
        record = json.loads(record_path.read_text())
    except json.JSONDecodeError:
        return False
    if shard_path.stat().st_size != record.get("bytes"):
        return False
    return not verify_checksum or sha256_of(shard_path) == record.get("sha256")


def finish_shard(layout: Layout, index: int, data: bytes, record: dict) -> dict:
    """Write a scored shard, then its completion record (in that order: the record vouches for it)."""
    write_atomic(layout.shard(index), data)
    full = {**record, "index": index, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    write_json(layout.record(index), full)
    return full
