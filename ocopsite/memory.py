"""How the processes of a build give memory back to the system.

A build holds large blocks for a moment: a search shard, an open data file, a page's
HTML, the set of every path made, the encoded manifest. glibc's allocator maps a block
of 128 KiB or more on its own, and gives it back when it is freed; but each time it
frees such a block, it raises that threshold to the block's size (up to 32 MiB), so
that, after the first large file, the large blocks come from the heap, and once freed
stay in the process. A process's memory then only grows: the parent kept the sets of
paths made beside the manifest it encodes next, and a worker the 40 MB of open data it
made beside the pages it renders next, each its own largest moment. A fixed threshold
(:data:`LARGE_BLOCK`) gives them back at once.
"""

from __future__ import annotations

import contextlib
import ctypes

#: The size from which a block is mapped on its own, and given back when freed.
LARGE_BLOCK = 256 * 1024
#: How much free memory the end of the heap may hold before it is given back. Fixing
#: the threshold above also fixes this one, at glibc's 128 KiB: the end of the heap was
#: then given back and taken again all the time (the load stage 0.8 s slower at 16,000
#: products, a third more page faults over the build), for no memory to speak of.
HEAP_TOP = 2 * 1024 * 1024
#: glibc's ``mallopt`` parameters for those sizes (``M_MMAP_THRESHOLD``,
#: ``M_TRIM_THRESHOLD``); setting them also stops glibc from moving them.
_M_MMAP_THRESHOLD = -3
_M_TRIM_THRESHOLD = -1


def give_back_large_blocks() -> bool:
    """Have this process (and those it forks from now on) map every block of
    :data:`LARGE_BLOCK` bytes or more on its own, given back to the system when freed,
    and give back the end of its heap once :data:`HEAP_TOP` of it is free; True if the C
    library took it (glibc does; others are left as they are)."""
    with contextlib.suppress(OSError, AttributeError, TypeError):
        libc = ctypes.CDLL(None)
        return bool(
            libc.mallopt(_M_MMAP_THRESHOLD, LARGE_BLOCK)
            and libc.mallopt(_M_TRIM_THRESHOLD, HEAP_TOP)
        )
    return False
