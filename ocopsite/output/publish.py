"""The last stages of a build: make the planned outputs and publish them.

A full build makes every output into a staging folder that is swapped in for
the live one (:class:`~ocopsite.output.staging.Staging`); an update makes only the
outputs whose dependencies changed and moves their changed files into the
live folder through the journal (:class:`~ocopsite.output.journal.Update`). Either
way nothing live is touched until every output of the step has been made, so
a failure leaves the previous output as it was.

An update may be published in steps (see :func:`update_in_steps`): first
the pages open in a browser and what they show, then the other pages, then
the files that sum up the whole site.
"""

from __future__ import annotations

import contextlib
import resource
import threading
import time
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ocopsite.diagnostics import BuildFailed, Diagnostic, Diagnostics
from ocopsite.output import journal, writer
from ocopsite.output import plan as outputs
from ocopsite.output.incremental import Manifest
from ocopsite.output.staging import Staging
from ocopsite.render import offline

Progress = Callable[[int, int], None]
#: Makes the files that summarise all the others (the offline pack) from the bytes
#: each output file will hold and the digests of those known.
Finish = Callable[[offline.Reader, offline.Digests], dict[str, bytes]]


@dataclass
class BuildResult:
    pages: int = 0
    records: int = 0
    files: int = 0
    warnings: list[Diagnostic] = field(default_factory=list)
    notes: list[Diagnostic] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    #: Peak resident memory of the build process so far, in MB, after each stage.
    peak_mb: dict[str, float] = field(default_factory=dict)
    #: The same for the largest worker process that has ended so far (0 when none has).
    workers_peak_mb: dict[str, float] = field(default_factory=dict)
    out: Path | None = None
    unchanged: bool = False  # nothing to do: no input changed since the last build
    updated_in_place: bool = False  # only the affected pages were rendered, in place

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())


def peaks() -> tuple[float, float]:
    """The peak resident memory so far of this process and of the largest of its children
    that have ended (the workers), in MB."""
    return (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    )


def add_stage(
    result: BuildResult, name: str, seconds: float, at: tuple[float, float] | None = None
) -> None:
    """Add ``seconds`` to the stage ``name`` of ``result``, with the :func:`peaks` ``at``
    its end (now, if not given)."""
    result.timings[name] = result.timings.get(name, 0.0) + seconds
    result.peak_mb[name], result.workers_peak_mb[name] = at or peaks()


@contextmanager
def stage(result: BuildResult, name: str) -> Iterator[None]:
    """Add the time spent in the block to the stage ``name`` of ``result``."""
    start = time.perf_counter()
    try:
        yield
    finally:
        add_stage(result, name, time.perf_counter() - start)


class Superseded(Exception):
    """A newer change made this build pointless: it stopped without publishing its step."""


def fail_if(diagnostics: Diagnostics, strict: bool) -> None:
    if diagnostics.has_errors(strict):
        raise BuildFailed(diagnostics)


@dataclass(frozen=True)
class Run:
    """How the outputs of one build are made, and where its results and problems go."""

    jobs: int
    result: BuildResult
    diagnostics: Diagnostics
    strict: bool
    progress: Progress | None
    #: Set when a newer change supersedes the build: it stops between chunks of outputs.
    stop: threading.Event | None = None

    def check(self) -> None:
        if self.stop is not None and self.stop.is_set():
            raise Superseded


def _once(function: Callable[[], None]) -> Callable[[], None]:
    """``function``, run by the first call only."""
    calls: list[Callable[[], None]] = [function]

    def run() -> None:
        if calls:
            calls.pop()()

    return run


