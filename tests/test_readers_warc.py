"""WARC reader: HTML responses stream out in chunks; other records are counted; a truncated
last record is quarantined while the rest loads; memory stays flat on a large file."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsdesk.readers import STREAMING, read_bytes, stream_reader
from newsdesk.readers.warc import read_chunk, warc_date_utc

LIMIT = 2_000_000


def article_html(i: int, charset_meta: bool = True) -> str:
    meta = '<meta charset="utf-8">' if charset_meta else ""
    paras = "".join(
        f"<p>Story {i}, paragraph {k}: the council said on Tuesday that the new bridge over "
        f"the river would open in spring, two years later than first planned.</p>"
        for k in range(4)
    )
    return (
        f"<html><head>{meta}<title>Bridge story {i}</title></head><body><nav><a href='/'>Home"
        f"</a></nav><article><h1>Bridge story {i}</h1>{paras}</article></body></html>"
    )


def _response(w: WARCWriter, uri: str, body: bytes, ctype: str, status: str = "200 OK") -> None:
    http = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
    rec = w.create_warc_record(
        uri,
        "response",
        payload=io.BytesIO(body),
        http_headers=http,
        warc_headers_dict={"WARC-Date": "2025-09-12T10:11:12Z"},
    )
    w.write_record(rec)


def make_warc(n_pages: int = 3, gz: bool = True, extras: bool = True) -> bytes:
    """warcinfo, then per page a request and an HTML response; plus a PDF, a 404, metadata."""
    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=gz)
    w.write_record(w.create_warcinfo_record("test.warc", {"software": "newsdesk-test"}))
    for i in range(n_pages):
        uri = f"https://news.example/story-{i}"
        req = StatusAndHeaders(
            f"GET /story-{i} HTTP/1.1", [("Host", "news.example")], is_http_request=True
        )
        w.write_record(w.create_warc_record(uri, "request", http_headers=req))
        _response(w, uri, article_html(i).encode(), "text/html; charset=utf-8")
    if extras:
        _response(w, "https://news.example/a.pdf", b"%PDF-1.4 ...", "application/pdf")
        _response(
            w, "https://news.example/gone", b"<html>gone</html>", "text/html", "404 Not Found"
        )
        meta = w.create_warc_record(
            "https://news.example/story-0",
            "metadata",
            payload=io.BytesIO(b"fetchTimeMs: 12\r\n"),
            warc_content_type="application/warc-fields",
        )
        w.write_record(meta)
    return buf.getvalue()


def test_html_responses_become_html_records_with_lineage() -> None:
    result = read_bytes(make_warc(), "crawl.warc.gz", "h", LIMIT)
    assert result.quarantine == []
    assert [r["url"] for r in result.records] == [
        f"https://news.example/story-{i}" for i in range(3)
    ]
    rec = result.records[0]
    assert rec["format"] == "html"
    assert rec["title"] == "Bridge story 0"
    assert rec["fetched_at"] == "2025-09-12T10:11:12+00:00"
    assert rec["body"].startswith("Story 0, paragraph 0")
    assert json.loads(rec["extra"])["http_status"] == 200
    assert result.skipped == {
        "warcinfo": 1,
        "request": 3,
        "response not HTML": 1,
        "response HTTP 4xx": 1,
        "metadata": 1,
    }


@pytest.mark.parametrize("gz", [True, False])
def test_chunks_from_offsets_cover_the_file_once(tmp_path: Path, gz: bool) -> None:
    path = tmp_path / ("c.warc.gz" if gz else "c.warc")
    path.write_bytes(make_warc(n_pages=5, gz=gz))
    keys, offset, chunks = [], 0, 0
    while offset is not None:
        part = read_chunk(path, str(path), "h", LIMIT, offset, 2)
        assert len(part.records) <= 2
        keys += [r["record_key"] for r in part.records]
        offset = part.next_offset
        chunks += 1
    assert chunks == 3
    whole = read_bytes(path.read_bytes(), str(path), "h", LIMIT).records
    assert keys == [r["record_key"] for r in whole]
    assert len(set(keys)) == 5
    # a record key is a byte offset a reader can start from
    again = read_chunk(path, str(path), "h", LIMIT, int(keys[3]), 1)
    assert again.records[0]["url"] == "https://news.example/story-3"


@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize("cut", [40, 400])
def test_truncated_last_record_is_quarantined_and_the_rest_loads(gz: bool, cut: int) -> None:
    data = make_warc(n_pages=3, gz=gz, extras=False)
    result = read_bytes(data[:-cut], "cut.warc.gz" if gz else "cut.warc", "h", LIMIT)
    assert [r["url"] for r in result.records] == [
        "https://news.example/story-0",
        "https://news.example/story-1",
    ]
    (row,) = result.quarantine
    assert "truncated" in row["reason"]
    assert row["record_key"].isdigit()


def test_charset_from_the_http_header() -> None:
    text = "Правительство объявило о строительстве нового моста через реку в следующем году."
    body = (
        f"<html><head><title>Мост</title></head><body><article>"
        f"<p>{text}</p><p>{text}</p><p>{text}</p></article></body></html>"
    ).encode("cp1251")
    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=True)
    _response(w, "https://news.example/ru", body, "text/html; charset=windows-1251")
    (rec,) = read_bytes(buf.getvalue(), "ru.warc.gz", "h", LIMIT).records
    assert rec["body"].split("\n\n")[0] == text
    assert json.loads(rec["extra"])["encoding"] == "cp1251"


def test_streaming_registry() -> None:
    assert STREAMING[".warc"] is read_chunk
    assert stream_reader("CC-NEWS-20250912.warc.gz") is read_chunk
    assert stream_reader("a.html") is None


def test_warc_date_to_utc() -> None:
    assert warc_date_utc("2025-09-12T10:11:12.123456Z") == "2025-09-12T10:11:12.123456+00:00"
    assert warc_date_utc("2025-09-12T12:11:12+02:00") == "2025-09-12T10:11:12+00:00"
    assert warc_date_utc("not a date") is None


def test_warc_without_pages_is_one_quarantine_row() -> None:
    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=True)
    w.write_record(w.create_warcinfo_record("x.warc", {"software": "t"}))
    result = read_bytes(buf.getvalue(), "x.warc.gz", "h", LIMIT)
    assert result.records == []
    assert "no HTML response records (1 warcinfo)" in result.quarantine[0]["reason"]


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=2000), gz=st.booleans())
def test_any_bytes_give_records_or_reasons(data: bytes, gz: bool) -> None:
    result = read_bytes(data, "x.warc.gz" if gz else "x.warc", "h", LIMIT)
    assert result.records or result.quarantine
    for q in result.quarantine:
        assert q["reason"]


# --------------------------------------------------------------------------- large file

BENCH = os.environ.get("NEWSDESK_BENCH_WARC")


def _write_warc(path: Path, target_bytes: int) -> int:
    """A WARC.gz of article pages padded with incompressible comments; returns the count."""
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=True)
        i = 0
        while fh.tell() < target_bytes:
            filler = os.urandom(30_000).hex()
            body = article_html(i).replace("</article>", f"<!-- {filler} --></article>")
            _response(w, f"https://news.example/{i}", body.encode(), "text/html")
            i += 1
    return i


_READ_ALL = """
import resource, sys, time
from pathlib import Path
from newsdesk.readers.warc import read_chunk
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
offset, n = 0, 0
while offset is not None:
    part = read_chunk(Path(sys.argv[1]), "big", "h", 2_000_000, offset, 200)
    n += len(part.records)
    offset = part.next_offset
