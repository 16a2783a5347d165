"""How the work of a stage is cut into chunks for the worker processes."""

from __future__ import annotations

import pytest

from ocopsite.parallel import chunked


@pytest.mark.parametrize(
    ("count", "jobs", "max_chunk"), [(2338, 2, 200), (1000, 2, 500), (40, 2, 1), (7, 4, 200)]
)
def test_chunks_hold_every_item_once_in_order_and_shrink_towards_the_end(
    count: int, jobs: int, max_chunk: int
) -> None:
    items = list(range(count))
    chunks = chunked(items, jobs, max_chunk)
    assert [item for chunk in chunks for item in chunk] == items
    sizes = [len(chunk) for chunk in chunks]
    assert max(sizes) <= max_chunk and sizes[0] == max(sizes)
    assert sizes[:-1] == sorted(sizes[:-1], reverse=True)  # the last may be what was left
    if count >= 1000:  # the last chunks are a fraction of the first
        assert max(sizes[-3:]) <= sizes[0] // 4


def test_one_job_takes_equal_chunks() -> None:
    assert [len(chunk) for chunk in chunked(list(range(10)), 1, 200)] == [3, 3, 3, 1]
    assert chunked([], 2, 5) == []