def emit(
    run: Run,
    every: list[outputs.Output],
    todo: list[int],
    sink: writer.Sink,
    meanwhile: Callable[[], None] | None = None,
) -> writer.Emitted:
    """Make the outputs ``todo`` into ``sink``, stage by stage; raise BuildFailed on a problem.
    ``meanwhile`` is called after each chunk made (the workers are forked by then).

    On more than one core, pages and other outputs are made together (see
    :func:`~ocopsite.output.writer.emit_together`): the ``render`` stage then lasts until every
    page is made, and ``feeds`` is the time the other outputs took after that.
    """
    result, diagnostics = run.result, run.diagnostics
    emitted = writer.Emitted()
    page_outputs = sum(every[index].kind == "page" for index in todo)
    total = page_outputs + sum(every[index].pages for index in todo)
    if run.jobs > 1 and 0 < page_outputs < len(todo):
        return _emit_together(run, every, todo, sink, total, page_outputs, meanwhile)
    for name, kinds in outputs.STAGES:
        chosen = [index for index in todo if every[index].kind in kinds]
        if not chosen:
            continue
        with stage(result, name):
            for kind in kinds:  # one kind at a time: each has its own chunk size
                of_kind = [index for index in chosen if every[index].kind == kind]
                for done in writer.emit(every, of_kind, sink, run.jobs):
                    _gather(run, emitted, done, total)
                    if meanwhile is not None:
                        meanwhile()
            fail_if(diagnostics, run.strict)
    return emitted


def _gather(run: Run, emitted: writer.Emitted, done: writer.Emitted, total: int) -> None:
    """Add what a chunk made to ``emitted``; report its problems, and the progress of the
    ``total`` pages."""
    run.check()
    emitted.made |= done.made
    emitted.written |= done.written
    emitted.digests.update(done.digests)
    _report(done.problems, run.diagnostics)
    run.result.pages += done.pages
    if run.progress is not None and done.pages:
        run.progress(run.result.pages, total)


def _emit_together(
    run: Run,
    every: list[outputs.Output],
    todo: list[int],
    sink: writer.Sink,
    total: int,
    page_outputs: int,
    meanwhile: Callable[[], None] | None = None,
) -> writer.Emitted:
    """:func:`emit` on several cores, of ``todo`` that holds ``page_outputs`` outputs of kind
    "page" and other outputs, ``total`` pages in all (some made with other outputs);
    ``meanwhile`` as :func:`emit`'s."""
    result = run.result
    emitted = writer.Emitted()
    made = 0  # outputs of kind "page"

    def take(done: writer.Emitted) -> None:
        nonlocal made
        _gather(run, emitted, done, total)
        made += done.page_outputs
        if meanwhile is not None:
            meanwhile()

    with contextlib.closing(writer.emit_together(every, todo, sink, run.jobs)) as chunks:
        with stage(result, "render"):
            for done in chunks:
                take(done)
                if made == page_outputs:
                    break
        with stage(result, "feeds"):
            for done in chunks:
                take(done)
    fail_if(run.diagnostics, run.strict)
    return emitted


