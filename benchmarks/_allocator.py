"""The same C-allocator settings for both sides of a side-by-side timing (standard library only).

glibc returns freed memory at the top of the heap to the system once it exceeds a trim threshold,
and serves large blocks with fresh ``mmap`` pages; a scorer that allocates a few megabytes of
arrays per batch then page-faults them back in on every call. Raising both thresholds keeps the
memory in the process, so repeated batches reuse it. Both benchmark processes (ours and the
original's, ``scoring_original.py``) call :func:`keep_freed_memory` first, so the comparison stays
like for like; ``--default-allocator`` turns it off on both sides.
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_TRIM_THRESHOLD = -1  # glibc mallopt parameters (malloc.h)
M_MMAP_THRESHOLD = -3
KEEP_BYTES = 32 << 20  # [B] glibc's largest mmap threshold: smaller blocks come from the heap, kept untrimmed


def keep_freed_memory() -> bool:
    """Raise glibc's trim and mmap thresholds for this process; False where there is no glibc."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_TRIM_THRESHOLD, KEEP_BYTES)) and bool(mallopt(M_MMAP_THRESHOLD, KEEP_BYTES))
