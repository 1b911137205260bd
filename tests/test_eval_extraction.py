"""Extraction quality gate on the labelled text dumps in data/eval/textdumps/.

Floors are pinned from the figures the extractor reached when they were set (minus 0.01 for
body scores); a change that drops below one fails here. Raise a floor when the extractor
gets better; never lower one without saying why in the commit.

The throughput benchmark is not part of the default run: ``NEWSDESK_BENCH=1 uv run pytest
tests/test_eval_extraction.py -q -s`` (set ``POLARS_MAX_THREADS=1`` for a one-core figure).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from newsdesk.evaluation import extraction

ROOT = Path(__file__).resolve().parents[1]
EVAL_DIR = ROOT / "data" / "eval" / "textdumps"
HOLDOUT_DIR = EVAL_DIR / "holdout"

# Reached on 2025-10 (see the closing note of issue 4): P 0.989, R 0.998, F1 0.994, title
# 100 %. Floors = reached - 0.01 (body), one title miss allowed.
F1_FLOOR = 0.984
PRECISION_FLOOR = 0.979
RECALL_FLOOR = 0.988
TITLE_FLOOR = 0.98
# The hold-out dumps were written after the rules above and scored 0.964 F1 on first run;
# the rules were then corrected on them (so they are no longer a clean hold-out): 0.989.
HOLDOUT_F1_FLOOR = 0.979

GOLD_KEYS = {
    "title",
    "author",
    "published",
    "original_source",
    "view_count",
    "comment_count",
    "dateline_place",
    "body",
}


@pytest.fixture(scope="module")
def scored() -> tuple[pl.DataFrame, dict[str, float]]:
    return extraction.evaluate(EVAL_DIR)


def _gold(folder: Path) -> dict[str, dict[str, Any]]:
    return {
        p.stem: json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(folder.glob("*.json"))
        if p.with_suffix(".txt").exists()
    }


# --------------------------------------------------------------------------- the labelled set


def test_set_size_templates_and_languages() -> None:
    gold = _gold(EVAL_DIR)
    assert len(gold) >= 60
    templates = {name.split("_")[0] for name in gold}
    assert len(templates) >= 15
    languages = {g.get("language", "en") for g in gold.values()}
    assert {"en", "de", "fr", "es", "it", "pt", "nl"} <= languages


@pytest.mark.parametrize("folder", [EVAL_DIR, HOLDOUT_DIR], ids=["set", "holdout"])
def test_gold_files_are_complete_and_match_their_dump(folder: Path) -> None:
    """Every gold body paragraph is text of its dump (gold written first, the page around it)."""
    problems = []
    for name, gold in _gold(folder).items():
        missing = GOLD_KEYS - set(gold)
        if missing:
            problems.append(f"{name}: missing {sorted(missing)}")
            continue
        text = (folder / f"{name}.txt").read_text(encoding="utf-8")
        for para in gold["body"].split("\n\n"):
            if not para.strip() or para not in text:
                problems.append(f"{name}: gold paragraph not in the dump: {para[:60]!r}")
        if gold["published"] is not None and not re.fullmatch(
            r"\d{4}-\d{2}-\d{2}", gold["published"]
        ):
            problems.append(f"{name}: published {gold['published']!r} is not YYYY-MM-DD")
        if gold["title"] not in text:
            problems.append(f"{name}: title not in the dump")
    assert problems == []


# --------------------------------------------------------------------------- quality gate


def test_body_quality_floor(scored: tuple[pl.DataFrame, dict[str, float]]) -> None:
    _, overall = scored
    assert overall["files"] >= 60
    assert overall["f1"] >= max(F1_FLOOR, 0.93), overall
    assert overall["precision"] >= max(PRECISION_FLOOR, 0.85), overall
    assert overall["recall"] >= max(RECALL_FLOOR, 0.85), overall


def test_title_floor(scored: tuple[pl.DataFrame, dict[str, float]]) -> None:
    per_file, overall = scored
    wrong = per_file.filter(~pl.col("title_exact")).select("file", "title", "gold_title")
    assert overall["title_accuracy"] >= max(TITLE_FLOOR, 0.90), wrong.to_dicts()


def test_field_accuracies(scored: tuple[pl.DataFrame, dict[str, float]]) -> None:
    _, overall = scored
    for field in (
        "author",
        "date",
        "original_source",
        "view_count",
        "comment_count",
        "dateline_place",
    ):
        assert overall[f"{field}_accuracy"] >= 0.95, (field, overall)


def test_no_file_collapses(scored: tuple[pl.DataFrame, dict[str, float]]) -> None:
    per_file, _ = scored
    worst = per_file.sort("f1").head(3).select("file", "precision", "recall", "f1")
    assert per_file["f1"].min() >= 0.9, worst.to_dicts()  # type: ignore[operator]


def test_holdout_floor() -> None:
    _, overall = extraction.evaluate(HOLDOUT_DIR)
    assert overall["f1"] >= HOLDOUT_F1_FLOOR, overall
    assert min(overall["precision"], overall["recall"]) >= 0.85, overall


def test_per_file_scores_use_shingles() -> None:
    per_file, overall = extraction.evaluate(HOLDOUT_DIR)
    assert {"file", "precision", "recall", "f1", "title_exact", "date_ok"} <= set(per_file.columns)
    assert {"precision", "recall", "f1", "mean_f1", "title_accuracy"} <= set(overall)
    assert per_file.height == len(_gold(HOLDOUT_DIR))


# --------------------------------------------------------------------------- command


def test_main_prints_table_and_overall(capsys: pytest.CaptureFixture[str]) -> None:
    assert extraction.main([str(HOLDOUT_DIR)]) == 0
    out = capsys.readouterr().out
    assert "overall (" in out
    assert "body P" in out
    assert "thamesbank_01_rail-fares" in out


def test_main_user_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert extraction.main([str(tmp_path / "missing")]) == 2
    assert extraction.main([str(tmp_path)]) == 2  # no labelled dumps
    assert "error:" in capsys.readouterr().err


@pytest.mark.skipif(not os.environ.get("NEWSDESK_BENCH"), reason="set NEWSDESK_BENCH=1")
def test_benchmark_reports_throughput() -> None:
    result = extraction.benchmark(EVAL_DIR, megabytes=20)
    print(
        f"\n{result['mb']:.1f} MB in {result['seconds']:.2f} s wall / {result['cpu_seconds']:.2f}"
        f" s CPU on {result['threads']:.0f} thread(s): {result['mb_per_cpu_s']:.1f} MB/s per core"
    )
    assert result["mb"] >= 19
    assert result["mb_per_cpu_s"] > 0


def test_benchmark_synth_times_unique_articles() -> None:
    """The synthetic benchmark reads its corpus as the flow does and counts the dumps' text."""
    result = extraction.benchmark_synth(40, seed=3, rounds=1)
    assert result["docs"] > 0
    assert result["records"] >= result["docs"]
    assert result["mb"] > 0
    assert result["mb_per_cpu_s"] > 0
    # the whole shard (its JSON records too) is timed as well, over the same text
    assert result["shard_mb_per_cpu_s"] == pytest.approx(result["mb"] / result["shard_cpu_seconds"])
