"""What every reader shares: the result type, quarantine rows and byte decoding."""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes

#: How much of an offending record quarantine keeps (the warehouse caps it again).
RAW_KEEP_CHARS = 20_000

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

#: Control characters other than tab/newline/carriage return: never part of article text.
_CONTROL = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


@dataclass
class ReadResult:
    """Records read from one input file, and what could not be read (with reasons).

    Streaming readers (large multi-record files such as WARC) return one chunk at a time
    and set ``next_offset`` to the byte offset where the next chunk starts (None: done).
    """

    records: list[dict[str, Any]] = field(default_factory=list)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    next_offset: int | None = None

    @classmethod
    def failed(cls, row: dict[str, Any]) -> ReadResult:
        return cls(records=[], quarantine=[row])


#: (data, source_path, file_hash, max_record_chars) → everything in a small file.
Reader = Callable[[bytes, str, str, int], ReadResult]
#: (path, source_path, file_hash, max_record_chars, offset, max_records) → one chunk of a
#: large file, read from ``offset`` without loading the whole file.
StreamReader = Callable[[Path, str, str, int, int, int], ReadResult]


def preview(raw: bytes | str, limit: int = RAW_KEEP_CHARS) -> str:
    """A bounded, printable copy of a bad record for quarantine."""
    if isinstance(raw, bytes):
        raw = raw[: limit * 4].decode("utf-8", errors="backslashreplace")
    return raw[:limit]


def quarantine_row(
    source_path: str, record_key: str, reason: str, raw: bytes | str
) -> dict[str, Any]:
    """A quarantine row for the read stage (``run_id`` is added by the flow)."""
    return {
        "source_path": source_path,
        "record_key": record_key,
        "stage": "read",
        "reason": reason,
        "raw": preview(raw),
    }


class DecodeError(ValueError):
    """The bytes are not text in any encoding we can trust."""


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many non-text control bytes in the first 8 KiB mean binary content.

    UTF-16/32 text has NULs too, so callers check for BOMs first.
    """
    head = data[:8192]
    if not head:
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 0x09 or 0x0E <= b < 0x20)
    return controls / len(head) > 0.05


def clean_text(text: str) -> str:
    """Drop NULs and other control characters; normalise line endings to ``\\n``."""
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROL)


def decode(data: bytes) -> tuple[str, str]:
    """Bytes → (text, encoding). BOM first, then strict UTF-8, then charset detection.

    Raises ``DecodeError`` for binary content or bytes no encoding explains.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return clean_text(data.decode(encoding)), encoding
            except UnicodeDecodeError as exc:
                raise DecodeError(f"invalid {encoding} after its byte-order mark: {exc}") from exc
    if looks_binary(data):
        raise DecodeError("binary content (NUL or control bytes), not text")
    try:
        return clean_text(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    western = _as_western(data)
    if western is not None:
        return clean_text(western), "cp1252"
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise DecodeError("undecodable bytes: not UTF-8 and no charset fits")
    return clean_text(str(best)), best.encoding


#: Non-ASCII characters that Western European news text in windows-1252 is made of.
_WESTERN = frozenset(
    "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝßàáâãäåæçèéêëìíîïñòóôõöøùúûüýÿŒœŠšŽžŸ"
    "‘’‚“”„–—…•€£¥©®°±²³´µ·¹º»«½¼¾¿¡§¶×÷™†‡‰ \u00a0"
)


def _as_western(data: bytes) -> str | None:
    """windows-1252 (a superset of latin-1's printable range) when the text reads as such.

    Statistical detectors often pick a Baltic or Central European code page for short
    Western text; mostly-ASCII text whose other characters are all common Western letters
    and typographic punctuation is windows-1252, the most common legacy news encoding.
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    non_ascii = [c for c in text if ord(c) > 0x7F]
    if not non_ascii or len(non_ascii) > 0.2 * len(text):
        return None
    return text if all(c in _WESTERN for c in non_ascii) else None


def dumps_extra(fields: dict[str, Any]) -> str | None:
    """Unknown fields kept for lineage as one JSON object string (None when there are none)."""
    if not fields:
        return None
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, default=str)
