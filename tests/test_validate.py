"""Tests for the validate stage (newsdesk.validate) and the suites in expectations/."""

from __future__ import annotations

import hashlib
import json
import os
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

from .conftest import SAMPLE

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
        "is_syndicated": False,
        "original_source": "Reuters",
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


@pytest.mark.parametrize("table", ["articles", "entity_mentions", "article_topics"])
def test_gx_accepts_every_expectation_in_the_file(table: str) -> None:
    from great_expectations.core import ExpectationSuite  # noqa: PLC0415

    from newsdesk.validate import _gx_runtime  # noqa: PLC0415

    _gx_runtime()
    path = PROJECT_ROOT / "expectations" / f"{table}.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["name"] == table
    assert len(ExpectationSuite(**doc).expectations) == len(doc["expectations"])
    for e in doc["expectations"]:
        assert e["severity"] == e["meta"]["severity"] in (CRITICAL, WARNING)
        assert e["meta"]["notes"].strip()


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
    # record_key is the fixture's case label, so this row is found by its article_id instead
    "null_record_key": (
        {"record_key": None, "article_id": "art-null-key"},
        ["expect_column_values_to_not_be_null(record_key)"],
    ),
    "null_source": ({"source_path": None}, ["expect_column_values_to_not_be_null(source_path)"]),
    "null_run": ({"run_id": None}, ["expect_column_values_to_not_be_null(run_id)"]),
    "null_syndicated": (
        {"is_syndicated": None},
        ["expect_column_values_to_not_be_null(is_syndicated)"],
    ),
    "empty_title": ({"title": ""}, ["expect_column_value_lengths_to_be_between(title)"]),
    "huge_title": ({"title": "t" * 1001}, ["expect_column_value_lengths_to_be_between(title)"]),
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
    "null_site": {"site": None},
    "publisher_name_site": {"site": "Some Publisher"},
    "unknown_source": {"original_source": "Daily Bugle"},
    "known_source": {"original_source": "Reuters"},
    "sentence_author": {"author": "a" * 201},
    "empty_author": {"author": ""},
}


@pytest.fixture(scope="module")
def mixed() -> tuple[pl.DataFrame, ValidationOutcome]:
    """One frame with every crafted row (record_key = case name) plus good rows, validated once."""
    rows = [article(i) for i in range(3)]
    n = len(rows)
    for offset, (case, (overrides, _)) in enumerate(CRITICAL_CASES.items()):
        rows.append(article(n + offset, **{"record_key": case, **overrides}))
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
    if record_key == "null_record_key":  # quarantine's record_key is NOT NULL: "" stands in
        hit = out.quarantine.filter(pl.col("raw").str.contains('"art-null-key"', literal=True))
        assert hit["record_key"].to_list() == [""]
        return str(hit["reason"][0])
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
    # the crafted rows break every expectation (site's mostly=0.8 keeps its success true)
    assert (out.results["unexpected_count"] > 0).all()
    assert out.results.filter(~pl.col("success"))["column"].to_list().count("site") == 1
    by_label = {
        f"{e}({c})": n
        for e, c, n in out.results.select("expectation", "column", "unexpected_count").rows()
    }
    assert by_label["expect_column_values_to_be_between(published_at)"] == 2  # old + future
    assert by_label["expect_column_values_to_be_in_set(language)"] == 1
    assert by_label["expect_column_values_to_be_unique(article_id)"] == 2
    assert by_label["expect_column_values_to_match_regex(url)"] == 6
    assert by_label["expect_column_values_to_be_in_set(original_source)"] == 1
    assert by_label["expect_column_values_to_match_regex(site)"] == 1
    assert by_label["expect_column_value_lengths_to_be_between(author)"] == 2


def test_reconciliation(mixed: tuple[pl.DataFrame, ValidationOutcome]) -> None:
    df, out = mixed
    assert out.quarantine["record_key"].n_unique() == out.quarantine.height
    assert out.valid.height + out.quarantine.height == df.height
    assert out.valid.columns == df.columns
    assert set(out.valid["record_key"]).isdisjoint(set(out.quarantine["record_key"]))
    keys = set(df["record_key"].fill_null(""))
    assert set(out.valid["record_key"]) | set(out.quarantine["record_key"]) == keys
    assert out.quarantine["source_path"].null_count() == 0  # NOT NULL in the warehouse
    # failures name the quarantined rows' article ids (null for the null-id row)
    assert out.failures.height == out.quarantine.height
    assert "art-dup" in out.failed_article_ids.to_list()
    assert out.failed_article_ids.null_count() == 0


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


