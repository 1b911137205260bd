"""Extract stage: raw records → title, author, body without furniture, view count, credit.

``extract(records)`` takes ``schema.RAW_RECORD`` rows and returns ``schema.EXTRACTED`` rows.

Text dumps (a browser copy of a whole news page) go through a line classifier. Every line of
every record in the batch becomes one row of a Polars frame (doc, line number, text); features
and labels are Polars expressions over that frame, so a batch is classified at once:

1. **features** per line: word and character counts, sentence-final punctuation, share of
   capitalised words, share of digits, furniture-phrase matches
   (``data/reference/furniture.csv``), desk bylines (``data/reference/desk_bylines.csv``),
   repetition inside the file, date / view-counter / byline / credit shapes;
2. **base labels**: furniture, end (an end-of-article marker such as "You may also like" after
   some body text, and everything after it), counter, credit, byline, date, source name, text;
3. **context smoothing**: meta lines (byline, date, counter, credit) and blocks of five or more
   short lines split the page into runs; the body is the run with the most sentence-like text,
   from its first to its last sentence-like line, so short quote paragraphs between body
   paragraphs stay while furniture and inserts ("Also read: ...") inside it are dropped;
4. **header**: the title is the heading-like line before the body that the breadcrumb or the
   page repeats, else the best heading-like candidate; bylines, dates and view counts come from
   the meta lines;
5. **credits**: a leading dateline ``KYIV (AP) —``, a standalone credit line ``(BBC)``,
   ``— Reuters``, ``Source: AFP``, ``with agencies``, a trailing ``(Reuters)`` and a byline
   ``By AFP`` resolve through the source registry (``data/reference/sources.csv``) to one
   canonical name; the markers are removed from the body.

JSON records keep their fields; only step 5 runs over their body, and their author is cleaned
like a byline ("By Ana Ruiz and Tom Hale" → "Ana Ruiz, Tom Hale").
``explain(raw_text)`` shows the label of every line and why.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl

from newsdesk import schema
from newsdesk.settings import get_settings

LABELS = ("title", "byline", "date", "counter", "body", "furniture", "credit", "blank")

#: Longest line (in words) still looked at as a possible header / meta line.
META_MAX_WORDS = 16
#: Longest line (in words) that a ``prefix`` furniture phrase may start.
PREFIX_MAX_WORDS = 30
#: A body-like line: ends like a sentence and has at least this many words ...
STRONG_MIN_WORDS = 6
#: ... or is this long whatever its ending.
LONG_LINE_WORDS = 25
#: This many consecutive short non-sentence lines split the page (menus, link lists).
SHORT_BLOCK_LINES = 5
SHORT_BLOCK_MAX_WORDS = 15
#: A title candidate has at most this many words.
TITLE_MAX_WORDS = 30


def ascii_boundaries(pattern: str) -> str:
    r"""``\b`` → ``(?-u:\b)``: a Unicode word boundary stops Rust's lazy DFA on non-ASCII
    text (curly quotes, accents) and makes a regex ~10x slower; ASCII boundaries keep it fast.
    """
    return re.sub(r"(?<!\\)\\b", r"(?-u:\\b)", pattern)


_QUOTE_CLOSE = "\"'”’»)\\]"
#: Sentence-final punctuation, perhaps followed by a short credit "(AP)" or "— AFP".
_ENDS_SENTENCE = (
    rf"[.!?…][{_QUOTE_CLOSE}]*"
    r"(?:\s*[(\[][^()\[\]]{1,40}[)\]]|\s+[—–-]{1,2}\s*\p{Lu}[\p{L} .-]{0,30})?$"
)
_ENDS_PERIOD = rf"[^.]\.[{_QUOTE_CLOSE}]*$"
_STRIP = " :.!|•·"

_MONTHS = (
    r"jan(?:uary|\.)?|feb(?:ruary|\.)?|mar(?:ch|\.)?|apr(?:il|\.)?|may|june?|july?|"
    r"aug(?:ust|\.)?|sep(?:t(?:ember)?)?\.?|oct(?:ober|\.)?|nov(?:ember|\.)?|dec(?:ember|\.)?|"
    r"januar|februar|märz|mai|juni|juli|oktober|dezember|"
    r"janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre|"
    r"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|"
    r"noviembre|diciembre"
)
_TIME = (
    r"(?:,?\s*(?:at\s+|um\s+|à\s+|a las\s+|-\s*)?\d{1,2}[:.h]\d{2}(?::\d{2})?"
    r"(?:\s*[ap]\.?\s?m\.?)?(?:\s*(?-i:[A-Z]{2,5})\b|\s*(?:GMT|UTC)\s*[+-]\s*\d{1,2}(?::?\d{2})?)?)?"
)
#: A date or timestamp inside a short line; the match is what ``published_raw`` keeps.
DATE_RE = ascii_boundaries(
    r"(?i)(?:\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
    r"(?:\s*Z|\s*[+-]\d{2}:?\d{2}|\s*(?:UTC|GMT))?)?"
    rf"|\b(?:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}{_TIME}"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th|\.)?\s+(?:de\s+)?(?:{_MONTHS})\s+(?:de\s+)?\d{{4}}{_TIME}"
    rf"|\b\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{4}}{_TIME})"
)
#: Relative times ("5 hours ago") mark a date line but are not kept as ``published_raw``.
RELATIVE_DATE_RE = ascii_boundaries(
    r"(?i)\b\d+\s*(?:sec|second|min|minute|hr|hour|day|week|month|year)s?\s+ago\b"
    r"|^(?:published|updated|posted|last updated)\s*:?\s*(?:today|yesterday|just now)"
)
#: Words that make a date line the modification date rather than the publication date.
UPDATED_RE = ascii_boundaries(
    r"(?i)\b(?:updated|modified|edited|aktualisiert|mis à jour|actualizado)\b"
)
#: "1,204 views", "Views: 15", "👁 1.2K views", "1.204 Aufrufe".
VIEW_RE = ascii_boundaries(
    r"(?i)(?:\b(?:views?|page views|reads|hits|aufrufe|vues|visitas)\s*[:：-]?\s*"
    r"(\d[\d,.' ]*\d|\d)\s*([km])?\b|(?:^|[\s|•·👁])(\d[\d,.' ]*\d|\d)\s*([km])?\s*"
    r"(?:views?|page views|reads|hits|aufrufe|vues|visitas)\b)"
)
#: "By Jane Doe", "Written by ...", "Von ...": group 1 is the name part.
BYLINE_RE = ascii_boundaries(
    r"(?i)^(?:by|written by|words by|reported by|posted by|story by|text by|author\s*:|"
    r"authors\s*:|von|par|por)\s+((?-i:\p{Lu}).*)$"
)
#: A person's name alone on a line: 2–5 capitalised words, particles allowed.
NAME_RE = (
    r"^(?:(?:Dr|Mr|Mrs|Ms|Prof)\.?\s+)?\p{Lu}[\p{L}'’.-]*"
    r"(?:\s+(?:\p{Lu}[\p{L}'’.-]*|de|da|del|der|di|van|von|bin|al|el|la|le|y|and|&)){1,4}"
    r"(?:\s+in\s+\p{Lu}[\p{L}'’.-]*(?:\s+\p{Lu}[\p{L}'’.-]*){0,2})?$"
)
#: Where a byline's name part ends: separators, dates, "Updated", "|", bullet.
_BYLINE_CUT = ascii_boundaries(
    r"\s*(?:[|•·]|\s[-–—]\s|\b(?:updated|published|posted|on)\b\s*:?\s).*$"
)
#: "Shaun Walker in Kyiv": where the reporter filed from is not part of the name.
_AUTHOR_PLACE = r"\s+in\s+\p{Lu}[\p{L}.'’-]*(?:\s+\p{Lu}[\p{L}.'’-]*){0,2}$"
#: Between several authors of one byline.
_AUTHOR_SEP = r"\s*,\s*(?:and\s+|&\s*)?|\s+(?:and|&|und|et)\s+"
#: Breadcrumb trails: the text after the last separator.
_TRAIL_TAIL = r"(?:[»›]|\s>\s|\s/\s|&gt;)\s*([^»›]+?)\s*$"
#: Document title lines "Title | Site": the text before the first pipe.
_PIPE_HEAD = r"^(.+?)\s+\|\s+[^|]{2,60}$"
#: Datelines without a credit, all capitals: "NEW DELHI: ...", "WASHINGTON — ...".
_DATELINE_PLAIN = (
    r"^\p{Lu}[\p{Lu}.'’-]+(?:\s+\p{Lu}[\p{Lu}.'’-]+){0,3}(?:,\s*\p{Lu}[\p{L}.]*(?:\s+\d{1,2})?)?"
    r"\s*(?:[—–:]|\s-)\s+(\p{Lu}.*)$"
)


# --------------------------------------------------------------------------- reference data


@dataclass(frozen=True)
class Reference:
    """The extract stage's reference data, compiled to regexes and lookup sets."""

    furniture_exact: dict[str, tuple[str, str]]  # normalised phrase → (kind, action)
    furniture_prefix: dict[str, str | None]  # action → one anchored regex
    furniture_regex: dict[str, tuple[str, ...]]  # action → regexes (see _regex_groups)
    furniture_kinds: tuple[tuple[str, str, str], ...]  # (kind, action, regex) for explain
    desk_exact: frozenset[str]
    desk_regex: str | None
    source_map: dict[str, str]  # lower-case variant → canonical
    source_alt: str  # regex alternation of every variant, longest first


