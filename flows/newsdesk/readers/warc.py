"""WARC and WARC.gz files (Common Crawl's CC-NEWS): HTML ``response`` records → html records.

Streamed with warcio: ``read_chunk`` seeks to a byte offset and reads at most
``max_records`` article records from there, so a 1 GB file is read in bounded chunks and
never held in memory. In a ``.warc.gz`` every record is its own gzip member, so a record's
byte offset in the file is a place a reader can seek to and start again.

Per record:

- ``response`` records whose HTTP ``Content-Type`` is HTML (``text/html``,
  ``application/xhtml+xml``) and whose status is 2xx become ``format="html"`` records
  (``readers.html``): ``url`` from ``WARC-Target-URI``, ``fetched_at`` from ``WARC-Date``
  (ISO 8601, UTC), the charset from the HTTP ``Content-Type`` header, ``record_key`` the
  record's byte offset in the file;
- every other record (``warcinfo``, ``request``, ``metadata``, ``revisit``, non-HTML or
  non-2xx responses) is skipped and counted in ``ReadResult.skipped`` by kind;
- a truncated or unreadable record (a cut-off download) is one quarantine row with its
  reason and offset; the records before it load.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator

from newsdesk.readers.base import ReadResult, charset_from_content_type, quarantine_row
from newsdesk.readers.html import read_page

#: HTTP content types read as HTML pages.
HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml+xhtml")
#: Payloads larger than this many bytes are quarantined unread (no news page is this big).
MAX_PAYLOAD_BYTES = 20 * 1024 * 1024
#: How many records ``read`` (the whole-file wrapper) asks for per chunk.
WHOLE_FILE_CHUNK = 1_000


def warc_date_utc(value: str | None) -> str | None:
    """``WARC-Date`` (``2025-09-12T10:11:12Z``, maybe with fractions) → ISO 8601 in UTC."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat()


def read_chunk(  # noqa: PLR0917 (the StreamReader contract is positional)
    path: Path,
    source_path: str,
    file_hash: str,
    max_record_chars: int,
    offset: int,
    max_records: int,
) -> ReadResult:
    """Up to ``max_records`` article records from the WARC file at ``path``, starting at
    byte ``offset`` (0, or a previous chunk's ``next_offset``). ``next_offset`` is where
    the next chunk starts, None at the end of the file."""
    src = _Source(source_path, file_hash, max_record_chars)
    size = path.stat().st_size
    with path.open("rb") as fh:
        fh.seek(offset)
        return _read_stream(fh, size, src, max(1, max_records))


def read(data: bytes, source_path: str, file_hash: str, max_record_chars: int) -> ReadResult:
    """A whole (small) WARC or WARC.gz file given as bytes, through the same code as
    ``read_chunk``: every chunk, one result."""
    src = _Source(source_path, file_hash, max_record_chars)
    out = ReadResult()
    offset: int | None = 0
    while offset is not None:
        stream = io.BytesIO(data)
        stream.seek(offset)
        part = _read_stream(stream, len(data), src, WHOLE_FILE_CHUNK)
        out.records.extend(part.records)
        out.quarantine.extend(part.quarantine)
        for kind, n in part.skipped.items():
            out.skipped[kind] = out.skipped.get(kind, 0) + n
        offset = part.next_offset
    if not out.records and not out.quarantine:
        skipped = ", ".join(f"{n} {k}" for k, n in sorted(out.skipped.items())) or "no records"
        out.quarantine.append(
            quarantine_row(
                source_path, "", f"WARC file has no HTML response records ({skipped})", data[:2000]
            )
        )
    return out


@dataclass(frozen=True)
class _Source:
    path: str
    file_hash: str
    max_record_chars: int


def _read_stream(fh: IO[bytes], size: int, src: _Source, max_records: int) -> ReadResult:
    """Records from where ``fh`` stands until ``max_records`` are taken, the
    file ends, or a record is truncated (nothing after it can be trusted: ``next_offset``
    stays None)."""
    out = ReadResult()
    taken = 0
    it = ArchiveIterator(fh)
    try:
        for record in it:
            if taken >= max_records:
                out.next_offset = it.offset
                return out
            outcome = _one_record(record, it.offset, src, out)
            if outcome == "truncated":
                return out
            taken += outcome == "taken"
    except Exception as exc:  # warcio raises many types on a cut-off or corrupt file
        out.quarantine.append(
            quarantine_row(
                src.path,
                str(it.offset),
                f"truncated or corrupt WARC record at byte offset {it.offset:,}:"
                f" {type(exc).__name__}: {exc}",
                "",
            )
        )
        return out
    if it.offset < size:
        # warcio stops quietly when the last gzip member or record header is cut short
        fh.seek(it.offset)
        out.quarantine.append(
            quarantine_row(
                src.path,
                str(it.offset),
                f"truncated WARC record at byte offset {it.offset:,}: the file ends"
                f" {size - it.offset:,} bytes into an incomplete record",
                fh.read(2000),
            )
        )
    return out


def skip_kind(record: Any) -> str | None:
    """Why a WARC record is not an article page (its kind, for the skipped counts), or
    None for an HTML ``response`` with a 2xx status."""
    rtype = record.rec_type or "unknown"
    if rtype != "response":
        return str(rtype)
    http = record.http_headers
    if http is None:
        return "response without HTTP headers"
    status = (http.get_statuscode() or "").strip()
    if not status.startswith("2"):
        return f"response HTTP {status[:1] or '?'}xx"
    content_type = (http.get_header("Content-Type") or "").lower().strip()
    if not content_type.startswith(HTML_TYPES):
        return "response not HTML"
    return None


def _one_record(record: Any, offset: int, src: _Source, out: ReadResult) -> str:
    """Handle one WARC record → ``taken`` (a record or a quarantine row), ``skipped`` or
    ``truncated`` (the payload is cut short: the file ends inside this record)."""
    kind = skip_kind(record)
    if kind is not None:
        out.skipped[kind] = out.skipped.get(kind, 0) + 1
        return "skipped"
    key = str(offset)
    uri = record.rec_headers.get_header("WARC-Target-URI")
    payload = record.content_stream().read(MAX_PAYLOAD_BYTES + 1)
    while record.raw_stream.read(1 << 16):  # drain what content_stream left unread
        pass
    short = getattr(record.raw_stream, "limit", 0)
    if short > 0:
        reason = (
            f"truncated WARC record at byte offset {offset:,}: payload ends {short:,} bytes"
            f" short of its Content-Length ({uri})"
        )
        out.quarantine.append(quarantine_row(src.path, key, reason, payload))
        return "truncated"
    if len(payload) > MAX_PAYLOAD_BYTES:
        reason = f"WARC response payload too large: more than {MAX_PAYLOAD_BYTES:,} bytes ({uri})"
        out.quarantine.append(quarantine_row(src.path, key, reason, payload[:2000]))
        return "taken"
    http = record.http_headers
    status = (http.get_statuscode() or "").strip()
    result = read_page(
        payload,
        src.path,
        key,
        src.file_hash,
        src.max_record_chars,
        url=uri,
        declared_charset=charset_from_content_type(http.get_header("Content-Type")),
        fetched_at=warc_date_utc(record.rec_headers.get_header("WARC-Date")),
        extra={
            "warc_record_id": record.rec_headers.get_header("WARC-Record-ID"),
            "http_status": int(status[:3]) if status[:3].isdigit() else None,
        },
    )
    out.records.extend(result.records)
    out.quarantine.extend(result.quarantine)
    return "taken"