# =========================================================================== mentions and topics

BODY_M = "Angela Merkel met Emmanuel Macron in Paris on Tuesday. " + " ".join(
    f"filler{i}" for i in range(30)
)
ENT = "ent_" + "0123456789abcdef"
TOP, TOP2, CHILD = "medtop:01000000", "medtop:02000000", "medtop:20000002"  # CHILD ⊂ TOP


def m_article(key: str) -> dict[str, Any]:
    """A valid article whose id and record_key are ``key`` and whose body is ``BODY_M``."""
    return article(0, article_id=key, record_key=key, body=BODY_M, content_hash="a" * 64)


def mention(art: str, text: str = "Angela Merkel", **overrides: Any) -> dict[str, Any]:
    """A correct mention of ``text`` in ``BODY_M``; ``overrides`` (e.g. ``surface=``) spoil it."""
    start = BODY_M.find(text)
    row: dict[str, Any] = {
        "article_id": art,
        "entity_id": ENT,
        "surface": text,
        "start_char": start,
        "end_char": start + len(text),
    }
    row.update(overrides)
    return row


def topic(art: str, code: str = TOP, top: str = TOP, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "article_id": art,
        "topic_code": code,
        "topic_label": "a label",
        "top_level_code": top,
        "score": 0.5,
        "is_primary": code == top,
    }
    row.update(overrides)
    return row


