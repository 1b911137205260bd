"""Readers: every byte sequence becomes records or quarantine rows with a reason, never a crash."""

from __future__ import annotations

import gzip
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdesk.readers import read_bytes
from newsdesk.readers.base import clean_text, decode

LIMIT = 2_000_000


def read(data: bytes, name: str) -> tuple[list[dict], list[dict]]:
    result = read_bytes(data, name, "h", LIMIT)
    return result.records, result.quarantine


def test_text_dump_is_one_record() -> None:
    records, quarantine = read(b"Title\n\nBody text here.\n", "a.txt")
    assert quarantine == []
    assert records[0]["format"] == "text"
    assert records[0]["record_key"] == ""
    assert records[0]["raw_text"] == "Title\n\nBody text here.\n"


def test_gzipped_text_dump() -> None:
    records, _ = read(gzip.compress("Héllo wörld\n".encode()), "a.txt.gz")
    assert records[0]["raw_text"] == "Héllo wörld\n"


def test_truncated_gzip_is_quarantined() -> None:
    data = gzip.compress(b"some text " * 100)[:-20]
    records, quarantine = read(data, "a.txt.gz")
    assert records == []
    assert "gzip" in quarantine[0]["reason"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"   \n\n", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
    ],
)
def test_bad_text_dumps_are_quarantined(data: bytes, reason: str) -> None:
    records, quarantine = read(data, "bad.txt")
    assert records == []
    assert reason in quarantine[0]["reason"]
    assert quarantine[0]["stage"] == "read"


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("utf-8-sig", "Zelensky’s “reassurance force”"),
        ("utf-16", "Zelensky’s “reassurance force”"),
        ("utf-32", "Zelensky’s “reassurance force”"),
        ("cp1252", "Café owners say the “new rules” cost them €1,200 a month. " * 5),
    ],
)
def test_decode_boms_and_legacy_charsets(encoding: str, text: str) -> None:
    decoded, _ = decode(text.encode(encoding))
    assert decoded == text


def test_control_characters_and_crlf_removed() -> None:
    decoded, _ = decode(b"line one\r\nline\x07 two\r\n")
    assert decoded == "line one\nline two\n"


def test_jsonl_news_please_fields_and_unknown_fields_kept() -> None:
    line = {
        "url": "https://example.com/a",
        "title": "T",
        "maintext": "Body",
        "authors": ["Ana Ruiz", "Tom Hale"],
        "date_publish": "2025-09-05 14:32:00",
        "source_domain": "example.com",
        "language": "en",
        "image_url": "https://example.com/i.jpg",
    }
    records, quarantine = read((json.dumps(line) + "\n").encode(), "feed.jsonl")
    assert quarantine == []
    rec = records[0]
    assert rec["record_key"] == "1"
    assert rec["author"] == "Ana Ruiz, Tom Hale"
    assert rec["body"] == "Body"
    assert rec["published_raw"] == "2025-09-05 14:32:00"
    assert rec["site_raw"] == "example.com"
    assert json.loads(rec["extra"]) == {"image_url": "https://example.com/i.jpg"}


def test_jsonl_aliases() -> None:
    line = {
        "link": "https://x.org/b",
        "headline": "H",
        "content": "C",
        "byline": "B",
        "pubDate": "Fri, 05 Sep 2025 14:32:00 GMT",
        "site": "x.org",
    }
    rec = read(json.dumps(line).encode(), "feed.ndjson")[0][0]
    assert (rec["url"], rec["title"], rec["body"], rec["author"], rec["published_raw"]) == (
        "https://x.org/b",
        "H",
        "C",
        "B",
        "Fri, 05 Sep 2025 14:32:00 GMT",
    )


def test_broken_jsonl_line_is_quarantined_rest_loads() -> None:
    data = b'{"title": "a", "text": "x"}\n{"title": "b", "te\n{"title": "c", "text": "y"}\n'
    records, quarantine = read(data, "feed.jsonl")
    assert [r["record_key"] for r in records] == ["1", "3"]
    assert quarantine[0]["record_key"] == "2"
    assert quarantine[0]["reason"] == (
        "invalid JSON line: Unterminated string starting at (truncated or broken record)"
    )


