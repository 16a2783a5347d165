"""bench/pairs.py, the paired timer the benchmark figures are reproduced with."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAIRS = ROOT / "bench" / "pairs.py"


def _pairs(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(PAIRS), *args], capture_output=True, text=True, timeout=60
    )


def test_runs_alternate_each_after_its_preparation_and_give_a_ratio_per_pair(
    tmp_path: Path,
) -> None:
    log = tmp_path / "log"
    done = _pairs(
        "-n", "2", "--warmup", "1",
        "--before", f"echo 'before A' >> {log}",
        "--before-vs", f"echo 'before B' >> {log}",
        "--vs", f"echo B >> {log}; sleep 0.01",
        "--", "sh", "-c", f"echo A >> {log}; sleep 0.02",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    turn = ["before A", "A", "before B", "B"]
    assert log.read_text().split("\n")[:-1] == turn * 3 + ["before A", "before B"]
    pairs = next(line for line in done.stdout.splitlines() if line.startswith("  pairs: "))
    assert len(pairs.removeprefix("  pairs: ").split(", ")) == 2
    assert "A: sh -c 'echo A >> " in done.stdout  # words after -- are quoted again


def test_a_command_timed_against_itself_keeps_its_two_series_apart() -> None:
    done = _pairs("-n", "3", "--warmup", "0", "--vs", "true", "--", "true")
    assert done.returncode == 0, done.stderr
    pairs = next(line for line in done.stdout.splitlines() if line.startswith("  pairs: "))
    assert len(pairs.removeprefix("  pairs: ").split(", ")) == 3


def test_a_failed_run_gives_no_ratio_and_a_failed_preparation_stops() -> None:
    failed = _pairs("-n", "1", "--warmup", "0", "--vs", "true", "--", "exit 3")
    assert failed.returncode == 1
    assert "1 of 1 runs failed (exit 3)" in failed.stdout
    assert "A/B wall" not in failed.stdout and "no ratio" in failed.stderr
    stopped = _pairs("-n", "1", "--before", "exit 4", "--vs", "true", "--", "true")
    assert stopped.returncode == 1 and "preparing failed (exit 4)" in stopped.stderr