def good_children(art: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return (
        [mention(art), mention(art, "Emmanuel Macron"), mention(art, "Paris")],
        [topic(art), topic(art, CHILD, TOP, score=0.4), topic(art, TOP2, TOP2, is_primary=False)],
    )


def frames(
    arts: list[dict[str, Any]], mentions: list[dict[str, Any]], topics: list[dict[str, Any]]
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    return (
        frame(arts),
        schema.conform(pl.DataFrame(mentions, infer_schema_length=None), schema.ENTITY_MENTION),
        schema.conform(pl.DataFrame(topics, infer_schema_length=None), schema.ARTICLE_TOPIC),
    )


LEN = len(BODY_M)

#: case → (mention rows replacing the article's good ones, expected entity_mentions labels)
MENTION_CASES: dict[str, tuple[list[dict[str, Any]], list[str]]] = {
    "m_null_entity": (
        [mention("", entity_id=None)],
        ["expect_column_values_to_not_be_null(entity_id)"],
    ),
    "m_bad_entity": (
        [mention("", entity_id="ent_XYZ")],
        ["expect_column_values_to_match_regex(entity_id)"],
    ),
    "m_null_surface": (
        [mention("", surface=None)],
        ["expect_column_values_to_not_be_null(surface)"],
    ),
    "m_empty_surface": (
        [mention("", surface="", start_char=0, end_char=0)],
        [
            "expect_column_value_lengths_to_be_between(surface)",
            "expect_column_pair_values_a_to_be_greater_than_b(end_char,start_char)",
        ],
    ),
    "m_null_start": (
        [mention("", start_char=None)],
        ["expect_column_values_to_not_be_null(start_char)"],
    ),
    "m_null_end": ([mention("", end_char=None)], ["expect_column_values_to_not_be_null(end_char)"]),
    "m_negative_start": (
        [mention("", start_char=-1, end_char=5)],
        ["expect_column_values_to_be_between(start_char)"],
    ),
    "m_reversed": (
        [mention("", start_char=5, end_char=3)],
        ["expect_column_pair_values_a_to_be_greater_than_b(end_char,start_char)"],
    ),
    "m_beyond_body": (
        [mention("", surface=BODY_M[-2:] + "xyz", start_char=LEN - 2, end_char=LEN + 3)],
        [
            "expect_column_pair_values_a_to_be_greater_than_b(body_length,end_char)",
            "expect_column_values_to_be_in_set(span_matches_body)",
        ],
    ),
    "m_wrong_surface": (
        [mention("", surface="Angela Merkle", start_char=0, end_char=13)],
        ["expect_column_values_to_be_in_set(span_matches_body)"],
    ),
    "m_same_start": (
        [mention(""), mention("", "Angela", start_char=0, end_char=6)],
        ["expect_compound_columns_to_be_unique(article_id,start_char)"],
    ),
}

#: case → (topic rows replacing the article's good ones, expected article_topics labels)
TOPIC_CASES: dict[str, tuple[list[dict[str, Any]], list[str]]] = {
    "t_null_code": (
        [topic("", topic_code=None, is_primary=False)],
        ["expect_column_values_to_not_be_null(topic_code)"],
    ),
    "t_unknown_code": (
        [topic("", "medtop:99999999", TOP, is_primary=False)],
        ["expect_column_values_to_be_in_set(topic_code)"],
    ),
    "t_null_top": (
        [topic("", top_level_code=None)],
        ["expect_column_values_to_not_be_null(top_level_code)"],
    ),
    "t_child_as_top": (
        [topic("", CHILD, CHILD, is_primary=False)],
        [
            "expect_column_values_to_be_in_set(top_level_code)",
            "expect_column_pair_values_to_be_equal(top_level_code,taxonomy_top_level)",
        ],
    ),
    "t_wrong_parent": (
        [topic("", CHILD, TOP2, is_primary=False)],
        ["expect_column_pair_values_to_be_equal(top_level_code,taxonomy_top_level)"],
    ),
    "t_null_score": ([topic("", score=None)], ["expect_column_values_to_not_be_null(score)"]),
    "t_score_high": ([topic("", score=1.5)], ["expect_column_values_to_be_between(score)"]),
    "t_score_negative": ([topic("", score=-0.1)], ["expect_column_values_to_be_between(score)"]),
    "t_null_primary": (
        [topic("", is_primary=None)],
        ["expect_column_values_to_not_be_null(is_primary)"],
    ),
    "t_two_primaries": (
        [topic(""), topic("", TOP2, TOP2)],
        ["expect_column_values_to_be_between(primary_count)"],
    ),
    "t_repeated": (
        [topic(""), topic("", is_primary=False)],
        ["expect_compound_columns_to_be_unique(article_id,topic_code)"],
    ),
}

#: warnings only: the article stays loaded
TOPIC_WARNINGS: dict[str, list[dict[str, Any]]] = {
    "t_child_primary": [topic("", CHILD, TOP, is_primary=True)],
    "t_null_label": [topic("", topic_label=None)],
}


def _rekey(rows: list[dict[str, Any]], art: str) -> list[dict[str, Any]]:
    return [{**r, "article_id": art} for r in rows]


@pytest.fixture(scope="module")
def batch() -> tuple[tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame], Any]:
    """Good articles plus one article per crafted mention/topic case, validated once."""
    from newsdesk.validate import validate_batch  # noqa: PLC0415

    arts, mentions, topics = [], [], []
    for key in ("good_a", "good_b", *TOPIC_WARNINGS):
        arts.append(m_article(key))
        ms, ts = good_children(key)
        mentions += ms
        topics += _rekey(TOPIC_WARNINGS[key], key) if key in TOPIC_WARNINGS else ts
    for key, (rows, _) in MENTION_CASES.items():
        arts.append(m_article(key))
        mentions += _rekey(rows, key)
        topics += good_children(key)[1]
    for key, (rows, _) in TOPIC_CASES.items():
        arts.append(m_article(key))
        mentions += good_children(key)[0]
        topics += _rekey(rows, key)
    # fails both child suites: one quarantine row naming both
    arts.append(m_article("both"))
    mentions.append(mention("both", entity_id="bad"))
    topics.append(topic("both", score=2.0))
    # fails the articles suite: its (valid) mentions and topics go with it
    arts.append({**m_article("bad_article"), "title": None})
    ms, ts = good_children("bad_article")
    mentions += ms
    topics += ts
    # mentions/topics of an article not in the batch are dropped without a quarantine row
    mentions.append(mention("ghost"))
    topics.append(topic("ghost"))
    inputs = frames(arts, mentions, topics)
    get_settings.cache_clear()
    return inputs, validate_batch(*inputs, "run-b", now=NOW)


def _batch_reason(out: Any, key: str) -> str:
    hit = out.quarantine.filter(pl.col("record_key") == key)
    assert hit.height == 1, f"{key} quarantined {hit.height} times"
    return str(hit["reason"][0])


@pytest.mark.parametrize("case", list(MENTION_CASES))
def test_each_mention_expectation_quarantines_its_article(batch: Any, case: str) -> None:
    _, out = batch
    expected = "; ".join(f"entity_mentions: {label}" for label in MENTION_CASES[case][1])
    assert _batch_reason(out, case) == expected
    assert case in out.failed_article_ids.to_list()
    for table in (out.articles, out.entity_mentions, out.article_topics):
        assert case not in table["article_id"].to_list()


@pytest.mark.parametrize("case", list(TOPIC_CASES))
def test_each_topic_expectation_quarantines_its_article(batch: Any, case: str) -> None:
    _, out = batch
    expected = "; ".join(f"article_topics: {label}" for label in TOPIC_CASES[case][1])
    assert _batch_reason(out, case) == expected
    for table in (out.articles, out.entity_mentions, out.article_topics):
        assert case not in table["article_id"].to_list()


def test_warnings_and_good_articles_load_with_all_their_rows(batch: Any) -> None:
    (_arts, mentions, topics), out = batch
    for key in ("good_a", "good_b", *TOPIC_WARNINGS):
        assert key in out.articles["article_id"].to_list()
        n_m = mentions.filter(pl.col("article_id") == key).height
        n_t = topics.filter(pl.col("article_id") == key).height
        assert out.entity_mentions.filter(pl.col("article_id") == key).height == n_m
        assert out.article_topics.filter(pl.col("article_id") == key).height == n_t
    warned = out.results.filter(
        (pl.col("suite") == "article_topics") & (pl.col("severity") == WARNING)
    )
    assert dict(zip(warned["column"], warned["unexpected_count"], strict=True)) == {
        "primary_is_top_level": 1,
        "topic_label": 1,
    }


def test_one_quarantine_row_per_article_naming_every_suite(batch: Any) -> None:
    (arts, _m, _t), out = batch
    assert _batch_reason(out, "both") == (
        "entity_mentions: expect_column_values_to_match_regex(entity_id); "
        "article_topics: expect_column_values_to_be_between(score)"
    )
    assert _batch_reason(out, "bad_article") == "expect_column_values_to_not_be_null(title)"
    assert "bad_article" not in out.entity_mentions["article_id"].to_list()
    assert out.quarantine["record_key"].is_unique().all()
    assert out.articles.height + out.quarantine.height == arts.height  # reconciliation
    assert set(out.quarantine["stage"]) == {"validate"}
    raw = json.loads(out.quarantine.filter(pl.col("record_key") == "both")["raw"][0])
    assert raw["article_id"] == "both"  # quarantine keeps the article, not the mention
    assert raw["body"] == BODY_M


def test_orphans_are_dropped_not_quarantined(batch: Any) -> None:
    _, out = batch
    assert "ghost" not in out.quarantine["record_key"].to_list()
    assert "ghost" not in out.entity_mentions["article_id"].to_list()
    assert "ghost" not in out.article_topics["article_id"].to_list()


def test_batch_results_cover_every_suite(batch: Any) -> None:
    _, out = batch
    counts = out.results.group_by("suite", maintain_order=True).len()
    assert counts.rows() == [
        (t, len(load_suite_spec(PROJECT_ROOT / "expectations" / f"{t}.json").expectations))
        for t in ("articles", "entity_mentions", "article_topics")
    ]
    assert out.results.schema == pl.Schema(VALIDATION_RESULT)
    pair = out.results.filter(pl.col("column") == "end_char,start_char")
    assert pair["unexpected_count"].item() == 2  # empty surface + reversed


def test_validate_table_reports_orphans_and_needs_context() -> None:
    from newsdesk.validate import validate_table  # noqa: PLC0415

    arts, mentions, _ = frames([m_article("a")], [mention("a"), mention("ghost")], [])
    with pytest.raises(ValueError, match="context"):
        validate_table("entity_mentions", mentions, "r", now=NOW)
    out = validate_table("entity_mentions", mentions, "r", context=arts, now=NOW)
    assert out.valid["article_id"].to_list() == ["a"]
    assert out.quarantine.is_empty()  # no record to quarantine for an unknown article
    assert out.failed_article_ids.to_list() == ["ghost"]
    known = out.results.filter(pl.col("column") == "article_known")
    assert known["unexpected_count"].item() == 1
    with pytest.raises(ValueError, match="duplicated"):
        validate_table("entity_mentions", mentions, "r", context=pl.concat([arts, arts]), now=NOW)


# =========================================================================== loader, generic suites


def _write_suite(folder: Path, name: str, meta: dict[str, Any], kwargs: dict[str, Any]) -> Path:
    doc = {
        "name": name,
        "expectations": [
            {
                "type": "expect_column_values_to_be_in_set",
                "kwargs": kwargs,
                "meta": {"severity": "critical", "notes": "n"},
                "severity": "critical",
            }
        ],
        "meta": meta,
    }
    path = folder / f"{name}.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_adding_a_suite_file_is_enough(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsdesk.validate import validate_table  # noqa: PLC0415

    _write_suite(tmp_path, "entities", {}, {"column": "type", "value_set": ["PERSON", "ORG"]})
    monkeypatch.setenv("NEWSDESK_EXPECTATIONS_DIR", str(tmp_path))
    get_settings.cache_clear()
    df = pl.DataFrame({"entity_id": ["e1", "e2"], "type": ["PERSON", "PLANET"]})
    out = validate_table("entities", df, "r", now=NOW)
    assert out.valid["entity_id"].to_list() == ["e1"]
    assert out.quarantine["reason"].to_list() == ["expect_column_values_to_be_in_set(type)"]
    assert out.failed_article_ids.is_empty()


@pytest.mark.parametrize(
    ("meta", "kwargs", "message"),
    [
        ({"derived_columns": ["nope"]}, {"column": "a", "value_set": [1]}, "unknown derived"),
        ({"quarantine": "file"}, {"column": "a", "value_set": [1]}, "meta.quarantine"),
        ({}, {"column": "a", "value_set": {"$PARAMETER": "nope"}}, "unknown .PARAMETER"),
        ({}, {"value_set": [1]}, "needs column"),
    ],
)
def test_bad_suite_meta_is_refused(
    tmp_path: Path, meta: dict[str, Any], kwargs: dict[str, Any], message: str
) -> None:
    path = _write_suite(tmp_path, "things", meta, kwargs)
    with pytest.raises(ValueError, match=message):
        load_suite_spec(path)
    renamed = tmp_path / "other.json"
    renamed.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ValueError, match="suite name"):
        load_suite_spec(renamed)


