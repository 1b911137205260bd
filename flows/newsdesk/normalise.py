"""Normalise stage: extracted records → warehouse-shaped articles (``schema.ARTICLE``).

Unicode NFC and whitespace; publish dates to UTC (formats in
``data/reference/date_formats.csv``; impossible dates become null with ``date_note``);
``site`` from the URL's registered domain or the declared source; ``language`` from the
record or an offline detector; ``word_count``; ``content_hash`` over the normalised body;
``article_id`` stable across runs.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import polars as pl

from newsdesk import schema
from newsdesk.polars_pool import on_polars_pool
from newsdesk.reference import load_csv

#: Earliest publish date we believe; older ones are scanning or parsing errors.
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
#: Tolerance for clocks and time zones before a date counts as "in the future".
FUTURE_SLACK = timedelta(days=1)

_TRACKING_PARAMS = re.compile(r"^(utm_|fbclid$|gclid$|mc_cid$|mc_eid$|ref$|cmpid$|ocid$)")
_DATE_NOISE = (
    r"(?i)^\s*(published|posted|updated|last updated|first published|date|modified)"
    r"(\s+on)?\s*[:\-–—]?\s*"
)
_WEEKDAYS = r"(?i)\b(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(day|sday|nesday|urday)?\b\.?,?\s*"


@lru_cache(maxsize=1)
def _tldextract() -> Any:
    import tldextract  # noqa: PLC0415 - costs ~0.3 s; only when URLs need it

    # The bundled public-suffix snapshot only: no network fetch, no cache writes.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def canonical_url(url: str | None) -> str | None:
    """Lower-case scheme and host, no fragment, no tracking parameters, no trailing slash."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.scheme or not parts.netloc:
        return url
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not _TRACKING_PARAMS.match(k)
        ]
    )
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def registered_domain(value: str | None) -> str | None:
    """``https://www.bbc.co.uk/news/x`` → ``bbc.co.uk``; a bare domain works too."""
    if not value:
        return None
    host = value.strip().lower()
    if "://" in host:
        host = urlsplit(host).hostname or ""
    host = host.split("/")[0]
    if not host or " " in host or "." not in host:
        return None
    ext = _tldextract()(host)
    domain = ext.top_domain_under_public_suffix
    return domain or None


_COMPANY_WORDS = re.compile(
    r"(?i)^the\s+|[\s,]+(ltd|limited|inc|llc|plc|gmbh|sa|media|group|news ?media|"
    r"publishing|corporation|corp|co)\.?$"
)


def _name_key(name: str) -> str:
    """``The Harbour Post Media Inc.`` → ``harbourpost``: the comparable core of a name."""
    previous = None
    name = name.strip()
    while previous != name:
        previous, name = name, _COMPANY_WORDS.sub("", name).strip()
    return re.sub(r"[^0-9a-z]", "", name.lower())


@lru_cache(maxsize=1)
def _site_registry() -> dict[str, str]:
    """Publisher name key → registered domain, from ``data/reference/sites.csv``."""
    sites = load_csv("sites.csv")
    out: dict[str, str] = {}
    for domain, name, aliases in sites.select("domain", "name", "aliases").iter_rows():
        for variant in [name, *(aliases or "").split("|"), domain.split(".")[0]]:
            if variant and variant.strip():
                out.setdefault(_name_key(variant), domain)
    return out


def _site_from_declared(value: str | None) -> str | None:
    """A declared source → its site: a domain → registered domain; a publisher name → the
    registry's domain, else the cleaned lower-case name."""
    if not value or not value.strip():
        return None
    domain = registered_domain(value)
    if domain:
        return domain
    key = _name_key(value)
    return _site_registry().get(key) or (re.sub(r"\s+", " ", value.strip().lower()) or None)


