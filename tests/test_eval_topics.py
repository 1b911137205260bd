"""Topics evaluation: the labelled set, its scores (pinned floors) and the command line."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from newsdesk.evaluation.topics import (
    DESKS,
    NONE,
    PER_TOPIC,
    benchmark,
    evaluate,
    load_labelled,
    main,
    misses,
)
from newsdesk.reference import load_csv

from .conftest import ROOT

LABELLED = ROOT / "data" / "eval" / "topics" / "labelled.jsonl"

#: Measured with `uv run python -m newsdesk.evaluation.topics data/eval/topics/labelled.jsonl`
#: (254 articles): macro-F1 0.9915 over the 17 top-level subjects, 0.9866 on the five desks,
#: 0.9857 on the holdout half. Floors: the measurement minus 0.02, never below the goal 0.85.
#: Untouched measurements, for the record: the holdout half before the second round of term
#: work 0.8756 top-level / 0.9736 desks; the "fresh" desk articles after it 0.9664 desks.
MACRO_F1_FLOOR = 0.97
DESK_MACRO_F1_FLOOR = 0.965
HOLDOUT_MACRO_F1_FLOOR = 0.965


@pytest.fixture(scope="module")
def result() -> tuple[pl.DataFrame, pl.DataFrame, dict[str, float]]:
    return evaluate(LABELLED)


def _words(text: str) -> int:
    return len(text.split())


def test_labelled_set_shape() -> None:
    rows = load_labelled(LABELLED)
    assert len(rows) >= 200
    taxonomy = load_csv("iptc_mediatopics.csv")
    parent = dict(taxonomy.select("code", "parent").iter_rows())
    tops = Counter(r["top_level"] for r in rows)
    assert len(tops) >= 12
    for desk in DESKS:
        assert tops[desk] >= 25, desk
    for r in rows:
        assert set(r) <= {"id", "title", "body", "top_level", "second_level", "split"}, r["id"]
        assert r["title"].strip(), r["id"]
        assert 150 <= _words(r["body"]) <= 400, (r["id"], _words(r["body"]))
        code = r["top_level"].removeprefix("medtop:")
        assert parent.get(code, "missing") is None, r["id"]  # a top-level code
        if "second_level" in r:
            assert parent[r["second_level"].removeprefix("medtop:")] == code, r["id"]
        assert r["split"] in {"tune", "holdout", "fresh"}
    splits = Counter(r["split"] for r in rows)
    assert splits["tune"] >= 100
    assert splits["holdout"] >= 100
    # varied writing: no body repeated, titles distinct
    assert len({r["body"] for r in rows}) == len(rows)
    assert len({r["title"] for r in rows}) == len(rows)


def test_scores_clear_the_floors(
    result: tuple[pl.DataFrame, pl.DataFrame, dict[str, float]],
) -> None:
    per_topic, _, summary = result
    worst = per_topic.sort("f1").head(3).rows()
    assert summary["macro_f1"] >= MACRO_F1_FLOOR, (summary, worst, misses(LABELLED))
    assert summary["desk_macro_f1"] >= DESK_MACRO_F1_FLOOR, summary
    assert summary["macro_f1_holdout"] >= HOLDOUT_MACRO_F1_FLOOR, summary
    assert summary["macro_f1"] >= 0.85
    assert summary["coverage"] >= 0.98


def test_tables_are_consistent(
    result: tuple[pl.DataFrame, pl.DataFrame, dict[str, float]],
) -> None:
    per_topic, confusion, summary = result
    rows = load_labelled(LABELLED)
    assert per_topic.schema == pl.Schema(PER_TOPIC)
    assert per_topic["support"].sum() == len(rows)
    assert per_topic["f1"].is_between(0.0, 1.0).all()
    # confusion: gold rows sum to their support, diagonal = true positives, "none" last
    assert confusion.columns[0] == "gold"
    assert confusion.columns[-1] == NONE
    counts = confusion.drop("gold")
    assert counts.sum_horizontal().sum() == len(rows)
    support = dict(per_topic.select("key", "support").iter_rows())
    tp = dict(per_topic.select("key", "tp").iter_rows())
    for gold, *cells in confusion.iter_rows():
        assert sum(cells) == support[gold]
        assert dict(zip(counts.columns, cells, strict=True))[gold] == tp[gold]
    assert summary["n"] == len(rows)
    assert summary["n_tune"] + summary["n_holdout"] + summary["n_fresh"] == len(rows)
    assert summary["desk_n"] == sum(r["top_level"] in DESKS for r in rows)


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_evaluate_counts_none_and_maps_desks(tmp_path: Path) -> None:
    sport = (
        "The striker scored twice in the second half as the league leaders won 3-1 at home. "
        "The manager praised his players after the match and the goalkeeper made two fine "
        "saves before the final whistle in front of a sell-out crowd at the stadium."
    )
    path = _write(
        tmp_path / "tiny.jsonl",
        [
            {"id": "a", "title": "Late goals", "body": sport, "top_level": "medtop:15000000"},
            # nothing to go on: predicted "none", a miss for its gold subject
            {
                "id": "b",
                "title": "Update",
                "body": "Lorem ipsum dolor sit amet.",
                "top_level": "medtop:04000000",
            },
            # gold outside the five desks: counted top-level, not in the desk subset
            {"id": "c", "title": "Late goals", "body": sport, "top_level": "medtop:08000000"},
        ],
    )
    per_topic, confusion, summary = evaluate(path)
    assert summary["n"] == 3
    assert summary["coverage"] == pytest.approx(2 / 3, abs=1e-4)
    assert summary["desk_n"] == 2
    assert summary["desk_accuracy"] == 0.5
    assert summary["accuracy"] == pytest.approx(1 / 3, abs=1e-4)
    assert dict(confusion.select("gold", NONE).iter_rows()) == {"04": 1, "08": 0, "15": 0}
    assert per_topic.filter(pl.col("key") == "15")["predicted"].to_list() == [2]
    assert misses(path)["id"].to_list() == ["b", "c"]


def test_load_labelled_rejects_bad_files(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="missing fields"):
        load_labelled(_write(tmp_path / "a.jsonl", [{"id": "x", "body": "y"}]))
    row = {"id": "x", "body": "y", "top_level": "medtop:15000000"}
    with pytest.raises(ValueError, match="not unique"):
        load_labelled(_write(tmp_path / "b.jsonl", [row, row]))


def test_main_prints_tables(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(LABELLED), "--misses"]) == 0
    out = capsys.readouterr().out
    for needed in ("Per topic", "Confusion matrix", "macro_f1_holdout", "desk_macro_f1"):
        assert needed in out
    assert main([str(LABELLED.with_name("missing.jsonl"))]) == 2


@pytest.mark.skipif(
    not os.environ.get("NEWSDESK_BENCH"), reason="benchmark: set NEWSDESK_BENCH=1 to run"
)
def test_benchmark_topics_and_themes_together() -> None:
    """NEWSDESK_BENCH=1 POLARS_MAX_THREADS=1 uv run pytest tests/test_eval_topics.py -k bench -s"""
    figures = benchmark(5)
    print(figures)
    assert figures["megabytes"] >= 4
    assert figures["together_mb_per_cpu_s"] >= 20