def read_reference_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a reference CSV: header first, ``#`` comment lines and blank lines skipped."""
    with path.open(encoding="utf-8", newline="") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.lstrip().startswith("#")]
    rows = list(csv.DictReader(lines))
    for i, row in enumerate(rows, 1):
        if None in row or any(v is None for v in row.values()):
            raise ValueError(f"{path}: data row {i} has the wrong number of fields: {row}")
    return [
        {k: (v or "").strip() if k != "pattern" else (v or "") for k, v in r.items()} for r in rows
    ]


def _norm_phrase(s: str) -> str:
    return re.sub(r"\s+", " ", s.lower()).strip(_STRIP)


def _check_regex(pattern: str, where: str) -> str:
    try:
        pl.Series([""]).str.contains(pattern)
    except Exception as exc:  # polars raises ComputeError subclasses for bad regexes
        raise ValueError(f"{where}: bad regex {pattern!r}: {exc}") from exc
    return pattern


def _prefix_regex(phrases: list[str]) -> str | None:
    if not phrases:
        return None
    parts = []
    for p in sorted(set(phrases), key=len, reverse=True):
        esc = re.escape(p.strip())
        parts.append(esc + (r"(?-u:\b)" if re.match(r"\w", p.strip()[-1]) else ""))
    return "(?i)^(?:" + "|".join(parts) + ")"


def _alternation(patterns: list[str]) -> str | None:
    return "(?i)(?:" + "|".join(f"(?:{p})" for p in patterns) + ")" if patterns else None


def _regex_groups(patterns: list[str]) -> tuple[str, ...]:
    """Cheap start-anchored regexes as one alternation (they fail fast), the rest one by one.

    One big alternation of unanchored regexes, or of regexes with long bounded repeats
    (``.{0,120}``), outgrows the lazy DFA's cache and runs several times slower than the same
    regexes applied one by one.
    """

    def cheap(p: str) -> bool:
        return p.startswith("^") and not re.search(r"\{\d*,\d{2,}\}", p)

    together = [p for p in patterns if cheap(p)]
    alone = [p for p in patterns if not cheap(p)]
    groups = [_alternation(together)] if together else []
    return tuple(g for g in [*groups, *(_alternation([p]) for p in alone)] if g)


