"""Extraction quality and speed on labelled text dumps (``data/eval/textdumps/``).

Each ``NAME.txt`` is a browser copy of a news page; ``NAME.json`` holds its gold fields:
``title``, ``author``, ``published`` (UTC date ``YYYY-MM-DD`` or null), ``original_source``,
``view_count``, ``comment_count``, ``dateline_place``, ``body`` (the article's paragraphs
separated by blank lines) and optionally ``fetched_at`` (when the page was saved: the
reference time for relative dates) and ``language``.

Body quality is precision / recall / F1 on word 4-shingles (``metrics.body_prf``), micro-averaged
over all shingles of the set and also averaged per file. Fields count as correct when they
equal the gold value exactly (``None`` for absent); the publish date is compared as the UTC
date that the normalise stage makes of ``published_raw``.

Run: ``uv run python -m newsdesk.evaluation.extraction data/eval/textdumps [--bench MB]
[--bench-synth N]``. ``--bench`` repeats the set's dumps to about MB of text, which flatters an
extractor that works once per distinct line; ``--bench-synth N`` times it on a shard of N
synthetic records of unique articles instead (``newsdesk.synth``, read as the flow reads a
shard; ``0``: ``batch_files`` records, the flow's shard), the text dumps alone and the whole
shard with its JSON records; given both, both figures are printed one under the other.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import polars as pl

from newsdesk import schema
from newsdesk.evaluation.metrics import prf, shingles
from newsdesk.extract import extract

#: Gold field → the EXTRACTED column it is compared with.
FIELDS = {
    "author": "author",
    "original_source": "original_source",
    "view_count": "view_count",
    "comment_count": "comment_count",
    "dateline_place": "dateline_place",
}
DEFAULT_FOLDER = Path("data/eval/textdumps")


def load_set(folder: Path) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, raw text, gold) for every ``NAME.txt`` in ``folder`` that has a ``NAME.json``."""
    out = []
    for txt in sorted(folder.glob("*.txt")):
        gold_path = txt.with_suffix(".json")
        if gold_path.exists():
            gold = json.loads(gold_path.read_text(encoding="utf-8"))
            out.append((txt.stem, txt.read_text(encoding="utf-8"), gold))
    return out


def _records(items: list[tuple[str, str, dict[str, Any]]]) -> pl.DataFrame:
    return schema.conform(
        pl.DataFrame(
            {
                "source_path": [f"{name}.txt" for name, _, _ in items],
                "record_key": [""] * len(items),
                "format": ["text"] * len(items),
                "raw_text": [text for _, text, _ in items],
                "fetched_at": [gold.get("fetched_at") for _, _, gold in items],
            },
            schema={k: schema.RAW_RECORD[k] for k in ("source_path", "record_key", "format")}
            | {"raw_text": pl.String(), "fetched_at": pl.String()},
        ),
        schema.RAW_RECORD,
    )


def _utc_dates(published_raw: pl.Series) -> list[str | None]:
    from newsdesk.normalise import parse_dates  # noqa: PLC0415 - loads reference data

    parsed = parse_dates(pl.DataFrame({"published_raw": published_raw}), "published_raw")
    return [None if d is None else d.date().isoformat() for d in parsed["published_at"]]


def evaluate(folder: Path) -> tuple[pl.DataFrame, dict[str, float]]:
    """Score ``extract`` on the labelled dumps in ``folder``.

    Returns one row per file (``file, precision, recall, f1, tp, fp, fn, title_exact,
    date_ok`` and ``<field>_ok`` for each of ``FIELDS``, plus the predicted and gold title)
    and the overall scores: ``precision, recall, f1`` (micro-averaged over all shingles),
    ``mean_f1`` (mean of per-file F1), ``title_accuracy``, ``<field>_accuracy``, ``files``.
    """
    items = load_set(folder)
    if not items:
        raise ValueError(f"{folder}: no labelled dumps (NAME.txt with NAME.json)")
    out = extract(_records(items))
    dates = _utc_dates(out["published_raw"])
    rows = []
    for (name, _, gold), pred, date in zip(items, out.iter_rows(named=True), dates, strict=True):
        p, g = shingles(pred["body"] or ""), shingles(gold["body"])
        tp = sum((p & g).values())
        fp, fn = sum(p.values()) - tp, sum(g.values()) - tp
        precision, recall, f1 = prf(tp, fp, fn)
        row: dict[str, Any] = {
            "file": name,
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "title_exact": (pred["title"] or "").strip() == (gold.get("title") or "").strip(),
            "date_ok": date == gold.get("published"),
        }
        for field, col in FIELDS.items():
            row[f"{field}_ok"] = pred[col] == gold.get(field)
        row["title"] = pred["title"]
        row["gold_title"] = gold.get("title")
        rows.append(row)
    per_file = pl.DataFrame(rows)
    tp, fp, fn = (int(per_file.select(pl.col(c).sum()).item()) for c in ("tp", "fp", "fn"))
    precision, recall, f1 = prf(tp, fp, fn)
    overall: dict[str, float] = {
        "files": float(per_file.height),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "mean_f1": _mean(per_file, "f1"),
        "title_accuracy": _mean(per_file, "title_exact"),
        "date_accuracy": _mean(per_file, "date_ok"),
    }
    for field in FIELDS:
        overall[f"{field}_accuracy"] = _mean(per_file, f"{field}_ok")
    return per_file, overall


