"""Tests for the validate stage (newsdesk.validate) and expectations/articles.json."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from newsdesk import schema
from newsdesk.settings import PROJECT_ROOT, get_settings
from newsdesk.validate import (
    CRITICAL,
    VALIDATION_RESULT,
    WARNING,
    ValidationOutcome,
    load_suite_spec,
    suite_path,
    validate_articles,
)

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
BODY = " ".join(f"word{i}" for i in range(40))
SUITE_JSON = PROJECT_ROOT / "expectations" / "articles.json"


def article(i: int, **overrides: Any) -> dict[str, Any]:
    """One valid ARTICLE row as a dict; ``overrides`` replace fields."""
    row: dict[str, Any] = {
        "article_id": f"art-{i:04d}",
        "source_path": f"dumps/batch-{i // 10}.jsonl",
        "record_key": str(i),
        "url": f"https://news.example.com/2024/story-{i}",
        "site": "news.example.com",
        "title": f"Story number {i}",
        "author": "A. Writer",
        "published_at": datetime(2024, 5, 1, tzinfo=UTC) + timedelta(minutes=i),
        "language": "en",
        "body": BODY,
        "word_count": 40,
        "view_count": 100 + i,
        "content_hash": hashlib.sha256(f"{BODY}{i}".encode()).hexdigest(),
        "run_id": "run-test",
        "file_hash": "0" * 64,
    }
    row.update(overrides)
    return row


def frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """A conformed ARTICLE frame from row dicts."""
    return schema.conform(pl.DataFrame(rows, infer_schema_length=None), schema.ARTICLE)


def make_articles(n: int = 3) -> pl.DataFrame:
    """``n`` valid ARTICLE rows."""
    return frame([article(i) for i in range(n)])


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


# --------------------------------------------------------------------------- the suite file


def test_suite_file_is_a_gx_suite_with_severity_and_notes() -> None:
    doc = json.loads(SUITE_JSON.read_text(encoding="utf-8"))
    assert doc["name"] == "articles"
    assert suite_path() == SUITE_JSON
    for e in doc["expectations"]:
        assert set(e) >= {"type", "kwargs", "meta"}
        assert e["meta"]["severity"] in (CRITICAL, WARNING)
        assert e["severity"] == e["meta"]["severity"]
        assert e["meta"]["notes"].strip()
    labels = {e.label: e.severity for e in load_suite_spec(SUITE_JSON).expectations}
    assert labels["expect_column_values_to_not_be_null(title)"] == CRITICAL
    assert labels["expect_column_values_to_be_between(word_count)"] == CRITICAL
    assert labels["expect_column_values_to_be_between(published_at)"] == WARNING
    assert labels["expect_column_values_to_be_in_set(language)"] == WARNING


def test_gx_accepts_every_expectation_in_the_file() -> None:
    from great_expectations.core import ExpectationSuite  # noqa: PLC0415

    from newsdesk.validate import _gx_runtime  # noqa: PLC0415

    _gx_runtime()
    doc = json.loads(SUITE_JSON.read_text(encoding="utf-8"))
    assert len(ExpectationSuite(**doc).expectations) == len(doc["expectations"])


def test_bad_suite_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = json.loads(SUITE_JSON.read_text(encoding="utf-8"))
    del doc["expectations"][0]["meta"]["severity"]
    (tmp_path / "articles.json").write_text(json.dumps(doc), encoding="utf-8")
    monkeypatch.setenv("NEWSDESK_EXPECTATIONS_DIR", str(tmp_path))
    get_settings.cache_clear()
    with pytest.raises(ValueError, match=r"meta\.severity"):
        validate_articles(make_articles(1), "r")


def test_importing_validate_does_not_import_gx() -> None:
    code = "import sys, newsdesk.validate; assert 'great_expectations' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PROJECT_ROOT)


# --------------------------------------------------------------------------- good and empty input


def test_good_frame_passes_entirely() -> None:
    df = make_articles(5)
    out = validate_articles(df, "run-1", now=NOW)
    assert out.valid.equals(df)
    assert out.quarantine.is_empty()
    assert out.quarantine.schema == pl.Schema(schema.QUARANTINE)
    assert out.results["success"].all()
    assert (out.results["unexpected_count"] == 0).all()


def test_results_have_one_row_per_expectation() -> None:
    spec = load_suite_spec(SUITE_JSON)
    valid, _quarantine, results = validate_articles(make_articles(2), "run-r", now=NOW)
    assert valid.height == 2
    assert results.schema == pl.Schema(VALIDATION_RESULT)
    assert results.height == len(spec.expectations)
    assert results.select("expectation", "column").rows() == [
        (e.type, e.column) for e in spec.expectations
    ]
    assert results["severity"].to_list() == [e.severity for e in spec.expectations]
    assert set(results["run_id"]) == {"run-r"}
    assert set(results["suite"]) == {"articles"}
    assert results["observed_value"].null_count() == 0


def test_empty_input_short_circuits() -> None:
    empty = schema.empty(schema.ARTICLE)
    out = validate_articles(empty, "run-e")
    assert isinstance(out, ValidationOutcome)
    assert out.valid.is_empty()
    assert out.valid.schema == empty.schema
    assert out.quarantine.schema == pl.Schema(schema.QUARANTINE)
    assert out.results.height == len(load_suite_spec(SUITE_JSON).expectations)
    assert out.results["success"].all()


def test_missing_column_is_an_error() -> None:
    with pytest.raises(ValueError, match="content_hash"):
        validate_articles(make_articles(1).drop("content_hash"), "r")


# --------------------------------------------------------------------------- each expectation fires

LONG_BODY = "x" * 2_000_001

#: case → (row overrides, labels expected in reason); every case is a critical failure.
CRITICAL_CASES: dict[str, tuple[dict[str, Any], list[str]]] = {
    "null_id": ({"article_id": None}, ["expect_column_values_to_not_be_null(article_id)"]),
    "null_source": ({"source_path": None}, ["expect_column_values_to_not_be_null(source_path)"]),
    "null_hash": ({"content_hash": None}, ["expect_column_values_to_not_be_null(content_hash)"]),
    "upper_hash": (
        {"content_hash": "A" * 64},
        ["expect_column_values_to_match_regex(content_hash)"],
    ),
    "short_hash": (
        {"content_hash": "abc123"},
        ["expect_column_values_to_match_regex(content_hash)"],
    ),
    "hash_newline": (
        {"content_hash": "a" * 64 + "\n"},
        ["expect_column_values_to_match_regex(content_hash)"],
    ),
    "ftp_url": ({"url": "ftp://files.example.com/a"}, ["expect_column_values_to_match_regex(url)"]),
    "relative_url": ({"url": "/2024/story"}, ["expect_column_values_to_match_regex(url)"]),
    "space_url": ({"url": "https://example.com/a b"}, ["expect_column_values_to_match_regex(url)"]),
    "no_host_url": ({"url": "https://"}, ["expect_column_values_to_match_regex(url)"]),
    "newline_url": (
        {"url": "https://example.com/a\n"},
        ["expect_column_values_to_match_regex(url)"],
    ),
    "null_title": ({"title": None}, ["expect_column_values_to_not_be_null(title)"]),
    "null_body": ({"body": None}, ["expect_column_values_to_not_be_null(body)"]),
    "empty_body": ({"body": ""}, ["expect_column_value_lengths_to_be_between(body)"]),
    "huge_body": ({"body": LONG_BODY}, ["expect_column_value_lengths_to_be_between(body)"]),
    "null_words": ({"word_count": None}, ["expect_column_values_to_not_be_null(word_count)"]),
    "few_words": ({"word_count": 5}, ["expect_column_values_to_be_between(word_count)"]),
    "many_words": ({"word_count": 200_001}, ["expect_column_values_to_be_between(word_count)"]),
    "negative_views": ({"view_count": -1}, ["expect_column_values_to_be_between(view_count)"]),
    "two_failures": (
        {"title": None, "url": "mailto:desk@example.com"},
        [
            "expect_column_values_to_match_regex(url)",
            "expect_column_values_to_not_be_null(title)",
        ],
    ),
}

#: case → row overrides that must stay valid.
VALID_CASES: dict[str, dict[str, Any]] = {
    "null_url": {"url": None},
    "upper_scheme_url": {"url": "HTTPS://Example.com/A?b=1#c"},
    "null_views": {"view_count": None},
    "zero_views": {"view_count": 0},
    "null_date": {"published_at": None},
    "null_language": {"language": None},
    "min_words": {"word_count": 20},
    "max_words": {"word_count": 200_000},
    "one_char_body": {"body": "x"},
    # warnings only: reported, row stays valid
    "old_date": {"published_at": datetime(1989, 12, 31, tzinfo=UTC)},
    "future_date": {"published_at": NOW + timedelta(days=2)},
    "unknown_language": {"language": "xx"},
}


@pytest.fixture(scope="module")
def mixed() -> tuple[pl.DataFrame, ValidationOutcome]:
    """One frame with every crafted row (record_key = case name) plus good rows, validated once."""
    rows = [article(i) for i in range(3)]
    n = len(rows)
    for offset, (case, (overrides, _)) in enumerate(CRITICAL_CASES.items()):
        rows.append(article(n + offset, record_key=case, **overrides))
    n = len(rows)
    for offset, (case, overrides) in enumerate(VALID_CASES.items()):
        rows.append(article(n + offset, record_key=case, **overrides))
    # a duplicated id: both copies are quarantined
    rows.append(article(900, record_key="dup_a", article_id="art-dup"))
    rows.append(article(901, record_key="dup_b", article_id="art-dup"))
    df = frame(rows)
    get_settings.cache_clear()
    return df, validate_articles(df, "run-mixed", now=NOW)


def _reason(out: ValidationOutcome, record_key: str) -> str:
    hit = out.quarantine.filter(pl.col("record_key") == record_key)
    assert hit.height == 1, f"{record_key} quarantined {hit.height} times"
    return str(hit["reason"][0])


@pytest.mark.parametrize("case", list(CRITICAL_CASES))
def test_each_critical_expectation_quarantines(
    mixed: tuple[pl.DataFrame, ValidationOutcome], case: str
) -> None:
    _, out = mixed
    assert case not in out.valid["record_key"].to_list()
    assert _reason(out, case) == "; ".join(sorted(CRITICAL_CASES[case][1], key=_suite_order))


def _suite_order(label: str) -> int:
    return [e.label for e in load_suite_spec(SUITE_JSON).expectations].index(label)


@pytest.mark.parametrize("case", list(VALID_CASES))
def test_allowed_and_warning_rows_stay_valid(
    mixed: tuple[pl.DataFrame, ValidationOutcome], case: str
) -> None:
    _, out = mixed
    assert case in out.valid["record_key"].to_list()
    assert case not in out.quarantine["record_key"].to_list()


def test_duplicate_ids_quarantine_every_copy(
    mixed: tuple[pl.DataFrame, ValidationOutcome],
) -> None:
    _, out = mixed
    for key in ("dup_a", "dup_b"):
        assert _reason(out, key) == "expect_column_values_to_be_unique(article_id)"


def test_every_expectation_fails_somewhere_in_mixed(
    mixed: tuple[pl.DataFrame, ValidationOutcome],
) -> None:
    _, out = mixed
    failed = out.results.filter(~pl.col("success"))
    assert failed.height == out.results.height  # the crafted rows break every expectation
    by_label = {
        f"{e}({c})": n
        for e, c, n in failed.select("expectation", "column", "unexpected_count").rows()
    }
    assert by_label["expect_column_values_to_be_between(published_at)"] == 2  # old + future
    assert by_label["expect_column_values_to_be_in_set(language)"] == 1
    assert by_label["expect_column_values_to_be_unique(article_id)"] == 2
    assert by_label["expect_column_values_to_match_regex(url)"] == 6


def test_reconciliation(mixed: tuple[pl.DataFrame, ValidationOutcome]) -> None:
    df, out = mixed
    assert out.quarantine["record_key"].n_unique() == out.quarantine.height
    assert out.valid.height + out.quarantine.height == df.height
    assert out.valid.columns == df.columns
    assert set(out.valid["record_key"]).isdisjoint(set(out.quarantine["record_key"]))
    assert set(out.valid["record_key"]) | set(out.quarantine["record_key"]) == set(df["record_key"])


def test_quarantine_rows_conform(mixed: tuple[pl.DataFrame, ValidationOutcome]) -> None:
    _, out = mixed
    q = out.quarantine
    assert q.schema == pl.Schema(schema.QUARANTINE)
    assert set(q["stage"]) == {"validate"}
    assert set(q["run_id"]) == {"run-mixed"}
    raw = json.loads(q.filter(pl.col("record_key") == "huge_body")["raw"][0])
    assert raw["body"] == "x" * 2_000
    assert raw["title"].startswith("Story number")
    assert raw["url"].startswith("https://")
    assert raw["published_at"].endswith("+00:00")
    assert (q["raw"].str.len_chars() <= get_settings().quarantine_raw_chars).all()


# --------------------------------------------------------------------------- run-time parameters


def test_published_at_bound_is_now_plus_one_day() -> None:
    df = frame(
        [
            article(0, published_at=NOW + timedelta(hours=23)),
            article(1, published_at=NOW + timedelta(hours=25)),
        ]
    )
    out = validate_articles(df, "r", now=NOW)
    assert out.valid.height == 2  # a warning never quarantines
    row = out.results.filter(pl.col("column") == "published_at")
    assert row["severity"].item() == WARNING
    assert row["unexpected_count"].item() == 1
    # default "now" is the wall clock: 2024-era dates pass, one far in the future does not
    out = validate_articles(frame([article(0, published_at=datetime(2999, 1, 1, tzinfo=UTC))]), "r")
    assert out.results.filter(pl.col("column") == "published_at")["success"].item() is False


def test_min_body_words_comes_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_MIN_BODY_WORDS", "50")
    get_settings.cache_clear()
    out = validate_articles(make_articles(2), "r", now=NOW)  # rows have 40 words
    assert out.valid.is_empty()
    assert set(out.quarantine["reason"]) == {"expect_column_values_to_be_between(word_count)"}


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        validate_articles(make_articles(1), "r", now=datetime(2024, 1, 1))


# --------------------------------------------------------------------------- datetimes


def test_tz_aware_datetimes_in_other_zones() -> None:
    paris = ZoneInfo("Europe/Paris")
    rows = [
        # 1990-01-01 00:30 in Paris is 1989-12-31 23:30 UTC: before the lower bound
        article(0, published_at=datetime(1990, 1, 1, 0, 30, tzinfo=paris)),
        # 1990-01-01 01:30 in Paris is 00:30 UTC: inside
        article(1, published_at=datetime(1990, 1, 1, 1, 30, tzinfo=paris)),
        article(2, published_at=None),
    ]
    df = pl.DataFrame(rows).with_columns(
        pl.col("published_at").dt.convert_time_zone("Europe/Paris")
    )
    assert df.schema["published_at"] == pl.Datetime("us", "Europe/Paris")
    out = validate_articles(df, "r", now=NOW)
    assert out.valid.height == 3
    assert out.valid.schema == df.schema
    row = out.results.filter(pl.col("column") == "published_at")
    assert row["unexpected_count"].item() == 1
    assert "1 null" in row["observed_value"].item()


def test_utc_datetimes_and_nanosecond_precision() -> None:
    df = make_articles(2).with_columns(pl.col("published_at").cast(pl.Datetime("ns", "UTC")))
    out = validate_articles(df, "r", now=NOW)
    assert out.valid.height == 2
    assert out.results["success"].all()