@lru_cache(maxsize=4)
def load_reference(reference_dir: Path) -> Reference:
    """Load and compile furniture.csv, desk_bylines.csv and sources.csv (cached per folder)."""
    furn_path = reference_dir / "furniture.csv"
    exact: dict[str, tuple[str, str]] = {}
    prefixes: dict[str, list[str]] = {"drop": [], "end": []}
    regexes: dict[str, list[str]] = {"drop": [], "end": []}
    per_kind: dict[tuple[str, str], list[str]] = {}
    for i, row in enumerate(read_reference_csv(furn_path), 1):
        pattern, match, kind, action = row["pattern"], row["match"], row["kind"], row["action"]
        where = f"{furn_path} row {i}"
        if action not in ("drop", "end"):
            raise ValueError(f"{where}: action must be drop or end, not {action!r}")
        if match == "exact":
            exact[_norm_phrase(pattern)] = (kind, action)
            rx = "^" + re.escape(_norm_phrase(pattern)) + r"[\s:.!|•·]*$"
        elif match == "prefix":
            prefixes[action].append(pattern)
            rx = _prefix_regex([pattern]) or ""
        elif match == "regex":
            rx = ascii_boundaries(_check_regex(pattern, where))
            regexes[action].append(rx)
        else:
            raise ValueError(f"{where}: match must be exact, prefix or regex, not {match!r}")
        per_kind.setdefault((kind, action), []).append(rx.removeprefix("(?i)"))
    desk_path = reference_dir / "desk_bylines.csv"
    desk_rows = read_reference_csv(desk_path)
    desk_exact = frozenset(_norm_phrase(r["pattern"]) for r in desk_rows if r["match"] == "exact")
    desk_rx = [
        ascii_boundaries(_check_regex(r["pattern"], str(desk_path)))
        for r in desk_rows
        if r["match"] == "regex"
    ]
    src_rows = read_reference_csv(reference_dir / "sources.csv")
    source_map = {r["variant"].lower(): r["canonical"] for r in src_rows}
    alt = "|".join(re.escape(v) for v in sorted(source_map, key=len, reverse=True))
    return Reference(
        furniture_exact=exact,
        furniture_prefix={a: _prefix_regex(p) for a, p in prefixes.items()},
        furniture_regex={a: _regex_groups(p) for a, p in regexes.items()},
        furniture_kinds=tuple(
            (kind, action, "(?i)(?:" + "|".join(f"(?:{p})" for p in pats) + ")")
            for (kind, action), pats in sorted(per_kind.items())
        ),
        desk_exact=desk_exact,
        desk_regex=_alternation(desk_rx),
        source_map=source_map,
        source_alt=alt,
    )


def _reference() -> Reference:
    return load_reference(Path(get_settings().reference_dir))


@dataclass(frozen=True)
class _CreditRes:
    """Credit regexes built from the source registry."""

    line: tuple[str, ...]  # whole-line credits; group 1 is the source variant
    line_unknown: str  # "Source: Some Paper" with a name not in the registry
    bare: str  # a registry name alone on a line
    dateline: str  # leading "KYIV (AP) — "; group 1 is the source
    tail: tuple[str, ...]  # trailing "(Reuters)" at the end of the last paragraph
    byline_tail: str  # "Jane Doe, Reuters" → group 1 source


def _ascii_credit_res(c: _CreditRes) -> _CreditRes:
    a = ascii_boundaries
    return _CreditRes(
        line=tuple(a(p) for p in c.line),
        line_unknown=a(c.line_unknown),
        bare=a(c.bare),
        dateline=a(c.dateline),
        tail=tuple(a(p) for p in c.tail),
        byline_tail=a(c.byline_tail),
    )


@lru_cache(maxsize=4)
def _credit_res(source_alt: str) -> _CreditRes:
    s = f"({source_alt})"
    return _ascii_credit_res(
        _CreditRes(
            line=(
                rf"(?i)^[(\[]\s*(?:source\s*:\s*|via\s+|courtesy\s*:?\s*)?{s}\s*[)\]]\.?$",
                rf"(?i)^[—–-]{{1,2}}\s*{s}\.?$",
                r"(?i)^(?:source|sources|courtesy|via|story source|quelle|fuente)"
                rf"\s*[:：—–-]\s*{s}\.?$",
                r"(?i)^(?:[(\[]|[—–-]{1,2})?\s*(?:with|with (?:additional )?inputs? from|"
                r"inputs? from|"
                rf"with (?:additional )?reporting (?:from|by)|mit material von|avec)\s+{s}\b"
                r"[^()\[\]]{0,60}[)\]]?\.?$",
            ),
            line_unknown=r"(?i)^(?:source|courtesy)\s*:\s*([^:]{2,60}?)\.?$",
            bare=rf"(?i)^{s}\.?$",
            dateline=(
                r"^(?:\p{Lu}[^\s(]*(?:[ ,]+[^\s(]+){0,5}?\s*)?[(\[]\s*"
                rf"(?i:({source_alt}))\s*[)\]]\s*(?:[—–:-]+\s*)"
            ),
            tail=(
                rf"(?i)\s*[(\[]\s*(?:with inputs from |with |source:\s*)?{s}\s*[)\]]\.?\s*$",
                rf"(?i)\s+[—–-]{{1,2}}\s*{s}\.?\s*$",
                rf"(?i)\s*[—–-]?\s*\bwith (?:inputs from |agency inputs from )?{s}\.?\s*$",
            ),
            byline_tail=rf"(?i)\s*[,/|]\s*{s}\s*$",
        )
    )


def _canonical(expr: pl.Expr, ref: Reference) -> pl.Expr:
    return (
        expr.str.to_lowercase()
        .str.replace_all(r"\s+", " ")
        .replace_strict(ref.source_map, default=None, return_dtype=pl.String)
    )


# --------------------------------------------------------------------------- line features


def _lines(docs: pl.DataFrame, column: str) -> pl.DataFrame:
    """One row per line: doc, line_no (0-based), text (stripped), blank."""
    return (
        docs.select(
            "doc",
            pl.col(column)
            .fill_null("")
            .str.replace_all("\r\n?", "\n")
            .str.split("\n")
            .alias("text"),
        )
        .explode("text")
        .with_columns(
            pl.int_range(pl.len()).over("doc").alias("line_no"),
            pl.col("text").str.replace_all(r"[\u200b\ufeff]", "").str.strip_chars(),
        )
        .with_columns((pl.col("text").str.len_chars() == 0).alias("blank"))
    )


