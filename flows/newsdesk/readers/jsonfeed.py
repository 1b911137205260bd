"""JSON, JSON Lines and JSON arrays from scrapers and news APIs.

Field names follow news-please (``url``, ``title``, ``maintext``, ``authors``,
``date_publish``, ``source_domain``, ``language``, ``description``) with common aliases
(``FIELD_ALIASES``). Unknown fields are kept in ``extra`` for lineage.

``record_key``: the 1-based line number in JSON Lines, the 0-based index in a JSON array,
``""`` for a file holding one JSON object.
"""

from __future__ import annotations

import json
from typing import Any

from newsdesk.readers.base import (
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


def to_record(obj: dict[str, Any], source_path: str, record_key: str, file_hash: str) -> dict[str, Any]:
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
    extra = {k: v for k, v in obj.items() if k not in used and (k not in _KNOWN or k == "date_modify")}
    rec["extra"] = dumps_extra(extra)
    return rec


def _one(
    value: Any, source_path: str, key: str, file_hash: str, raw: str, out: ReadResult
) -> None:
    if isinstance(value, dict):
        out.records.append(to_record(value, source_path, key, file_hash))
    else:
        out.quarantine.append(
            quarantine_row(
                source_path,
                key,
                f"JSON record is a {type(value).__name__}, expected an object with article fields",
                raw,
            )
        )


def read(data: bytes, source_path: str, file_hash: str, max_record_chars: int) -> ReadResult:
    if not data.strip():
        return ReadResult.failed(quarantine_row(source_path, "", "empty file: no JSON", data))
    try:
        text, _encoding = decode(data)
    except DecodeError as exc:
        return ReadResult.failed(quarantine_row(source_path, "", str(exc), data))
    stripped = text.strip()
    if not stripped:
        return ReadResult.failed(quarantine_row(source_path, "", "empty file: no JSON", data))
    out = ReadResult()
    is_lines = source_path.lower().removesuffix(".gz").endswith((".jsonl", ".ndjson"))
    if not is_lines:
        # A .json file holds one object or an array; some ".json" feeds are really JSON Lines.
        try:
            doc = json.loads(stripped)
        except json.JSONDecodeError as exc:
            if stripped.startswith("{") and "\n{" in stripped:
                is_lines = True
            else:
                return ReadResult.failed(
                    quarantine_row(
                        source_path,
                        "",
                        f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
                        text,
                    )
                )
        else:
            items = doc if isinstance(doc, list) else None
            if isinstance(doc, dict) and isinstance(doc.get("articles"), list):
                items = doc["articles"]
            if items == []:
                return ReadResult.failed(
                    quarantine_row(source_path, "", "JSON holds an empty list: no articles", text)
                )
            if isinstance(doc, list):
                for i, item in enumerate(doc):
                    _one(item, source_path, str(i), file_hash, json.dumps(item)[:20000], out)
            elif isinstance(doc, dict) and isinstance(doc.get("articles"), list):
                # news-API envelope: {"status": ..., "articles": [...]}
                for i, item in enumerate(doc["articles"]):
                    _one(item, source_path, str(i), file_hash, json.dumps(item)[:20000], out)
            else:
                _one(doc, source_path, "", file_hash, stripped, out)
            return _cap(out, max_record_chars)
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        key = str(lineno)
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            out.quarantine.append(
                quarantine_row(
                    source_path,
                    key,
                    f"invalid JSON on line {lineno} at column {exc.colno}: {exc.msg}"
                    " (truncated or broken record)",
                    line,
                )
            )
            continue
        _one(value, source_path, key, file_hash, line, out)
    return _cap(out, max_record_chars)


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