def test_an_edited_suite_is_read_again(tmp_path: Path) -> None:
    path = _write_suite(tmp_path, "things", {}, {"column": "a", "value_set": [1]})
    assert load_suite_spec(path).expectations[0].severity == "critical"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["expectations"][0]["severity"] = doc["expectations"][0]["meta"]["severity"] = "warning"
    path.write_text(json.dumps(doc), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert load_suite_spec(path).expectations[0].severity == "warning"


def test_taxonomy_and_source_parameters_come_from_reference_files() -> None:
    from newsdesk.validate import SUITE_PARAMETERS, suite_parameters  # noqa: PLC0415

    values = suite_parameters(SUITE_PARAMETERS, NOW)
    assert values["published_at_max"] == NOW + timedelta(days=1)
    assert TOP in values["iptc_top_level_codes"]
    assert CHILD in values["iptc_topic_codes"]
    assert CHILD not in values["iptc_top_level_codes"]
    assert len(values["iptc_topic_codes"]) > len(values["iptc_top_level_codes"]) == 17
    assert {"Reuters", "AFP", "Associated Press"} <= set(values["source_canonical_names"])
    assert "canonical" not in values["source_canonical_names"]


def test_empty_batch_does_not_import_gx() -> None:
    code = (
        "import sys\n"
        "from newsdesk import schema\n"
        "from newsdesk.validate import validate_batch\n"
        "e = schema.empty\n"
        "out = validate_batch(e(schema.ARTICLE), e(schema.ENTITY_MENTION),"
        " e(schema.ARTICLE_TOPIC), 'r')\n"
        "assert out.results['success'].all() and out.results.height > 40\n"
        "assert 'great_expectations' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PROJECT_ROOT)


def test_combine_results_sums_batches_per_run() -> None:
    from newsdesk.validate import combine_results  # noqa: PLC0415

    nulls = ", 1 null (not checked)"
    rows = [
        ("r1", "articles", "e", "url", True, 0, "critical", "0 unexpected of 10 rows"),
        ("r1", "articles", "e", "url", False, 2, "critical", "2 unexpected of 5 rows" + nulls),
        ("r1", "articles", "e", "url", True, 0, "critical", "no rows"),
        ("r1", "articles", "f", "x,y", True, 0, "warning", "something else"),
        ("r2", "articles", "e", "url", True, 0, "critical", "0 unexpected of 3 rows"),
    ]
    df = pl.DataFrame(rows, schema=VALIDATION_RESULT, orient="row")
    out = combine_results(df)
    assert out.schema == pl.Schema(VALIDATION_RESULT)
    assert out.rows() == [
        ("r1", "articles", "e", "url", False, 2, "critical", "2 unexpected of 15 rows" + nulls),
        ("r1", "articles", "f", "x,y", True, 0, "warning", "something else"),
        ("r2", "articles", "e", "url", True, 0, "critical", "0 unexpected of 3 rows"),
    ]


def test_combine_results_judges_mostly_on_the_run() -> None:
    from newsdesk.validate import combine_results  # noqa: PLC0415

    def site(run: str, ok: bool, bad: int, rows: int) -> tuple[Any, ...]:
        observed = f"{bad} unexpected of {rows} rows"
        return (run, "articles", "expect_column_values_to_not_be_null", "site", ok, bad,
                WARNING, observed)  # fmt: skip

    rows = [
        site("r1", False, 5, 5),  # one batch of text dumps without a site...
        site("r1", True, 0, 45),  # ... but 10% of the run: within mostly=0.8
        site("r2", True, 5, 30),
        site("r2", True, 10, 20),  # 15 of 50 = 30%: the run fails though no batch did
    ]
    out = combine_results(pl.DataFrame(rows, schema=VALIDATION_RESULT, orient="row"))
    assert out.select("run_id", "success", "unexpected_count").rows() == [
        ("r1", True, 5),
        ("r2", False, 15),
    ]


# =========================================================================== the sample is clean


def test_every_suite_is_silent_on_the_sample() -> None:
    """The bundled sample through read → topics, then every suite: nothing fails or warns."""
    from newsdesk.dedupe import SEEN, dedupe  # noqa: PLC0415
    from newsdesk.entities import find_entities  # noqa: PLC0415
    from newsdesk.extract import extract  # noqa: PLC0415
    from newsdesk.normalise import normalise  # noqa: PLC0415
    from newsdesk.readers.inventory import MANIFEST, plan_inputs, read_batch  # noqa: PLC0415
    from newsdesk.topics import classify_topics  # noqa: PLC0415
    from newsdesk.validate import validate_batch  # noqa: PLC0415

    plan = plan_inputs([SAMPLE], schema.empty(MANIFEST))
    raw = read_batch(plan.to_read, 256 * 1024 * 1024, 2_000_000).raw
    extracted = extract(raw)
    articles = normalise(extracted.filter(pl.col("extract_error").is_null()), "run-s", "v")
    new, _dups = dedupe(articles, schema.empty(SEEN))
    _entities, mentions = find_entities(new)
    out = validate_batch(new, mentions, classify_topics(new), "run-s")
    assert new.height > 50 and mentions.height > 100
    assert out.quarantine.is_empty(), out.quarantine.select("record_key", "reason").rows()
    assert out.results["success"].all(), out.results.filter(~pl.col("success")).rows()
    noisy = out.results.filter(pl.col("unexpected_count") > 0)
    # only the site warning (mostly=0.8) sees anything: undated/unknown-site text dumps
    assert noisy.select("suite", "column").rows() == [("articles", "site")]


# =========================================================================== cost (opt-in)
# NEWSDESK_VALIDATE_BENCH=20000 uv run pytest tests/test_validate.py -k cost -s
# synthesises N records, runs read → topics per shard as the flow does (settings.batch_files),
# then times validation per shard: all suites (validate_batch) and articles only.

_GX_STARTUP = """
import time
t0 = time.perf_counter()
import great_expectations
t1 = time.perf_counter()
from newsdesk.validate import _gx_runtime, _gx_suite, suite_path
_gx_runtime()
t2 = time.perf_counter()
for table in ("articles", "entity_mentions", "article_topics"):
    _gx_suite(suite_path(table))
t3 = time.perf_counter()
print(f"{t1 - t0:.3f} {t2 - t1:.3f} {t3 - t2:.3f}")
"""


@pytest.mark.skipif(
    not os.environ.get("NEWSDESK_VALIDATE_BENCH"), reason="set NEWSDESK_VALIDATE_BENCH=<records>"
)
def test_cost(tmp_path: Path) -> None:
    import time  # noqa: PLC0415

    from newsdesk.dedupe import SEEN, dedupe  # noqa: PLC0415
    from newsdesk.entities import find_entities  # noqa: PLC0415
    from newsdesk.extract import extract  # noqa: PLC0415
    from newsdesk.normalise import normalise  # noqa: PLC0415
    from newsdesk.readers.inventory import (  # noqa: PLC0415
        MANIFEST,
        batches,
        plan_inputs,
        read_batch,
    )
    from newsdesk.topics import classify_topics  # noqa: PLC0415
    from newsdesk.validate import validate_batch  # noqa: PLC0415

    n = int(os.environ["NEWSDESK_VALIDATE_BENCH"])
    out = tmp_path / "synth"
    subprocess.run(
        [sys.executable, "-m", "newsdesk.cli", "synth", "--n", str(n), "--out", str(out)],
        check=True,
        cwd=PROJECT_ROOT,
        capture_output=True,
    )
    startup = subprocess.run(
        [sys.executable, "-c", _GX_STARTUP], check=True, capture_output=True, text=True
    ).stdout.split()
    settings = get_settings()
    plan = plan_inputs([out], schema.empty(MANIFEST))
    seen = schema.empty(SEEN)
    wall = dict.fromkeys(("stages", "all", "articles"), 0.0)
    cpu = dict.fromkeys(("stages", "all", "articles"), 0.0)
    rows = [0, 0, 0]
    shards = list(batches(plan.to_read, settings.batch_files, settings.batch_bytes))
    validate_batch(*frames([m_article("w")], *good_children("w")), "warm-up")  # GX loaded

    def timed(key: str, started: tuple[float, float]) -> None:
        wall[key] += time.perf_counter() - started[0]
        cpu[key] += time.process_time() - started[1]

    def now() -> tuple[float, float]:
        return time.perf_counter(), time.process_time()

    for files in shards:
        started = now()
        raw = read_batch(files, settings.max_file_bytes, settings.max_record_chars).raw
        extracted = extract(raw)
        arts = normalise(extracted.filter(pl.col("extract_error").is_null()), "run-c", "v")
        new, _dups = dedupe(arts, seen)
        seen = pl.concat([seen, schema.conform(new, SEEN)])
        _ents, mentions = find_entities(new)
        topics = classify_topics(new)
        timed("stages", started)
        started = now()
        validate_articles(new, "run-c")
        timed("articles", started)
        started = now()
        validate_batch(new, mentions, topics, "run-c")
        timed("all", started)
        for i, frame_ in enumerate((new, mentions, topics)):
            rows[i] += frame_.height
    print(
        f"\nvalidation cost, {n} records in {len(shards)} shards of <= {settings.batch_files} "
        f"files: {rows[0]} articles, {rows[1]} mentions, {rows[2]} topics\n"
        f"  GX import {startup[0]} s, context start-up {startup[1]} s, "
        f"3 suites loaded {startup[2]} s (once per process)\n"
        f"  stages read → topics (no Prefect, no warehouse): wall {wall['stages']:.2f} s, "
        f"cpu {cpu['stages']:.2f} s\n"
        f"  validate_batch (3 suites), summed over shards: wall {wall['all']:.2f} s, "
        f"cpu {cpu['all']:.2f} s\n"
        f"  validate_articles only, summed over shards: wall {wall['articles']:.2f} s, "
        f"cpu {cpu['articles']:.2f} s"
    )
