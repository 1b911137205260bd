"""Archives: ``.zip``, ``.tar``, ``.tar.gz`` / ``.tgz`` bundles of any readable format.

Every member is read in memory (nothing is extracted to disk) and dispatched to its own
format's reader through ``readers.read_bytes``, with ``source_path`` =
``<archive path>!/<member path>`` (``a.zip!/inner.tar!/x.html`` one level down). An archive
inside an archive is read (nested once); one more level down is quarantined.

Members that are unsafe or unreadable are quarantined, one row each, with the reason:

- path traversal (``..`` in the path), absolute paths (``/x``, ``C:\\x``);
- symbolic and hard links, devices, FIFOs (anything but a regular file);
- encrypted members;
- zip bombs: a member whose compression ratio is above ``MAX_RATIO`` (once it is larger
  than ``RATIO_MIN_BYTES``), a member larger than ``MAX_MEMBER_BYTES``, or members beyond
  ``MAX_TOTAL_BYTES`` uncompressed in all, or beyond ``MAX_MEMBERS`` members. Sizes are
  enforced while reading, not taken from the archive's own (forgeable) headers.

Folders and hidden files (``__MACOSX/``, ``.DS_Store``) are passed over.
"""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO

from newsdesk.readers.base import ReadResult, quarantine_row

#: Compression ratio (uncompressed / compressed) above which a member is a zip bomb.
MAX_RATIO = 100
#: ... checked once a member is at least this large (tiny members compress absurdly well).
RATIO_MIN_BYTES = 1024 * 1024
#: Largest member read, and most bytes read from one archive in all (uncompressed).
MAX_MEMBER_BYTES = 256 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
#: Most members read from one archive.
MAX_MEMBERS = 100_000
#: Archives inside archives are read this many levels down.
MAX_DEPTH = 1

ARCHIVE_SUFFIXES = (".zip", ".tar", ".tgz", ".tar.gz")

#: (data, source_path, file_hash, max_record_chars) → ReadResult: ``readers.read_bytes``,
#: passed in to avoid an import cycle.
Dispatch = Callable[[bytes, str, str, int], ReadResult]


class _UnsafeMemberError(Exception):
    """A member that must not be read; the message is the quarantine reason."""


def is_archive(name: str) -> bool:
    """Whether a file name is an archive this module reads."""
    return name.lower().endswith(ARCHIVE_SUFFIXES)


@dataclass
class _Budget:
    """What one archive (with its nested archives) may still read."""

    bytes_left: int = field(default_factory=lambda: MAX_TOTAL_BYTES)
    members_left: int = field(default_factory=lambda: MAX_MEMBERS)


def _unsafe_path(name: str) -> str | None:
    """Why a member path is unsafe to use, or None."""
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return f"unsafe member path {name!r}: absolute path"
    parts = name.replace("\\", "/").split("/")
    if ".." in parts:
        return f"unsafe member path {name!r}: path traversal ('..')"
    return None


def _hidden(name: str) -> bool:
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return any((p.startswith(".") and p not in (".", "..")) or p == "__MACOSX" for p in parts)


def _read_limited(fh: IO[bytes], limit: int, name: str) -> bytes:
    """At most ``limit`` bytes from ``fh``; more means the member is too large."""
    data = fh.read(limit + 1)
    if len(data) > limit:
        raise _UnsafeMemberError(
            f"member {name!r} too large: more than {limit:,} bytes uncompressed"
            " (zip bomb or oversized file)"
        )
    return data


def _check_ratio(name: str, size: int, compressed: int) -> None:
    if size >= RATIO_MIN_BYTES and size > MAX_RATIO * max(compressed, 1):
        raise _UnsafeMemberError(
            f"member {name!r} looks like a zip bomb: compression ratio"
            f" {size / max(compressed, 1):,.0f} > {MAX_RATIO}"
        )


class GzipTooLargeError(ValueError):
    """Gzip data that decompresses to more than allowed (a gzip bomb)."""


_GZIP_STEP = 1 << 20