def _features(lines: pl.DataFrame, ref: Reference) -> pl.DataFrame:
    """Per non-blank line: shape features and the furniture / meta matches."""
    cr = _credit_res(ref.source_alt)
    t = pl.col("text")
    nl = lines.filter(~pl.col("blank")).with_columns(
        pl.int_range(pl.len()).over("doc").alias("idx"),
        # words ≈ spaces + 1 (lines are stripped; a regex count costs 4x more)
        (t.str.count_matches(" ", literal=True) + 1).cast(pl.Int64).alias("n_words"),
        t.str.len_chars().cast(pl.Int64).alias("n_chars"),
    )
    short = pl.col("n_words") <= META_MAX_WORDS
    st = pl.when(short).then(t)  # null for long lines: regexes below skip them
    nl = nl.with_columns(
        t.str.contains(_ENDS_SENTENCE).alias("ends_sentence"),
        t.str.contains(_ENDS_PERIOD).alias("ends_period"),
        st.str.replace_all(r"\s\s+|[\t\u00a0]", " ")
        .str.to_lowercase()
        .str.strip_chars(_STRIP)
        .alias("norm"),
    )
    furn: dict[str, pl.Expr] = {}
    for action in ("drop", "end"):
        hits = [
            pl.col("norm").is_in([k for k, (_, a) in ref.furniture_exact.items() if a == action])
        ]
        prefix = ref.furniture_prefix[action]
        if prefix:
            pt = pl.when(pl.col("n_words") <= PREFIX_MAX_WORDS).then(t)
            hits.append(pt.str.contains(prefix))
        hits += [t.str.contains(rx) for rx in ref.furniture_regex[action]]
        furn[action] = pl.any_horizontal(hits).fill_null(False)
    desk = pl.col("norm").is_in(list(ref.desk_exact))
    if ref.desk_regex:
        desk = desk | pl.when(pl.col("n_words") <= 6).then(t).str.contains(ref.desk_regex)

    def upto(words: int) -> pl.Expr:  # the text of lines up to this long, else null
        return pl.when(pl.col("n_words") <= words).then(t)

    credit_hits = [upto(10).str.extract(p, 1) for p in cr.line]
    view = st.str.extract_groups(VIEW_RE)
    return nl.with_columns(
        furn["drop"].alias("furn_drop"),
        furn["end"].alias("furn_end"),
        desk.fill_null(False).alias("desk"),
        st.str.count_matches(r"(?:^|\s)[\"“‘(]?\p{Lu}").alias("n_caps"),
        (upto(4).str.count_matches(r"\d") / pl.col("n_chars")).fill_null(0.0).alias("digit_share"),
        st.str.extract(DATE_RE, 0).alias("date_text"),
        st.str.contains(RELATIVE_DATE_RE).fill_null(False).alias("relative_date"),
        st.str.contains(UPDATED_RE).fill_null(False).alias("updated"),
        pl.coalesce(view.struct.field("1"), view.struct.field("3")).alias("view_num"),
        pl.coalesce(view.struct.field("2"), view.struct.field("4")).alias("view_mult"),
        upto(12).str.extract(BYLINE_RE, 1).alias("by_name"),
        upto(7).str.contains(NAME_RE).fill_null(False).alias("name_like"),
        pl.coalesce(credit_hits).alias("credit_variant"),
        upto(10).str.extract(cr.line_unknown, 1).alias("credit_unknown"),
        upto(5).str.extract(cr.bare, 1).alias("bare_variant"),
        st.str.extract(_TRAIL_TAIL, 1)
        .str.to_lowercase()
        .str.strip_chars(_STRIP)
        .alias("trail_tail"),
        st.str.extract(_PIPE_HEAD, 1).str.to_lowercase().str.strip_chars(_STRIP).alias("pipe_head"),
    )


def _view_value(num: pl.Expr, mult: pl.Expr) -> pl.Expr:
    """'1,204' → 1204; '1.2' + 'k' → 1200."""
    scaled = (
        num.str.replace_all(r"[\s']", "").str.replace(",", ".").cast(pl.Float64, strict=False)
        * pl.when(mult.str.to_lowercase() == "m").then(1_000_000).otherwise(1_000)
    ).round(0)
    plain = num.str.replace_all(r"[^\d]", "").cast(pl.Int64, strict=False)
    return pl.when(mult.is_not_null()).then(scaled.cast(pl.Int64)).otherwise(plain)


# --------------------------------------------------------------------------- classification