def publish(
    run: Run,
    sink: Staging | journal.Update,
    every: list[outputs.Output],
    todo: list[int],
    previous: Manifest | None = None,
    finish: Finish | None = None,
    before_commit: Callable[[writer.Emitted], None] | None = None,
    kept: AbstractSet[str] = frozenset(),
    release: bool = False,
    meanwhile: Callable[[], None] | None = None,
) -> writer.Emitted:
    """Emit ``todo`` into ``sink`` and publish it; returns what was made.

    ``finish`` makes the files that summarise all the others (the offline pack),
    from the bytes each output file will hold, and the digests of those known:
    the files made now, and the others' from ``previous``. They are published with
    the rest. The result's ``digests`` are those of every file of the site known.

    A full build's staging folder is swapped in for the output; an update's
    changed files are moved into it through the journal, and the files of
    ``previous`` that no longer belong to the site are deleted. On
    any failure the sink is discarded and the output stays as it was.
    ``before_commit`` is called with what was made once everything is ready, just before
    the output changes (to keep or drop what describes it: see :meth:`journal.Update.keep_beside`).
    ``kept`` are the paths of outputs of the site left out of ``every``, as not planned
    again (see :mod:`~ocopsite.output.groups`): they stay as ``previous`` holds them.
    With ``release``, ``every`` is emptied once made (and, for an update, its paths
    listed), before the offline pack is made: the caller needs it no more, and a full
    build's outputs hold some 40 MB at 16,000 products, which the pack then uses instead.
    ``meanwhile`` is called once, as soon as the workers are forked (or a first chunk is
    made in this process), and at the latest before ``every`` is emptied: for work on
    ``every`` whose results the workers need not inherit (the parent's own use of a
    core while the workers wait on theirs).
    """
    result = run.result
    try:
        once = _once(meanwhile) if meanwhile is not None else None
        emitted = emit(run, every, todo, sink, once)
        if once is not None:
            once()  # if no chunk was made: called all the same
        with stage(result, "write"):
            if isinstance(sink, journal.Update):
                sink.staged |= emitted.written  # workers staged these in their own processes
            # the site's files now, which an update keeps or deletes by (a full build: none)
            now: AbstractSet[str] = (
                {path for output in every for path in output.paths} | kept | emitted.made
                if previous is not None
                else frozenset()
            )
            if release:
                every.clear()
            if previous is not None:  # files not made again hold what they held
                made = emitted.digests
                for path, digest in previous.digests.items():
                    if path in now and path not in made:
                        made[path] = digest
        if finish is not None:
            with stage(result, "offline"):
                for rel, data in finish(sink.read, emitted.digests).items():
                    if sink.put(rel, data):
                        emitted.written.add(rel)
                    emitted.made.add(rel)
                    emitted.digests[rel] = offline.digest(data)
        with stage(result, "write"):
            if isinstance(sink, journal.Update):
                sink.staged |= emitted.written
                if previous is not None:
                    sink.delete(previous.files - now - emitted.made)
                result.files += len(sink.staged)
            else:
                result.files += len(emitted.written) + 2  # and the marker and .nojekyll
            if before_commit is not None:
                before_commit(emitted)
            sink.commit()
    except BaseException:
        sink.discard()
        raise
    return emitted


def update_in_steps(
    run: Run,
    out: Path,
    every: list[outputs.Output],
    todo: list[int],
    previous: Manifest,
    finish: Finish,
    viewed: frozenset[str],
    published: Callable[[writer.Emitted, bool], None],
    kept: AbstractSet[str] = frozenset(),
) -> writer.Emitted:
    """Publish an update of ``out`` in up to three steps; returns what was made (``made``:
    in every step; ``written``: the files the last step changed).

    1. The pages among ``viewed`` (output paths open in a browser) and every other
       output that declares its dependencies but is not a page (photos, a
       product's files, theme files): what those pages show. If no viewed page
       changed, every page is in this step.
    2. The other pages.
    3. The outputs that sum up the whole site (search index, feeds, open data,
       the offline pack), and the deletion of the files of ``previous`` that the
       site no longer makes.

    After each of the first two steps, ``published`` is called with what was made
    so far and whether it is the first step. Each step is published through its
    own journal, so a reader never sees half a step; a failure (or a newer change,
    see :class:`Run`) leaves the steps before it published. ``kept``: as :func:`publish`'s.
    """
    declared = [index for index in todo if every[index].depends is not None]
    summaries = [index for index in todo if every[index].depends is None]
    first = [i for i in declared if every[i].kind != "page" or viewed & set(every[i].paths)]
    if not any(every[index].kind == "page" for index in first):
        first = declared
    rest = sorted(set(declared) - set(first))
    so_far = publish(run, journal.Update(out, previous.digests), every, first)
    published(so_far, True)
    if rest:
        run.check()
        more = publish(run, journal.Update(out, previous.digests), every, rest)
        so_far.made |= more.made
        so_far.digests.update(more.digests)
        published(so_far, False)
    run.check()
    known = Manifest(previous.keys, {**previous.digests, **so_far.digests})
    last = publish(
        run, journal.Update(out, known.digests), every, summaries, known, finish, kept=kept
    )
    last.made |= so_far.made
    return last


def _report(problems: list[outputs.Problem], diagnostics: Diagnostics) -> None:
    for path, line, message, hint in problems:
        diagnostics.error(diagnostics.where(path, line), message, hint)