def gunzip_limited(data: bytes, limit: int, max_ratio: float | None = None) -> bytes:
    """Decompress gzip data (several members allowed) to at most ``limit`` bytes.

    Output is produced step by step, so a bomb never takes more than ``limit`` bytes of
    memory; with ``max_ratio`` it is stopped as soon as it has made ``RATIO_MIN_BYTES`` at
    more than that ratio. Raises ``GzipTooLargeError`` for either, ``EOFError`` for truncated
    data and ``zlib.error`` for corrupt data.
    """
    out = bytearray()
    rest = data
    while rest:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        buf = rest
        while True:
            out += d.decompress(buf, _GZIP_STEP)
            buf = d.unconsumed_tail
            _check_growth(len(out), len(data) - len(buf), limit, max_ratio)
            if d.eof or not buf:
                break
        if not d.eof:
            out += d.flush()
            _check_growth(len(out), len(data), limit, max_ratio)
            raise EOFError("compressed data ended before the end-of-stream marker")
        rest = d.unused_data.lstrip(b"\x00")
    return bytes(out)


def _check_growth(produced: int, consumed: int, limit: int, max_ratio: float | None) -> None:
    if produced > limit:
        raise GzipTooLargeError(f"decompresses to more than {limit:,} bytes")
    if max_ratio and produced >= RATIO_MIN_BYTES and produced > max_ratio * max(consumed, 1):
        raise GzipTooLargeError(
            f"compression ratio above {max_ratio:,.0f} ({produced:,} bytes from {consumed:,})"
        )


def read_zip(
    data: bytes, source_path: str, file_hash: str, max_record_chars: int, dispatch: Dispatch
) -> ReadResult:
    """Every member of a zip archive, each through its own reader."""
    return _Reader(source_path, file_hash, max_record_chars, dispatch).zip(data, 0, _Budget())


def read_tar(
    data: bytes, source_path: str, file_hash: str, max_record_chars: int, dispatch: Dispatch
) -> ReadResult:
    """Every member of a tar archive (plain or gzip/bz2/xz-compressed)."""
    return _Reader(source_path, file_hash, max_record_chars, dispatch).tar(data, 0, _Budget())


