"""Readers: the only code that touches raw input files.

A reader turns one input file's bytes into raw records (``schema.RAW_RECORD``) and
quarantine rows for what it cannot read. Formats register in ``REGISTRY`` below — adding
a format is one new module plus one line here; no other stage changes.

Compression is handled once, here: ``name.<ext>.gz`` is gunzipped (bounded: a gzip bomb is
quarantined, not expanded) and dispatched on ``<ext>``; readers in ``GZIP_AWARE`` get the
gzip bytes as they are (a ``.warc.gz`` keeps its per-record gzip members and offsets, a
``.tar.gz`` is checked as an archive).

Large multi-record formats also register a ``StreamReader`` in ``STREAMING`` (same keys as
``REGISTRY``: the suffix after removing ``.gz``): it reads one chunk of records from a byte
offset without loading the file, for the flow to call chunk by chunk.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from newsdesk.readers import archive, html, jsonfeed, textdump, warc
from newsdesk.readers.base import Reader, ReadResult, StreamReader, quarantine_row


def _read_zip(data: bytes, source_path: str, file_hash: str, max_record_chars: int) -> ReadResult:
    return archive.read_zip(data, source_path, file_hash, max_record_chars, read_bytes)


def _read_tar(data: bytes, source_path: str, file_hash: str, max_record_chars: int) -> ReadResult:
    return archive.read_tar(data, source_path, file_hash, max_record_chars, read_bytes)


#: suffix (lower case, after removing ``.gz``) → reader. The one place formats register.
REGISTRY: dict[str, Reader] = {
    ".txt": textdump.read,
    ".text": textdump.read,
    ".json": jsonfeed.read,
    ".jsonl": jsonfeed.read,
    ".ndjson": jsonfeed.read,
    ".html": html.read,
    ".htm": html.read,
    ".xhtml": html.read,
    ".warc": warc.read,  # whole small files; large ones go through STREAMING
    ".zip": _read_zip,
    ".tar": _read_tar,
    ".tgz": _read_tar,
}

#: suffix (as in ``REGISTRY``) → chunked reader for files too large to read at once.
STREAMING: dict[str, StreamReader] = {
    ".warc": warc.read_chunk,
}

COMPRESSED = {".gz"}
#: Readers that take ``.gz`` bytes as they are (they decompress, or seek, themselves).
GZIP_AWARE = {".warc", ".tar"}

__all__ = [
    "REGISTRY",
    "STREAMING",
    "ReadResult",
    "discover",
    "is_supported",
    "read_bytes",
    "stream_reader",
]


def _inner_suffix(name: str) -> tuple[str, bool]:
    """(format suffix, gzipped?) for a file name, e.g. ``a.jsonl.gz`` → (``.jsonl``, True)."""
    p = Path(name.lower())
    if p.suffix in COMPRESSED:
        return Path(p.stem).suffix, True
    return p.suffix, False


def is_supported(path: Path) -> bool:
    """Whether some registered reader handles this file name."""
    return _inner_suffix(path.name)[0] in REGISTRY


def stream_reader(path: Path | str) -> StreamReader | None:
    """The chunked reader for this file name (``a.warc.gz`` → the WARC one), if any."""
    return STREAMING.get(_inner_suffix(Path(path).name)[0])


def discover(paths: Iterable[Path]) -> Iterator[Path]:
    """Every input file under ``paths`` (files as given, folders recursively), sorted.

    Unsupported files inside folders are yielded too, so the run can quarantine them with a
    reason rather than ignore them silently; hidden files and folders (``.x``) are skipped.
    """
    for root in paths:
        if root.is_file():
            yield root
            continue
        for p in sorted(root.rglob("*")):
            rel = p.relative_to(root)
            if any(part.startswith(".") for part in rel.parts):
                continue
            if p.is_file():
                yield p


def read_bytes(data: bytes, source_path: str, file_hash: str, max_record_chars: int) -> ReadResult:
    """Dispatch ``data`` (an input file's content) to its reader by file name."""
    suffix, gzipped = _inner_suffix(source_path)
    reader = REGISTRY.get(suffix)
    if reader is None:
        known = ", ".join(sorted(REGISTRY))
        return ReadResult.failed(
            quarantine_row(
                source_path,
                "",
                f"unsupported file type {suffix or '(no extension)'!r}; readers exist for {known}"
                " (optionally .gz)",
                data,
            )
        )
    if gzipped and suffix not in GZIP_AWARE:
        try:
            data = archive.gunzip_limited(data, archive.MAX_MEMBER_BYTES, archive.MAX_RATIO)
        except archive.GzipTooLargeError as exc:
            return ReadResult.failed(
                quarantine_row(
                    source_path, "", f"gzip bomb or oversized gzip file: it {exc}", data[:2000]
                )
            )
        except (OSError, EOFError, zlib.error) as exc:
            return ReadResult.failed(
                quarantine_row(source_path, "", f"corrupt or truncated gzip file: {exc}", data)
            )
    return reader(data, source_path, file_hash, max_record_chars)
