"""What every reader shares: the result type, quarantine rows and byte decoding."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ftfy
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

#: Control characters other than tab/newline/carriage return (C0, DEL and C1): never part of
#: article text.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass
class ReadResult:
    """Records read from one input file, and what could not be read (with reasons).

    Streaming readers (large multi-record files such as WARC) return one chunk at a time
    and set ``next_offset`` to the byte offset where the next chunk starts (None: done).
    """

    records: list[dict[str, Any]] = field(default_factory=list)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    next_offset: int | None = None
    #: records a multi-record reader passed over on purpose, by kind (e.g. WARC ``request``
    #: records, non-HTML responses): counted, neither loaded nor quarantined
    skipped: dict[str, int] = field(default_factory=dict)

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


#: Share of NUL bytes (in the first 8 KiB) above which bytes without a BOM are binary.
_MAX_NUL_SHARE = 0.01
#: Share of other control bytes above which bytes are binary.
_MAX_CONTROL_SHARE = 0.05


def looks_binary(data: bytes) -> bool:
    """Many NUL bytes or non-text control bytes in the first 8 KiB mean binary content.

    A few stray NULs in text (a broken export) are not binary: ``clean_text`` drops them.
    UTF-16/32 text has NULs too, so callers check for BOMs (and ``_utf16_without_bom``) first.
    """
    head = data[:8192]
    if not head:
        return False
    if head.count(0) > _MAX_NUL_SHARE * len(head):
        return True
    controls = sum(1 for b in head if b < 0x09 or 0x0E <= b < 0x20)
    return controls / len(head) > _MAX_CONTROL_SHARE


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 text saved without a byte-order mark: every other byte of its ASCII is NUL."""
    head = data[:8192]
    if len(head) < 8 or len(data) % 2:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    half = len(head) // 2
    if odd > 0.6 * half and even < 0.05 * half:
        encoding = "utf-16-le"
    elif even > 0.6 * half and odd < 0.05 * half:
        encoding = "utf-16-be"
    else:
        return None
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError:
        return None


# --------------------------------------------------------------------------- mojibake

#: What the second byte of a UTF-8 sequence looks like once decoded as windows-1252/latin-1.
_CP1252_HIGH = (
    "\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e"
    "\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"
)
_CONT = "\u0080-\u00bf" + _CP1252_HIGH
#: A UTF-8 lead byte read as windows-1252 (Â Ã Ä ... ô) followed by a continuation byte.
_MOJIBAKE = re.compile(f"[\u00c2-\u00f4][{_CONT}]")
#: ... inside a Latin word ("CafÃ©"): the shape of Western mojibake.
_MOJIBAKE_IN_WORD = re.compile(f"[A-Za-z][\u00c2-\u00f4][{_CONT}]|[\u00c2-\u00f4][{_CONT}][A-Za-z]")
#: Characters mojibake text is made of; anything else means the text is not (only) mojibake.
_NOT_MOJIBAKE = re.compile(f"[^\\s\u0020-\u007e\u0080-\u017f{_CP1252_HIGH}]")
#: A C1 control that is not the second byte of a mis-decoded UTF-8 sequence.
_STRAY_C1 = re.compile("(?<![\u00c2-\u00f4\u20ac])[\u0080-\u009f]")
_ASCII_WORD = re.compile("[A-Za-z]{2,}")

_FTFY_ENCODING_ONLY = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_encoding=True,
    restore_byte_a0=False,
    replace_lossy_sequences=False,
    decode_inconsistent_utf8=False,
    fix_c1_controls=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=False,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)


def has_mojibake(text: str) -> bool:
    """Whether ``text`` reads like UTF-8 decoded as windows-1252 ("CafÃ©", "â€œ", "Ð¿Ñ€").

    Conservative: besides the marker pairs, the text must be made only of characters such
    text is made of, and either be Latin prose with a marker inside a word or be dense with
    markers (Cyrillic or Greek mojibake), so genuine Latin-1 text is left alone.
    """
    markers = len(_MOJIBAKE.findall(text))
    if not markers:
        return False
    if _STRAY_C1.search(text) or len(_NOT_MOJIBAKE.findall(text)) > 0.01 * len(text):
        return False
    non_ascii = sum(1 for c in text if not c.isascii())
    if markers >= 3 and 2 * markers >= 0.8 * non_ascii:
        return True
    ascii_share = 1 - non_ascii / len(text)
    return (
        ascii_share >= 0.6
        and len(_ASCII_WORD.findall(text)) >= 3
        and _MOJIBAKE_IN_WORD.search(text) is not None
    )


