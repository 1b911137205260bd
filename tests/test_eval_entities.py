"""Tests for the entities evaluation (newsdesk.evaluation.entities) and the quality floors."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest

from newsdesk.evaluation.entities import (
    benchmark,
    benchmark_synth,
    evaluate,
    load_labelled,
    main,
    parse_marked,
    score,
    synth_shards,
)

EVAL = Path(__file__).parents[1] / "data" / "eval" / "entities"

#: Typed exact-span F1 on data/eval/entities when these floors were set: 0.959 on the 60
#: articles the rules were developed on (the issue's bar is 0.85; the floor is that minus 0.02,
#: rounded down) and 0.91 on the 15 held-out articles, written before and never tuned on.
F1_FLOOR = 0.935
HOLDOUT_F1_FLOOR = 0.88
CANONICAL_FLOOR = 0.97
#: The second hold-out (24 articles): 0.832 untouched (0.871 once "(Reuters)" was marked as in
#: the other sets), 0.950 after general rules were added for its error classes.
HOLDOUT2_F1_FLOOR = 0.92
HOLDOUT2 = EVAL.parent / "entities_holdout2"


def test_markup_is_parsed_into_body_and_gold_spans() -> None:
    body, gold = parse_marked(
        "[[LIMA|LOC|Lima]] (Reuters) - [[Renata Quispe|PERSON]] of [[Peru Avanza|ORG]] won. "
        "[[Quispe|PERSON|Renata Quispe]]'s rival conceded."
    )
    assert body == ("LIMA (Reuters) - Renata Quispe of Peru Avanza won. Quispe's rival conceded.")
    assert gold == [
        (0, 4, "LOC", "Lima"),
        (17, 30, "PERSON", "Renata Quispe"),
        (34, 45, "ORG", "Peru Avanza"),
        (51, 57, "PERSON", "Renata Quispe"),
    ]
    for start, end, _, _ in gold:
        assert body[start:end].strip() == body[start:end]


def test_broken_markup_is_refused() -> None:
    with pytest.raises(ValueError, match="unparsed markup"):
        parse_marked("[[Lima|CITY]] is a place")


def test_score_counts_exact_typed_spans() -> None:
    labelled = {
        "a": ("Ann Lee met Bo in Rome.", [(0, 7, "PERSON", "Ann Lee"), (18, 22, "LOC", "Rome")])
    }
    predicted = pl.DataFrame(
        {
            "article_id": ["a", "a", "a"],
            "start": [0, 11, 18],
            "end": [7, 13, 22],
            "surface": ["Ann Lee", "Bo", "Rome"],
            "type": ["PERSON", "PERSON", "ORG"],  # Rome has the wrong type
            "name": ["Ann Lee", "Bo", "Rome"],
        }
    )
    frame, m = score(labelled, predicted)
    assert m["precision"] == pytest.approx(1 / 3)
    assert m["recall"] == pytest.approx(1 / 2)
    assert m["PERSON_f1"] == pytest.approx(2 / 3)
    assert m["LOC_recall"] == 0.0
    assert m["ORG_precision"] == 0.0
    assert m["canonical_accuracy"] == 1.0
    assert sorted(frame["outcome"].to_list()) == ["fn", "fp", "fp", "tp"]


def test_labelled_set_is_well_formed() -> None:
    labelled = load_labelled(EVAL)
    assert len(labelled) >= 50
    gold = [g for _, mentions in labelled.values() for g in mentions]
    assert len(gold) > 700
    assert {t for _, _, t, _ in gold} == {"PERSON", "ORG", "LOC"}
    for body, mentions in labelled.values():
        for start, end, _, name in mentions:
            assert body[start:end] == body[start:end].strip() and name.strip() == name


def test_typed_f1_on_the_labelled_set_stays_above_the_floor() -> None:
    frame, m = evaluate(EVAL)
    assert m["articles"] >= 50
    assert m["f1"] >= max(0.85, F1_FLOOR), m
    assert m["canonical_accuracy"] >= CANONICAL_FLOOR, m
    for etype in ("PERSON", "ORG", "LOC"):
        assert m[f"{etype}_f1"] >= 0.85, (etype, m)
    # most gold names are not in the gazetteer, and the rules find most of them
    assert m["unseen_gold"] / m["gold"] > 0.5
    assert m["unseen_recall"] >= 0.85, m
    assert set(frame["outcome"].unique().to_list()) <= {"tp", "fp", "fn"}


def test_typed_f1_on_the_held_out_articles_stays_above_the_floor() -> None:
    _, m = evaluate(EVAL / "holdout")
    assert m["articles"] >= 15
    assert m["f1"] >= HOLDOUT_F1_FLOOR, m


def test_typed_f1_on_the_second_holdout_stays_above_the_floor() -> None:
    _, m = evaluate(HOLDOUT2)
    assert m["articles"] >= 20
    assert m["f1"] >= HOLDOUT2_F1_FLOOR, m


def test_synth_shards_are_the_flows_calls(tmp_path: Path) -> None:
    shards = synth_shards(80, tmp_path)
    assert shards
    bodies = pl.concat(shards).get_column("body")
    assert bodies.len() > 40
    assert bodies.n_unique() == bodies.len()  # the run's duplicates are dropped
    assert (bodies.str.len_bytes() > 0).all()


def test_main_prints_the_scores(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(EVAL / "holdout")]) == 0
    out = capsys.readouterr().out
    assert "precision" in out and "canonicalisation accuracy" in out
    assert "PERSON" in out and "not in the gazetteer" in out


@pytest.mark.skipif(
    not os.environ.get("NEWSDESK_ENTITIES_BENCH_MB"),
    reason="set NEWSDESK_ENTITIES_BENCH_MB=<megabytes> (POLARS_MAX_THREADS=1: a per-core figure)",
)
def test_benchmark_on_synth_bodies() -> None:
    result = benchmark(float(os.environ["NEWSDESK_ENTITIES_BENCH_MB"]))
    print(f"\nentities benchmark: {result}")
    assert result["megabytes"] > 0.5
    assert result["mentions"] > 0


@pytest.mark.skipif(
    not os.environ.get("NEWSDESK_ENTITIES_BENCH_SYNTH"),
    reason="set NEWSDESK_ENTITIES_BENCH_SYNTH=<records> (POLARS_MAX_THREADS=1: a per-core figure)",
)
def test_benchmark_on_the_flows_synth_shards() -> None:
    result = benchmark_synth(int(os.environ["NEWSDESK_ENTITIES_BENCH_SYNTH"]), repeats=1)
    print(f"\nentities synth benchmark: {result}")
    assert result["shards"] >= 1
    assert result["mentions"] > 0
