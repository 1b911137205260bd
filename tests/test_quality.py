"""Tests for the batch-level checks (newsdesk.quality): each fires on a crafted run only."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from newsdesk import schema
from newsdesk.quality import (
    BATCH_SUITE,
    CHECKS,
    NO_SITE,
    BatchThresholds,
    batch_checks,
    failed_checks,
    site_counts,
    undated_count,
)
from newsdesk.settings import PROJECT_ROOT
from newsdesk.validate import CRITICAL, VALIDATION_RESULT, WARNING

T0 = datetime(2025, 1, 1, tzinfo=UTC)
SITES = ("a.example", "b.example", "c.example")


def history_runs(n: int = 5, records_in: int = 1000, loaded: int = 900) -> pl.DataFrame:
    """``n`` earlier completed runs, a day apart, of similar size."""
    return pl.DataFrame(
        {
            "run_id": [f"h{i}" for i in range(n)],
            "started_at": [T0 + timedelta(days=i) for i in range(n)],
            "status": ["completed"] * n,
            "records_in": [records_in + 10 * i for i in range(n)],
            "loaded": [loaded + 10 * i for i in range(n)],
            "duplicates": [50] * n,
            "quarantined": [50] * n,
        }
    )


def site_history(history: pl.DataFrame, per_site: int = 300) -> pl.DataFrame:
    return pl.DataFrame(
        [(r, s, per_site) for r in history["run_id"] for s in SITES],
        schema=["run_id", "site", "loaded"],
        orient="row",
    )


def per_site(**counts: int) -> pl.DataFrame:
    base = dict.fromkeys(SITES, 300)
    base.update({k.replace("_", "."): v for k, v in counts.items()})
    return pl.DataFrame({"site": list(base), "loaded": list(base.values())})


NORMAL: dict[str, Any] = {
    "run_id": "now",
    "records_in": 1000,
    "loaded": 900,
    "duplicates": 50,
    "quarantined": 50,
    "undated": 20,
}


def check(run: dict[str, Any], sites: pl.DataFrame | None = None, **kw: Any) -> pl.DataFrame:
    history = kw.pop("history", history_runs())
    sh = kw.pop("site_history", site_history(history))
    return batch_checks(
        {**NORMAL, **run}, history, per_site() if sites is None else sites, sh, **kw
    )


def failing(results: pl.DataFrame) -> list[str]:
    return results.filter(~pl.col("success"))["expectation"].to_list()


# --------------------------------------------------------------------------- shape


def test_normal_run_passes_every_check() -> None:
    out = check({})
    assert out.schema == pl.Schema(VALIDATION_RESULT)
    assert out["expectation"].to_list() == list(CHECKS)
    assert set(out["suite"]) == {BATCH_SUITE}
    assert set(out["run_id"]) == {"now"}
    assert out["success"].all(), out.rows()
    assert out["observed_value"].null_count() == 0
    assert dict(zip(out["expectation"], out["severity"], strict=True)) == CHECKS
    assert not failed_checks(out)
    loaded = out.filter(pl.col("expectation") == "loaded_within_history")
    assert "median of 5 comparable runs 920" in loaded["observed_value"].item()


# --------------------------------------------------------------------------- each check fires

#: case → (run overrides, per-site overrides, checks expected to fail)
CASES: dict[str, tuple[dict[str, Any], dict[str, int], list[str]]] = {
    "lost_records": ({"loaded": 899}, {}, ["records_reconcile"]),
    "low_volume": (
        {"records_in": 560, "loaded": 440, "duplicates": 65, "quarantined": 55},
        {"a_example": 150, "b_example": 150, "c_example": 150},
        ["loaded_within_history"],
    ),
    "null_dates": ({"undated": 400}, {}, ["null_date_share"]),
    "many_quarantined": (
        {"loaded": 800, "quarantined": 150},
        {},
        ["quarantine_share"],
    ),
    "many_duplicates": ({"loaded": 600, "duplicates": 350}, {}, ["duplicate_share"]),
    "site_vanished": ({}, {"c_example": 0}, ["site_volume_drop"]),
    "site_halved": ({}, {"b_example": 149}, ["site_volume_drop"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_check_fires_on_a_crafted_run(case: str) -> None:
    run, sites, expected = CASES[case]
    out = check(run, per_site(**sites))
    assert failing(out) == expected
    assert failed_checks(out) == any(CHECKS[c] == CRITICAL for c in expected)
    row = out.filter(pl.col("expectation") == expected[0])
    assert row["unexpected_count"].item() > 0


def test_dropped_sites_are_named() -> None:
    out = check({}, per_site(c_example=0, b_example=100))
    row = out.filter(pl.col("expectation") == "site_volume_drop")
    assert row["unexpected_count"].item() == 2
    assert row["observed_value"].item() == "b.example: 100 (median 300); c.example: 0 (median 300)"
    assert row["column"].item() == "site"


def test_duplicate_share_is_only_a_warning() -> None:
    out = check(*CASES["many_duplicates"][:1])
    assert out.filter(~pl.col("success"))["severity"].to_list() == [WARNING]
    assert not failed_checks(out)


# --------------------------------------------------------------------------- when not to judge


def test_small_sites_and_new_sites_are_not_watched() -> None:
    sh = site_history(history_runs()).with_columns(
        loaded=pl.when((pl.col("site") == "c.example") & (pl.col("run_id") == "h2"))
        .then(4)  # below site_min_articles once: c.example is not watched
        .otherwise(pl.col("loaded"))
    )
    out = check({}, per_site(c_example=0, d_example=1), site_history=sh)
    assert failing(out) == []
    assert (
        "2 sites"
        in out.filter(pl.col("expectation") == "site_volume_drop")["observed_value"].item()
    )


def test_only_the_last_comparable_runs_count_for_sites() -> None:
    history = history_runs(6)
    sh = site_history(history).with_columns(
        loaded=pl.when((pl.col("site") == "c.example") & (pl.col("run_id") <= "h2"))
        .then(0)  # c.example is new: absent before the last three runs
        .otherwise(pl.col("loaded"))
    )
    assert failing(check({}, per_site(c_example=0), history=history, site_history=sh)) == [
        "site_volume_drop"
    ]
    sh = sh.with_columns(
        loaded=pl.when((pl.col("site") == "c.example") & (pl.col("run_id") == "h5"))
        .then(0)  # ... and it was already gone in the newest one: not watched any more
        .otherwise(pl.col("loaded"))
    )
    assert failing(check({}, per_site(c_example=0), history=history, site_history=sh)) == []


def test_no_history_means_not_judged() -> None:
    empty = schema.empty({"run_id": pl.String(), "started_at": schema.UTC_TS})
    out = check(
        {"records_in": 560, "loaded": 440, "duplicates": 65, "quarantined": 55},
        per_site(c_example=0),
        history=empty,
        site_history=pl.DataFrame(schema={"run_id": pl.String, "site": pl.String}),
    )
    assert failing(out) == []
    observed = dict(zip(out["expectation"], out["observed_value"], strict=True))
    assert "not judged" in observed["loaded_within_history"]
    assert "not judged" in observed["site_volume_drop"]


def test_only_runs_of_similar_size_and_good_status_are_a_baseline() -> None:
    low = CASES["low_volume"]
    big = history_runs(5, records_in=20_000, loaded=19_000)  # 40x the run: not comparable
    assert failing(check(low[0], per_site(**low[1]), history=big)) == []
    flagged = history_runs().with_columns(status=pl.lit("failed_checks"))
    assert failing(check(low[0], per_site(**low[1]), history=flagged)) == []
    # the current run's own row in history is ignored
    with_self = pl.concat(
        [
            history_runs(2),
            pl.DataFrame(
                {
                    "run_id": ["now"],
                    "started_at": [T0],
                    "status": ["completed"],
                    "records_in": [1000],
                    "loaded": [900],
                    "duplicates": [0],
                    "quarantined": [0],
                }
            ),
        ],
        how="diagonal_relaxed",
    )
    out = check({}, history=with_self)
    assert (
        "only 2 comparable"
        in out.filter(pl.col("expectation") == "loaded_within_history")["observed_value"].item()
    )


def test_nothing_read_passes_everything() -> None:
    out = check(
        {"records_in": 0, "loaded": 0, "duplicates": 0, "quarantined": 0, "undated": 0},
        per_site(a_example=0, b_example=0, c_example=0),
    )
    assert out["success"].all(), out.rows()


def test_tiny_runs_are_not_judged_on_shares() -> None:
    out = check({"records_in": 10, "loaded": 5, "duplicates": 3, "quarantined": 2, "undated": 5})
    assert "duplicate_share" not in failing(out)
    assert "quarantine_share" not in failing(out)
    assert "null_date_share" not in failing(out)


def test_the_sample_run_passes() -> None:
    """`newsdesk run` on data/sample: 74 in = 66 loaded + 2 duplicates + 6 quarantined."""
    run = {
        "run_id": "sample",
        "records_in": 74,
        "loaded": 66,
        "duplicates": 2,
        "quarantined": 6,
        "undated": 3,
    }
    empty_history = pl.DataFrame(schema={"run_id": pl.String, "started_at": schema.UTC_TS})
    out = batch_checks(run, empty_history, per_site(), pl.DataFrame(schema=["run_id", "site"]))
    assert out["success"].all(), out.rows()


# --------------------------------------------------------------------------- thresholds, helpers


def test_thresholds_are_settings() -> None:
    strict = BatchThresholds(max_null_date_share=0.01, max_quarantine_share=0.01)
    assert failing(check({}, thresholds=strict)) == ["null_date_share", "quarantine_share"]
    lenient = BatchThresholds(min_loaded_share_of_median=0.1)
    low = CASES["low_volume"]
    assert failing(check(low[0], per_site(**low[1]), thresholds=lenient)) == []
    with pytest.raises(ValueError, match="min_history_runs"):
        BatchThresholds(history_runs=2, min_history_runs=3)
    with pytest.raises(ValueError, match="similar_input_factor"):
        BatchThresholds(similar_input_factor=0.5)


def test_run_must_have_every_count() -> None:
    with pytest.raises(ValueError, match="undated"):
        batch_checks({k: v for k, v in NORMAL.items() if k != "undated"}, history_runs(),
                     per_site(), site_history(history_runs()))  # fmt: skip


def test_site_counts_and_undated_count() -> None:
    articles = schema.conform(
        pl.DataFrame(
            {
                "site": ["b.example", None, "b.example", "a.example"],
                "published_at": [T0, None, None, T0],
            }
        ),
        schema.ARTICLE,
    )
    assert site_counts(articles).rows() == [(NO_SITE, 1), ("a.example", 1), ("b.example", 2)]
    assert undated_count(articles) == 2


def test_failed_checks_reads_gx_rows_too() -> None:
    rows = pl.DataFrame(
        [
            ("r", "articles", "e", "c", False, 1, WARNING, "x"),
            ("r", "articles", "e", "d", True, 0, CRITICAL, "x"),
        ],
        schema=VALIDATION_RESULT,
        orient="row",
    )
    assert not failed_checks(rows)
    assert failed_checks(rows.with_columns(severity=pl.lit(CRITICAL)))


def test_importing_quality_does_not_import_gx() -> None:
    code = "import sys, newsdesk.quality; assert 'great_expectations' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PROJECT_ROOT)