print(n, base, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.perf_counter() - start)
"""


def _peak(path: Path) -> tuple[int, float, float, float]:
    """(pages, RSS after imports MiB, peak RSS MiB, seconds) of a fresh process reading
    ``path`` chunk by chunk."""
    out = subprocess.run(
        [sys.executable, "-c", _READ_ALL, str(path)], capture_output=True, text=True, check=True
    ).stdout.split()
    return int(out[0]), int(out[1]) / 1024, int(out[2]) / 1024, float(out[3])


@pytest.mark.skipif(not BENCH, reason="set NEWSDESK_BENCH_WARC=1 (writes a ~200 MB WARC.gz)")
def test_memory_stays_flat_on_a_large_warc(tmp_path: Path) -> None:
    """Peak RSS reading a ~200 MB WARC.gz chunk by chunk is the same as for a file a tenth
    its size: memory does not grow with the file."""
    mib = int(os.environ.get("NEWSDESK_BENCH_WARC_MB", "200"))
    small, big = tmp_path / "small.warc.gz", tmp_path / "big.warc.gz"
    n_small = _write_warc(small, mib * 2**20 // 10)
    n_big = _write_warc(big, mib * 2**20)
    results = {}
    for path, n in ((small, n_small), (big, n_big)):
        pages, base, peak, seconds = _peak(path)
        assert pages == n
        size = path.stat().st_size / 2**20
        results[path.name] = peak
        print(
            f"\n{path.name}: {size:.0f} MiB, {pages} pages, RSS after imports {base:.0f} MiB,"
            f" peak RSS {peak:.0f} MiB, {seconds:.1f} s ({pages / seconds:.0f} pages/s)"
        )
    assert results["big.warc.gz"] < results["small.warc.gz"] + 30
    assert results["big.warc.gz"] < mib