@dataclass
class _Reader:
    archive_path: str
    file_hash: str
    max_record_chars: int
    dispatch: Dispatch

    def _member(
        self, prefix: str, name: str, data: bytes, depth: int, budget: _Budget
    ) -> ReadResult:
        """One member's bytes → its reader (an archive: read it, one level deeper)."""
        path = f"{prefix}!/{name}"
        lower = name.lower()
        if is_archive(lower):
            if depth >= MAX_DEPTH:
                return ReadResult.failed(
                    quarantine_row(
                        path,
                        "",
                        f"nested archive {depth + 1} levels deep: archives are read"
                        f" {MAX_DEPTH} level(s) down only",
                        b"",
                    )
                )
            if lower.endswith(".zip"):
                return self.zip(data, depth + 1, budget, prefix=path)
            return self.tar(data, depth + 1, budget, prefix=path)
        return self.dispatch(data, path, self.file_hash, self.max_record_chars)

    def _take(self, name: str, size: int, budget: _Budget) -> int:
        """Reserve room for a member; returns the most bytes it may have."""
        if budget.members_left <= 0:
            raise _UnsafeMemberError(f"too many members: more than {MAX_MEMBERS:,} in one archive")
        if size > budget.bytes_left:
            raise _UnsafeMemberError(
                f"archive too large: member {name!r} would take the uncompressed total past"
                f" {MAX_TOTAL_BYTES:,} bytes (zip bomb or oversized archive)"
            )
        budget.members_left -= 1
        return min(MAX_MEMBER_BYTES, budget.bytes_left)

    def zip(
        self, data: bytes, depth: int, budget: _Budget, prefix: str | None = None
    ) -> ReadResult:
        prefix = prefix or self.archive_path
        out = ReadResult()
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
            infos = zf.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            return ReadResult.failed(
                quarantine_row(prefix, "", f"corrupt zip archive: {exc}", data)
            )
        for info in infos:
            name = info.filename
            if info.is_dir() or _hidden(name):
                continue
            try:
                self._zip_member(zf, info, depth=depth, budget=budget, prefix=prefix, out=out)
            except _UnsafeMemberError as exc:
                out.quarantine.append(quarantine_row(f"{prefix}!/{name}", "", str(exc), b""))
        return _nonempty(out, prefix, "zip")

    def _zip_member(
        self,
        zf: zipfile.ZipFile,
        info: zipfile.ZipInfo,
        *,
        depth: int,
        budget: _Budget,
        prefix: str,
        out: ReadResult,
    ) -> None:
        name = info.filename
        reason = _unsafe_path(name)
        if reason:
            raise _UnsafeMemberError(reason)
        mode = info.external_attr >> 16
        if mode and stat.S_IFMT(mode) not in (0, stat.S_IFREG):
            kind = "symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
            raise _UnsafeMemberError(f"unsafe member {name!r}: {kind}")
        if info.flag_bits & 0x1:
            raise _UnsafeMemberError(
                f"encrypted member {name!r}: cannot be read without its password"
            )
        _check_ratio(name, info.file_size, info.compress_size)
        limit = self._take(name, info.file_size, budget)
        try:
            with zf.open(info) as fh:
                content = _read_limited(fh, limit, name)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as exc:
            raise _UnsafeMemberError(f"corrupt zip member {name!r}: {exc}") from exc
        budget.bytes_left -= len(content)
        _merge(out, self._member(prefix, name, content, depth, budget))

    def tar(
        self, data: bytes, depth: int, budget: _Budget, prefix: str | None = None
    ) -> ReadResult:
        prefix = prefix or self.archive_path
        out = ReadResult()
        if data[:2] == b"\x1f\x8b":  # .tar.gz / .tgz: gunzip within the budget first
            try:
                data = gunzip_limited(data, budget.bytes_left, MAX_RATIO)
            except GzipTooLargeError as exc:
                reason = f"gzip bomb or oversized archive: the tar.gz {exc}"
                return ReadResult.failed(quarantine_row(prefix, "", reason, b""))
            except (EOFError, zlib.error) as exc:
                reason = f"corrupt or truncated gzip in tar.gz archive: {exc}"
                return ReadResult.failed(quarantine_row(prefix, "", reason, b""))
        try:
            tf = tarfile.open(fileobj=io.BytesIO(data), mode="r:*")  # noqa: SIM115 (`with tf` below)
        except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
            return ReadResult.failed(
                quarantine_row(prefix, "", f"corrupt tar archive: {exc}", data)
            )
        with tf:
            members: list[tarfile.TarInfo] = []
            try:
                while (member := tf.next()) is not None:
                    members.append(member)
            except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
                # the members read before the damage still load
                reason = f"corrupt or truncated tar archive after {len(members)} members: {exc}"
                out.quarantine.append(quarantine_row(prefix, "", reason, b""))
            for member in members:
                name = member.name
                if member.isdir() or _hidden(name):
                    continue
                try:
                    self._tar_member(tf, member, depth=depth, budget=budget, prefix=prefix, out=out)
                except _UnsafeMemberError as exc:
                    out.quarantine.append(quarantine_row(f"{prefix}!/{name}", "", str(exc), b""))
        return _nonempty(out, prefix, "tar")

    def _tar_member(
        self,
        tf: tarfile.TarFile,
        member: tarfile.TarInfo,
        *,
        depth: int,
        budget: _Budget,
        prefix: str,
        out: ReadResult,
    ) -> None:
        name = member.name
        reason = _unsafe_path(name)
        if reason:
            raise _UnsafeMemberError(reason)
        if member.issym() or member.islnk():
            kind = "symbolic link" if member.issym() else "hard link"
            raise _UnsafeMemberError(f"unsafe member {name!r}: {kind} to {member.linkname!r}")
        if not member.isfile():
            raise _UnsafeMemberError(f"unsafe member {name!r}: not a regular file")
        limit = self._take(name, member.size, budget)
        fh = tf.extractfile(member)
        if fh is None:
            raise _UnsafeMemberError(f"unreadable tar member {name!r}")
        try:
            content = _read_limited(fh, limit, name)
        except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
            raise _UnsafeMemberError(f"corrupt or truncated tar member {name!r}: {exc}") from exc
        if len(content) < member.size:
            raise _UnsafeMemberError(
                f"truncated tar member {name!r}: {len(content):,} of {member.size:,} bytes"
            )
        budget.bytes_left -= len(content)
        _merge(out, self._member(prefix, name, content, depth, budget))


def _merge(out: ReadResult, part: ReadResult) -> None:
    out.records.extend(part.records)
    out.quarantine.extend(part.quarantine)
    for kind, n in part.skipped.items():
        out.skipped[kind] = out.skipped.get(kind, 0) + n


def _nonempty(out: ReadResult, path: str, kind: str) -> ReadResult:
    if not out.records and not out.quarantine:
        out.quarantine.append(
            quarantine_row(path, "", f"empty {kind} archive: no files in it", b"")
        )
    return out
