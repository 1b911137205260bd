"""Evaluate the topics stage on a labelled set, and time topics + themes.

The labelled set is JSON Lines, one article per line::

    {"id": "biz-t01", "title": "...", "body": "...", "top_level": "medtop:04000000",
     "second_level": "medtop:20000170", "split": "tune"}

``second_level`` and ``split`` are optional. In ``data/eval/topics/labelled.jsonl`` the split
marks the half the term lists were tuned on (``tune``), the half written afterwards and first
measured untouched (``holdout``), and a later batch of desk articles measured untouched after
the last round of term work (``fresh``); the summary reports each split and the whole set.

What is scored is the **primary top-level topic** (``is_primary`` in ``classify_topics``);
an article without a primary counts as ``none``. Besides the 17 IPTC subjects, the articles
labelled with one of the five "desk" subjects (business, entertainment, politics, sport,
tech) are also scored on those five labels, as an outside measurement mapping primary
top-level subjects to desks would score them (any other prediction counts as a miss).

Run::

    uv run python -m newsdesk.evaluation.topics data/eval/topics/labelled.jsonl
    uv run python -m newsdesk.evaluation.topics --bench 20        # also time 20 MB
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from newsdesk.evaluation.metrics import macro_f1, prf
from newsdesk.reference import load_csv
from newsdesk.topics import (
    CODE_PREFIX,
    classify_themes,
    classify_topics,
    classify_topics_and_themes,
)

NONE = "none"

#: IPTC top-level subject → desk label of the five-label measurement.
DESKS: dict[str, str] = {
    "medtop:04000000": "business",
    "medtop:01000000": "entertainment",
    "medtop:11000000": "politics",
    "medtop:15000000": "sport",
    "medtop:13000000": "tech",
}

#: Columns of the per-topic table returned by :func:`evaluate`.
PER_TOPIC: dict[str, pl.DataType] = {
    "topic": pl.String(),  # "medtop:NNNNNNNN"
    "key": pl.String(),  # the code's first two digits, as in the confusion matrix
    "label": pl.String(),
    "support": pl.Int64(),  # gold articles with this subject
    "predicted": pl.Int64(),  # articles given this primary subject
    "tp": pl.Int64(),
    "precision": pl.Float64(),
    "recall": pl.Float64(),
    "f1": pl.Float64(),
}


def load_labelled(path: Path) -> list[dict[str, Any]]:
    """The labelled articles of a JSON Lines file (blank lines skipped)."""
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        missing = {"id", "body", "top_level"} - set(row)
        if missing:
            raise ValueError(f"{path}:{n}: missing fields {sorted(missing)}")
        rows.append(row)
    ids = [r["id"] for r in rows]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: ids are not unique")
    return rows


def predict(rows: Sequence[dict[str, Any]]) -> dict[str, str]:
    """Article id → predicted primary top-level code (``"none"`` when there is none)."""
    articles = pl.DataFrame(
        {
            "article_id": [r["id"] for r in rows],
            "title": [r.get("title") for r in rows],
            "body": [r["body"] for r in rows],
        },
        schema={"article_id": pl.String, "title": pl.String, "body": pl.String},
    )
    primary = classify_topics(articles).filter(pl.col("is_primary"))
    found = dict(primary.select("article_id", "top_level_code").iter_rows())
    return {r["id"]: found.get(r["id"], NONE) for r in rows}


def _key(code: str) -> str:
    return code.removeprefix(CODE_PREFIX)[:2] if code != NONE else NONE


def _labels() -> dict[str, str]:
    top = load_csv("iptc_mediatopics.csv").filter(pl.col("level") == "1")
    return {CODE_PREFIX + c: label for c, label in top.select("code", "label").iter_rows()}


def _scores(pairs: list[tuple[str, str]]) -> tuple[float, float]:
    """(macro-F1 over the gold labels, accuracy) of (gold, predicted) pairs."""
    if not pairs:
        return 0.0, 0.0
    return macro_f1(pairs), sum(g == p for g, p in pairs) / len(pairs)


def _desk_pairs(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(DESKS[g], DESKS.get(p, "other")) for g, p in pairs if g in DESKS]


def evaluate(path: Path) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, float]]:
    """Score the primary top-level topic against the labels in ``path``.

    Returns ``(per_topic, confusion, summary)``:

    - ``per_topic`` (:data:`PER_TOPIC`): one row per gold or predicted subject, with
      support, predictions, true positives, precision, recall and F1;
    - ``confusion``: one row per gold subject (column ``gold``, the code's two-digit key)
      and one count column per predicted subject key, plus ``none``;
    - ``summary``: ``n``, ``macro_f1``, ``accuracy``, ``coverage`` (share with a primary),
      ``desk_n``, ``desk_macro_f1``, ``desk_accuracy`` (the five-label subset), and the same
      keys suffixed ``_<split>`` for each split named in the file (``_tune``, ``_holdout``).
    """
    rows = load_labelled(path)
    predicted = predict(rows)
    pairs = [(r["top_level"], predicted[r["id"]]) for r in rows]
    labels = _labels()

    codes = sorted({g for g, _ in pairs} | {p for _, p in pairs if p != NONE})
    table = []
    for code in codes:
        tp = sum(g == code and p == code for g, p in pairs)
        fp = sum(g != code and p == code for g, p in pairs)
        fn = sum(g == code and p != code for g, p in pairs)
        precision, recall, f1 = prf(tp, fp, fn)
        table.append(
            {
                "topic": code,
                "key": _key(code),
                "label": labels.get(code, "?"),
                "support": tp + fn,
                "predicted": tp + fp,
                "tp": tp,
                "precision": round(precision, 4),
                "recall": round(recall, 4),
                "f1": round(f1, 4),
            }
        )
    per_topic = pl.DataFrame(table, schema=PER_TOPIC)

    gold_keys = sorted({_key(g) for g, _ in pairs})
    pred_keys = [*sorted({_key(p) for _, p in pairs if p != NONE} | set(gold_keys)), NONE]
    confusion = pl.DataFrame(
        [
            {
                "gold": gk,
                **{pk: sum(_key(g) == gk and _key(p) == pk for g, p in pairs) for pk in pred_keys},
            }
            for gk in gold_keys
        ],
        schema={"gold": pl.String, **dict.fromkeys(pred_keys, pl.Int64)},
    )

    summary: dict[str, float] = {}
    splits: list[str | None] = [None, *sorted({str(r["split"]) for r in rows if r.get("split")})]
    for split in splits:
        chosen = [
            pair for r, pair in zip(rows, pairs, strict=True) if split in (None, r.get("split"))
        ]
        suffix = f"_{split}" if split else ""
        macro, accuracy = _scores(chosen)
        desk = _desk_pairs(chosen)
        desk_macro, desk_accuracy = _scores(desk)
        summary |= {
            f"n{suffix}": float(len(chosen)),
            f"macro_f1{suffix}": round(macro, 4),
            f"accuracy{suffix}": round(accuracy, 4),
            f"coverage{suffix}": round(
                sum(p != NONE for _, p in chosen) / len(chosen) if chosen else 0.0, 4
            ),
            f"desk_n{suffix}": float(len(desk)),
            f"desk_macro_f1{suffix}": round(desk_macro, 4),
            f"desk_accuracy{suffix}": round(desk_accuracy, 4),
        }
    return per_topic, confusion, summary


def misses(path: Path) -> pl.DataFrame:
    """The articles whose primary subject is wrong: id, split, gold, predicted, title."""
    rows = load_labelled(path)
    predicted = predict(rows)
    return pl.DataFrame(
        [
            {
                "id": r["id"],
                "split": r.get("split"),
                "gold": _key(r["top_level"]),
                "predicted": _key(predicted[r["id"]]),
                "title": r.get("title"),
            }
            for r in rows
            if predicted[r["id"]] != r["top_level"]
        ],
        schema={
            "id": pl.String,
            "split": pl.String,
            "gold": pl.String,
            "predicted": pl.String,
            "title": pl.String,
        },
    )


# --------------------------------------------------------------------------- speed


def synth_articles(records: int = 1500, seed: int = 11) -> pl.DataFrame:
    """``article_id, title, body`` of a synthetic corpus (``newsdesk synth``), read and
    extracted as a run would (bad and empty records dropped)."""
    from newsdesk.extract import extract  # noqa: PLC0415 - only the benchmark needs these
    from newsdesk.readers import discover, read_bytes  # noqa: PLC0415
    from newsdesk.synth import synth  # noqa: PLC0415

    frames = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        synth(records, root, seed)
        for path in discover([root]):
            try:
                result = read_bytes(path.read_bytes(), str(path), "", 2_000_000)
            except (OSError, ValueError):
                continue
            if result.records:
                frames.append(pl.DataFrame(result.records, infer_schema_length=None))
    records_frame = pl.concat(frames, how="diagonal_relaxed")
    out = extract(records_frame).filter(pl.col("body").str.len_chars() > 0)
    return out.select(
        article_id=pl.int_range(pl.len()).cast(pl.String),
        title=pl.col("title").cast(pl.String),
        body=pl.col("body").cast(pl.String),
    )


def _megabytes(articles: pl.DataFrame) -> float:
    size = articles.select(
        pl.col("title").str.len_bytes().fill_null(0).sum()
        + pl.col("body").str.len_bytes().fill_null(0).sum()
    ).item()
    return float(size) / 1e6


def benchmark(megabytes: float = 20) -> dict[str, float]:
    """Throughput of topics, themes, and both in one pass, on about ``megabytes`` of synth text.

    The synth corpus (about 1,500 records) is repeated, with fresh ids, until it reaches the
    size asked for. Figures are megabytes per **CPU second** of this process, the faster of two
    runs (so they are per core whatever the thread count; run with ``POLARS_MAX_THREADS=1`` to
    keep it one core), plus the wall-clock rate of ``classify_topics_and_themes``.
    """
    base = synth_articles()
    base_mb = _megabytes(base)
    copies = max(1, round(megabytes / base_mb)) if base_mb else 1
    articles = pl.concat(
        [
            base.with_columns(article_id=pl.lit(f"{k}-") + pl.col("article_id"))
            for k in range(copies)
        ]
    )
    size = _megabytes(articles)
    classify_topics_and_themes(articles.head(20))  # reference data loaded outside the timing

    def timed(func: Any, repeat: int = 2) -> tuple[float, float]:
        """(wall, CPU) seconds of the faster of ``repeat`` runs."""
        runs = []
        for _ in range(repeat):
            wall, cpu = time.perf_counter(), time.process_time()
            func(articles)
            runs.append((time.perf_counter() - wall, time.process_time() - cpu))
        return min(runs, key=lambda run: run[1])

    _, topics_cpu = timed(classify_topics)
    _, themes_cpu = timed(classify_themes)
    both_wall, both_cpu = timed(classify_topics_and_themes)
    return {
        "megabytes": round(size, 2),
        "articles": float(articles.height),
        "topics_mb_per_cpu_s": round(size / topics_cpu, 1),
        "themes_mb_per_cpu_s": round(size / themes_cpu, 1),
        "separate_mb_per_cpu_s": round(size / (topics_cpu + themes_cpu), 1),
        "together_mb_per_cpu_s": round(size / both_cpu, 1),
        "together_mb_per_wall_s": round(size / both_wall, 1),
        "polars_threads": float(pl.thread_pool_size()),
    }


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    """Print per-topic P/R/F1, the confusion matrix and the summary (and speed if asked)."""
    parser = argparse.ArgumentParser(
        prog="python -m newsdesk.evaluation.topics",
        description="Evaluate the topics stage on a labelled JSON Lines set.",
    )
    parser.add_argument("path", type=Path, nargs="?", help="labelled .jsonl")
    parser.add_argument("--bench", type=float, metavar="MB", help="also time MB of synth text")
    parser.add_argument("--misses", action="store_true", help="list the misclassified articles")
    args = parser.parse_args(argv)
    if args.path is None and args.bench is None:
        parser.error("give a labelled file, --bench MB, or both")
    with pl.Config(tbl_rows=100, tbl_cols=30, tbl_width_chars=200, fmt_str_lengths=60):
        if args.path is not None:
            if not args.path.exists():
                print(f"error: no such file: {args.path}", file=sys.stderr)
                return 2
            per_topic, confusion, summary = evaluate(args.path)
            print("Per topic (primary top-level subject):")
            print(per_topic)
            print("\nConfusion matrix (rows: gold, columns: predicted; keys = code digits 1-2):")
            print(confusion)
            if args.misses:
                print("\nMisclassified:")
                print(misses(args.path))
            print("\nSummary:")
            for key, value in summary.items():
                print(f"  {key:24} {value:g}")
        if args.bench is not None:
            print("\nThroughput:")
            for key, value in benchmark(args.bench).items():
                print(f"  {key:24} {value:g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
