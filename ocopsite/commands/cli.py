"""The command line: ``build``, ``check``, ``serve`` and ``new``.

Problems in the input are printed as ``path:line: error: message`` and the
command exits 1; nothing the user wrote can make it print a traceback.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ocopsite import paths
from ocopsite.load import fingerprint
from ocopsite.load.fingerprint import FolderStamp
from ocopsite.memory import give_back_large_blocks
from ocopsite.output.staging import MARKER
from ocopsite.view.urls import SEGMENTS

if TYPE_CHECKING:  # the build loads most of ocopsite: a command imports it when it needs it
    from ocopsite.build import BuildResult
    from ocopsite.diagnostics import Diagnostic
    from ocopsite.output.incremental import Resident

Command = TypeVar("Command", bound=Callable[..., Any])


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date written YYYY-MM-DD") from None


def _segments(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> frozenset[str] | None:
    if value is None:
        return None
    names = frozenset(name.strip() for name in value.split(",") if name.strip())
    unknown = sorted(names - set(SEGMENTS))
    if unknown or not names:
        raise click.BadParameter(
            f"unknown page kind {', '.join(map(repr, unknown)) or 'none given'}; "
            f"choose from {', '.join(SEGMENTS)}"
        )
    return names


def _site_option(function: Command) -> Command:
    return click.option(
        "--site",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("."),
        show_default=True,
        help="Folder holding site_config.yaml and content/.",
    )(function)


#: How many warnings are written at a time (see :func:`_print_warnings`).
WARNINGS_AT_ONCE = 500


def _print_warnings(warnings: list[Diagnostic]) -> None:
    # a few writes: a national catalogue can have tens of thousands of lines, which click
    # would otherwise encode, write and flush one by one; and not all at once, which was
    # a build's largest moment of memory (some 15 MB at the very end, for 17,000 lines)
    for start in range(0, len(warnings), WARNINGS_AT_ONCE):
        shown = warnings[start : start + WARNINGS_AT_ONCE]
        click.echo("\n".join([warning.format() for warning in shown]), err=True)


def _up_to_date(out: Path | None, seconds: float) -> str:
    return f"Nothing changed since the last build; {out} is up to date ({seconds:.2f} s)"


def _summary(result: BuildResult, verb: str) -> str:
    where = f" → {result.out}" if result.out else ""
    told = _counted(len(result.warnings), "warning")
    if result.notes:  # said only when there are some: most builds have none
        told += f", {_counted(len(result.notes), 'note')}"
    return (
        f"{verb} {result.pages} pages from {result.records} records, {told}, "
        f"in {result.seconds:.2f} s{where}"
    )


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def run_build(
    site: Path,
    out: Path | None,
    *,
    base_url: str | None,
    build_date: dt.date | None,
    strict: bool,
    quiet: bool,
    write: bool = True,
    verbose: bool = False,
    jobs: int | None = None,
    force: bool = False,
    only: frozenset[str] | None = None,
    inputs: str | None = None,
    stamps: dict[str, FolderStamp] | None = None,
    resident: Resident | None = None,
    walked: float = 0.0,
    started: float | None = None,
) -> bool:
    """Build (or check) and report; True on success. Never raises for bad input.

    ``inputs`` is the fingerprint of the inputs if the caller has just taken it, in
    ``walked`` seconds, and ``stamps`` the folders' stamps its walk read, handed over: the
    build empties the dict once it has read it (see :func:`~ocopsite.build.build`);
    ``resident`` what a long-lived process keeps between builds (the preview server).
    The time reported (``-v`` and the summary) includes that walk and the loading of the
    build's modules; with ``started`` (the command's start, a :func:`time.perf_counter`),
    what no stage counted is reported as ``other``, so that it is the command's own.
    """
    loading, first = time.perf_counter(), "ocopsite.build" not in sys.modules
    from ocopsite.build import build
    from ocopsite.diagnostics import BuildFailed
    from ocopsite.output.publish import Superseded, add_stage, peaks
    from ocopsite.output.staging import OutputRefused
    from ocopsite.parallel import WorkerDied

    loaded, loaded_peaks = time.perf_counter() - loading, peaks()
    progress = None
    show_progress = not quiet and sys.stderr.isatty()
    state: dict[str, int] = {"shown": -1}

    def progress_line(done: int, total: int) -> None:
        percent = done * 100 // max(total, 1)
        if percent != state["shown"]:
            state["shown"] = percent
            click.echo(f"\rrendering {done}/{total} pages ({percent}%)", err=True, nl=done == total)

    if show_progress:
        progress = progress_line
    try:
        result = build(
            site,
            out,
            base_url=base_url,
            build_date=build_date,
            strict=strict,
            write=write,
            jobs=jobs,
            force=force,
            progress=progress,
            only=only,
            inputs=inputs,
            stamps=stamps,
            resident=resident,
        )
    except BuildFailed as failed:
        click.echo(failed.diagnostics.report(), err=True)
        errors, warnings = len(failed.diagnostics.errors), len(failed.diagnostics.warnings)
        extra = " (warnings count as errors with --strict)" if strict and warnings else ""
        click.echo(
            f"{'check' if not write else 'build'} failed: {errors} error(s), {warnings} warning(s)"
            f"{extra}; {'nothing was written' if write else 'no output'}",
            err=True,
        )
        return False
    except OutputRefused as refused:
        click.echo(f"error: {refused}", err=True)
        return False
    except Superseded:  # only a resident build can be: a newer change is being built
        click.echo("a newer change came in: building that instead", err=True)
        return False
    except WorkerDied as died:
        click.echo(
            f"error: {died}\n    hint: run again with -j 1 to see the file at fault, "
            "or with fewer jobs if memory is short\n"
            f"{'build' if write else 'check'} failed; nothing was written",
            err=True,
        )
        return False
    if first:  # this process loaded the build's modules for it: listed first
        add_stage(result, "start", loaded, loaded_peaks)
        result.timings = {"start": result.timings.pop("start"), **result.timings}
    if walked:  # taken before the build, which then took no fingerprint of its own
        result.timings["fingerprint"] = result.timings.get("fingerprint", 0.0) + walked
    if started is not None:
        other = time.perf_counter() - started - sum(result.timings.values())
        if other > 0:
            add_stage(result, "other", other)
    if result.unchanged:
        if not quiet:
            click.echo(_up_to_date(result.out, result.seconds))
        return True
    if not quiet:
        _print_warnings([*result.warnings, *result.notes])
        if verbose:
            for stage, seconds in result.timings.items():
                peak = result.peak_mb.get(stage, 0.0)
                workers = result.workers_peak_mb.get(stage, 0.0)
                shown = f"  {stage:<14} {seconds:7.3f} s  peak {peak:5.0f} MB"
                click.echo(f"{shown}  workers {workers:5.0f} MB", err=True)
        click.echo(_summary(result, "Built" if write else "Checked"))
    return True


#: Set once the build command is done: the process may then end without a teardown.
_built = [False]


def run() -> None:
    """The command line as a program: :func:`main`, then, after a build, a quick exit.

    A build leaves millions of objects (the validated catalogue, the plan of every
    output) that the interpreter would free one by one on the way out: more than a
    second at national scale, for memory the system takes back at once anyway. Once
    the build command is done and its output flushed, the process ends without that
    teardown; every file it wrote has been closed and renamed into place by then.
    """
    give_back_large_blocks()  # a build's largest moments: see ocopsite.memory
    try:
        main()
    except SystemExit as done:
        if not _built[0] or not isinstance(done.code, (int, type(None))):
            raise
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(done.code or 0)


@click.group(invoke_without_command=True)
@click.pass_context
def main(ctx: click.Context) -> None:
    """Build a static OCOP product catalogue from YAML and Markdown records."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(build_command)