def repair_mojibake(text: str) -> str:
    """Undo UTF-8-read-as-windows-1252 with ftfy, only where ``has_mojibake`` says so.

    Only ftfy's encoding repair runs: quotes, ligatures, widths and HTML entities stay as
    they are.
    """
    if not has_mojibake(text):
        return text
    return ftfy.fix_text(text, _FTFY_ENCODING_ONLY)


def clean_text(text: str) -> str:
    """Repair mojibake, drop NULs and other control characters; line endings to ``\\n``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = repair_mojibake(text)
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text


# --------------------------------------------------------------------------- charsets

#: Charset labels as pages and servers write them → the Python codec that reads them.
#: Legacy labels mean their Windows superset, as browsers read them (WHATWG Encoding).
_CHARSET_ALIASES = {
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "iso-8859-9": "cp1254",
    "latin5": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "chinese": "gb18030",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "big5": "big5hkscs",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
}
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,400}?charset\s*=\s*["']?\s*([A-Za-z0-9_:.+-]{1,40})""", re.IGNORECASE
)
_XML_ENCODING = re.compile(
    rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_.:+-]{1,40})"""
)
_CONTENT_TYPE_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([^"';,\s]+)""", re.IGNORECASE)
#: How far into a page to look for its ``<meta charset>`` (browsers look at 1024 bytes;
#: CMS pages often put scripts and styles first).
META_SNIFF_BYTES = 8192


def python_codec(label: str | None) -> str | None:
    """A charset label ("ISO-8859-1", "Shift_JIS", "utf8") → a Python codec name, or None."""
    if not label:
        return None
    key = label.strip().strip("\"'").lower()
    key = _CHARSET_ALIASES.get(key, key)
    try:
        name = codecs.lookup(key).name
    except LookupError:
        return None
    return "cp1252" if name in ("latin-1", "iso8859-1", "ascii") else name


def charset_from_content_type(value: str | None) -> str | None:
    """``text/html; charset=Shift_JIS`` → ``cp932`` (None when absent or unknown)."""
    if not value:
        return None
    m = _CONTENT_TYPE_CHARSET.search(value)
    return python_codec(m.group(1)) if m else None


def sniff_meta_charset(data: bytes) -> str | None:
    """The charset a page declares in ``<meta charset>``, ``http-equiv`` or ``<?xml?>``."""
    head = data[:META_SNIFF_BYTES]
    m = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    if not m:
        return None
    codec = python_codec(m.group(1).decode("ascii", "replace"))
    # a page cannot declare UTF-16/32 in its own ASCII markup: that means UTF-8 (WHATWG)
    return "utf-8" if codec and codec.startswith(("utf-16", "utf-32")) else codec


def _bom(data: bytes) -> tuple[str, str] | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise DecodeError(f"invalid {encoding} after its byte-order mark: {exc}") from exc
    return None


def decode(data: bytes) -> tuple[str, str]:
    """Bytes → (text, encoding). BOM first, then strict UTF-8, then charset detection.

    The text is cleaned (``clean_text``): mojibake repaired, control characters removed.
    Raises ``DecodeError`` for binary content or bytes no encoding explains.
    """
    found = _bom(data) or _utf16_without_bom(data)
    if found is not None:
        return clean_text(found[0]), found[1]
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


def decode_declared(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Bytes of a web page → (text, encoding), the way a browser picks the charset.

    BOM first, then the charset the server declared (``declared``, e.g. from an HTTP
    ``Content-Type`` header inside a WARC record), then the page's own ``<meta charset>`` /
    ``http-equiv`` / ``<?xml encoding?>``, then detection as in ``decode``. A declared
    single-byte or legacy charset loses to valid UTF-8 with non-ASCII characters (the most
    common mislabel: a UTF-8 page still declaring ISO-8859-1); a declared charset the bytes
    do not fit is ignored.
    """
    found = _bom(data)
    if found is not None:
        return clean_text(found[0]), found[1]
    candidates = [python_codec(declared), sniff_meta_charset(data)]
    for codec in candidates:
        if codec is None:
            continue
        if not codec.startswith("utf"):
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                if not text.isascii():
                    return clean_text(text), "utf-8"
        try:
            return clean_text(data.decode(codec)), codec
        except (UnicodeDecodeError, LookupError):
            continue
    try:
        return decode(data)
    except DecodeError:
        codec = next((c for c in candidates if c), None)
        if codec is None or looks_binary(data):
            raise
        return clean_text(data.decode(codec, errors="replace")), codec


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
