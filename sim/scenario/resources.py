"""Refuse, at validation, a network that could not fit in this machine's memory.

The estimate is the peak while a network is built, not the size of the
finished graph: about :data:`BYTES_PER_FOLLOW` per follow (the edge arrays,
their sort buffers and both CSR directions) plus :data:`BYTES_PER_ACCOUNT` per
account (offsets in both directions and the per-account arrays). A file
network is estimated from the file's size, a follow taking at least
:data:`FILE_BYTES_PER_FOLLOW` bytes of text (gzip: a fifth of that).
"""

from __future__ import annotations

import os
from pathlib import Path

BYTES_PER_FOLLOW = 40
BYTES_PER_ACCOUNT = 64
FILE_BYTES_PER_FOLLOW = 8
GZIP_RATIO = 5


def estimate_network_bytes(accounts: int, follows: float) -> int:
    """Peak bytes needed to build a network of ``accounts`` and ``follows``."""
    return int(accounts * BYTES_PER_ACCOUNT + follows * BYTES_PER_FOLLOW)


def estimate_file_follows(path: Path) -> float:
    """An upper estimate of the follows in an edge-list or GraphML file."""
    size = path.stat().st_size
    if path.name.lower().endswith(".gz"):
        size *= GZIP_RATIO
    return size / FILE_BYTES_PER_FOLLOW


def machine_memory() -> int:
    """Physical memory, or the cgroup's limit if that is lower, in bytes."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit_file).read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            total = min(total, int(text))
    return total


def human_bytes(count: float) -> str:
    """Write a byte count as ``12.3 GiB``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(count) < 1024 or unit == "PiB":
            return f"{count:.1f} {unit}" if unit != "B" else f"{int(count)} B"
        count /= 1024
    raise AssertionError("unreachable")
