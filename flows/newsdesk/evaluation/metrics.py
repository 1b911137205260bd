"""Scores shared by the evaluations: shingle overlap for bodies, P/R/F1 for labels."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """Word n-grams (lower-cased word tokens), counted: the article-extraction benchmark's unit."""
    words = _WORD.findall(text.lower())
    if len(words) < n:
        return Counter([tuple(words)]) if words else Counter()
    return Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def prf(tp: float, fp: float, fn: float) -> tuple[float, float, float]:
    """Precision, recall and F1 from counts (1.0 when there is nothing to find or find)."""
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def body_prf(predicted: str, gold: str, n: int = 4) -> tuple[float, float, float]:
    """Precision, recall and F1 of a predicted body against the gold body, on word n-grams."""
    p, g = shingles(predicted, n), shingles(gold, n)
    tp = sum((p & g).values())
    return prf(tp, sum(p.values()) - tp, sum(g.values()) - tp)


def macro_f1(pairs: Iterable[tuple[str, str]]) -> float:
    """Macro-averaged F1 over the gold labels of (gold, predicted) pairs."""
    pairs = list(pairs)
    labels = sorted({g for g, _ in pairs})
    scores = []
    for label in labels:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        fp = sum(1 for g, p in pairs if g != label and p == label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        scores.append(prf(tp, fp, fn)[2])
    return sum(scores) / len(scores) if scores else 0.0
