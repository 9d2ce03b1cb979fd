"""Hash a folder's files, to prove a refused run left the store as it was."""

from __future__ import annotations

import hashlib
from pathlib import Path


def tree_hash(root: Path) -> str:
    if not root.exists():
        return "absent"
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*")):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()
