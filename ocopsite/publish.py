"""The last stages of a build: make the planned outputs and publish them.

A full build makes every output into a staging folder that is swapped in for
the live one (:class:`~ocopsite.output.Staging`); an update makes only the
outputs whose dependencies changed and moves their changed files into the
live folder through the journal (:class:`~ocopsite.journal.Update`). Either
way nothing live is touched until every output of the step has been made, so
a failure leaves the previous output as it was.

An update may be published in two steps (see :func:`update_in_two_steps`):
first everything a page shows, then the files that sum up the whole site.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import journal, offline, outputs
from .diagnostics import BuildFailed, Diagnostic, Diagnostics
from .output import Staging

Progress = Callable[[int, int], None]
#: Makes the files that summarise all the others (the offline pack) from the bytes
#: each output file will hold.
Finish = Callable[[offline.Reader], dict[str, bytes]]


@dataclass
class BuildResult:
    pages: int = 0
    records: int = 0
    files: int = 0
    warnings: list[Diagnostic] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    #: Peak resident memory of the build process so far, in MB, after each stage.
    peak_mb: dict[str, float] = field(default_factory=dict)
    out: Path | None = None
    unchanged: bool = False  # nothing to do: no input changed since the last build
    updated_in_place: bool = False  # only the affected pages were rendered, in place

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())


@contextmanager
def stage(result: BuildResult, name: str) -> Iterator[None]:
    """Add the time spent in the block to the stage ``name`` of ``result``."""
    start = time.perf_counter()
    try:
        yield
    finally:
        result.timings[name] = result.timings.get(name, 0.0) + time.perf_counter() - start
        result.peak_mb[name] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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


def emit(
    run: Run, every: list[outputs.Output], todo: list[int], sink: outputs.Sink
) -> outputs.Emitted:
    """Make the outputs ``todo`` into ``sink``, stage by stage; raise BuildFailed on a problem."""
    result, diagnostics, progress = run.result, run.diagnostics, run.progress
    emitted = outputs.Emitted()
    total = sum(every[index].kind == "page" for index in todo)
    for name, kinds in outputs.STAGES:
        chosen = [index for index in todo if every[index].kind in kinds]
        if not chosen:
            continue
        with stage(result, name):
            for kind in kinds:  # one kind at a time: each has its own chunk size
                of_kind = [index for index in chosen if every[index].kind == kind]
                for done in outputs.emit(every, of_kind, sink, run.jobs):
                    emitted.made |= done.made
                    emitted.written |= done.written
                    _report(done.problems, diagnostics)
                    result.pages += done.pages
                    if progress is not None and kind == "page":
                        progress(result.pages, total)
            fail_if(diagnostics, run.strict)
    return emitted


def publish(
    run: Run,
    sink: Staging | journal.Update,
    every: list[outputs.Output],
    todo: list[int],
    stale: frozenset[str] | None = None,
    finish: Finish | None = None,
) -> set[str]:
    """Emit ``todo`` into ``sink`` and publish it; returns the paths made.

    ``finish`` makes the files that summarise all the others (the offline pack);
    they are published with the rest.

    A full build's staging folder is swapped in for the output; an update's
    changed files are moved into it through the journal, and the files of
    ``stale`` that no output of the site makes any more are deleted. On any
    failure the sink is discarded and the output stays as it was.
    """
    result = run.result
    try:
        emitted = emit(run, every, todo, sink)
        if isinstance(sink, journal.Update):
            sink.staged |= emitted.written  # workers staged these in their own processes
        if finish is not None:
            with stage(result, "offline"):
                for rel, data in finish(sink.read).items():
                    if sink.put(rel, data):
                        emitted.written.add(rel)
                    emitted.made.add(rel)
        with stage(result, "write"):
            if isinstance(sink, journal.Update):
                sink.staged |= emitted.written
                if stale is not None:
                    now = {path for output in every for path in output.paths} | emitted.made
                    sink.delete(stale - now)
                result.files += len(sink.staged)
            else:
                result.files += len(emitted.written) + 2  # and the marker and .nojekyll
            sink.commit()
    except BaseException:
        sink.discard()
        raise
    return emitted.made


def update_in_two_steps(
    run: Run,
    out: Path,
    every: list[outputs.Output],
    todo: list[int],
    stale: frozenset[str],
    finish: Finish,
    between: Callable[[set[str]], None],
) -> set[str]:
    """Publish an update of ``out`` in two steps; returns the paths made.

    First every output that declares its dependencies (pages, photos, a
    product's files, theme files): what a reader of a page sees. Then, after
    ``between`` was called with the paths made so far, the outputs that sum up
    the whole site (search index, feeds, open data, the offline pack) and the
    deletion of ``stale`` files the site no longer makes. Each step is
    published through its own journal, so a reader never sees half a step; a
    failure in the second step leaves the first one published.
    """
    pages = [index for index in todo if every[index].depends is not None]
    summaries = [index for index in todo if every[index].depends is None]
    made = publish(run, journal.Update(out), every, pages)
    between(made)
    return made | publish(run, journal.Update(out), every, summaries, stale, finish)


def _report(problems: list[outputs.Problem], diagnostics: Diagnostics) -> None:
    for path, line, message, hint in problems:
        diagnostics.error(diagnostics.where(path, line), message, hint)
