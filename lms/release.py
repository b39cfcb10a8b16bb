"""The release a process runs, when the deployment does not name it (settings.RELEASE)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

# Folders that hold no code of ours: dependencies, generated files, media.
_SKIPPED = {".venv", "node_modules", ".git", "var", "media", "static_collected", "__pycache__", "tests", "bench"}


def source_digest(root: Path) -> str:
    """A digest of the name, size and modification time of every template and Python file under `root`: it changes
    with any edit or deployment of them, and costs a directory walk (no file is read)."""
    digest = hashlib.sha256()
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if name not in _SKIPPED)
        for name in sorted(files):
            if name.endswith((".html", ".py", ".txt")):
                stat = os.stat(os.path.join(folder, name))
                digest.update(f"{folder}/{name}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]
