"""The benchmark's tools: bench/pairs.py, the paired timer the figures are reproduced with,
and the section of bench/results.md that bench/run.py writes."""

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


def test_the_benchmark_replaces_its_own_section_of_the_results_and_keeps_the_rest(
    tmp_path: Path,
) -> None:
    """bench/run.py's table goes into bench/results.md between two markers: the rounds
    written there by hand stay as they are, and the next run replaces only its section."""
    sys.path.insert(0, str(ROOT / "bench"))
    import run

    results = tmp_path / "results.md"
    history = "# Benchmark results\n\n## A round\n\nWhat it bought.\n"
    results.write_text(history, "utf-8")
    run.write_report(results, "| first | 1 |\n")
    run.write_report(results, "| second | 2 |\n")
    text = results.read_text("utf-8")
    assert text.startswith(history)
    assert text.count(run.SECTION_START) == text.count(run.SECTION_END) == 1
    assert "| second | 2 |" in text and "| first |" not in text
    results.write_text(text + "\n## Written after it\n", "utf-8")
    run.write_report(results, "| third | 3 |\n")
    text = results.read_text("utf-8")
    assert text.startswith(history) and text.endswith("## Written after it\n")
    assert "| third | 3 |" in text and "| second |" not in text
    run.write_report(tmp_path / "new.md", "| only | 1 |\n")
    assert (tmp_path / "new.md").read_text("utf-8").startswith("# Benchmark results\n")
