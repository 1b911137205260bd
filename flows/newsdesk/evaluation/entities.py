"""Evaluate the entities stage on the labelled set in ``data/eval/entities/``.

``evaluate(folder)`` runs ``newsdesk.entities.find_entities`` over every ``*.txt`` article in
``folder`` (gold mentions marked inline as ``[[surface|TYPE]]`` or
``[[surface|TYPE|Canonical]]``, see the folder's README) and scores the predictions:

- typed precision / recall / F1, overall and per type: a predicted mention counts when its
  start, end and type all equal a gold mention's (exact span match, as in CoNLL scoring);
- canonicalisation accuracy: of the correctly found mentions, the share whose entity name
  equals the gold canonical name.

``benchmark(megabytes)`` measures the stage's throughput in MB of body text per second on a
synthetic corpus (``newsdesk.synth`` → readers → extract), in batches of ``--batch`` articles.
``benchmark_synth(n)`` measures it the way the flow calls the stage: ``newsdesk synth --n N``
(same seed 0), the input files grouped into shards as the flow does (``settings.batch_files``
files, about ``settings.batch_bytes`` bytes), each shard read → extracted → normalised by the
real stages, exact duplicate bodies of the run dropped (the flow's dedupe), and one
``find_entities`` call per shard. Run with ``POLARS_MAX_THREADS=1`` for a per-core figure.

CLI: ``uv run python -m newsdesk.evaluation.entities data/eval/entities [--errors]
[--benchmark MB [--batch N]] [--synth N]``.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from pathlib import Path

import polars as pl

from newsdesk import schema
from newsdesk.entities import ENTITY_TYPES, find_entities, gazetteer_knows
from newsdesk.evaluation.metrics import prf
from newsdesk.extract import extract
from newsdesk.normalise import normalise
from newsdesk.readers import discover, read_bytes
from newsdesk.settings import get_settings
from newsdesk.synth import synth

#: ``[[surface|TYPE]]`` or ``[[surface|TYPE|Canonical name]]``.
MARK = re.compile(r"\[\[([^|\]]+)\|(PERSON|ORG|LOC)(?:\|([^\]]+))?\]\]")

#: One gold mention: (start, end, type, canonical name); offsets are code points, end exclusive.
Gold = tuple[int, int, str, str]

_ROWS: dict[str, pl.DataType] = {
    "article_id": pl.String(),
    "start": pl.Int64(),
    "end": pl.Int64(),
    "surface": pl.String(),
    "gold_type": pl.String(),
    "pred_type": pl.String(),
    "gold_name": pl.String(),
    "pred_name": pl.String(),
    "outcome": pl.String(),  # tp | fp | fn
}


def parse_marked(text: str) -> tuple[str, list[Gold]]:
    """Strip the inline markup: the plain body and its gold mentions."""
    parts: list[str] = []
    gold: list[Gold] = []
    pos = last = 0
    for m in MARK.finditer(text):
        parts.append(text[last : m.start()])
        pos += m.start() - last
        surface = m.group(1)
        gold.append((pos, pos + len(surface), m.group(2), m.group(3) or surface))
        parts.append(surface)
        pos += len(surface)
        last = m.end()
    parts.append(text[last:])
    body = "".join(parts)
    if "[[" in body or "]]" in body:
        raise ValueError(f"unparsed markup left in: {body[:80]!r}")
    return body, gold


def load_labelled(folder: Path) -> dict[str, tuple[str, list[Gold]]]:
    """Every ``*.txt`` article in ``folder``: article id (file stem) → (body, gold mentions)."""
    out: dict[str, tuple[str, list[Gold]]] = {}
    for path in sorted(folder.glob("*.txt")):
        out[path.stem] = parse_marked(path.read_text(encoding="utf-8").rstrip("\n"))
    if not out:
        raise FileNotFoundError(f"no labelled articles (*.txt) in {folder}")
    return out


def predict(bodies: dict[str, str]) -> pl.DataFrame:
    """The stage's mentions joined with their entities: article_id, start, end, surface, type,
    name."""
    articles = pl.DataFrame(
        {"article_id": list(bodies), "body": list(bodies.values())},
        schema={"article_id": pl.String, "body": pl.String},
    )
    entities, mentions = find_entities(articles)
    return mentions.join(entities, on="entity_id", how="left").select(
        "article_id",
        pl.col("start_char").alias("start"),
        pl.col("end_char").alias("end"),
        "surface",
        "type",
        "name",
    )


def score(
    labelled: dict[str, tuple[str, list[Gold]]], predicted: pl.DataFrame
) -> tuple[pl.DataFrame, dict[str, float]]:
    """Compare predictions with the gold mentions: one row per gold or predicted mention
    (``outcome`` tp / fp / fn) and the metrics."""
    gold = {
        (aid, s, e, t): name
        for aid, (_, mentions) in labelled.items()
        for s, e, t, name in mentions
    }
    pred = {
        (r["article_id"], r["start"], r["end"], r["type"]): (r["name"], r["surface"])
        for r in predicted.iter_rows(named=True)
    }
    rows: list[dict[str, object]] = []
    for key in sorted(gold.keys() | pred.keys()):
        aid, start, end, etype = key
        body = labelled[aid][0]
        in_gold, in_pred = key in gold, key in pred
        rows.append(
            {
                "article_id": aid,
                "start": start,
                "end": end,
                "surface": body[start:end],
                "gold_type": etype if in_gold else None,
                "pred_type": etype if in_pred else None,
                "gold_name": gold.get(key),
                "pred_name": pred[key][0] if in_pred else None,
                "outcome": "tp" if in_gold and in_pred else "fn" if in_gold else "fp",
            }
        )
    frame = pl.DataFrame(rows, schema=_ROWS)

    metrics: dict[str, float] = {
        "articles": float(len(labelled)),
        "gold": float(len(gold)),
        "predicted": float(len(pred)),
    }
    for label, keys in [("", None), *((f"{t}_", t) for t in ENTITY_TYPES)]:
        g = {k for k in gold if keys is None or k[3] == keys}
        p = {k for k in pred if keys is None or k[3] == keys}
        tp = len(g & p)
        precision, recall, f1 = prf(tp, len(p) - tp, len(g) - tp)
        metrics[f"{label}precision"] = precision
        metrics[f"{label}recall"] = recall
        metrics[f"{label}f1"] = f1
    found = gold.keys() & pred.keys()
    right = sum(1 for k in found if pred[k][0] == gold[k])
    metrics["canonical_accuracy"] = right / len(found) if found else 1.0
    # names the gazetteer does not know: how much the rules find on their own
    gold_keys = sorted(gold)
    known = gazetteer_knows([labelled[aid][0][s0:e0] for aid, s0, e0, _ in gold_keys])
    unseen = [k for k, kn in zip(gold_keys, known, strict=True) if not kn]
    metrics["unseen_gold"] = float(len(unseen))
    metrics["unseen_recall"] = sum(1 for k in unseen if k in pred) / len(unseen) if unseen else 1.0
    return frame, metrics


def evaluate(folder: Path) -> tuple[pl.DataFrame, dict[str, float]]:
    """Score ``find_entities`` on the labelled articles in ``folder``.

    Returns one row per gold or predicted mention (``outcome`` tp / fp / fn, with gold and
    predicted type and name) and the metrics: ``precision``, ``recall``, ``f1`` (typed, exact
    span), the same per type (``PERSON_f1`` ...), ``canonical_accuracy`` and the counts
    ``articles``, ``gold``, ``predicted``.
    """
    labelled = load_labelled(folder)
    predicted = predict({aid: body for aid, (body, _) in labelled.items()})
    return score(labelled, predicted)


def synth_bodies(megabytes: float, workdir: Path) -> list[str]:
    """Article bodies as the pipeline sees them: a synthetic corpus of about ``megabytes`` of
    body text written by ``newsdesk.synth``, read by the readers and cleaned by ``extract``."""
    n = max(20, int(megabytes * 1e6 / 2600) + 1)  # synth bodies average about 2.8 KB
    synth(n, workdir, seed=0)
    records: list[dict[str, object]] = []
    for path in discover([workdir]):
        data = path.read_bytes()
        records += read_bytes(data, str(path), "", 2_000_000).records
    raw = schema.conform(pl.DataFrame(records, infer_schema_length=None), schema.RAW_RECORD)
    bodies = extract(raw).get_column("body").drop_nulls()
    return [b for b in bodies.to_list() if b]


def benchmark(
    megabytes: float = 20, *, batch_articles: int = 500, repeats: int = 3
) -> dict[str, float]:
    """Throughput of ``find_entities`` on synthetic bodies: MB of body text (UTF-8) per second.

    The bodies are processed in batches of ``batch_articles`` (the flow's batch is 500 input
    files); the time is the best of ``repeats`` passes over all of them, as wall-clock
    (``mb_per_s``) and as this process's CPU time (``mb_per_cpu_s``). Set
    ``POLARS_MAX_THREADS=1`` for a one-core figure.
    """
    with tempfile.TemporaryDirectory(prefix="newsdesk-ent-bench-") as tmp:
        bodies = synth_bodies(megabytes, Path(tmp))
    frame = pl.DataFrame({"article_id": [f"b{i}" for i in range(len(bodies))], "body": bodies})
    size = float(frame.get_column("body").str.len_bytes().sum()) / 1e6
    batches = [frame.slice(i, batch_articles) for i in range(0, frame.height, batch_articles)]
    find_entities(frame.head(5))  # reference data loads outside the timing
    best = best_cpu = float("inf")
    mentions = 0
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        mentions = sum(find_entities(b)[1].height for b in batches)
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, time.process_time() - started_cpu)
    threads = pl.thread_pool_size()
    return {
        "articles": float(frame.height),
        "batch_articles": float(batch_articles),
        "megabytes": size,
        "seconds": best,
        "cpu_seconds": best_cpu,
        "mentions": float(mentions),
        "threads": float(threads),
        "mb_per_s": size / best,
        # CPU time of this process: with POLARS_MAX_THREADS=1 that is one core's work, and it
        # does not count time lost to other processes on a shared machine
        "mb_per_cpu_s": size / best_cpu,
    }


def synth_shards(n_records: int, workdir: Path, seed: int = 0) -> list[pl.DataFrame]:
    """The articles (article_id, body) of ``newsdesk synth --n n_records --seed seed``, one frame
    per shard as the flow makes them: consecutive input files, at most ``batch_files`` of them
    and about ``batch_bytes`` bytes, read, extracted and normalised by the real stages; a body
    already seen in an earlier shard of the run is dropped, as the flow's dedupe would."""
    settings = get_settings()
    synth(n_records, workdir, seed=seed)
    groups: list[list[Path]] = []
    size = 0
    for path in discover([workdir]):
        nbytes = path.stat().st_size
        if (
            groups
            and len(groups[-1]) < settings.batch_files
            and size + nbytes <= settings.batch_bytes
        ):
            groups[-1].append(path)
            size += nbytes
        else:
            groups.append([path])
            size = nbytes
    shards: list[pl.DataFrame] = []
    seen = pl.DataFrame(schema={"body": pl.String})
    for group in groups:
        records: list[dict[str, object]] = []
        for path in group:
            records += read_bytes(
                path.read_bytes(), str(path), "", settings.max_record_chars
            ).records
        if not records:
            continue
        raw = schema.conform(pl.DataFrame(records, infer_schema_length=None), schema.RAW_RECORD)
        extracted = extract(raw).filter(pl.col("extract_error").is_null())
        articles = (
            normalise(extracted, "bench", "bench")
            .select("article_id", "body")
            .filter(pl.col("body").str.len_bytes() > 0)
            .unique("body", keep="first", maintain_order=True)
            .join(seen, on="body", how="anti")
        )
        seen = pl.concat([seen, articles.select("body")])
        shards.append(articles)
    return shards


