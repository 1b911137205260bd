"""Readers: the only code that touches raw input files.

A reader turns one input file's bytes into raw records (``schema.RAW_RECORD``) and
quarantine rows for what it cannot read. Formats register in ``REGISTRY`` below — adding
a format is one new module plus one line here; no other stage changes.

Compression is handled once, here: ``name.<ext>.gz`` is gunzipped and dispatched on
``<ext>``.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from newsdesk.readers import jsonfeed, textdump
from newsdesk.readers.base import Reader, ReadResult, quarantine_row

#: suffix (lower case, after removing ``.gz``) → reader. The one place formats register.
REGISTRY: dict[str, Reader] = {
    ".txt": textdump.read,
    ".text": textdump.read,
    ".json": jsonfeed.read,
    ".jsonl": jsonfeed.read,
    ".ndjson": jsonfeed.read,
}

COMPRESSED = {".gz"}

__all__ = ["REGISTRY", "ReadResult", "discover", "is_supported", "read_bytes"]


def _inner_suffix(name: str) -> tuple[str, bool]:
    """(format suffix, gzipped?) for a file name, e.g. ``a.jsonl.gz`` → (``.jsonl``, True)."""
    p = Path(name.lower())
    if p.suffix in COMPRESSED:
        return Path(p.stem).suffix, True
    return p.suffix, False


def is_supported(path: Path) -> bool:
    """Whether some registered reader handles this file name."""
    return _inner_suffix(path.name)[0] in REGISTRY


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
    if gzipped:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            return ReadResult.failed(
                quarantine_row(source_path, "", f"corrupt or truncated gzip file: {exc}", data)
            )
    return reader(data, source_path, file_hash, max_record_chars)
