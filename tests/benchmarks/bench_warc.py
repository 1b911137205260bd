"""Large-WARC benchmark: does `newsdesk run` keep its memory flat as a WARC.gz grows?

    uv run python -m tests.benchmarks.bench_warc --mib 1024

Writes two CC-NEWS-like WARC.gz files with `newsdesk synth --warc-mib` (one of MIB MiB and one
a tenth of that, ~21 KB of gzip per page as on real news pages), then runs `newsdesk run` on
each into a fresh warehouse, each in a fresh process, side by side. Prints the file size,
pages loaded, wall time, pages/s and peak RSS of the process tree, and the big run's figures
as ratios to the small one's: the file grows 10×, the peak RSS should not. The WARC reader
streams `stream_chunk_records` pages at a time, so what a run holds is those chunks in flight
plus per-article keys (dedupe keys and MinHash signatures, a few hundred bytes each).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from tests.benchmarks.bench_pipeline import _loaded, _timed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=1024, help="size of the big WARC.gz")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="write here and keep (default: a temp dir)")
    args = parser.parse_args(argv)
    newsdesk = [sys.executable, "-m", "newsdesk.cli"]
    work = args.keep or Path(tempfile.mkdtemp(prefix="newsdesk-bench-warc-"))
    rows = []
    try:
        for name, mib in (("small", max(1, args.mib // 10)), ("big", args.mib)):
            folder = work / name
            wall, _, _ = _timed(
                [*newsdesk, "synth", "--warc-mib", str(mib), "--out", str(folder),
                 "--seed", str(args.seed)]
            )  # fmt: skip
            size = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
            print(f"synth --warc-mib {mib}: {size:.0f} MiB in {wall:.0f} s", flush=True)
            run, rss, out = _timed(
                [*newsdesk, "run", str(folder), "--warehouse", str(work / f"wh-{name}")]
            )
            if "reconciliation" not in out or ": ok" not in out:
                sys.exit(f"{name}: the run's reconciliation did not hold:\n{out[-3000:]}")
            rows.append((name, size, _loaded(out), run, rss))
            print(f"run {name}: {run:.0f} s, peak RSS {rss} MiB", flush=True)
        print(
            f"{'WARC':6} {'MiB':>7} {'pages':>8} {'wall s':>8} {'pages/s':>8} {'peak RSS MiB':>13}"
        )
        for name, size, pages, seconds, peak in rows:
            print(
                f"{name:6} {size:7.0f} {pages:8,} {seconds:8.1f} {pages / seconds:8.0f} "
                f"{peak if peak is None else round(peak):>13}"
            )
        (_, s_size, s_pages, s_wall, s_rss), (_, b_size, b_pages, b_wall, b_rss) = rows
        print(
            f"big / small: file {b_size / s_size:.1f}×, pages {b_pages / s_pages:.1f}×, "
            f"wall {b_wall / s_wall:.1f}×, peak RSS "
            + (f"{b_rss / s_rss:.2f}×" if b_rss and s_rss else "n/a")
        )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