def _mean(frame: pl.DataFrame, column: str) -> float:
    value = frame.select(pl.col(column).cast(pl.Float64).mean()).item()
    return float(value) if value is not None else 0.0


def benchmark(folder: Path, megabytes: float = 20) -> dict[str, float]:
    """Throughput of ``extract`` on the set's texts, repeated to about ``megabytes`` of UTF-8.

    Runs in this process with Polars' thread pool as it is: set ``POLARS_MAX_THREADS=1``
    before Polars is imported for a one-core figure (``main --bench`` does). Returns ``mb``,
    ``seconds`` (wall clock), ``cpu_seconds`` (this process's CPU time: on one thread, the
    figure that other load on a shared machine does not distort), ``mb_per_s``,
    ``mb_per_cpu_s``, ``docs`` and ``threads``.
    """
    items = load_set(folder) or [
        (p.stem, p.read_text(encoding="utf-8", errors="replace"), {})
        for p in sorted(folder.rglob("*.txt"))
    ]
    if not items:
        raise ValueError(f"{folder}: no text dumps")
    size = sum(len(text.encode("utf-8")) for _, text, _ in items)
    reps = max(1, round(megabytes * 1e6 / size))
    records = _records(items * reps)
    extract(_records(items))  # warm up: reference data, compiled regexes
    start, cpu_start = time.perf_counter(), time.process_time()
    extract(records)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return _rates(size * reps / 1e6, seconds, cpu, records.height)


def _rates(mb: float, seconds: float, cpu: float, docs: int) -> dict[str, float]:
    """A benchmark's figures: MB per wall and per CPU second, and what was timed."""
    return {
        "mb": mb,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "mb_per_s": mb / seconds,
        "mb_per_cpu_s": mb / cpu,
        "docs": float(docs),
        "threads": float(pl.thread_pool_size()),
    }


def benchmark_synth(n: int | None = None, seed: int = 1, rounds: int = 3) -> dict[str, float]:
    """Throughput of ``extract`` on ``n`` synthetic records of unique articles, one shard.

    ``newsdesk.synth.synth(n, tmpdir, seed)`` writes text dumps and JSONL files; they are read
    as the flow reads a shard (``plan_inputs`` + ``read_batch``). ``n`` defaults to
    ``batch_files``, the flow's shard. Each of ``rounds`` rounds (after one warm-up call) times
    ``extract`` on the text dumps alone, the figure ``mb`` (their UTF-8 text) is about, and on
    the whole raw frame as the flow calls it, JSON records included (``shard_seconds``,
    ``shard_cpu_seconds``, ``shard_mb_per_cpu_s``: the same MB over that time). Same keys as
    ``benchmark``, with the times per round (their minimum over the rounds) and ``records``.
    """
    from newsdesk.readers.inventory import MANIFEST, plan_inputs, read_batch  # noqa: PLC0415
    from newsdesk.settings import get_settings  # noqa: PLC0415
    from newsdesk.synth import synth  # noqa: PLC0415

    settings = get_settings()
    n = settings.batch_files if n is None else n
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-") as tmp:
        out = Path(tmp) / "synth"
        synth(n, out, seed)
        plan = plan_inputs([out], schema.empty(MANIFEST))
        raw = read_batch(plan.to_read, settings.max_file_bytes, settings.max_record_chars).raw
    texts = raw.filter(pl.col("format") == "text")
    size = int(texts.select(pl.col("raw_text").str.len_bytes().sum()).item() or 0)
    if size == 0:
        raise ValueError("the synthetic corpus has no text dumps")
    extract(raw)  # warm up: reference data, first compilations
    times: dict[str, list[tuple[float, float]]] = {"text": [], "shard": []}
    for _ in range(max(1, rounds)):
        for kind, frame in (("text", texts), ("shard", raw)):
            start, cpu_start = time.perf_counter(), time.process_time()
            extract(frame)
            times[kind].append((time.perf_counter() - start, time.process_time() - cpu_start))
    wall, cpu = (min(t[k] for t in times["text"]) for k in (0, 1))
    shard_wall, shard_cpu = (min(t[k] for t in times["shard"]) for k in (0, 1))
    return {
        **_rates(size / 1e6, wall, cpu, texts.height),
        "records": float(raw.height),
        "shard_seconds": shard_wall,
        "shard_cpu_seconds": shard_cpu,
        "shard_mb_per_cpu_s": size / 1e6 / shard_cpu,
    }


