"""Instruction counts of one stage call, side by side with another checkout: a figure that a
noisy machine does not move.

    uv run python -m tests.benchmarks.bench_instructions extract --input labelled \\
        --baseline /tmp/base-checkout

On this shared 2-core VM, CPU time swings by ±20% between back-to-back runs; instructions
executed (valgrind's callgrind ``Ir``) move by well under 1%. For each checkout (this one
and, with ``--baseline``, another one with its own ``.venv``, e.g. a ``git worktree`` of an
older commit after ``uv sync``), the stage runs under callgrind twice in a child process: a
warm-up call only, then the warm-up call and one measured call; the difference is the
instructions of one call, after imports, reference data and a first call. One Polars thread
(``POLARS_MAX_THREADS=1``), as for the per-core figures.

Stages: ``extract`` (``--input labelled``: the labelled text dumps repeated to ``--mb`` MB in
one call; ``--input synth``: one shard of ``--n`` synth records, text dumps only) and
``topics`` (``classify_topics_and_themes`` on the topics evaluation's synth articles, ``--mb``
MB). Needs ``valgrind`` on the PATH; under it a call runs ~50× slower.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

#: Child program: build the input, one warm-up call, then ``calls`` measured calls.
_CHILD = """
import sys
from pathlib import Path
import polars as pl
stage, kind, size, calls = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
if stage == "extract":
    from newsdesk.extract import extract as run
    if kind == "labelled":
        from newsdesk.evaluation.extraction import _records, load_set
        items = load_set(Path("data/eval/textdumps"))
        reps = max(1, round(size * 1e6 / sum(len(t.encode()) for _, t, _ in items)))
        data = _records(items * reps)
    else:
        data = pl.read_parquet(sys.argv[5])
else:
    from newsdesk.evaluation.topics import synth_articles
    from newsdesk.topics import classify_topics_and_themes as run
    base = synth_articles()
    mb = base.select(pl.col("body").str.len_bytes().sum()).item() / 1e6
    data = pl.concat(
        [base.with_columns(article_id=pl.lit(f"{k}-") + pl.col("article_id"))
         for k in range(max(1, round(size / mb)))]
    )
run(data)
for _ in range(calls):
    run(data)
"""


def _synth_shard(n: int, out: Path) -> Path:
    """One flow shard of ``n`` synth records, text dumps only, as a parquet file."""
    import polars as pl  # noqa: PLC0415

    from newsdesk import schema  # noqa: PLC0415
    from newsdesk.readers.inventory import MANIFEST, plan_inputs, read_batch  # noqa: PLC0415
    from newsdesk.settings import get_settings  # noqa: PLC0415
    from newsdesk.synth import synth  # noqa: PLC0415

    settings = get_settings()
    synth(n, out / "synth", 1)
    plan = plan_inputs([out / "synth"], schema.empty(MANIFEST))
    raw = read_batch(plan.to_read, settings.max_file_bytes, settings.max_record_chars).raw
    path = out / "shard.parquet"
    raw.filter(pl.col("format") == "text").write_parquet(path)
    return path


def _instructions(checkout: Path, args: list[str]) -> int:
    """Instructions callgrind counts for the child program run in ``checkout``."""
    with tempfile.TemporaryDirectory(prefix="newsdesk-cg-") as tmp:
        cmd = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={tmp}/cg.out",
            str(checkout / ".venv" / "bin" / "python"),
            "-c",
            _CHILD,
            *args,
        ]
        env = {**os.environ, "POLARS_MAX_THREADS": "1"}
        out = subprocess.run(
            cmd, check=False, cwd=checkout, env=env, capture_output=True, text=True
        )
        found = re.search(r"Collected : (\d+)", out.stderr)
        if out.returncode != 0 or not found:
            sys.exit(f"callgrind failed in {checkout}:\n{out.stderr[-2000:]}")
        return int(found.group(1))


def per_call(checkout: Path, stage: str, kind: str, size: float, shard: str) -> float:
    """Instructions of one measured call (G), warm-up and set-up subtracted."""
    base = _instructions(checkout, [stage, kind, str(size), "0", shard])
    both = _instructions(checkout, [stage, kind, str(size), "1", shard])
    return (both - base) / 1e9


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=["extract", "topics"])
    parser.add_argument("--input", choices=["labelled", "synth"], default="labelled")
    parser.add_argument("--mb", type=float, default=20, help="labelled / topics input size")
    parser.add_argument("--n", type=int, default=2000, help="synth records in the shard")
    parser.add_argument("--baseline", type=Path, help="another checkout, with its own .venv")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    here = Path(__file__).resolve().parents[2]
    with tempfile.TemporaryDirectory(prefix="newsdesk-cg-input-") as tmp:
        shard = str(_synth_shard(args.n, Path(tmp))) if args.input == "synth" else ""
        size = float(args.n) if args.input == "synth" else args.mb
        what = f"{args.stage} on {args.input} ({'n' if args.input == 'synth' else 'MB'} {size:g})"
        now = per_call(here, args.stage, args.input, size, shard)
        print(f"{what}: {now:.3f} G instructions per call ({here})")
        if args.baseline:
            base = per_call(args.baseline.resolve(), args.stage, args.input, size, shard)
            print(f"{what}: {base:.3f} G instructions per call ({args.baseline})")
            print(f"ratio this / baseline: {now / base:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
