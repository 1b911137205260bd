"""Whole-pipeline benchmark: `newsdesk synth --n N`, then runs side by side.

    uv run python -m tests.benchmarks.bench_pipeline --n 20000 [--dask]

Runs, each in a fresh warehouse and a fresh process (so start-up is counted the same way):
1. baseline: `newsdesk run` with the default (thread) task runner;
2. the same input again into the same warehouse (the no-op incremental run);
3. with --dask: `newsdesk run --task-runner dask` into another fresh warehouse.
Prints wall time, articles/s, peak RSS (of the process tree, from /usr/bin/time when
present) and each run's time as a ratio to the baseline: this machine is noisy, ratios
measured side by side are what to compare.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _timed(cmd: list[str]) -> tuple[float, float | None, str]:
    """(wall seconds, peak RSS MiB or None, output) of a command."""
    wrapper = ["/usr/bin/time", "-v"] if Path("/usr/bin/time").exists() else []
    t0 = time.perf_counter()
    out = subprocess.run([*wrapper, *cmd], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr)
    return wall, (int(rss.group(1)) / 1024 if rss else None), out.stdout + out.stderr


def _loaded(output: str) -> int:
    found = re.search(r"loaded\s+│\s+([\d,]+)", output)
    return int(found.group(1).replace(",", "")) if found else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dask", action="store_true", help="also run on Dask")
    args = parser.parse_args(argv)
    newsdesk = [sys.executable, "-m", "newsdesk.cli"]
    work = Path(tempfile.mkdtemp(prefix="newsdesk-bench-"))
    try:
        corpus = work / "corpus"
        wall, _, _ = _timed(
            [*newsdesk, "synth", "--n", str(args.n), "--out", str(corpus), "--seed", str(args.seed)]
        )
        size = sum(p.stat().st_size for p in corpus.rglob("*") if p.is_file()) / 1e6
        print(f"synth --n {args.n}: {wall:.1f} s, {size:.0f} MB")
        rows = []
        base, rss, out = _timed([*newsdesk, "run", str(corpus), "--warehouse", str(work / "a")])
        rows.append(("run (threads, baseline)", base, rss, _loaded(out)))
        again, rss2, out2 = _timed([*newsdesk, "run", str(corpus), "--warehouse", str(work / "a")])
        rows.append(("second run (no-op)", again, rss2, _loaded(out2)))
        if args.dask:
            wall, rss3, out3 = _timed(
                [
                    *newsdesk,
                    "run",
                    str(corpus),
                    "--task-runner",
                    "dask",
                    "--warehouse",
                    str(work / "b"),
                ]
            )
            rows.append(("run (dask)", wall, rss3, _loaded(out3)))
        print(f"{'run':28} {'wall s':>8} {'ratio':>6} {'articles/s':>11} {'peak RSS MiB':>13}")
        for name, seconds, peak, loaded in rows:
            rate = f"{loaded / seconds:,.0f}" if loaded else "-"
            print(
                f"{name:28} {seconds:8.1f} {seconds / base:6.2f} {rate:>11} "
                f"{peak if peak is None else round(peak):>13}"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
