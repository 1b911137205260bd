"""Synthetic corpus: deterministic, the requested record count, duplicates and bad records."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest

from newsdesk.synth import SynthSummary, synth

N = 300


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _text_dumps(files: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in files.items() if not k.startswith("feeds/")}


def _json_lines(files: dict[str, bytes]) -> list[str]:
    return [
        line
        for k, v in files.items()
        if k.startswith("feeds/")
        for line in v.decode("utf-8").splitlines()
        if line.strip()
    ]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[SynthSummary, dict[str, bytes]]:
    out = tmp_path_factory.mktemp("synth")
    return synth(N, out, seed=7), _files(out)


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    assert synth(120, a, seed=3) == synth(120, b, seed=3)
    assert _files(a) == _files(b)
    synth(120, c, seed=4)
    assert _files(a) != _files(c)


def test_n_records_are_written(corpus: tuple[SynthSummary, dict[str, bytes]]) -> None:
    summary, files = corpus
    texts, lines = _text_dumps(files), _json_lines(files)
    assert len(texts) + len(lines) == N == summary.records
    assert summary.files == len(files) == summary.text_files + summary.jsonl_files
    assert summary.jsonl_files >= 1
    # roughly 70% text dumps, the rest JSON Lines of up to 50 records per file
    assert 0.55 < len(texts) / N < 0.85
    assert all(
        len(v.decode().splitlines()) <= 50 for k, v in files.items() if k.startswith("feeds/")
    )


def test_text_dumps_read_like_news_pages(corpus: tuple[SynthSummary, dict[str, bytes]]) -> None:
    _, files = corpus
    pages = [
        (gzip.decompress(v) if k.endswith(".gz") else v).decode("utf-8")
        for k, v in _text_dumps(files).items()
        if not Path(k).name.startswith("bad-")
    ]
    assert len(pages) > N / 2
    assert all(len(p.split()) > 200 for p in pages)
    sites = Counter(p.splitlines()[0] for p in pages)
    assert len(sites) >= 5
    assert any("Adblock Detected" in p for p in pages)
    assert any("Share" in p.splitlines() for p in pages)
    wire_credits = ("(Reuters)", "(AP)", "(AFP)", "(PTI)", "with agencies", "Source: ")
    assert sum(any(c in p for c in wire_credits) for p in pages) > len(pages) / 10


def test_bodies_differ_and_have_news_length(corpus: tuple[SynthSummary, dict[str, bytes]]) -> None:
    _, files = corpus
    bodies = []
    for line in _json_lines(files):
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        bodies.append(next(rec[k] for k in ("maintext", "content", "text", "body") if k in rec))
    assert bodies
    assert all(150 <= len(b.split()) <= 800 for b in bodies)
    hashes = Counter(hashlib.sha256(b.encode()).hexdigest() for b in bodies)
    assert len(hashes) > 0.9 * len(bodies)


def test_duplicates_present(corpus: tuple[SynthSummary, dict[str, bytes]]) -> None:
    summary, files = corpus
    assert summary.duplicates >= 1
    assert summary.syndicated >= 1
    same_bytes = Counter(v for v in _text_dumps(files).values() if v)
    same_lines = Counter(_json_lines(files))
    repeats = sum(n - 1 for n in same_bytes.values()) + sum(n - 1 for n in same_lines.values())
    assert repeats == summary.duplicates


def test_bad_records_present(corpus: tuple[SynthSummary, dict[str, bytes]]) -> None:
    summary, files = corpus
    texts = _text_dumps(files)
    empty = [k for k, v in texts.items() if v == b""]
    binary = [k for k, v in texts.items() if not k.endswith(".gz") and b"\x00" in v]
    broken = 0
    for line in _json_lines(files):
        try:
            json.loads(line)
        except json.JSONDecodeError:
            broken += 1
    assert empty and binary and broken
    assert len(empty) + len(binary) + broken == summary.bad


def test_tiny_corpus_has_no_specials(tmp_path: Path) -> None:
    summary = synth(5, tmp_path)
    assert (summary.records, summary.duplicates, summary.bad) == (5, 0, 0)


def test_warc_is_as_big_as_asked_and_reads_back_as_pages(tmp_path: Path) -> None:
    """`synth_warc` (the large-WARC benchmark's input): the requested size, the same pages
    for the same seed, HTML responses that the WARC reader turns into pages with url, fetch
    time, title and body, and image responses that it skips and counts."""
    from newsdesk.readers.warc import read_chunk  # noqa: PLC0415
    from newsdesk.synth import WARC_IMAGE_EVERY, WARC_NAME, synth_warc  # noqa: PLC0415

    summary = synth_warc(tmp_path / "a", 2, seed=1)
    path = tmp_path / "a" / WARC_NAME
    assert 2 * 2**20 <= path.stat().st_size < 2 * 2**20 + 64_000
    result = read_chunk(path, str(path), "h", 2_000_000, 0, 10_000)
    synth_warc(tmp_path / "b", 2, seed=1)  # the same pages (record ids and dates differ)
    again = read_chunk(tmp_path / "b" / WARC_NAME, str(path), "h", 2_000_000, 0, 10_000)
    assert [r["body"] for r in again.records] == [r["body"] for r in result.records]
    assert result.quarantine == [] and result.next_offset is None
    assert len(result.records) == summary.records
    images = result.skipped["response not HTML"]
    assert images == (summary.records + images) // WARC_IMAGE_EVERY > 0
    assert result.skipped["request"] == summary.records + images
    first = result.records[0]
    assert first["url"].startswith("https://") and first["fetched_at"]
    assert first["title"] and len(first["body"]) > 500
    assert "__STATE__" not in first["body"]