def _print_report(per_file: pl.DataFrame, overall: dict[str, float]) -> None:
    width = max(4, *(len(f) for f in per_file["file"]))
    print(f"{'file':<{width}}  {'P':>5} {'R':>5} {'F1':>5}  title date author source")
    for r in per_file.iter_rows(named=True):
        marks = " ".join(
            ("ok" if r[k] else "--").rjust(n)
            for k, n in (
                ("title_exact", 5),
                ("date_ok", 4),
                ("author_ok", 6),
                ("original_source_ok", 6),
            )
        )
        scores = f"{r['precision']:5.3f} {r['recall']:5.3f} {r['f1']:5.3f}"
        print(f"{r['file']:<{width}}  {scores}  {marks}")
    print()
    print(
        f"overall ({overall['files']:.0f} files): body P {overall['precision']:.3f} "
        f"R {overall['recall']:.3f} F1 {overall['f1']:.3f} (micro); mean per-file F1 "
        f"{overall['mean_f1']:.3f}"
    )
    fields = ", ".join(
        f"{k.removesuffix('_accuracy')} {v:.1%}"
        for k, v in overall.items()
        if k.endswith("_accuracy")
    )
    print(f"fields: {fields}")


def main(argv: list[str] | None = None) -> int:
    """Print the per-file table and overall scores; ``--bench MB`` adds a one-core benchmark."""
    parser = argparse.ArgumentParser(
        prog="newsdesk eval extraction", description="Score the extract stage on labelled dumps."
    )
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument(
        "--bench",
        type=float,
        metavar="MB",
        help="also measure MB/s of text on one core (any folder of .txt dumps)",
    )
    parser.add_argument(
        "--bench-synth",
        type=int,
        metavar="N",
        help="also measure MB/s on one core on a shard of N synthetic records of unique "
        "articles (0: batch_files, the flow's shard)",
    )
    parser.add_argument("--bench-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"error: {args.folder} is not a folder", file=sys.stderr)
        return 2
    labelled = bool(load_set(args.folder))
    if not args.bench_only and (labelled or args.bench is None):
        try:
            per_file, overall = evaluate(args.folder)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        _print_report(per_file, overall)
    elif not args.bench_only:
        print(f"{args.folder}: no labelled dumps, benchmark only")
    if args.bench is None and args.bench_synth is None:
        return 0
    if pl.thread_pool_size() != 1 and not args.bench_only:
        # Polars fixes its pool size at import: measure in a one-thread child process
        cmd = [sys.executable, "-m", "newsdesk.evaluation.extraction", str(args.folder)]
        if args.bench is not None:
            cmd += ["--bench", str(args.bench)]
        if args.bench_synth is not None:
            cmd += ["--bench-synth", str(args.bench_synth)]
        env = {**os.environ, "POLARS_MAX_THREADS": "1"}
        return subprocess.call([*cmd, "--bench-only"], env=env)
    if args.bench is not None:
        b = benchmark(args.folder, args.bench)
        print(
            f"benchmark ({args.folder}, dumps repeated): {b['mb']:.1f} MB of text"
            f" ({b['docs']:.0f} dumps) on {b['threads']:.0f} thread(s):"
            f" {b['seconds']:.2f} s wall = {b['mb_per_s']:.1f} MB/s;"
            f" {b['cpu_seconds']:.2f} s CPU = {b['mb_per_cpu_s']:.1f} MB/s per core"
        )
    if args.bench_synth is not None:
        b = benchmark_synth(args.bench_synth or None)
        print(
            f"benchmark (synth {b['records']:.0f} records, unique articles): {b['mb']:.1f} MB"
            f" of text in {b['docs']:.0f} dumps, on {b['threads']:.0f} thread(s), best of 3:"
            f" {b['seconds']:.2f} s wall = {b['mb_per_s']:.1f} MB/s;"
            f" {b['cpu_seconds']:.2f} s CPU = {b['mb_per_cpu_s']:.1f} MB/s per core;"
            f" with the shard's JSON records too, as the flow calls it:"
            f" {b['shard_cpu_seconds']:.2f} s CPU = {b['shard_mb_per_cpu_s']:.1f} MB/s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
