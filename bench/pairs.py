"""Time two commands in alternate runs (A B A B …) and give the ratio A/B pair by pair.

Each run is timed as a whole process, from its start to its exit: wall seconds by a
monotonic clock, user and system seconds as the kernel accounts them for the finished
command and every process it waited for (``os.wait4``), and the peak memory of the
largest single one of those processes (not their sum: a build's workers each count
alone; never below this script's own, some 16 MiB, which a child has until it runs its
command). Running the two in turn keeps the ratio meaningful on a shared machine whose
speed drifts: each pair's runs see about the same load. Figures are printed as min,
median and max; quote the median. When a run fails, no ratio is given.

A command is given to ``sh -c``: ``--vs`` as one string, A after ``--`` as one string or
as words (quoted again for the shell). ``--before`` and ``--before-vs`` run before each
run of A and of B, outside the timing: to delete an output folder or a cache, so that
every run starts from the same state. Example, ocopsite against Hugo on the same page
set, each writing a folder that does not exist yet, ours from nothing (no record cache,
no user cache; ``/tmp/c1k`` a copy of ``bench/.cache/catalog-1000``)::

    python3 bench/pairs.py -n 5 \\
      --before 'rm -rf /tmp/c1k/.ocopsite-cache /tmp/xdg1k' \\
      --vs '/usr/bin/hugo --quiet --source bench/.cache/hugo-1000-0.111 \\
            --destination $(mktemp -d -u /tmp/hfresh.XXXXXX)' \\
      -- 'XDG_CACHE_HOME=/tmp/xdg1k python3 build.py build --site /tmp/c1k \\
          --out $(mktemp -d -u /tmp/ofresh.XXXXXX) --date 2026-11-22 \\
          --only home,products,product,category,province,stars --quiet'

(the folders ``/tmp/hfresh.*`` and ``/tmp/ofresh.*`` are left to delete afterwards).
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO


@dataclass(frozen=True)
class Run:
    wall: float
    user: float
    system: float
    peak_mib: float
    code: int


def run_once(
    command: str | Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    errors: IO[bytes] | None = None,
) -> Run:
    """``command`` run once, timed as a whole process: a shell command (``sh -c``), or the
    words of a command run as they are. Its output is thrown away, its errors too unless
    ``errors`` (a file) takes them; ``env`` adds to the environment."""
    start = time.monotonic()
    child = subprocess.Popen(
        ["sh", "-c", command] if isinstance(command, str) else list(command),
        cwd=cwd,
        env={**os.environ, **env} if env else None,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=errors if errors is not None else subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.monotonic() - start
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait
    peak = usage.ru_maxrss / 1024  # Linux gives kibibytes
    return Run(wall, usage.ru_utime, usage.ru_stime, peak, child.returncode)


def prepare(command: str | None) -> None:
    """Run ``command`` (untimed); stop with its exit status if it fails."""
    if command and (code := subprocess.run(["sh", "-c", command]).returncode) != 0:
        sys.exit(f"preparing failed (exit {code}): {command}")


def spread(values: list[float], unit: str, digits: int = 3) -> str:
    low, middle, high = min(values), statistics.median(values), max(values)
    return f"{low:.{digits}f} / {middle:.{digits}f} / {high:.{digits}f} {unit}"


def report(label: str, command: str, runs: list[Run]) -> None:
    print(f"{label}: {command}")
    print(f"  wall   {spread([r.wall for r in runs], 's')}   (min / median / max)")
    print(f"  user   {spread([r.user for r in runs], 's')}")
    print(f"  system {spread([r.system for r in runs], 's')}")
    print(f"  peak   {spread([r.peak_mib for r in runs], 'MiB', 0)}")
    failed = [r.code for r in runs if r.code != 0]
    if failed:
        print(f"  {len(failed)} of {len(runs)} runs failed (exit {failed[0]})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--runs", type=int, default=5, help="timed runs of each (≥ 1)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs of each first")
    parser.add_argument("--vs", required=True, help="command B, the yardstick")
    parser.add_argument("--before", help="run before each run of A, untimed")
    parser.add_argument("--before-vs", help="run before each run of B, untimed")
    parser.add_argument("command", nargs="+", help="command A")
    options = parser.parse_args()
    if options.runs < 1:
        parser.error("--runs must be 1 or more")
    words = options.command
    a = words[0] if len(words) == 1 else shlex.join(words)
    b = options.vs
    turns = ((a, options.before), (b, options.before_vs))
    for _ in range(options.warmup):
        for command, before in turns:
            prepare(before)
            run_once(command)
    runs: tuple[list[Run], list[Run]] = ([], [])  # A's and B's, even if A and B are the same
    for _ in range(options.runs):
        for (command, before), done in zip(turns, runs, strict=True):
            prepare(before)
            done.append(run_once(command))
    for _, before in turns:  # leave no output of the last runs where the preparation names one
        prepare(before)
    report("A", a, runs[0])
    report("B", b, runs[1])
    if any(r.code for r in (*runs[0], *runs[1])):
        sys.exit("a run failed: no ratio")
    ratios = [x.wall / y.wall for x, y in zip(*runs, strict=True)]
    print(f"A/B wall, pair by pair: {spread(ratios, '', 2)}")
    print("  pairs: " + ", ".join(f"{r:.2f}" for r in ratios))


if __name__ == "__main__":
    main()