def _classify(lines: pl.DataFrame, ref: Reference) -> pl.DataFrame:
    """Label every non-blank line; returns the non-blank lines with ``label`` and helpers."""
    f = _features(lines, ref)
    doc = "doc"
    nw = pl.col("n_words")
    short = nw <= META_MAX_WORDS
    is_by = pl.col("by_name").is_not_null() & (nw <= 12) & ~(pl.col("ends_period") & (nw > 6))
    is_date = (
        (pl.col("date_text").is_not_null() | pl.col("relative_date"))
        & short
        & ~(pl.col("ends_sentence") & (nw >= 8))
    )
    is_counter = pl.col("view_num").is_not_null() & (nw <= 6)
    is_credit = pl.col("credit_variant").is_not_null() | pl.col("credit_unknown").is_not_null()
    strong_shape = (pl.col("ends_sentence") & (nw >= STRONG_MIN_WORDS)) | (nw >= LONG_LINE_WORDS)
    f = f.with_columns(
        strong_shape.alias("strong_shape"),
        # "2 / 12", "1 2 3 Next", "2025": page numbers and counters, not text
        (pl.col("digit_share") >= 0.5).alias("numeric"),
    )
    # end markers count only once some body-like text came before them
    seen_strong = (strong_shape & ~pl.col("furn_drop")).cast(pl.Int32).cum_sum().over(doc) - (
        strong_shape & ~pl.col("furn_drop")
    ).cast(pl.Int32)
    end_hit = pl.col("furn_end") & (seen_strong > 0)
    f = f.with_columns(
        (end_hit.cast(pl.Int32).cum_sum().over(doc) > 0).alias("after_end"),
        pl.when(end_hit).then(pl.col("idx")).min().over(doc).alias("end_idx"),
    )
    base = (
        pl.when(pl.col("after_end"))
        .then(pl.lit("end"))
        .when(pl.col("furn_drop") | (pl.col("furn_end") & short))
        .then(pl.lit("furniture"))
        .when(is_counter)
        .then(pl.lit("counter"))
        .when(is_credit)
        .then(pl.lit("credit"))
        .when(is_by | pl.col("desk"))
        .then(pl.lit("byline"))
        .when(is_date)
        .then(pl.lit("date"))
        .when(pl.col("bare_variant").is_not_null())
        .then(pl.lit("srcname"))
        .when(pl.col("numeric"))
        .then(pl.lit("furniture"))
        .otherwise(pl.lit("text"))
    )
    f = f.with_columns(base.alias("base"))
    text = pl.col("base") == "text"
    # blocks of short non-sentence lines (menus, link lists) split runs; furniture is see-through
    weak_short = text & ~strong_shape & (nw <= SHORT_BLOCK_MAX_WORDS)
    f = f.with_columns(
        ((pl.col("base") != "furniture") & ~weak_short)
        .cast(pl.Int32)
        .cum_sum()
        .over(doc)
        .alias("_wgid"),
        weak_short.alias("_weak_short"),
    ).with_columns(
        (
            pl.col("_weak_short")
            & (pl.col("_weak_short").cast(pl.Int32).sum().over([doc, "_wgid"]) >= SHORT_BLOCK_LINES)
        ).alias("short_block")
    )
    breaker = ~pl.col("base").is_in(["text", "furniture"]) | pl.col("short_block")
    cand = text & ~pl.col("short_block")
    strong = cand & strong_shape
    f = f.with_columns(
        breaker.cast(pl.Int32).cum_sum().over(doc).alias("run"),
        cand.alias("cand"),
        strong.alias("strong"),
    )
    f = f.with_columns(
        pl.when(pl.col("strong"))
        .then(pl.col("n_chars"))
        .otherwise(0)
        .sum()
        .over([doc, "run"])
        .alias("run_score")
    )
    best = (
        pl.when(
            (pl.col("run_score") == pl.col("run_score").max().over(doc)) & (pl.col("run_score") > 0)
        )
        .then(pl.col("run"))
        .min()
        .over(doc)
    )
    f = f.with_columns(best.alias("best_run"))
    in_best = pl.col("run") == pl.col("best_run")
    f = f.with_columns(
        pl.when(in_best & pl.col("strong")).then(pl.col("idx")).min().over(doc).alias("body_start"),
        pl.when(in_best & pl.col("strong")).then(pl.col("idx")).max().over(doc).alias("body_end"),
    )
    bs, be = pl.col("body_start"), pl.col("body_end")
    is_body = pl.col("cand") & in_best & (pl.col("idx") >= bs) & (pl.col("idx") <= be)
    header = pl.col("idx") < bs.fill_null(pl.col("end_idx")).fill_null(1 << 40)
    prev_base = pl.col("base").shift(1).over(doc)
    next_base = pl.col("base").shift(-1).over(doc)
    meta = ["byline", "date", "counter"]
    adjacent_meta = prev_base.is_in(meta).fill_null(False) | next_base.is_in(meta).fill_null(False)
    # heading-like candidates for the title
    title_shape = (
        pl.col("cand")
        & header
        & ~pl.col("ends_period")
        & ~pl.col("strong_shape")
        & (nw >= 2)
        & (nw <= TITLE_MAX_WORDS)
        & (pl.col("n_chars") <= 250)
    ) | (pl.col("short_block") & header & (nw >= 3) & ~pl.col("ends_period"))
    f = f.with_columns(
        is_body.alias("is_body"),
        header.alias("header"),
        title_shape.alias("title_shape"),
        adjacent_meta.alias("adjacent_meta"),
    )
    # a name alone next to a date or counter line, after some heading: a byline
    f = f.with_columns(
        (
            pl.col("title_shape").cast(pl.Int32).cum_sum().over(doc)
            - pl.col("title_shape").cast(pl.Int32)
        ).alias("_titles_before")
    ).with_columns(
        (
            (
                (pl.col("name_like") & (pl.col("base") == "text") & (nw <= 7))
                | (pl.col("base") == "srcname")
            )
            & pl.col("header")
            & pl.col("adjacent_meta")
            & (pl.col("_titles_before") > 0)
        ).alias("name_byline")
    )
    f = _pick_title(f)
    # no byline yet: a name right after the title, before the body
    has_by = ((pl.col("base") == "byline") | pl.col("name_byline")).any().over(doc)
    after_title = pl.col("idx") == pl.col("title_idx") + 1
    f = f.with_columns(
        (
            pl.col("name_byline")
            | (
                ~has_by
                & after_title
                & pl.col("header")
                & (
                    (pl.col("name_like") & (pl.col("base") == "text") & (nw <= 7))
                    | (pl.col("base") == "srcname")
                )
            )
        ).alias("name_byline")
    )
    label = (
        pl.when(pl.col("is_title"))
        .then(pl.lit("title"))
        .when(pl.col("is_body"))
        .then(pl.lit("body"))
        .when(pl.col("name_byline"))
        .then(pl.lit("byline"))
        .when(pl.col("base").is_in(["byline", "date", "counter", "credit"]))
        .then(pl.col("base"))
        .when((pl.col("base") == "srcname") & ~pl.col("header"))
        .then(pl.lit("credit"))
        .otherwise(pl.lit("furniture"))
    )
    return f.with_columns(label.alias("label"))


