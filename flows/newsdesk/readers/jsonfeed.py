"""JSON, JSON Lines and JSON arrays from scrapers and news APIs.

Field names follow news-please (``url``, ``title``, ``maintext``, ``authors``,
``date_publish``, ``source_domain``, ``language``, ``description``) with common aliases
(``FIELD_ALIASES``). Unknown fields are kept in ``extra`` for lineage.

``record_key``: the 1-based line number in JSON Lines, the 0-based index in a JSON array,
``""`` for a file holding one JSON object.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from newsdesk.readers.base import (
    RAW_KEEP_CHARS,
    DecodeError,
    ReadResult,
    decode,
    dumps_extra,
    quarantine_row,
)

#: raw-record column → accepted input field names, first found wins (news-please's first).
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "url": ("url", "link", "canonical_url", "article_url", "href"),
    "title": ("title", "headline", "name"),
    "body": ("maintext", "text", "content", "body", "article_body", "articleBody", "full_text"),
    "author": ("authors", "author", "byline", "creator", "dc:creator"),
    "published_raw": (
        "date_publish",
        "published",
        "pubDate",
        "published_at",
        "publishedAt",
        "date",
        "datePublished",
        "pub_date",
        "date_modify",
    ),
    "site_raw": ("source_domain", "source", "site", "publisher", "domain", "site_name"),
    "language_raw": ("language", "lang", "locale"),
    "description": ("description", "summary", "abstract", "excerpt", "teaser"),
}
_KNOWN = {name for names in FIELD_ALIASES.values() for name in names}


def _as_text(value: Any) -> str | None:
    """Flatten a JSON value to text: lists of authors joined, objects by their name/url."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts = [_as_text(v) for v in value]
        joined = ", ".join(p for p in parts if p)
        return joined or None
    if isinstance(value, dict):
        for key in ("name", "title", "url", "@id", "domain"):
            if isinstance(value.get(key), str):
                return str(value[key])
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def to_record(
    obj: dict[str, Any], source_path: str, record_key: str, file_hash: str
) -> dict[str, Any]:
    """Map one JSON object onto the raw-record columns."""
    rec: dict[str, Any] = {
        "source_path": source_path,
        "record_key": record_key,
        "file_hash": file_hash,
        "format": "json",
    }
    used: set[str] = set()
    for column, names in FIELD_ALIASES.items():
        for name in names:
            if name in obj and obj[name] not in (None, "", []):
                rec[column] = _as_text(obj[name])
                used.add(name)
                break
    # date_modify is only a fallback for the publish date; keep it for lineage when unused
    extra = {
        k: v for k, v in obj.items() if k not in used and (k not in _KNOWN or k == "date_modify")
    }
    rec["extra"] = dumps_extra(extra)
    return rec


@dataclass(frozen=True)
class _Source:
    path: str
    file_hash: str


def _one(value: Any, src: _Source, key: str, raw: str, out: ReadResult) -> None:
    if isinstance(value, dict):
        out.records.append(to_record(value, src.path, key, src.file_hash))
    else:
        out.quarantine.append(
            quarantine_row(
                src.path,
                key,
                f"JSON record is a {type(value).__name__}, expected an object with article fields",
                raw,
            )
        )


def read(data: bytes, source_path: str, file_hash: str, max_record_chars: int) -> ReadResult:
    try:
        full = decode(data)[0] if data.strip() else ""
    except DecodeError as exc:
        return ReadResult.failed(quarantine_row(source_path, "", str(exc), data))
    text = full.strip()
    if not text:
        return ReadResult.failed(quarantine_row(source_path, "", "empty file: no JSON", data))
    src = _Source(source_path, file_hash)
    is_lines = source_path.lower().removesuffix(".gz").endswith((".jsonl", ".ndjson"))
    # A .json file holds one object or an array; some ".json" feeds are really JSON Lines.
    if not is_lines and not (text.startswith("{") and "\n{" in text and _is_lines(text)):
        out = _read_document(text, src)
    else:
        out = _read_lines(full, src)  # unstripped: line numbers are the file's
    return _cap(out, max_record_chars)


def _is_lines(text: str) -> bool:
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return True
    return False


def _read_document(text: str, src: _Source) -> ReadResult:
    """One JSON document: an object, an array of objects, or a news-API envelope."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        return ReadResult.failed(
            quarantine_row(
                src.path,
                "",
                f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
                text,
            )
        )
    if isinstance(doc, dict) and isinstance(doc.get("articles"), list):
        items: list[Any] | None = doc["articles"]  # {"status": ..., "articles": [...]}
    else:
        items = doc if isinstance(doc, list) else None
    out = ReadResult()
    if items is None:
        _one(doc, src, "", text, out)
    elif not items:
        out.quarantine.append(
            quarantine_row(src.path, "", "JSON holds an empty list: no articles", text)
        )
    for i, item in enumerate(items or []):
        _one(item, src, str(i), json.dumps(item)[:RAW_KEEP_CHARS], out)
    return out


def _read_lines(text: str, src: _Source) -> ReadResult:
    """JSON Lines: one object per line; a broken line is quarantined, the rest loads."""
    out = ReadResult()
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        key = str(lineno)
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            out.quarantine.append(
                quarantine_row(
                    src.path,
                    key,
                    # the line is the record_key: keep the reason groupable across files
                    f"invalid JSON line: {exc.msg} (truncated or broken record)",
                    line,
                )
            )
            continue
        _one(value, src, key, line, out)
    return out


def _cap(out: ReadResult, max_record_chars: int) -> ReadResult:
    """Quarantine records whose body is larger than any real article."""
    kept = []
    for rec in out.records:
        body = rec.get("body") or ""
        if len(body) > max_record_chars:
            out.quarantine.append(
                quarantine_row(
                    rec["source_path"],
                    rec["record_key"],
                    f"record body too large: {len(body):,} characters > limit"
                    f" {max_record_chars:,} (NEWSDESK_MAX_RECORD_CHARS)",
                    body,
                )
            )
        else:
            kept.append(rec)
    out.records = kept
    return out
