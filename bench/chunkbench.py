"""The parent's cost of collecting many small chunks from ``parallel.map_chunks``.

Each chunk does nothing, so what is timed is the parent's own work: submitting the
chunks, waiting for them and taking their results. Usage::

    python3 bench/chunkbench.py [ITEMS] [CHUNK]   # default 200000 items, chunks of 20
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ocopsite import parallel


def count(shared: object, chunk: Sequence[int]) -> int:
    return len(chunk)


def main() -> None:
    items = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    chunk = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    wall, cpu = time.perf_counter(), time.process_time()
    total = sum(parallel.map_chunks(count, None, range(items), 2, max_chunk=chunk))
    assert total == items
    print(
        f"{items} items in chunks of {chunk}: {time.perf_counter() - wall:.2f} s wall, "
        f"the parent's CPU {time.process_time() - cpu:.2f} s"
    )


if __name__ == "__main__":
    main()
