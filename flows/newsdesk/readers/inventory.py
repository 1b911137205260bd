"""Which input files a run must read: the incremental plan against the manifest.

A file whose size and modification time match the manifest is skipped without reading it.
When either differs, its bytes are hashed: the same hash means only its timestamp changed
(skipped; the manifest is refreshed), a different hash means it changed (read again, and its
earlier records are replaced).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from newsdesk import schema
from newsdesk.readers import discover, read_bytes, stream_reader
from newsdesk.readers.base import ReadResult, quarantine_row

#: The warehouse's ``files`` table: what each input file looked like when last loaded.
MANIFEST: dict[str, pl.DataType] = {
    "source_path": pl.String(),
    "size_bytes": pl.Int64(),
    "mtime_ns": pl.Int64(),
    "file_hash": pl.String(),
    "records_in": pl.Int64(),
}

_HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class InputFile:
    """One input file as the run sees it."""

    path: str  # as given (relative paths stay relative): this is ``source_path``
    size_bytes: int
    mtime_ns: int
    file_hash: str
    is_change: bool  # the manifest knew an older version of this file
    known_records: int | None = None  # records the manifest counted (touched files)


@dataclass
class Plan:
    """The files to read, and what the manifest learns without reading."""

    to_read: list[InputFile] = field(default_factory=list)
    touched: list[InputFile] = field(default_factory=list)  # same bytes, new mtime
    skipped: int = 0

    @property
    def files_seen(self) -> int:
        return len(self.to_read) + len(self.touched) + self.skipped


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def plan_inputs(
    paths: Sequence[Path], manifest: pl.DataFrame, force: set[str] | None = None
) -> Plan:
    """Compare the files under ``paths`` with the manifest (``warehouse.MANIFEST`` rows).

    Files in ``force`` are read again even when unchanged (``newsdesk requeue``)."""
    force = force or set()
    known = {row["source_path"]: row for row in manifest.iter_rows(named=True)}
    plan = Plan()
    for path in discover(paths):
        stat = path.stat()
        key = str(path)
        old = known.get(key)
        if key in force:
            digest = file_sha256(path)
            plan.to_read.append(
                InputFile(key, stat.st_size, stat.st_mtime_ns, digest, is_change=old is not None)
            )
            continue
        if old and old["size_bytes"] == stat.st_size and old["mtime_ns"] == stat.st_mtime_ns:
            plan.skipped += 1
            continue
        digest = file_sha256(path)
        if old and old["file_hash"] == digest:
            plan.touched.append(
                InputFile(
                    key,
                    stat.st_size,
                    stat.st_mtime_ns,
                    digest,
                    is_change=False,
                    known_records=old["records_in"],
                )
            )
        else:
            plan.to_read.append(
                InputFile(key, stat.st_size, stat.st_mtime_ns, digest, is_change=old is not None)
            )
    return plan


def manifest_rows(plan: Plan, records_per_file: dict[str, int]) -> pl.DataFrame:
    """Manifest rows for every file this run read or re-checked."""
    rows = [
        {
            "source_path": f.path,
            "size_bytes": f.size_bytes,
            "mtime_ns": f.mtime_ns,
            "file_hash": f.file_hash,
            "records_in": records_per_file.get(f.path, f.known_records or 0),
        }
        for f in [*plan.to_read, *plan.touched]
    ]
    return pl.DataFrame(rows, schema=MANIFEST)


def batches(
    files: Sequence[InputFile], max_files: int, max_bytes: int
) -> Iterable[list[InputFile]]:
    """Consecutive groups of at most ``max_files`` files and about ``max_bytes`` bytes."""
    batch: list[InputFile] = []
    size = 0
    for f in files:
        if batch and (len(batch) >= max_files or size + f.size_bytes > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(f)
        size += f.size_bytes
    if batch:
        yield batch


def is_streamed(f: InputFile) -> bool:
    """Large multi-record formats (WARC) are read in chunks, one shard per chunk."""
    return stream_reader(f.path) is not None


@dataclass
class Batch:
    """What reading a batch of files (or one chunk of a streamed file) gave."""

    raw: pl.DataFrame  # schema.RAW_RECORD
    quarantine: pl.DataFrame  # schema.QUARANTINE (run_id still null)
    per_file: dict[str, int]  # records (loaded or quarantined) read from each file
    next_offset: int | None = None  # a streamed file: where its next chunk starts
    #: Records of a container that are no articles, by kind ("request", "response not
    #: HTML", ...): counted, not loaded, not part of the reconciliation.
    skipped: dict[str, int] = field(default_factory=dict)


def _add_counts(into: dict[str, int], counts: dict[str, int]) -> None:
    for kind, n in counts.items():
        into[kind] = into.get(kind, 0) + n


def read_chunk_of(f: InputFile, offset: int, max_records: int, max_record_chars: int) -> Batch:
    """One chunk of a streamed file from ``offset``, at most ``max_records`` records."""
    reader = stream_reader(f.path)
    if reader is None:  # not an assert: must hold under python -O
        raise ValueError(f"{f.path} has no streaming reader")
    try:
        result = reader(Path(f.path), f.path, f.file_hash, max_record_chars, offset, max_records)
    except OSError as exc:
        result = ReadResult.failed(quarantine_row(f.path, str(offset), f"cannot read: {exc}", b""))
    raw, q = _frames(result.records, result.quarantine)
    return Batch(
        raw,
        q,
        {f.path: len(result.records) + len(result.quarantine)},
        result.next_offset,
        dict(result.skipped),
    )


def _frames(
    records: list[dict[str, object]], quarantine: list[dict[str, object]]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    raw = schema.conform(
        pl.DataFrame(records, schema_overrides=schema.RAW_RECORD, infer_schema_length=None)
        if records
        else schema.empty(schema.RAW_RECORD),
        schema.RAW_RECORD,
    )
    q = (
        pl.DataFrame(
            quarantine, schema={k: v for k, v in schema.QUARANTINE.items() if k != "run_id"}
        )
        if quarantine
        else None
    )
    return raw, schema.conform(
        q if q is not None else schema.empty(schema.QUARANTINE), schema.QUARANTINE
    )


def read_batch(files: Sequence[InputFile], max_file_bytes: int, max_record_chars: int) -> Batch:
    """Read a batch of files: raw records, read-stage quarantine, records per file."""
    records: list[dict[str, object]] = []
    quarantine: list[dict[str, object]] = []
    per_file: dict[str, int] = {}
    skipped: dict[str, int] = {}
    for f in files:
        path = Path(f.path)
        if f.size_bytes > max_file_bytes:
            result_q = [
                quarantine_row(
                    f.path,
                    "",
                    f"file too large: {f.size_bytes:,} bytes > limit {max_file_bytes:,}"
                    " (NEWSDESK_MAX_FILE_BYTES)",
                    b"",
                )
            ]
            result_r: list[dict[str, object]] = []
        else:
            try:
                data = path.read_bytes()
            except OSError as exc:
                result_q = [quarantine_row(f.path, "", f"cannot read file: {exc}", b"")]
                result_r = []
            else:
                result = read_bytes(data, f.path, f.file_hash, max_record_chars)
                result_q, result_r = result.quarantine, result.records
                _add_counts(skipped, result.skipped)
                saved_at = datetime.fromtimestamp(f.mtime_ns / 1e9, UTC).isoformat()
                for rec in result_r:
                    rec.setdefault("fetched_at", saved_at)
        records.extend(result_r)
        quarantine.extend(result_q)
        per_file[f.path] = len(result_r) + len(result_q)
    raw, q_frame = _frames(records, quarantine)
    return Batch(raw, q_frame, per_file, None, skipped)