def _pick_title(f: pl.DataFrame) -> pl.DataFrame:
    """Score heading-like lines before the body; the best per doc becomes the title."""
    doc = "doc"
    tails = (
        pl.concat(
            [
                f.select(doc, pl.col("trail_tail").alias("norm")),
                f.select(doc, pl.col("pipe_head").alias("norm")),
            ]
        )
        .drop_nulls()
        .unique()
    )
    tails = tails.with_columns(pl.lit(True).alias("_echoed"))
    f = f.join(tails, on=[doc, "norm"], how="left").with_columns(pl.col("_echoed").fill_null(False))
    nw = pl.col("n_words")
    repeated = pl.col("_echoed") | (pl.len().over([doc, "norm"]) >= 2)
    prev_meta_skip = (
        pl.when(~pl.col("base").is_in(["byline", "date", "counter"]))
        .then(pl.col("title_shape"))
        .shift(1)
        .forward_fill()
        .over(doc)
    )
    # the next line that is not furniture: a byline / date / counter, or the body's first line
    anchor = pl.col("base").is_in(["byline", "date", "counter"]) | (
        pl.col("idx") == pl.col("body_start")
    )
    before_anchor = (
        pl.when(pl.col("base") != "furniture").then(anchor).shift(-1).backward_fill().over(doc)
    )
    cap_ratio = pl.col("n_caps").cast(pl.Float64) / nw.cast(pl.Float64)
    score = (
        repeated.cast(pl.Int32) * 100
        + ((nw >= 5) & (nw <= 20)).cast(pl.Int32) * 30
        + (((nw >= 3) & (nw < 5)) | ((nw > 20) & (nw <= TITLE_MAX_WORDS))).cast(pl.Int32) * 10
        + (~prev_meta_skip.fill_null(False)).cast(pl.Int32) * 15
        + before_anchor.fill_null(False).cast(pl.Int32) * 15
        + (cap_ratio >= 0.5).cast(pl.Int32) * 5
    )
    f = f.with_columns(
        pl.when(pl.col("title_shape") & ~pl.col("name_byline")).then(score).alias("title_score"),
        repeated.alias("repeated"),
    )
    best = pl.col("title_score").max().over(doc)
    title_idx = pl.when(pl.col("title_score") == best).then(pl.col("idx")).min().over(doc)
    return f.with_columns(title_idx.alias("title_idx")).with_columns(
        (pl.col("idx") == pl.col("title_idx")).fill_null(False).alias("is_title")
    )


# --------------------------------------------------------------------------- credits


def _strip_credits(body: pl.DataFrame, ref: Reference) -> pl.DataFrame:
    """Body lines (doc, idx, text) → with leading dateline / trailing credit removed.

    Adds ``dateline_src`` on the first line and ``tail_src`` on the last (registry variants).
    """
    cr = _credit_res(ref.source_alt)
    t = pl.col("text")
    body = body.with_columns(
        (pl.col("idx") == pl.col("idx").min().over("doc")).alias("_first"),
        (pl.col("idx") == pl.col("idx").max().over("doc")).alias("_last"),
    )
    # the regexes only look at first / last paragraphs (other rows are masked to null)
    first_t = pl.when(pl.col("_first")).then(t)
    last_t = pl.when(pl.col("_last")).then(t)
    body = body.with_columns(
        first_t.str.extract(cr.dateline, 1).alias("dateline_src"),
        pl.coalesce([last_t.str.extract(p, 1) for p in cr.tail]).alias("tail_src"),
        first_t.str.extract(_DATELINE_PLAIN, 1).alias("_plain"),
    )
    body = body.with_columns(
        pl.when(pl.col("dateline_src").is_not_null())
        .then(t.str.replace(cr.dateline, ""))
        .otherwise(pl.coalesce("_plain", t))
        .alias("text")
    )
    stripped: pl.Expr = pl.when(pl.col("tail_src").is_not_null()).then(t)
    for p in cr.tail:
        stripped = stripped.str.replace(p, "")
    body = body.with_columns(pl.coalesce(stripped, t).str.strip_chars().alias("text"))
    return body.filter(pl.col("text").str.len_chars() > 0).drop("_first", "_last", "_plain")


# --------------------------------------------------------------------------- per-doc fields


def _text_fields(docs: pl.DataFrame, ref: Reference) -> pl.DataFrame:
    """docs (doc, raw_text) → per-doc extracted fields."""
    lines = _lines(docs, "raw_text")
    f = _classify(lines, ref)
    return _collect_fields(docs, f, ref)


def _collect_fields(docs: pl.DataFrame, f: pl.DataFrame, ref: Reference) -> pl.DataFrame:
    cr = _credit_res(ref.source_alt)
    doc = "doc"
    lab = pl.col("label")
    live = ~pl.col("after_end")
    body = _strip_credits(f.filter(lab == "body").select(doc, "idx", "text"), ref)
    body_agg = body.group_by(doc, maintain_order=True).agg(
        pl.col("text").str.join("\n\n").alias("body"),
        pl.col("dateline_src").drop_nulls().first(),
        pl.col("tail_src").drop_nulls().first(),
    )
    by_ok = (lab == "byline") & live
    # regexes run on byline rows only (others are masked to null)
    by_name, by_text = (pl.when(by_ok).then(pl.col(c)) for c in ("by_name", "text"))
    byline = (
        pl.when(by_name.is_not_null())
        .then(by_name.str.replace(_BYLINE_CUT, "").str.replace(DATE_RE + ".*$", ""))
        .otherwise(by_text.str.replace(_BYLINE_CUT, ""))
        .str.strip_chars(" ,;:-–—")
    )
    by_src = byline.str.extract(cr.byline_tail, 1)
    after_title = pl.col("idx") > pl.col("title_idx").fill_null(-1)
    is_meta = lab.is_in(["byline", "date", "counter", "title", "furniture"])
    date_ok = pl.col("date_text").is_not_null() & lab.is_in(["date", "byline", "counter"]) & live
    view = _view_value(pl.col("view_num"), pl.col("view_mult"))
    # header fields come from short non-body lines only: far fewer rows to aggregate
    meta_lines = f.filter(
        (lab == "title") | ((lab != "body") & (pl.col("n_words") <= META_MAX_WORDS))
    )
    counts = f.group_by(doc).agg(
        pl.len().alias("_n_lines"),
        (lab == "body").sum().alias("_n_body"),
        lab.is_in(["furniture"]).sum().alias("_n_furn"),
        lab.is_in(["title", "byline", "date", "counter", "credit"]).sum().alias("_n_meta"),
    )
    agg = meta_lines.group_by(doc, maintain_order=True).agg(
        pl.col("text").filter(lab == "title").first().alias("title"),
        # the byline nearest after the title wins over one above it (a site's tagline)
        pl.coalesce(byline.filter(by_ok & after_title).first(), byline.filter(by_ok).first()).alias(
            "_byline"
        ),
        pl.coalesce(by_src.filter(by_ok & after_title).first(), by_src.filter(by_ok).first()).alias(
            "_by_src"
        ),
        pl.col("date_text")
        .filter(date_ok & ~pl.col("updated"))
        .drop_nulls()
        .first()
        .alias("_date1"),
        pl.col("date_text").filter(date_ok).drop_nulls().first().alias("_date2"),
        view.filter(is_meta & live).drop_nulls().first().alias("view_count"),
        pl.coalesce("credit_variant", "bare_variant")
        .filter((lab == "credit") & live)
        .drop_nulls()
        .first()
        .alias("_credit"),
        pl.col("credit_unknown")
        .filter((lab == "credit") & live)
        .drop_nulls()
        .first()
        .alias("_credit_raw"),
    )
    out = (
        docs.select(doc)
        .join(counts, on=doc, how="left")
        .join(agg, on=doc, how="left")
        .join(body_agg, on=doc, how="left")
    )
    author = _clean_author(pl.col("_byline"), ref)
    by_as_source = _canonical(pl.col("_byline"), ref)
    n = pl.col("_n_lines").fill_null(0)
    nf, nm = pl.col("_n_furn").fill_null(0), pl.col("_n_meta").fill_null(0)
    reason = (
        pl.when(n == 0)
        .then(pl.lit("empty text"))
        .when(pl.col("body").is_null())
        .then(
            pl.format(
                "no article body found: 0 body lines among {} lines ({})",
                n,
                pl.when(nf == n)
                .then(pl.lit("all furniture"))
                .otherwise(
                    pl.format(
                        "{} furniture, {} header/meta, {} short text lines", nf, nm, n - nf - nm
                    )
                ),
            )
        )
    )
    return out.select(
        doc,
        "title",
        author.alias("author"),
        "body",
        pl.col("view_count").cast(pl.Int64),
        pl.coalesce("_date1", "_date2").alias("published_raw"),
        pl.coalesce(
            _canonical(pl.col("dateline_src"), ref),
            _canonical(pl.col("_credit"), ref),
            _canonical(pl.col("tail_src"), ref),
            pl.col("_credit_raw").str.strip_chars(),
            _canonical(pl.col("_by_src"), ref),
            by_as_source,
        ).alias("original_source"),
        reason.alias("extract_error"),
    )


