"""HTML extraction quality and speed on labelled pages (``data/eval/html/``).

Every ``<name>.html`` has a gold ``<name>.json`` (``title``, ``author``, ``published``,
``body``). The page goes through newsdesk's reader exactly as a run reads it
(``readers.read_bytes``); its body is scored against the gold body on word 4-shingles
(``metrics.body_prf``, the article-extraction benchmark's unit), its title exactly.

``evaluate(folder)`` → (one row per page, overall figures). The overall figures give the
mean precision, recall and F1 over pages, ``f1_of_means`` (F1 of mean precision and mean
recall, as the article-extraction benchmark reports it), the share of exact titles, and the
same body figures for trafilatura run alone (``trafilatura.extract`` with its defaults) on
the same bytes.

``speed(folder)`` times both on the same pages, one core, after a warm-up pass,
interleaved page by page, and gives newsdesk's pages/s as a ratio of trafilatura's
(``speed_ratio``; ``speed_ratio_best`` from each page's fastest pass, steadier on a busy
machine). Run it with ``POLARS_MAX_THREADS=1`` to compare per core.

    uv run python -m newsdesk.evaluation.html data/eval/html [--repeat 5] [--per-page]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
import trafilatura

from newsdesk.evaluation.metrics import body_prf
from newsdesk.readers import read_bytes

PER_FILE: dict[str, pl.DataType] = {
    "page": pl.String(),
    "precision": pl.Float64(),
    "recall": pl.Float64(),
    "f1": pl.Float64(),
    "title_ok": pl.Boolean(),
    "author_ok": pl.Boolean(),
    "date_ok": pl.Boolean(),
    "body_source": pl.String(),
    "trafilatura_f1": pl.Float64(),
    "error": pl.String(),
}


def _pages(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    out = []
    for page in sorted(folder.glob("*.html")):
        gold_path = page.with_suffix(".json")
        if gold_path.exists():
            out.append((page, json.loads(gold_path.read_text(encoding="utf-8"))))
    return out


def _norm(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def evaluate(folder: Path) -> tuple[pl.DataFrame, dict[str, float]]:
    """Score newsdesk's HTML reader (and trafilatura alone) on every labelled page."""
    rows = []
    for page, gold in _pages(Path(folder)):
        data = page.read_bytes()
        result = read_bytes(data, page.name, "eval", 10_000_000)
        rec = result.records[0] if result.records else {}
        error = result.quarantine[0]["reason"] if result.quarantine else None
        p, r, f = body_prf(rec.get("body") or "", gold["body"])
        baseline = trafilatura.extract(data) or ""
        extra = json.loads(rec["extra"]) if rec.get("extra") else {}
        published = rec.get("published_raw") or ""
        rows.append(
            {
                "page": page.stem,
                "precision": p,
                "recall": r,
                "f1": f,
                "title_ok": _norm(rec.get("title")) == _norm(gold.get("title")),
                "author_ok": _norm(rec.get("author")) == _norm(gold.get("author")),
                "date_ok": bool(gold.get("published"))
                and published.startswith(str(gold["published"])),
                "body_source": extra.get("body_source"),
                "trafilatura_f1": body_prf(baseline, gold["body"])[2],
                "error": error,
            }
        )
    per_file = pl.DataFrame(rows, schema=PER_FILE)
    if per_file.is_empty():
        return per_file, {"pages": 0}

    def mean(column: str) -> float:
        values = [float(v) for v in per_file[column].to_list()]
        return sum(values) / len(values)

    mp, mr = mean("precision"), mean("recall")
    overall = {
        "pages": float(per_file.height),
        "precision": mp,
        "recall": mr,
        "f1": mean("f1"),
        "f1_of_means": 2 * mp * mr / (mp + mr) if mp + mr else 0.0,
        "title_exact": mean("title_ok"),
        "author_exact": mean("author_ok"),
        "date_found": mean("date_ok"),
        "trafilatura_f1": mean("trafilatura_f1"),
        "quarantined": float(per_file["error"].is_not_null().sum()),
    }
    return per_file, overall


def speed(folder: Path, repeat: int = 3) -> dict[str, float]:
    """Pages per second, one core: newsdesk's reader vs ``trafilatura.extract`` alone.

    Both run on the same bytes, interleaved page by page (the order alternating between
    passes), so a busy machine slows both alike. ``*_pages_per_s`` come from the total time
    of all passes, ``*_best_pages_per_s`` from each page's fastest pass (as ``timeit``
    reports: the least disturbed run); ``speed_ratio`` and ``speed_ratio_best`` are
    newsdesk's figure over trafilatura's (above 1: newsdesk is faster), and
    ``speed_ratio_median`` the same from each page's median pass. On a busy machine the
    total-time ratio swings most; the best and median ones hold.
    """
    pages = [p.read_bytes() for p, _ in _pages(Path(folder))]
    if not pages:
        return {}

    def newsdesk(data: bytes) -> object:
        return read_bytes(data, "page.html", "eval", 10_000_000)

    def alone(data: bytes) -> object:
        return trafilatura.extract(data)

    fns = {"newsdesk": newsdesk, "trafilatura": alone}
    for fn in fns.values():
        for data in pages:  # warm-up: imports, caches, reference data
            fn(data)
    spent = dict.fromkeys(fns, 0.0)
    times: dict[str, list[list[float]]] = {name: [[] for _ in pages] for name in fns}
    order = list(fns.items())
    for _ in range(max(repeat, 1)):
        for i, data in enumerate(pages):
            for name, fn in order:
                start = time.perf_counter()
                fn(data)
                took = time.perf_counter() - start
                spent[name] += took
                times[name][i].append(took)
        order.reverse()  # neither always runs second, on warm caches
    timed = len(pages) * max(repeat, 1)
    out: dict[str, float] = {"timed_pages": float(timed)}
    for name in fns:
        out[f"{name}_pages_per_s"] = timed / spent[name]
    for name in fns:
        out[f"{name}_best_pages_per_s"] = len(pages) / sum(min(t) for t in times[name])
    out["speed_ratio"] = out["newsdesk_pages_per_s"] / out["trafilatura_pages_per_s"]
    out["speed_ratio_best"] = out["newsdesk_best_pages_per_s"] / out["trafilatura_best_pages_per_s"]
    medians = {name: sum(statistics.median(t) for t in times[name]) for name in fns}
    out["speed_ratio_median"] = medians["trafilatura"] / medians["newsdesk"]
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m newsdesk.evaluation.html", description=__doc__.split("\n")[0]
    )
    parser.add_argument("folder", type=Path, nargs="?", default=Path("data/eval/html"))
    parser.add_argument("--repeat", type=int, default=3, help="timing passes over the pages")
    parser.add_argument("--per-page", action="store_true", help="print every page's scores")
    parser.add_argument("--no-speed", action="store_true", help="skip the timing")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"error: {args.folder} is not a folder", file=sys.stderr)
        return 2
    per_file, overall = evaluate(args.folder)
    if args.per_page:
        with pl.Config(tbl_rows=-1, tbl_width_chars=200, fmt_str_lengths=60):
            print(per_file.drop("error"))
    figures: dict[str, float] = dict(overall)
    if not args.no_speed:
        figures.update(speed(args.folder, args.repeat))
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        shown = f"{value:.0f}" if key in ("pages", "timed_pages", "quarantined") else f"{value:.3f}"
        print(f"{key:<{width}}  {shown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