@main.command("build")
@_site_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder [default: SITE/public].",
)
@click.option("--base-url", help="Override base_url, e.g. https://example.org/ocop/.")
@click.option(
    "--date", "build_date", callback=_date, help="Build date YYYY-MM-DD [default: config or today]."
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--quiet", is_flag=True, help="Print only problems.")
@click.option("--verbose", "-v", is_flag=True, help="Print the time and peak memory of each stage.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Processes [default: all cores].")
@click.option("--force", is_flag=True, help="Build even if no input changed since the last build.")
@click.option(
    "--only",
    callback=_segments,
    metavar="NAMES",
    help="Write only these kinds of pages, comma-separated (e.g. product,category); "
    "everything is still validated. For a quick look at a large catalogue.",
)
def build_command(
    site: Path = Path("."),
    out: Path | None = None,
    base_url: str | None = None,
    build_date: dt.date | None = None,
    strict: bool = False,
    quiet: bool = False,
    verbose: bool = False,
    jobs: int | None = None,
    force: bool = False,
    only: frozenset[str] | None = None,
) -> None:
    """Validate the records and build the site."""
    started = time.perf_counter()
    target = out or site / paths.OUT_DIR
    # asked before the build's modules are imported, so that nothing to do costs only the
    # walk over the inputs; the build takes this fingerprint rather than walking again
    cache_dir = site.resolve() / paths.CACHE_DIR
    stamps: dict[str, FolderStamp] = {}
    walking = time.perf_counter()
    inputs = (
        None
        if only
        else fingerprint.site_fingerprint(
            site.resolve(), base_url, build_date, strict, cache_dir, stamps
        )
    )
    if (
        not force
        and inputs is not None
        and fingerprint.unchanged(cache_dir, target.resolve(), MARKER, inputs)
    ):
        if not quiet:
            click.echo(_up_to_date(target.resolve(), time.perf_counter() - started))
        _built[0] = True  # the listings of every folder of the site are in memory
        sys.exit(0)
    ok = run_build(
        site,
        out,
        base_url=base_url,
        build_date=build_date,
        strict=strict,
        quiet=quiet,
        verbose=verbose,
        jobs=jobs,
        force=force,
        only=only,
        inputs=inputs,
        stamps=stamps,
        walked=time.perf_counter() - walking if inputs is not None else 0.0,
        started=started,
    )
    _built[0] = True
    sys.exit(0 if ok else 1)


@main.command("check")
@_site_option
@click.option("--date", "build_date", callback=_date, help="Build date YYYY-MM-DD.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def check_command(site: Path, build_date: dt.date | None, strict: bool) -> None:
    """Validate everything and render in memory; write nothing."""
    ok = run_build(
        site, None, base_url=None, build_date=build_date, strict=strict, quiet=False, write=False
    )
    sys.exit(0 if ok else 1)


@main.command("serve")
@_site_option
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder [default: SITE/public].",
)
@click.option("--date", "build_date", callback=_date, help="Build date YYYY-MM-DD.")
def serve_command(site: Path, port: int, out: Path | None, build_date: dt.date | None) -> None:
    """Build, serve on 127.0.0.1, and rebuild whenever a file changes."""
    from ocopsite.commands.serve import serve

    serve(site, out or site / "public", port, build_date, run_build)


@main.command("new")
@_site_option
@click.argument("kind", type=click.Choice(["product", "producer", "news"]))
@click.argument("slug")
def new_command(site: Path, kind: str, slug: str) -> None:
    """Create a record folder with a YAML file and texts that build as they are."""
    from ocopsite.commands.scaffold import ScaffoldError, scaffold

    try:
        created = scaffold(site, kind, slug, dt.date.today())
    except ScaffoldError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    for path in created:
        click.echo(f"created {path}")


def _load_for_report(site: Path, build_date: dt.date | None, empty_ok: bool = False):  # type: ignore[no-untyped-def]
    from ocopsite.commands.report import load

    catalogue, diagnostics = load(site, build_date, empty_ok)
    if catalogue is None:
        click.echo(diagnostics.report(), err=True)
        click.echo(f"report failed: {len(diagnostics.errors)} error(s)", err=True)
        sys.exit(1)
    return catalogue


_FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="A table to read, or CSV or JSON for scripts.",
)