def _structured_fields(docs: pl.DataFrame, ref: Reference) -> pl.DataFrame:
    """docs (doc, body) of JSON records → body without credit markers, original_source."""
    cr = _credit_res(ref.source_alt)
    lines = _lines(docs, "body").filter(~pl.col("blank"))
    lines = lines.with_columns(pl.int_range(pl.len()).over("doc").alias("idx"))
    st = pl.when(pl.col("text").str.count_matches(r"\S+") <= META_MAX_WORDS).then(pl.col("text"))
    lines = lines.with_columns(
        pl.coalesce([st.str.extract(p, 1) for p in cr.line]).alias("credit_variant"),
        st.str.extract(cr.line_unknown, 1).alias("credit_unknown"),
    )
    is_credit = pl.col("credit_variant").is_not_null() | pl.col("credit_unknown").is_not_null()
    credits = (
        lines.filter(is_credit)
        .group_by("doc")
        .agg(
            pl.col("credit_variant").drop_nulls().first(),
            pl.col("credit_unknown").drop_nulls().first(),
        )
    )
    body = _strip_credits(lines.filter(~is_credit).select("doc", "idx", "text"), ref)
    body_agg = body.group_by("doc", maintain_order=True).agg(
        pl.col("text").str.join("\n\n").alias("new_body"),
        pl.col("dateline_src").drop_nulls().first(),
        pl.col("tail_src").drop_nulls().first(),
    )
    out = docs.join(credits, on="doc", how="left").join(body_agg, on="doc", how="left")
    changed = pl.any_horizontal(
        [
            pl.col(c).is_not_null()
            for c in ("credit_variant", "credit_unknown", "dateline_src", "tail_src")
        ]
    )
    raw_author = pl.col("author").str.strip_chars()
    byline = (
        pl.coalesce(raw_author.str.extract(BYLINE_RE, 1), raw_author)
        .str.replace(_BYLINE_CUT, "")
        .str.strip_chars(" ,;:-–—")
    )
    by_source = pl.coalesce(
        _canonical(byline.str.extract(cr.byline_tail, 1), ref), _canonical(byline, ref)
    )
    has_body = pl.col("body").fill_null("").str.strip_chars().str.len_chars() > 0
    return out.select(
        "doc",
        pl.when(changed).then(pl.col("new_body")).otherwise(pl.col("body")).alias("body"),
        _clean_author(byline, ref).alias("author"),
        pl.coalesce(
            _canonical(pl.col("dateline_src"), ref),
            _canonical(pl.col("credit_variant"), ref),
            _canonical(pl.col("tail_src"), ref),
            pl.col("credit_unknown").str.strip_chars(),
            by_source,
        ).alias("original_source"),
        pl.when(~has_body).then(pl.lit("record has no body text")).alias("extract_error"),
    )


def _clean_author(byline: pl.Expr, ref: Reference) -> pl.Expr:
    """A byline without "By" → the author field: no credited outlet, place or role; several
    authors joined with ", "."""
    cr = _credit_res(ref.source_alt)
    author = (
        byline.str.replace(cr.byline_tail, "")
        .str.replace(_AUTHOR_PLACE, "")
        .str.strip_chars(" ,;:-–—")
    )
    # "Jane Doe, Staff Writer": a desk-like role after the name is not part of it
    role = author.str.extract(r",\s*([^,]+)$", 1)
    author = (
        pl.when(_is_desk(role, ref)).then(author.str.replace(r",\s*[^,]+$", "")).otherwise(author)
    )
    # several authors are joined with ", " ("Ana Ruiz and Tom Hale" → "Ana Ruiz, Tom Hale")
    author = (
        pl.when(_is_desk(author, ref))
        .then(author)
        .otherwise(author.str.replace_all(_AUTHOR_SEP, ", "))
    )
    return pl.when(author.str.len_chars() > 0).then(author)


