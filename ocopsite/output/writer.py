"""The one writer: it makes the outputs a build planned (:mod:`ocopsite.output.plan`) on all
cores and puts their files into a *sink*: a staging folder for a full build
(:class:`~ocopsite.output.staging.Staging`), the staged update of a live folder
(:class:`~ocopsite.output.journal.Update`), or nowhere (the ``check`` command).
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ocopsite import parallel
from ocopsite.output.plan import Failed, Output, Problem
from ocopsite.render import offline


class Sink(Protocol):
    def put(self, rel: str, data: bytes | str) -> bool:
        """Store ``data`` as the output's ``rel``; False if nothing had to be written."""
        ...


class Nowhere:
    """The sink of the ``check`` command: outputs are made, then dropped."""

    def put(self, rel: str, data: bytes | str) -> bool:
        return False


@dataclass
class Emitted:
    """What :func:`emit` did: every path made, those written, pages, and problems.

    ``pages`` counts every page made, the search pages made with the index included;
    ``page_outputs`` only the outputs of kind "page".

    ``digests`` holds the :func:`~ocopsite.render.offline.digest` of every file made (except
    into :class:`Nowhere`), worked out where its bytes already are, so that nothing is
    read back to list it.
    """

    made: set[str] = field(default_factory=set)
    written: set[str] = field(default_factory=set)
    pages: int = 0
    page_outputs: int = 0
    problems: list[Problem] = field(default_factory=list)
    digests: dict[str, offline.Digest] = field(default_factory=dict)
    #: Files of ``made`` named by place rather than by path, on their way from a worker:
    #: the output's index and the path's place among its paths, its digest (if kept), and
    #: whether it was written (see :func:`_by_place`).
    placed: list[tuple[int, int, offline.Digest | None, bool]] = field(default_factory=list)


def emit_chunk(work: tuple[Sequence[Output], Sink], indices: Sequence[int]) -> Emitted:
    """Make the outputs at ``indices`` and put their files into the sink (in any process)."""
    outputs, sink = work
    done = Emitted()
    keep_digests = not isinstance(sink, Nowhere)
    for index in indices:
        output = outputs[index]
        try:
            files = output.make()
        except Failed as failed:
            done.problems.append(failed.problem)
            continue
        assert not output.paths or set(files) == set(output.paths), output.paths
        for rel, data in files.items():
            payload = data.encode("utf-8") if isinstance(data, str) else data
            done.made.add(rel)
            if keep_digests:
                done.digests[rel] = offline.digest(payload)
            if sink.put(rel, payload):
                done.written.add(rel)
        done.pages += 1 if output.kind == "page" else output.pages
        done.page_outputs += output.kind == "page"
    return done


def emit(
    outputs: Sequence[Output], indices: Sequence[int], sink: Sink, jobs: int
) -> Iterator[Emitted]:
    """Make ``outputs[i]`` for each ``i`` in ``indices`` on ``jobs`` cores, into ``sink``.

    Yields what each chunk did as it finishes. The bytes of every output depend
    only on the site, never on which worker or in which order it is made, so the
    result is the same at any ``jobs``.
    """
    chunk = min((outputs[i].chunk for i in indices), default=200)
    if all(outputs[i].kind == "asset" for i in indices):
        jobs = 1  # the theme's files, already in memory: copied in less time than a fork takes
    chunks = parallel.map_chunks(_emit_placed, (outputs, sink), indices, jobs, max_chunk=chunk)
    with contextlib.closing(chunks):
        for done in chunks:
            yield _by_path(outputs, done)


def _emit_placed(work: tuple[Sequence[Output], Sink], indices: Sequence[int]) -> Emitted:
    """:func:`emit_chunk`, its outputs' own files named by place (see :func:`_by_place`)."""
    return _by_place(work[0], indices, emit_chunk(work, indices))


def _by_place(outputs: Sequence[Output], indices: Sequence[int], done: Emitted) -> Emitted:
    """``done`` with the files of ``outputs[i]`` (``i`` in ``indices``) that it made named in
    ``placed``, by the output's index and the place of their path, instead of by path.

    What a worker made goes back to the process that planned the outputs, which holds
    every path already: unpickled there, a path would be a second copy of it, held to the
    end of the build (some 17 MB at 16,000 products). :func:`_by_path` undoes this there,
    with its own strings."""
    made, written, digests = done.made, done.written, done.digests
    placed = done.placed
    for index in indices:
        for place, path in enumerate(outputs[index].paths):
            if path in made:
                made.discard(path)
                placed.append((index, place, digests.pop(path, None), path in written))
                written.discard(path)
    return done


def _by_path(outputs: Sequence[Output], done: Emitted) -> Emitted:
    """``done`` with the files named by place in ``placed`` (see :func:`_by_place`) named
    again by path: the paths of ``outputs``, as this process holds them."""
    for index, place, digest, written in done.placed:
        path = outputs[index].paths[place]
        done.made.add(path)
        if written:
            done.written.add(path)
        if digest is not None:
            done.digests[path] = digest
    done.placed = []
    return done


#: The kinds of output in the order :func:`emit_together` hands them to the workers: the
#: files that sum up the whole site first (each alone: the search index takes longest),
#: then photos, a product's files, pages and the theme's files.
_TOGETHER = ("site", "photo", "product", "page", "asset")


def emit_together(
    outputs: Sequence[Output], indices: Sequence[int], sink: Sink, jobs: int
) -> Generator[Emitted, None, None]:
    """:func:`emit` of outputs of every kind at once, by one set of ``jobs`` workers.

    The files that sum up the site are made beside the pages rather than after them,
    by workers forked once: after an edit, a few pages and the search index take about
    as long as each other. Each kind is cut into chunks as :func:`emit` cuts it alone.
    """
    tasks: list[list[int]] = []
    for kind in _TOGETHER:
        of_kind = [index for index in indices if outputs[index].kind == kind]
        if not of_kind:
            continue
        chunk = min(outputs[index].chunk for index in of_kind)
        size = max(1, min(chunk, -(-len(of_kind) // (jobs * 4))))
        tasks += [of_kind[start : start + size] for start in range(0, len(of_kind), size)]
    chunks = parallel.map_chunks(_emit_task, (outputs, sink), tasks, jobs, max_chunk=1)
    with contextlib.closing(chunks):
        for done in chunks:
            yield _by_path(outputs, done)


def _emit_task(work: tuple[Sequence[Output], Sink], tasks: Sequence[list[int]]) -> Emitted:
    """:func:`_emit_placed` of the one chunk of indices in ``tasks``."""
    (indices,) = tasks
    return _emit_placed(work, indices)
