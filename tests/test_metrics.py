"""Evaluation metrics: shingle F1 and macro-F1 behave as the benchmarks define them."""

from __future__ import annotations

import pytest

from newsdesk.evaluation.metrics import body_prf, macro_f1, prf, shingles


def test_identical_bodies_score_one() -> None:
    text = "The central bank raised interest rates by a quarter point on Thursday."
    assert body_prf(text, text) == (1.0, 1.0, 1.0)


def test_extra_furniture_lowers_precision_only() -> None:
    gold = "The central bank raised interest rates by a quarter point on Thursday."
    predicted = gold + " Share this on Facebook Twitter WhatsApp and sign up for our newsletter."
    p, r, f = body_prf(predicted, gold)
    assert r == 1.0
    assert p < 0.6
    assert f == pytest.approx(2 * p / (p + 1))


def test_missing_paragraph_lowers_recall_only() -> None:
    gold = "one two three four five six. seven eight nine ten eleven twelve."
    p, r, _ = body_prf("one two three four five six.", gold)
    assert p == 1.0
    assert r == pytest.approx(3 / 9)


def test_shingles_are_case_and_punctuation_insensitive() -> None:
    assert shingles("A, b. C d!") == shingles("a b c d")


def test_prf_edge_cases() -> None:
    assert prf(0, 0, 0) == (1.0, 1.0, 1.0)
    assert prf(0, 1, 1) == (0.0, 0.0, 0.0)


def test_macro_f1() -> None:
    pairs = [("a", "a"), ("a", "b"), ("b", "b"), ("b", "b")]
    # a: P=1, R=.5, F=.667; b: P=.667, R=1, F=.8
    assert macro_f1(pairs) == pytest.approx((2 / 3 + 0.8) / 2)
