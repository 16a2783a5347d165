"""A build with nothing to do answers from the fingerprint alone, without loading the build."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

from sitekit import ROOT, SAMPLE_DATE, SITES, copy_site

from ocopsite.output.publish import BuildResult, stage

PROBE = """
import sys
from ocopsite.commands.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exit:
    print("exit", exit.code)
print("loaded", sorted(m for m in ("ocopsite.build", "jinja2", "yaml", "PIL") if m in sys.modules))
"""


def _build(site: Path, out: Path) -> str:
    command = [sys.executable, "-c", PROBE, "build", "--site", str(site), "--out", str(out)]
    command += ["--date", SAMPLE_DATE, "-j", "1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    return done.stdout


def test_nothing_changed_needs_neither_the_build_nor_its_libraries(tmp_path: Path) -> None:
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    out = tmp_path / "public"
    first = _build(site, out)
    assert "exit 0" in first and "Built " in first and "'ocopsite.build'" in first
    again = _build(site, out)
    assert "Nothing changed since the last build" in again and "exit 0" in again
    assert "loaded []" in again
    (site / "content/products/dao-canh/product.yaml").touch()  # any change: a real build
    third = _build(site, out)
    assert "Built " in third and "Nothing changed" not in third


def test_the_program_ends_with_the_build_s_exit_code_and_all_its_output(tmp_path: Path) -> None:
    """``build.py`` ends without a teardown once the build is done: nothing it says is lost."""
    site = copy_site(SITES / "bilingual", tmp_path / "site")
    out = tmp_path / "public"
    command = [sys.executable, str(ROOT / "build.py"), "build", "--site", str(site)]
    command += ["--out", str(out), "--date", SAMPLE_DATE, "-j", "1", "-v"]
    started = time.perf_counter()
    built = subprocess.run(command, capture_output=True, text=True, timeout=300)
    wall = time.perf_counter() - started
    assert built.returncode == 0 and built.stdout.startswith("Built ")
    assert "  render " in built.stderr and (out / "index.html").is_file()
    # -v's stages are the command's own time: loading the build's modules, the walk over
    # the inputs (taken before the build), readying the output folder and saving what the
    # next build reads count too, and they add up to the summary's
    stages = dict(re.findall(r"^  (\S+) +([\d.]+) s  peak", built.stderr, re.MULTILINE))
    assert {"start", "fingerprint", "output", "render", "write", "caches"} <= set(stages)
    assert next(iter(stages)) == "start" and float(stages["start"]) > 0
    said = re.search(r" in ([\d.]+) s → ", built.stdout)
    assert said is not None
    summary = float(said[1])
    assert abs(sum(map(float, stages.values())) - summary) < 0.01 + 0.001 * len(stages)
    assert summary < wall
    again = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "Nothing changed since the last build" in again.stdout
    product = site / "content/products/dao-canh/product.yaml"
    product.write_text(product.read_text("utf-8").replace("stars: 4", "stars: 9"), "utf-8")
    failed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert failed.returncode == 1
    assert "content/products/dao-canh/product.yaml" in failed.stderr
    assert failed.stderr.rstrip().endswith("nothing was written")


def test_a_stage_tells_the_peak_memory_of_the_workers_it_ended() -> None:
    """``build -v`` shows the largest worker's memory beside the main process's: a worker
    counts the catalogue and plan it inherits and what it renders, so at scale it is the
    largest process of a build."""
    result = BuildResult()
    with stage(result, "render"):
        worker = "b = bytearray(60_000_000); b[::4096] = b'x' * len(b[::4096])"
        subprocess.run([sys.executable, "-c", worker], check=True, timeout=60)
    assert result.workers_peak_mb["render"] >= 60
    assert result.peak_mb["render"] > 0


MEMORY_PROBE = """
import sys
from ocopsite.memory import give_back_large_blocks

def resident() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))

fixed = sys.argv[1] == "fixed" and give_back_large_blocks()
freed = b"x" * (8 << 20)
del freed  # glibc alone now takes blocks of up to 8 MB from its heap
block = b"x" * (4 << 20)
after = b"y" * (200 << 10)  # so that the block is not at the heap's end, where it is trimmed
before = resident()
del block
print(fixed, before - resident())
"""


def test_a_large_block_freed_after_a_larger_one_is_given_back_to_the_system() -> None:
    """What :mod:`ocopsite.memory` is for: a build's large blocks do not stay in the process."""
    if not Path("/proc/self/status").is_file():
        return  # the probe reads what Linux tells of a process's memory
    done = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, "fixed"], capture_output=True, text=True, check=True
    )
    fixed, kilobytes = done.stdout.split()
    if fixed != "True":
        return  # not glibc: left as it is
    # the 4 MB block is given back when freed (glibc 2.36's own threshold keeps it: 0 kB)
    assert int(kilobytes) >= 4000