@main.group("report", invoke_without_command=True)
@_site_option
@click.option("--date", "build_date", callback=_date, help="Count as of YYYY-MM-DD.")
@_FORMAT
@click.pass_context
def report_command(ctx: click.Context, site: Path, build_date: dt.date | None, fmt: str) -> None:
    """Print the statistics page's figures (products by stars, group, province, …)."""
    ctx.obj = (site, build_date)
    if ctx.invoked_subcommand is not None:
        return
    from ocopsite.commands.report import format_figures
    from ocopsite.render.stats import figures

    click.echo(format_figures(figures(_load_for_report(site, build_date)), fmt), nl=False)


@report_command.command("expiring")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    help="Look this many days ahead [default: expiring_within_days of site_config, 180].",
)
@click.option("--date", "on", callback=_date, help="Count as of YYYY-MM-DD.")
@click.option(
    "--site",
    "here",
    type=click.Path(file_okay=False, path_type=Path),
    help="The site's folder [default: the one given to report, or the current folder].",
)
@_FORMAT
@click.pass_context
def report_expiring_command(
    ctx: click.Context, days: int | None, on: dt.date | None, here: Path | None, fmt: str
) -> None:
    """Print the ratings and certificates that expire soon, or expired and were not
    renewed, by province and producer."""
    from ocopsite.commands.report import format_due
    from ocopsite.render.schedule import due

    site, build_date = ctx.obj
    site, build_date = here or site, on or build_date  # (given before "expiring" or after)
    catalogue = _load_for_report(site, build_date)
    window = catalogue.config.expiring_within_days if days is None else days
    entries = due(catalogue, window)
    click.echo(format_due(entries, fmt, window, catalogue.config.build_date), nl=False)


@main.command("import")
@_site_option
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
def import_command(site: Path, file: Path, dry_run: bool) -> None:
    """Create or update product and producer records from a spreadsheet (.xlsx/.xls/.ods/.csv)."""
    from ocopsite.commands.importer import plan_import, write

    catalogue = _load_for_report(site, None, empty_ok=True)
    plan = plan_import(site.resolve(), file, catalogue)
    if plan.diagnostics.items:
        click.echo(plan.report(), err=True)
    if not plan.ok:
        errors = len(plan.diagnostics.errors)
        click.echo(f"import failed: {errors} error(s); nothing was written", err=True)
        sys.exit(1)
    root = site.resolve()
    for path in plan.created:
        click.echo(f"create {path.relative_to(root)}")
    for path, fields in plan.changed:
        click.echo(f"change {path.relative_to(root)}: {', '.join(fields)}")
    if not dry_run:
        write(plan)
    verb = "would create" if dry_run else "created"
    click.echo(
        f"{verb} {len(plan.created)}, {'would change' if dry_run else 'changed'} "
        f"{len(plan.changed)}, left {plan.unchanged} unchanged"
    )


@main.command("export")
@_site_option
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export_command(site: Path, file: Path) -> None:
    """Write the catalogue to a spreadsheet (.xlsx) that import reads back unchanged."""
    from ocopsite.commands.exporter import export

    if file.suffix.lower() != ".xlsx":
        raise click.BadParameter("the export is an .xlsx file", param_hint="FILE")
    products, producers = export(_load_for_report(site, None), file)
    click.echo(f"exported {products} products and {producers} producers → {file}")