def benchmark_synth(n_records: int = 20000, *, repeats: int = 3) -> dict[str, float]:
    """Throughput of ``find_entities`` called once per flow shard of ``newsdesk synth --n
    n_records``: MB of body text (UTF-8) per second, best of ``repeats`` passes, wall-clock and
    this process's CPU time; also the smallest and largest call and the slowest shard's rate."""
    with tempfile.TemporaryDirectory(prefix="newsdesk-ent-synth-") as tmp:
        shards = synth_shards(n_records, Path(tmp))
    sizes = [float(s.get_column("body").str.len_bytes().sum()) / 1e6 for s in shards]
    find_entities(shards[0].head(5))  # reference data loads outside the timing
    best = best_cpu = float("inf")
    per_shard = [float("inf")] * len(shards)
    mentions = 0
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        mentions = 0
        for i, shard in enumerate(shards):
            t0 = time.process_time()
            mentions += find_entities(shard)[1].height
            per_shard[i] = min(per_shard[i], time.process_time() - t0)
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, time.process_time() - started_cpu)
    size = sum(sizes)
    return {
        "records": float(n_records),
        "shards": float(len(shards)),
        "articles": float(sum(s.height for s in shards)),
        "min_call": float(min(s.height for s in shards)),
        "max_call": float(max(s.height for s in shards)),
        "megabytes": size,
        "seconds": best,
        "cpu_seconds": best_cpu,
        "mentions": float(mentions),
        "threads": float(pl.thread_pool_size()),
        "mb_per_s": size / best,
        "mb_per_cpu_s": size / best_cpu,
        # the slowest shard (usually the smallest: each call has a fixed cost)
        "worst_shard_mb_per_cpu_s": min(
            mb / t for mb, t in zip(sizes, per_shard, strict=True) if t > 0
        ),
    }