def test_jsonl_record_keys_are_file_line_numbers() -> None:
    data = b'\n\n{"title": "a", "text": "x"}\n\n{"title": "b", "text": "y"}\n'
    records, _ = read(data, "feed.jsonl")
    assert [r["record_key"] for r in records] == ["3", "5"]


def test_json_array_record_keys_are_indexes() -> None:
    data = json.dumps([{"title": "a", "text": "x"}, 7, {"title": "c", "text": "z"}]).encode()
    records, quarantine = read(data, "feed.json")
    assert [r["record_key"] for r in records] == ["0", "2"]
    assert quarantine[0]["record_key"] == "1"
    assert "expected an object" in quarantine[0]["reason"]


@pytest.mark.parametrize("doc", ["[]", '{"status": "ok", "articles": []}'])
def test_empty_json_list_is_quarantined(doc: str) -> None:
    records, quarantine = read(doc.encode(), "feed.json")
    assert records == []
    assert "empty list" in quarantine[0]["reason"]


def test_invalid_json_file_is_one_quarantine_row() -> None:
    records, quarantine = read(b'{"title": "a", ', "feed.json")
    assert records == []
    assert "invalid JSON" in quarantine[0]["reason"]


def test_unsupported_extension() -> None:
    records, quarantine = read(b"x", "photo.png")
    assert records == []
    assert "unsupported file type '.png'" in quarantine[0]["reason"]


def test_oversized_record_is_quarantined() -> None:
    result = read_bytes(json.dumps({"title": "t", "text": "x" * 50}).encode(), "f.json", "h", 10)
    assert result.records == []
    assert "too large" in result.quarantine[0]["reason"]


NAMES = st.sampled_from(
    ["a.txt", "a.txt.gz", "f.json", "f.jsonl", "f.ndjson", "f.jsonl.gz", "x.bin"]
)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=2048), name=NAMES)
def test_any_bytes_give_records_or_reasons(data: bytes, name: str) -> None:
    """Property: no input crashes a reader; every failure has a reason and bounded raw."""
    result = read_bytes(data, name, "h", LIMIT)
    assert result.records or result.quarantine
    for q in result.quarantine:
        assert q["reason"]
        assert len(q["raw"]) <= 20_000


@settings(max_examples=200, deadline=None)
@given(
    items=st.lists(
        st.dictionaries(
            st.sampled_from(["title", "text", "url", "author", "foo", "published"]),
            st.one_of(
                st.text(max_size=50), st.integers(), st.none(), st.lists(st.text(max_size=5))
            ),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_jsonl_round_trip_counts(items: list[dict]) -> None:
    """Property: a JSON Lines file of N objects yields N records with keys 1..N."""
    data = "\n".join(json.dumps(i) for i in items).encode()
    result = read_bytes(data, "f.jsonl", "h", LIMIT)
    assert len(result.records) + len(result.quarantine) == len(items)
    assert [r["record_key"] for r in result.records] == [str(i + 1) for i in range(len(items))]


@settings(max_examples=200, deadline=None)
@given(text=st.text(min_size=1, max_size=500).filter(lambda t: t.strip()))
def test_utf8_text_survives_decoding(text: str) -> None:
    """Property: UTF-8 text comes back as itself, minus control characters (or, when it is
    mostly control characters, is quarantined as binary)."""
    result = read_bytes(text.encode("utf-8"), "a.txt", "h", LIMIT)
    if result.records:
        assert result.records[0]["raw_text"] == clean_text(text)
        assert all(ord(c) >= 0x20 or c in "\t\n" for c in result.records[0]["raw_text"])
    else:
        reason = result.quarantine[0]["reason"]
        assert "binary" in reason or "no text left" in reason