def _sha256(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def _date_formats() -> tuple[str, ...]:
    return tuple(load_csv("date_formats.csv")["format"].to_list())


@lru_cache(maxsize=1)
def _zone_offsets() -> dict[str, str]:
    zones = load_csv("time_zones.csv")
    return dict(zip(zones["abbreviation"], zones["offset"], strict=True))


def clean_date_text(expr: pl.Expr) -> pl.Expr:
    """Strip the words around a date so that the formats in ``date_formats.csv`` apply."""
    zones = _zone_offsets()
    e = (
        expr.str.strip_chars()
        .str.replace(_DATE_NOISE, "")
        .str.replace_all(_WEEKDAYS, "")
        .str.replace_all(r"(?i)\bsept\b\.?", "Sep")
        .str.replace_all(r"(?i)\b(jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec)\.", "$1")
        .str.replace_all(r"\b(\d{1,2})(st|nd|rd|th)\b", "$1")
        .str.replace_all(r"(?i)\s+at\s+", " ")
        .str.replace_all(r"\b(\d{1,2})\.(\d{2})(\s|$)", "$1:$2$3")  # "09.12 BST" (Guardian)
        .str.replace_all(r"(?i)\b(a\.m\.|am)(\s|$)", "AM$2")
        .str.replace_all(r"(?i)\b(p\.m\.|pm)(\s|$)", "PM$2")
        .str.replace_all(r",", " ")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )
    # Zone names → numeric offsets: "… 09:12 BST" → "… 09:12 +0100".
    for name, offset in zones.items():
        e = e.str.replace(rf"\s*\b{name}$", f" {offset}" if name != "Z" else "Z")
    return e.str.replace(r"(?i)\s*\bUTC([+-]\d{2}):?(\d{2})$", " $1$2")


def parse_dates(
    frame: pl.DataFrame, raw: str = "published_raw", now: datetime | None = None
) -> pl.DataFrame:
    """Add ``published_at`` (UTC or null) and ``date_note`` (why it is null when ``raw`` had
    text) to ``frame``. The cleaned text is materialised once, then each format is tried."""
    now = now or datetime.now(UTC)
    raw_col = pl.col(raw)
    frame = frame.with_columns(clean_date_text(raw_col).alias("_date_text"))
    attempts = [
        pl.col("_date_text").str.to_datetime(fmt, strict=False, time_unit="us", time_zone="UTC")
        for fmt in _date_formats()
    ]
    frame = frame.with_columns(pl.coalesce(attempts).alias("_parsed"))
    parsed = pl.col("_parsed")
    too_old = parsed < pl.lit(EARLIEST)
    future = parsed > pl.lit(now + FUTURE_SLACK)
    has_raw = raw_col.is_not_null() & (raw_col.str.strip_chars() != "")
    note = (
        pl.when(has_raw & parsed.is_null())
        .then(pl.format("unparseable date {}", raw_col.str.slice(0, 80)))
        .when(too_old)
        .then(pl.format("date before 1990: {}", raw_col.str.slice(0, 80)))
        .when(future)
        .then(pl.format("date in the future: {}", raw_col.str.slice(0, 80)))
        .otherwise(None)
    )
    return frame.with_columns(
        pl.when(too_old | future).then(None).otherwise(parsed).alias("published_at"),
        note.alias("date_note"),
    ).drop("_date_text", "_parsed")


def normalise_text(expr: pl.Expr, *, multiline: bool) -> pl.Expr:
    """NFC, no non-breaking or zero-width spaces, single spaces; paragraphs kept in bodies."""
    e = (
        expr.str.normalize("NFC")
        .str.replace_all("[\u00a0\u2007\u202f]", " ")
        .str.replace_all("[\u200b\u200c\u200d\u2060\ufeff]", "")
        .str.replace_all(r"[ \t\f\v]+", " ")
    )
    if multiline:
        e = e.str.replace_all(r" *\n *", "\n").str.replace_all(r"\n{3,}", "\n\n")
    else:
        e = e.str.replace_all(r"\s+", " ")
    e = e.str.strip_chars()
    return pl.when(e == "").then(None).otherwise(e)


def _detect_languages(bodies: list[str | None]) -> list[str | None]:
    """Offline language identification (py3langid) on the first 2,000 characters."""
    import py3langid  # noqa: PLC0415 - loads its model (~0.2 s) only when needed

    return [None if not b else py3langid.classify(b[:2000])[0] for b in bodies]


@on_polars_pool
def normalise(
    extracted: pl.DataFrame, run_id: str, code_version: str, now: datetime | None = None
) -> pl.DataFrame:
    """Extracted records → ``schema.ARTICLE`` rows (extract errors are filtered before)."""
    if extracted.is_empty():
        return schema.empty(schema.ARTICLE)
    df = parse_dates(extracted, "published_raw", now).with_columns(
        normalise_text(pl.col("title"), multiline=False).alias("title"),
        normalise_text(pl.col("author"), multiline=False).alias("author"),
        normalise_text(pl.col("body"), multiline=True).alias("body"),
        normalise_text(pl.col("url"), multiline=False).alias("url"),
        pl.col("language_raw")
        .str.strip_chars()
        .str.to_lowercase()
        .str.extract(r"^([a-z]{2,3})(?:[-_].*)?$", 1)
        .alias("language"),
    )
    # Per-value Python where no expression can do it: over unique values, once per batch.
    urls = df["url"].unique().to_list()
    url_map = {u: canonical_url(u) for u in urls}
    df = df.with_columns(pl.col("url").replace_strict(url_map, default=None).alias("url"))
    site_inputs = df["url"].unique().to_list()
    site_map = {u: registered_domain(u) for u in site_inputs}
    declared = df["site_raw"].unique().to_list()
    declared_map = {s: _site_from_declared(s) for s in declared}
    df = df.with_columns(
        pl.coalesce(
            pl.col("url").replace_strict(site_map, default=None, return_dtype=pl.String),
            pl.col("site_raw").replace_strict(declared_map, default=None, return_dtype=pl.String),
        ).alias("site")
    )
    missing_lang = df["language"].is_null()
    if missing_lang.any():
        detected = _detect_languages(df.filter(missing_lang)["body"].to_list())
        df = df.with_columns(
            pl.when(missing_lang)
            .then(pl.Series(_fill(missing_lang.to_list(), detected), dtype=pl.String))
            .otherwise(pl.col("language"))
            .alias("language")
        )
    hashes = [_sha256(b) for b in df["body"].to_list()]
    df = df.with_columns(
        pl.Series("content_hash", hashes, dtype=pl.String),
        pl.col("body").str.count_matches(r"\S+").cast(pl.Int64).fill_null(0).alias("word_count"),
    )
    # Stable id: the canonical URL when there is one, else the site and the body's hash.
    id_source = pl.coalesce(
        pl.lit("url:") + pl.col("url"),
        pl.lit("body:") + pl.col("site").fill_null("") + pl.lit("|") + pl.col("content_hash"),
    )
    ids = [
        None if s is None else hashlib.sha256(s.encode()).hexdigest()[:20]
        for s in df.select(id_source).to_series().to_list()
    ]
    df = df.with_columns(
        pl.Series("article_id", ids, dtype=pl.String),
        pl.lit(run_id).alias("run_id"),
        pl.lit(code_version).alias("code_version"),
        pl.col("is_desk_byline").fill_null(False),
        _syndicated_by_credit().alias("is_syndicated"),
    )
    return schema.conform(df, schema.ARTICLE)


def _syndicated_by_credit() -> pl.Expr:
    """A story that credits another outlet (a wire, a broadcaster) is a syndicated copy."""
    source = pl.col("original_source").str.to_lowercase().str.replace_all(r"[^a-z0-9]", "")
    site = pl.col("site").fill_null("").str.to_lowercase().str.replace_all(r"[^a-z0-9]", "")
    return (
        pl.col("original_source").is_not_null()
        & ~((source.str.len_chars() > 0) & site.str.contains(source, literal=True))
    ).fill_null(False)


def _fill(mask: list[bool], values: list[str | None]) -> list[str | None]:
    """Spread ``values`` over the True positions of ``mask`` (None elsewhere)."""
    it = iter(values)
    return [next(it) if m else None for m in mask]