def _print_metrics(metrics: dict[str, float]) -> None:
    print(
        f"articles {metrics['articles']:.0f}  gold mentions {metrics['gold']:.0f}  "
        f"predicted {metrics['predicted']:.0f}"
    )
    print(f"{'':8} {'precision':>9} {'recall':>7} {'F1':>6}")
    for label, prefix in [("all", ""), *((t, f"{t}_") for t in ENTITY_TYPES)]:
        print(
            f"{label:8} {metrics[prefix + 'precision']:9.3f} {metrics[prefix + 'recall']:7.3f} "
            f"{metrics[prefix + 'f1']:6.3f}"
        )
    print(f"canonicalisation accuracy {metrics['canonical_accuracy']:.3f}")
    print(
        f"names not in the gazetteer: {metrics['unseen_gold']:.0f} of {metrics['gold']:.0f} gold "
        f"mentions, typed recall {metrics['unseen_recall']:.3f}"
    )


def main(argv: list[str] | None = None) -> int:
    """Print typed P/R/F1, per-type scores and canonicalisation accuracy (and, on request, the
    errors and the throughput)."""
    parser = argparse.ArgumentParser(
        prog="python -m newsdesk.evaluation.entities", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("folder", type=Path, nargs="?", default=Path("data/eval/entities"))
    parser.add_argument("--errors", action="store_true", help="list every fp / fn / wrong name")
    parser.add_argument(
        "--benchmark", type=float, metavar="MB", help="also measure throughput on MB of synth text"
    )
    parser.add_argument(
        "--batch", type=int, default=500, help="articles per find_entities call (default 500)"
    )
    parser.add_argument(
        "--synth",
        type=int,
        metavar="N",
        help="also measure throughput on `newsdesk synth --n N`, one call per flow shard",
    )
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        parser.error(f"{args.folder} is not a folder")
    frame, metrics = evaluate(args.folder)
    _print_metrics(metrics)
    if args.errors:
        wrong = frame.filter(
            (pl.col("outcome") != "tp") | (pl.col("gold_name") != pl.col("pred_name"))
        )
        with pl.Config(tbl_rows=-1, tbl_width_chars=160, fmt_str_lengths=40):
            print(wrong)
    if args.benchmark:
        bench = benchmark(args.benchmark, batch_articles=args.batch)
        print(
            f"throughput: {bench['articles']:.0f} bodies in batches of {args.batch}, "
            f"{bench['megabytes']:.1f} MB, {bench['mentions']:.0f} mentions, "
            f"{bench['threads']:.0f} Polars thread(s): best wall {bench['seconds']:.2f} s -> "
            f"{bench['mb_per_s']:.1f} MB/s; CPU {bench['cpu_seconds']:.2f} s -> "
            f"{bench['mb_per_cpu_s']:.1f} MB/s per core"
        )
    if args.synth:
        sb = benchmark_synth(args.synth)
        print(
            f"synth --n {args.synth}: {sb['articles']:.0f} bodies in {sb['shards']:.0f} shard "
            f"calls ({sb['min_call']:.0f}-{sb['max_call']:.0f} articles), "
            f"{sb['megabytes']:.1f} MB, "
            f"{sb['mentions']:.0f} mentions, {sb['threads']:.0f} Polars thread(s): best wall "
            f"{sb['seconds']:.2f} s -> {sb['mb_per_s']:.1f} MB/s; CPU {sb['cpu_seconds']:.2f} s "
            f"-> {sb['mb_per_cpu_s']:.1f} MB/s per core (slowest shard "
            f"{sb['worst_shard_mb_per_cpu_s']:.1f} MB/s)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
