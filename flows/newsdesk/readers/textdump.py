"""Text dumps: one article per file, a news page copied as plain text with its furniture.

The reader only decodes; the extract stage finds title, byline, body and credit.
"""

from __future__ import annotations

from newsdesk.readers.base import DecodeError, ReadResult, decode, quarantine_row


def read(data: bytes, source_path: str, file_hash: str, max_record_chars: int) -> ReadResult:
    if not data.strip():
        return ReadResult.failed(quarantine_row(source_path, "", "empty file: no text", data))
    try:
        text, _encoding = decode(data)
    except DecodeError as exc:
        return ReadResult.failed(quarantine_row(source_path, "", str(exc), data))
    if not text.strip():
        return ReadResult.failed(
            quarantine_row(source_path, "", "no text left after removing control characters", data)
        )
    if len(text) > max_record_chars:
        return ReadResult.failed(
            quarantine_row(
                source_path,
                "",
                f"text dump too large: {len(text):,} characters > limit {max_record_chars:,}"
                " (NEWSDESK_MAX_RECORD_CHARS); is this really one article?",
                text,
            )
        )
    return ReadResult(
        records=[
            {
                "source_path": source_path,
                "record_key": "",
                "file_hash": file_hash,
                "format": "text",
                "raw_text": text,
            }
        ]
    )