def _is_desk(author: pl.Expr, ref: Reference) -> pl.Expr:
    norm = author.str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars(_STRIP)
    desk = norm.is_in(list(ref.desk_exact)) | norm.is_in(list(ref.source_map))
    if ref.desk_regex:
        desk = desk | author.str.contains(ref.desk_regex)
    return desk.fill_null(False)


# --------------------------------------------------------------------------- public API


def extract(records: pl.DataFrame) -> pl.DataFrame:
    """RAW_RECORD rows → EXTRACTED rows. Never raises for bad content: see ``extract_error``."""
    ref = _reference()
    df = schema.conform(records, schema.RAW_RECORD).with_row_index("doc")
    is_text = pl.col("format") == "text"
    text_docs = df.filter(is_text).select("doc", "raw_text")
    other = df.filter(~is_text).select("doc", "body", "author")
    tf = _text_fields(text_docs, ref) if text_docs.height else None
    sf = _structured_fields(other, ref) if other.height else None
    parts = []
    if tf is not None:
        t = df.filter(is_text).join(tf, on="doc", how="left", suffix="_x")
        parts.append(
            t.with_columns(
                *[pl.coalesce(c, f"{c}_x").alias(c) for c in ("title", "author", "published_raw")],
                pl.coalesce("body", "body_x").alias("body"),
                pl.coalesce("site_raw", _publisher(pl.col("raw_text"))).alias("site_raw"),
            )
        )
    if sf is not None:
        s = df.filter(~is_text).join(sf, on="doc", how="left", suffix="_x")
        parts.append(
            s.with_columns(
                pl.col("body_x").alias("body"),
                pl.col("author_x").alias("author"),
                pl.lit(None, pl.Int64).alias("view_count"),
            )
        )
    if not parts:
        return schema.empty(schema.EXTRACTED)
    out = pl.concat(
        [schema.conform(p, {"doc": pl.UInt32(), **schema.EXTRACTED}) for p in parts]
    ).sort("doc")
    out = out.with_columns(_is_desk(pl.col("author"), ref).alias("is_desk_byline"))
    return schema.conform(out, schema.EXTRACTED)


#: "© 2025 The Harbour Post. All rights reserved." → "The Harbour Post" (the publisher).
_COPYRIGHT_RE = ascii_boundaries(
    r"(?im)^[ \t]*(?:copyright\s*)?(?:©|\(c\)|copyright)\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?\s*,?\s*)?"
    r"([\p{Lu}][^.|\n]{1,60}?)\s*(?:\.|\||$|\s+all\s+rights)"
)


def _publisher(text: pl.Expr) -> pl.Expr:
    """The publisher a page's copyright line names (the normalise stage maps it to a site)."""
    return text.str.extract(_COPYRIGHT_RE, 1).str.strip_chars(" ,")


def _furniture_kind(f: pl.DataFrame, ref: Reference) -> pl.Series:
    kind = pl.lit(None, pl.String)
    for k, action, rx in reversed(ref.furniture_kinds):
        kind = (
            pl.when(pl.col("text").str.contains(rx)).then(pl.lit(f"{k}/{action}")).otherwise(kind)
        )
    return f.select(kind.alias("k")).to_series()


def explain(raw_text: str) -> pl.DataFrame:
    """One row per line of a text dump: ``line_no`` (1-based), ``text``, ``label``, ``reason``."""
    ref = _reference()
    lines = _lines(pl.DataFrame({"doc": [0], "raw_text": [raw_text]}), "raw_text")
    f = _classify(lines, ref)
    f = f.with_columns(_furniture_kind(f, ref).alias("fkind"))
    b = pl.col("base")
    reason = (
        pl.when(pl.col("label") == "title")
        .then(
            pl.format(
                "title: heading-like line before the body (score {}{})",
                pl.col("title_score"),
                pl.when(pl.col("repeated"))
                .then(pl.lit(", repeated by the page"))
                .otherwise(pl.lit("")),
            )
        )
        .when(pl.col("label") == "body")
        .then(
            pl.when(pl.col("strong"))
            .then(pl.lit("body: sentence-like line in the main run"))
            .otherwise(pl.lit("body: short line between body paragraphs"))
        )
        .when(pl.col("after_end"))
        .then(
            pl.format(
                "after end-of-article marker on line {}",
                pl.when(pl.col("idx") == pl.col("end_idx")).then(pl.col("line_no") + 1).min(),
            )
        )
        .when((b == "furniture") & pl.col("fkind").is_null() & pl.col("numeric"))
        .then(pl.lit("furniture: mostly digits (page number, counter)"))
        .when(b == "furniture")
        .then(pl.format("furniture phrase ({})", pl.col("fkind").fill_null("list")))
        .when(pl.col("label") == "byline")
        .then(
            pl.when(pl.col("desk"))
            .then(pl.lit("byline: desk name"))
            .when(pl.col("by_name").is_not_null())
            .then(pl.lit("byline: 'By ...' line"))
            .otherwise(pl.lit("byline: a name next to the date/title"))
        )
        .when(pl.col("label") == "date")
        .then(pl.format("date: {}", pl.col("date_text").fill_null("relative time")))
        .when(pl.col("label") == "counter")
        .then(pl.lit("counter: view count"))
        .when(pl.col("label") == "credit")
        .then(
            pl.format("credit: {}", pl.coalesce("credit_variant", "bare_variant", "credit_unknown"))
        )
        .when(pl.col("short_block"))
        .then(pl.lit("block of short lines (menu or link list)"))
        .when(pl.col("header"))
        .then(pl.lit("header text that is not the title"))
        .when(pl.col("strong"))
        .then(pl.lit("sentence-like text outside the main body run"))
        .otherwise(pl.lit("short text outside the body"))
    )
    f = f.with_columns(reason.alias("reason"))
    out = lines.join(f.select("line_no", "label", "reason"), on="line_no", how="left")
    return out.select(
        (pl.col("line_no") + 1).cast(pl.Int64).alias("line_no"),
        "text",
        pl.col("label").fill_null("blank"),
        pl.col("reason").fill_null(""),
    ).sort("line_no")
