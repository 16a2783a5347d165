"""Running a stage's work on all cores.

Workers are forked, so they share the parent's validated catalogue, templates
and renderer without pickling them; only the items of a chunk go to a worker
and only small results come back (page counts, problems). Each worker writes
its own output files. Where fork is unavailable, or one job is asked for, the
chunks run in this process, with the same results.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import signal
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_shared: Any = None


class WorkerDied(Exception):
    """A worker process ended without finishing its work: killed, out of memory, or crashed."""


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


#: ``prctl`` option: the signal a process gets when the thread that made it ends (Linux).
_PR_SET_PDEATHSIG = 1


def _end_with_parent(parent: int) -> None:
    """Make this worker end when the process that forked it ends, however it ends.

    A preview server stopped by a signal while it builds (``kill``, a closed terminal)
    would otherwise leave its workers waiting for work for ever. The pool lives within
    one call of :func:`map_chunks`, in the thread that made it, so the signal never
    comes early. Where the system has no such call, this does nothing.
    """
    with contextlib.suppress(OSError, AttributeError, TypeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # it ended before the call above
        os._exit(1)


def _run(task: tuple[Callable[[Any, Sequence[Any]], Any], Sequence[Any]]) -> Any:
    function, chunk = task
    try:
        return function(_shared, chunk)
    finally:
        # What a worker keeps from one chunk to the next (compiled templates, the HTML
        # of cards and headers, caches of views) lives until it ends: frozen, the
        # collector's full passes no longer walk it again and again. They did, as it
        # grew: 13 % of a render worker's time at 16,000 products, for nothing found.
        # Collected first, so that a chunk's own garbage in reference cycles is not frozen
        # with it: cheap, as all the collector walks is what this chunk left (what the
        # parent had before forking was frozen there, see build.py, and earlier chunks'
        # here).
        gc.collect()
        gc.freeze()


def map_chunks(
    function: Callable[[Any, Sequence[T]], R],
    shared: Any,
    items: Sequence[T],
    jobs: int,
    max_chunk: int = 200,
) -> Generator[R, None, None]:
    """``function(shared, chunk)`` for consecutive chunks of ``items``, as they finish.

    Chunks hold at most ``max_chunk`` items, and are small enough for each job to
    get several (so that one slow chunk does not leave a core idle); see :func:`chunked`
    for how they shrink towards the end. ``function``
    must be a module-level function (it is sent to workers by name); ``shared``
    reaches them through fork. Exceptions raised in a worker are raised here. A
    worker that dies (a signal, the kernel's out-of-memory killer, a crash in C
    code) raises :class:`WorkerDied` as soon as its death is noticed, which the
    pool does by watching every worker's process handle; the other workers are
    then stopped. (``multiprocessing.Pool`` would wait for the lost chunk for ever.)
    """
    global _shared
    chunks = chunked(items, jobs, max_chunk)
    forking = "fork" in multiprocessing.get_all_start_methods()
    if jobs <= 1 or len(chunks) <= 1 or not forking:
        for chunk in chunks:
            yield function(shared, chunk)
        return
    _shared = shared
    pool = ProcessPoolExecutor(
        min(jobs, len(chunks)),
        mp_context=multiprocessing.get_context("fork"),
        initializer=_end_with_parent,
        initargs=(os.getpid(),),
    )
    finished = False
    try:
        # as_completed waits on every future once; a wait() for the first of those still
        # pending, chunk after chunk, walked them all each time: quadratic in the chunks,
        # 17 s of this process's time in a full build of 64,000 products. It lets go of each
        # future as it yields it, so no list of them is kept here: each holds its chunk's result
        for future in as_completed([pool.submit(_run, (function, chunk)) for chunk in chunks]):
            try:
                result = future.result()
            except BrokenProcessPool:
                raise WorkerDied(
                    "a worker process died before finishing its work (killed, out of "
                    "memory, or crashed on an input file)"
                ) from None
            yield result
        finished = True
    finally:
        _shared = None
        if not finished:  # the caller gave up (an error, a newer change): stop at once
            _stop_workers(pool)
        pool.shutdown(wait=True, cancel_futures=True)


def chunked(items: Sequence[T], jobs: int, max_chunk: int) -> list[Sequence[T]]:
    """``items`` cut into consecutive chunks for ``jobs`` processes, the largest first.

    A chunk holds at most ``max_chunk`` items and at most a quarter of a job's share; and
    once little is left, at most a ``2 × jobs``-th of what remains (but not less than an
    eighth of the first chunks), so that the last chunks are small: the workers then end
    at about the same time, instead of all but one waiting, with a core idle, while the
    last finishes a full chunk. Which chunk an item is in changes no output.
    """
    size = max(1, min(max_chunk, -(-len(items) // (jobs * 4))))
    if jobs <= 1:  # run here, one after another: nothing to even out
        return [items[i : i + size] for i in range(0, len(items), size)]
    smallest = max(1, size // 8)
    chunks = []
    start = 0
    while start < len(items):
        take = max(smallest, min(size, -(-(len(items) - start) // (jobs * 2))))
        chunks.append(items[start : start + take])
        start += take
    return chunks


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """End the pool's workers now, instead of waiting for the chunks they are making.

    Whatever they were making is abandoned: workers write only into a staging folder
    that is then discarded, or through atomic writes. Python 3.11 has no public way to
    do this (3.14 adds ``terminate_workers``), so it reads the pool's private list of
    processes; where that is missing it does nothing, and the pool's shutdown waits for
    the chunks under way, as it always did.
    """
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()
