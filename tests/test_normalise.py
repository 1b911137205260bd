"""Normalise: text, dates, site, language, hashes and ids, as the warehouse stores them."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdesk import schema
from newsdesk.normalise import canonical_url, normalise, parse_dates, registered_domain

NOW = datetime(2025, 10, 1, tzinfo=UTC)
BODY = "Officials said the talks would resume on Monday. " * 5


def extracted(**overrides: object) -> pl.DataFrame:
    row = {
        "source_path": "a.txt",
        "record_key": "",
        "format": "text",
        "title": "T",
        "body": BODY,
        "language_raw": "en",
        **overrides,
    }
    return schema.conform(pl.DataFrame([row]), schema.EXTRACTED)


def one(**overrides: object) -> dict:
    return normalise(extracted(**overrides), "run-1", "v", now=NOW).row(0, named=True)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-09-05T14:32:00Z", datetime(2025, 9, 5, 14, 32, tzinfo=UTC)),
        ("2025-09-05T14:32:00+02:00", datetime(2025, 9, 5, 12, 32, tzinfo=UTC)),
        ("2025-09-05 14:32:00", datetime(2025, 9, 5, 14, 32, tzinfo=UTC)),
        ("Published: September 5, 2025", datetime(2025, 9, 5, tzinfo=UTC)),
        ("Fri 5 Sep 2025 09.12 BST", datetime(2025, 9, 5, 8, 12, tzinfo=UTC)),
        ("Fri, 05 Sep 2025 14:32:00 GMT", datetime(2025, 9, 5, 14, 32, tzinfo=UTC)),
        ("05/09/2025 14:32", datetime(2025, 9, 5, 14, 32, tzinfo=UTC)),
        ("Sept. 5th, 2025 at 2:32 p.m. EDT", datetime(2025, 9, 5, 18, 32, tzinfo=UTC)),
        ("5 September 2025", datetime(2025, 9, 5, tzinfo=UTC)),
        ("Sep. 18, 2025 10:14 a.m. ET", datetime(2025, 9, 18, 15, 14, tzinfo=UTC)),
    ],
)
def test_dates_parse_to_utc(raw: str, expected: datetime) -> None:
    row = one(published_raw=raw)
    assert row["published_at"] == expected
    assert row["date_note"] is None


@pytest.mark.parametrize(
    ("raw", "note"),
    [
        ("2099-13-45", "unparseable date 2099-13-45"),
        ("2099-01-01", "date in the future: 2099-01-01"),
        ("1985-06-01", "date before 1990: 1985-06-01"),
        ("sometime last week", "unparseable date sometime last week"),
    ],
)
def test_impossible_dates_are_null_with_a_note(raw: str, note: str) -> None:
    row = one(published_raw=raw)
    assert row["published_at"] is None
    assert row["date_note"] == note


def test_missing_date_has_no_note() -> None:
    row = one(published_raw=None)
    assert row["published_at"] is None
    assert row["date_note"] is None


def test_text_is_nfc_and_whitespace_normalised() -> None:
    row = one(title="  Cafe\u0301\u00a0 news ", body="Para one  here.\n\n\n\nPara\u00a0two.\u200b")
    assert row["title"] == "Café news"
    assert row["body"] == "Para one here.\n\nPara two."
    assert row["word_count"] == 5


def test_site_from_url_else_declared_source() -> None:
    assert one(url="https://www.bbc.co.uk/news/x")["site"] == "bbc.co.uk"
    assert one(site_raw="www.dailymeridian.com")["site"] == "dailymeridian.com"
    assert one(site_raw="The Harbour Post Media Inc.")["site"] == "harbourpost.com"  # registry
    assert one(site_raw="Daily  Bugle")["site"] == "daily bugle"  # unknown name
    assert one()["site"] is None


def test_language_from_record_or_detected() -> None:
    assert one(language_raw="en-GB")["language"] == "en"
    german = "Die Bundesregierung hat am Montag neue Regeln für die Energiepreise beschlossen. " * 3
    assert one(language_raw=None, body=german)["language"] == "de"


def test_ids_are_stable_and_content_hash_is_sha256_of_body() -> None:
    a = one(url="https://x.com/a?utm_source=tw")
    b = one(url="https://X.com/a/#top")
    assert a["article_id"] == b["article_id"]
    assert len(a["content_hash"]) == 64
    c = one()  # no URL: id from site and body
    assert c["article_id"] != a["article_id"]
    assert c["article_id"] == one()["article_id"]


def test_syndicated_when_crediting_another_outlet() -> None:
    assert one(original_source="Reuters", url="https://meridian.com/a")["is_syndicated"]
    assert not one(original_source=None)["is_syndicated"]
    assert not one(original_source="BBC", url="https://www.bbc.co.uk/a")["is_syndicated"]


def test_canonical_url_and_domain() -> None:
    assert canonical_url("HTTPS://News.Example.COM/a/b/?utm_medium=x&id=3#c") == (
        "https://news.example.com/a/b?id=3"
    )
    assert registered_domain("https://news.example.co.uk/x") == "example.co.uk"
    assert registered_domain("not a domain") is None


def test_empty_frame() -> None:
    out = normalise(schema.empty(schema.EXTRACTED), "r", "v")
    assert out.schema == pl.Schema(schema.ARTICLE)


@settings(max_examples=150, deadline=None)
@given(raw=st.text(max_size=40))
def test_any_date_text_gives_a_bounded_date_or_a_note(raw: str) -> None:
    """Property: whatever the text, the date is null or within [1990, now + 1 day]."""
    frame = pl.DataFrame({"published_raw": [raw]})
    out = parse_dates(frame, "published_raw", NOW).select("published_at", "date_note").row(0)
    if out[0] is not None:
        assert datetime(1990, 1, 1, tzinfo=UTC) <= out[0] <= datetime(2025, 10, 2, tzinfo=UTC)
    elif raw.strip():
        assert out[1]
