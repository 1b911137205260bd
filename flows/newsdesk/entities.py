"""Entities stage: find people, organisations and places in article bodies.

``find_entities(articles)`` takes frames with ``article_id`` and ``body`` and returns
``(entities, mentions)`` conforming to ``schema.ENTITY`` and ``schema.ENTITY_MENTION``.

How it works (all over the whole batch with Polars expressions):

1. **Proxy text.** Each body is mapped character-for-character to an ASCII proxy: accented Latin
   letters fold to their base letter (``Erdoğan`` → ``Erdogan``), typographic quotes and dashes to
   ASCII ones, other non-ASCII letters/digits to ``x`` and everything else non-ASCII to a space.
   Because every code point becomes exactly one byte, byte offsets in the proxy *are* code-point
   offsets in the body, so Polars' byte-based matchers give correct ``start_char``/``end_char``
   even for "Zelensky’s" or "€1.1bn". A second proxy turns every non-alphanumeric character into
   a space and pads the text with one space at each end; an alias padded the same way
   (``" Keir Starmer "``) can then only match on word boundaries, and a possessive suffix
   ("Putin's", "Zelensky’s") is simply not part of the match.
2. **Gazetteer.** ``data/reference/entities.csv`` aliases are found with one Aho-Corasick pass
   (``str.find_many`` / ``str.extract_many``, overlapping) over the padded proxy.
3. **Capitalised-sequence rules** (regexes built from ``honorifics.csv`` and ``entity_cues.csv``):
   a title or role noun followed by two to four capitalised name tokens is a PERSON ("Estonian
   Prime Minister Kristen Michal" → Kristen Michal, "King Felipe VI" → Felipe VI); a capitalised
   run ending in an organisation word is an ORG ("Russian Defence Ministry", "Labour Party",
   "Ministry of Defence") and one ending in a place word a LOC ("Heathrow Airport", "Gulf of
   Mexico"). Every other occurrence of such a name in the same article (and, for people, of its
   surname) is a mention. Names the gazetteer knows are left to the gazetteer.
4. **Overlaps** resolve leftmost-longest ("US President Donald Trump" → United States + Donald
   Trump; "Bank of England" beats "England"). A gazetteer alias that starts with a title ("King
   Charles") matches with it, but the mention starts after it ("Charles" → Charles III).
5. **Document-level consistency.** A lone surname ("Macron", "Trump", "Johnson", or "Huang" once
   "Jensen Huang" was named) is the person with that surname whose full-name mention in the same
   article is nearest before it (else first after it); without one it falls back to the
   gazetteer when the surname belongs to exactly one gazetteer person ("Trump" → Donald Trump),
   and is dropped otherwise. A surname inside a longer capitalised name ("Trump Tower", "Lara
   Trump") is not a mention. Other ambiguous aliases ("Congo") go to the entity whose canonical
   name they are, else to one already named in the article, else nowhere.

``entity_id`` is ``"ent_" + sha1(f"{type}:{name}")[:16]``: stable across runs and batches.
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl

from newsdesk.schema import ENTITY, ENTITY_MENTION, conform, empty
from newsdesk.settings import get_settings

ENTITY_TYPES = ("PERSON", "ORG", "LOC")

#: Single characters folded to one ASCII character each (the proxy must stay 1:1).
_SPECIAL_FOLDS = {
    "ß": "s", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d", "Ł": "L", "ł": "l", "Æ": "A", "æ": "a",
    "Œ": "O", "œ": "o", "Þ": "T", "þ": "t", "ð": "d", "ı": "i", "Ħ": "H", "ħ": "h", "Ŧ": "T",
    "ŧ": "t", "ʼ": "'", "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "“": '"', "”": '"',
    "„": '"', "‟": '"', "″": '"', "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-",
    "−": "-", "…": ".",
}  # fmt: skip
_NON_ASCII_ALNUM = r"[[\p{L}\p{N}]&&[^\x00-\x7F]]"
_NAME_SUFFIX = re.compile(r"^(?:Jr|Sr|[IVX]+)$")
#: One capitalised name token: Macron, McConnell, O'Brien, Ocasio-Cortez, al-Assad, Jae-myung.
_NAME_TOKEN = (
    r"(?:(?:al|el|as|ad|an|ash)-)?[A-Z](?:'[A-Z])?[a-z]+(?:[A-Z][a-z]+)?(?:-[A-Z]?[a-z]+)*"
)
_INITIALS = r"(?:[A-Z]\.){1,2}"
#: What may follow a name: regnal numbers and generational suffixes ("Felipe VI", "Jr.").
_REGNAL = r"(?:[IVX]+|Jr\.?|Sr\.?)"
_B = r"(?-u:\b)"


def entity_id(entity_type: str, name: str) -> str:
    """The stable id of an entity: ``ent_`` + the first 16 hex digits of sha1("TYPE:name")."""
    digest = hashlib.sha1(f"{entity_type}:{name}".encode(), usedforsecurity=False).hexdigest()
    return "ent_" + digest[:16]


@lru_cache(maxsize=1)
def _fold_map() -> dict[str, str]:
    folds: dict[str, str] = {}
    for cp in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        ch = chr(cp)
        base = unicodedata.normalize("NFD", ch)[0]
        if base != ch and base.isascii() and base.isalpha():
            folds[ch] = base
    folds.update(_SPECIAL_FOLDS)
    return folds


def _proxy(text: pl.Expr) -> pl.Expr:
    """ASCII proxy with exactly one byte per code point of ``text`` (punctuation kept)."""
    return (
        text.str.replace_many(_fold_map())
        .str.replace_all(_NON_ASCII_ALNUM, "x")
        .str.replace_all(r"[^\x00-\x7F]", " ")
    )


#: Every ASCII character that is not a letter or digit, mapped to a space.
_ASCII_PUNCT_TO_SPACE = {chr(c): " " for c in range(128) if not chr(c).isalnum()}


def _spaced(proxy: pl.Expr) -> pl.Expr:
    """Every non-alphanumeric character of an ASCII proxy becomes a space (still 1:1).

    Same as ``replace_all("[^A-Za-z0-9]", " ")`` on ASCII text, but an Aho-Corasick pass is faster.
    """
    return proxy.str.replace_many(_ASCII_PUNCT_TO_SPACE)


def _padded(spaced: pl.Expr) -> pl.Expr:
    return pl.concat_str(pl.lit(" "), spaced, pl.lit(" "))


def _alternation(words: list[str]) -> str:
    return "|".join(pl.escape_regex(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


def _read_reference_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        lines = [ln for ln in f if ln.strip() and not ln.lstrip().startswith("#")]
    return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(lines)]


@dataclass(frozen=True)
class EntityReference:
    """Everything the stage loads from ``data/reference/`` (built once per process)."""

    #: The batch-wide Aho-Corasick patterns: every alias and person surname key, padded.
    patterns: list[str]
    #: Padded, normalised gazetteer aliases (" Keir Starmer "), unique.
    alias_patterns: list[str]
    #: One row per (pattern, entity): _pat, lead, entity_id, name, type, short, exact, dot_ext,
    #: amb (the pattern has several entities), one_exact (exactly one of them is named so).
    aliases: pl.DataFrame
    #: Surname keys of gazetteer people: entity_id, _key (a padded pattern such as " Trump ").
    person_keys: pl.DataFrame
    #: Patterns of gazetteer person aliases that are not bare surnames (" Donald Trump ").
    full_person_patterns: list[str]
    #: Patterns of gazetteer person aliases that are bare surnames (" Trump ").
    short_person_patterns: list[str]
    title_re: str
    title_strip_re: str
    #: Capitalised runs ending in an organisation or place word ("Labour Party", "Gulf of Mexico").
    suffix_re: str
    #: Matches a candidate holding an organisation word (then it is an ORG, else a LOC).
    org_word_re: str
    stop_lead_re: str
    stop_trail_re: str
    #: Trailing stop words or titles cut from organisation/place runs ("Bank of England Governor").
    suffix_trail_re: str
    #: Capitalised words that may directly precede a lone surname ("Mr Trump", "The Trump ...").
    context_words: list[str]
    stop_patterns: list[str]


def _normalise_aliases(aliases: list[str]) -> list[str]:
    spaced = (
        pl.Series("a", aliases, dtype=pl.String).to_frame().select(_spaced(_proxy(pl.col("a"))))
    )
    return spaced.to_series().to_list()


def _load_gazetteer(path: Path, titles: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    rows = _read_reference_csv(path)
    # "King Felipe", "Pope Francis": the title helps to match but is not part of the mention.
    ordered = sorted(set(titles), key=lambda t: (-len(t), t))
    title_prefix = re.compile(f"^(?:{'|'.join(map(re.escape, ordered))}) (?=[A-Z])")
    records: list[tuple[str, str, str, str]] = []  # canonical, type, alias, entity_id
    seen: set[tuple[str, str]] = set()
    for row in rows:
        name, etype = row["canonical"], row["type"]
        if etype not in ENTITY_TYPES:
            raise ValueError(f"{path.name}: {name!r} has type {etype!r}, not one of {ENTITY_TYPES}")
        if (etype, name) in seen:
            raise ValueError(f"{path.name}: {etype} {name!r} is listed twice")
        seen.add((etype, name))
        eid = entity_id(etype, name)
        forms = [name, *(a.strip() for a in row["aliases"].split("|") if a.strip())]
        records.extend((name, etype, alias, eid) for alias in dict.fromkeys(forms))
    norms = _normalise_aliases([r[2] for r in records])

    by_entity: dict[str, list[list[str]]] = {}
    for (_, _, _, eid), norm in zip(records, norms, strict=True):
        by_entity.setdefault(eid, []).append(norm.split())
    out: list[dict[str, object]] = []
    keys: set[tuple[str, str]] = set()
    last_words: list[tuple[str, str]] = []  # (entity_id, last word of a multi-word alias)
    for (name, etype, alias, eid), norm in zip(records, norms, strict=True):
        if norm.startswith(" "):
            raise ValueError(f"{path.name}: alias {alias!r} must start with a letter or digit")
        tokens = norm.split()
        if not tokens:
            raise ValueError(f"{path.name}: alias {alias!r} of {name!r} has no letters")
        folded = [t.casefold() for t in tokens]
        short = etype == "PERSON" and any(
            len(other) > len(tokens) and [t.casefold() for t in other[-len(tokens) :]] == folded
            for other in by_entity[eid]
        )
        pattern = f" {norm.strip()} "
        lead = title_prefix.match(alias) if etype == "PERSON" else None
        out.append(
            {
                "_pat": pattern,
                "lead": lead.end() if lead else 0,
                "entity_id": eid,
                "name": name,
                "type": etype,
                "short": short,
                "exact": alias == name,
                "dot_ext": alias.endswith("."),
            }
        )
        if etype == "PERSON":
            if short:
                keys.add((eid, pattern))
            words = [w for w in alias.split() if not _NAME_SUFFIX.match(w.rstrip("."))]
            if len(words) > 1:
                last_words.append((eid, words[-1]))
    for (eid, _), norm in zip(
        last_words, _normalise_aliases([w for _, w in last_words]), strict=True
    ):
        if norm.strip():
            keys.add((eid, f" {norm.strip()} "))
    aliases = (
        pl.DataFrame(
            out,
            schema={
                "_pat": pl.String,
                "lead": pl.Int64,
                "entity_id": pl.String,
                "name": pl.String,
                "type": pl.String,
                "short": pl.Boolean,
                "exact": pl.Boolean,
                "dot_ext": pl.Boolean,
            },
        )
        .unique(["_pat", "entity_id"], keep="first", maintain_order=True)
        # an entity reached by two aliases with the same pattern is exact if either is
        .with_columns(pl.col("exact").any().over("_pat", "entity_id"))
        .with_columns(
            (pl.len().over("_pat") > 1).alias("amb"),
            (pl.col("exact").sum().over("_pat") == 1).alias("one_exact"),
        )
    )
    person_keys = pl.DataFrame(
        sorted(keys), schema={"entity_id": pl.String, "_key": pl.String}, orient="row"
    )
    return aliases, person_keys


@lru_cache(maxsize=4)
def _load_reference(reference_dir: str) -> EntityReference:
    ref_dir = Path(reference_dir)
    titles: list[str] = []
    for row in _read_reference_csv(ref_dir / "honorifics.csv"):
        title = row["title"]
        titles.append(title)
        if row["kind"] == "office" and not title.isupper():
            titles += [title[0].lower() + title[1:], title.lower()]
    aliases, person_keys = _load_gazetteer(ref_dir / "entities.csv", titles)
    cues: dict[str, list[str]] = {}
    for row in _read_reference_csv(ref_dir / "entity_cues.csv"):
        cues.setdefault(row["kind"], []).append(row["word"])

    title = f"(?:{_alternation(titles)})"
    particle = f"(?:{_alternation(cues['particle'])})"
    suffix = f"(?:{_alternation(cues['org_suffix'] + cues['loc_suffix'])})"
    stop = f"(?:{_alternation(cues['stop'])})"
    token = f"(?:{_NAME_TOKEN}|{_INITIALS})"
    name = f"{token}(?: (?:{particle} )*{token}){{0,3}}(?: {_REGNAL})?"
    cap = f"(?:{_NAME_TOKEN}|[A-Z]{{2,6}})"
    tail = f" (?:of|for) (?:the )?{cap}(?: (?:and )?{cap}){{0,3}}"
    persons = aliases.filter(pl.col("type") == "PERSON")
    stop_patterns = [f" {w} " for w in cues["stop"]]
    # surname keys that are stop words ("May" for Theresa May) are never looked for alone
    person_keys = person_keys.filter(~pl.col("_key").is_in(stop_patterns))
    alias_patterns = aliases.get_column("_pat").unique(maintain_order=True)
    return EntityReference(
        patterns=pl.concat([alias_patterns, person_keys.get_column("_key")])
        .unique()
        .sort()
        .to_list(),
        alias_patterns=alias_patterns.to_list(),
        aliases=aliases,
        person_keys=person_keys,
        full_person_patterns=persons.filter(~pl.col("short")).get_column("_pat").unique().to_list(),
        short_person_patterns=persons.filter(pl.col("short")).get_column("_pat").unique().to_list(),
        title_re=f"{_B}{title}(?: {title})* {name}{_B}",
        title_strip_re=f"^(?:{title} )+",
        suffix_re=(
            f"{_B}(?:{cap} (?:(?:and|&) )?){{1,4}}{suffix}{_B}(?:{tail})?|{_B}{suffix}{tail}"
        ),
        org_word_re=f"{_B}(?:{_alternation(cues['org_suffix'])}){_B}",
        stop_lead_re=f"^(?:{stop} )+",
        stop_trail_re=f"(?: {stop})+$",
        suffix_trail_re=f"(?: (?:{stop}|{title}))+$",
        context_words=sorted({t.split()[-1] for t in titles} | set(cues["stop"])),
        stop_patterns=stop_patterns,
    )


def load_reference(reference_dir: Path | None = None) -> EntityReference:
    """The stage's reference data (cached per directory; default ``settings.reference_dir``)."""
    return _load_reference(str(reference_dir or get_settings().reference_dir))


def _hits(docs: pl.DataFrame, patterns: list[str]) -> pl.DataFrame:
    """Every (overlapping) occurrence of the padded patterns in ``_p2``: _doc, start, end, _pat."""
    if not patterns:
        return pl.DataFrame(
            schema={"_doc": pl.UInt32, "start": pl.Int64, "end": pl.Int64, "_pat": pl.String}
        )
    found = docs.select(
        "_doc",
        pl.col("_p2").str.find_many(patterns, overlapping=True).alias("_s"),
        pl.col("_p2").str.extract_many(patterns, overlapping=True).alias("_pat"),
    )
    start = pl.col("_s").cast(pl.Int64)
    return (
        found.explode(["_s", "_pat"])
        .drop_nulls("_s")
        .select(
            "_doc",
            start.alias("start"),
            (start + pl.col("_pat").str.len_bytes().cast(pl.Int64) - 2).alias("end"),
            "_pat",
        )
    )


#: The candidate-mention table every source is shaped into before overlaps are resolved.
_CANDIDATE: dict[str, pl.DataType] = {
    "_doc": pl.UInt32(),
    "start": pl.Int64(),
    "end": pl.Int64(),
    "entity_id": pl.String(),  # null for a lone surname: linked to a person later
    "name": pl.String(),
    "type": pl.String(),
    "short": pl.Boolean(),  # a lone surname
    "_key": pl.String(),  # a lone surname's padded pattern
    "exact": pl.Boolean(),  # the alias is the entity's canonical name
    "amb": pl.Boolean(),  # the alias belongs to several entities
    "one_exact": pl.Boolean(),  # ... and is the canonical name of exactly one of them
    "dot_ext": pl.Boolean(),  # the alias ends in "." ("U.S.")
    "prio": pl.Int32(),  # at one span the lowest wins
}
#: At one span: a person's full name, then a lone surname, then anything else.
_PRIO_FULL_PERSON, _PRIO_SURNAME, _PRIO_OTHER = 0, 1, 2


def _candidates(df: pl.DataFrame, **values: object) -> pl.DataFrame:
    """``df`` in the ``_CANDIDATE`` shape: the given ``values`` (expressions or scalars), else
    ``df``'s own columns, else false / null."""
    exprs = []
    for name, dtype in _CANDIDATE.items():
        value = values.get(name)
        if isinstance(value, pl.Expr):
            expr = value
        elif name in values:
            expr = pl.lit(value)
        elif name in df.columns:
            expr = pl.col(name)
        else:
            expr = pl.lit(False if dtype == pl.Boolean() else None)
        exprs.append(expr.cast(dtype).alias(name))
    return df.select(exprs)


def _surname_candidates(hits: pl.DataFrame) -> pl.DataFrame:
    return _candidates(hits, type="PERSON", short=True, _key=pl.col("_pat"), prio=_PRIO_SURNAME)


def _rule_candidates(docs: pl.DataFrame, ref: EntityReference) -> pl.DataFrame:
    """Names found by the capitalised-sequence rules: _doc, type, _cand (padded), _sur."""
    raw = pl.concat(
        [
            docs.select(
                "_doc",
                pl.lit("PERSON").alias("type"),
                pl.col("_p1").str.extract_all(ref.title_re).alias("_c"),
            ),
            docs.select(
                "_doc",
                pl.lit("ORG").alias("type"),
                pl.col("_p1").str.extract_all(ref.suffix_re).alias("_c"),
            ),
        ]
    ).explode("_c")
    is_person = pl.col("type") == "PERSON"
    cand = (
        raw.drop_nulls("_c")
        .with_columns(
            pl.when(is_person)
            .then(pl.col("_c").str.replace(ref.title_strip_re, ""))
            .otherwise(pl.col("_c"))
            .str.replace(ref.stop_lead_re, "")
            .str.replace(ref.stop_trail_re, "")
            .alias("_c")
        )
        .with_columns(
            pl.when(is_person)
            .then(pl.col("_c"))
            .otherwise(pl.col("_c").str.replace(ref.suffix_trail_re, ""))
            .alias("_c")
        )
        .with_columns(
            pl.when(is_person | pl.col("_c").str.contains(ref.org_word_re))
            .then(pl.col("type"))
            .otherwise(pl.lit("LOC"))
            .alias("type")
        )
        .filter(
            pl.col("_c").str.contains(" ")
            & (~is_person | pl.col("_c").str.contains(f"(?:[a-z]| {_REGNAL})$"))
        )
        .with_columns(_padded(_spaced(pl.col("_c"))).alias("_cand"))
        .unique(["_doc", "type", "_cand"])
        .with_columns(
            pl.col("_cand").str.extract(r"^( [A-Za-z0-9]+ )").alias("_first"),
            _padded(_spaced(pl.col("_c").str.extract(f"(\\S+)(?: {_REGNAL})?$"))).alias("_sur"),
            pl.col("_c").str.contains(f" {_REGNAL}$").alias("_regnal"),
        )
    )
    # Known names are the gazetteer's job: drop candidates that are an alias, and people that
    # contain a gazetteer person's full name ("Joe Biden Tuesday") or start with a gazetteer
    # surname ("Biden Administration").
    cand = cand.filter(~pl.col("_cand").is_in(ref.alias_patterns))
    if ref.full_person_patterns:
        contains_known = pl.col("_cand").str.contains_any(ref.full_person_patterns)
        cand = cand.filter(~(is_person & contains_known))
    cand = cand.filter(~(is_person & pl.col("_first").is_in(ref.short_person_patterns)))
    # Kings and popes go by their first name ("Felipe VI" → "Felipe"), not by a surname.
    return cand.with_columns(
        pl.when(is_person & ~pl.col("_regnal") & ~pl.col("_sur").is_in(ref.stop_patterns))
        .then(pl.col("_sur"))
        .alias("_sur")
    ).select("_doc", "type", "_cand", "_sur")


def _rule_mentions(docs: pl.DataFrame, cand: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Occurrences of rule-found names (and people's surnames) in the articles they were found in.

    Returns (mention candidates, surname keys of rule-found people ``_doc, entity_id, _key``).
    """
    full = cand.select("_doc", "type", "_cand", pl.col("_cand").alias("_pat"))
    sur = cand.drop_nulls("_sur").select("_doc", "type", "_cand", pl.col("_sur").alias("_pat"))
    short_pats = sur.select("_doc", "_pat").unique()
    wanted = pl.concat([full.select("_doc", "_pat"), short_pats]).unique()
    # One automaton for the batch's union of names; a hit counts only in its own article.
    union = wanted.get_column("_pat").unique().sort().to_list()
    with_cands = docs.join(wanted.select("_doc").unique(), on="_doc", how="semi")
    hits = _hits(with_cands, union).join(wanted, on=["_doc", "_pat"], how="semi")

    # The entity's name is the body text of its first full-name occurrence, whitespace collapsed.
    firsts = (
        hits.join(full.select("_doc", "_pat", "type", "_cand"), on=["_doc", "_pat"])
        .group_by("_doc", "type", "_cand")
        .agg(pl.col("start").min(), pl.col("end").sort_by("start").first())
        .join(docs.select("_doc", "body"), on="_doc")
        .with_columns(
            pl.col("body")
            .str.slice(pl.col("start"), pl.col("end") - pl.col("start"))
            .str.replace_all(r"\s+", " ")
            .alias("name")
        )
    )
    names = firsts.select("type", "name").unique()
    names = names.with_columns(
        pl.Series(
            "entity_id",
            [entity_id(t, n) for t, n in names.iter_rows()],
            dtype=pl.String,
        )
    )
    ident = firsts.join(names, on=["type", "name"]).select(
        "_doc", "type", "_cand", "entity_id", "name"
    )
    keys = (
        sur.join(ident, on=["_doc", "type", "_cand"])
        .select("_doc", "entity_id", pl.col("_pat").alias("_key"))
        .unique()
    )
    full_hits = (
        hits.join(full.select("_doc", "_pat", "type", "_cand"), on=["_doc", "_pat"])
        .join(ident, on=["_doc", "type", "_cand"])
        .pipe(_candidates, exact=True, prio=_PRIO_OTHER)
    )
    short_hits = hits.join(short_pats, on=["_doc", "_pat"]).pipe(_surname_candidates)
    return pl.concat([full_hits, short_hits]), keys


def _select_spans(cands: pl.DataFrame) -> pl.DataFrame:
    """Keep the candidates at leftmost-longest non-overlapping spans; at one span the candidates
    with the lowest ``prio`` (several when an alias is ambiguous). Sorts, then needs no joins."""
    c = cands.sort(["_doc", "start", "end", "prio"], descending=[False, False, True, False])
    doc = pl.col("_doc").cast(pl.Int64) * (1 << 32)
    new_span = (
        (pl.col("_doc") != pl.col("_doc").shift(1))
        | (pl.col("start") != pl.col("start").shift(1))
        | (pl.col("end") != pl.col("end").shift(1))
    ).fill_null(True)
    # rows of one span share an end, so the running max over all earlier rows is the running
    # max over earlier spans; a span is kept when it starts at or after it
    prev_end = (doc + pl.col("end")).cum_max().shift(1)
    span_kept = prev_end.is_null() | (doc + pl.col("start") >= prev_end)
    return c.filter(
        pl.when(new_span).then(span_kept).otherwise(None).forward_fill()
        & (pl.col("prio") == pl.when(new_span).then(pl.col("prio")).otherwise(None).forward_fill())
    )


def _resolve(cands: pl.DataFrame, ref: EntityReference, rule_keys: pl.DataFrame) -> pl.DataFrame:
    """One entity per kept span: _doc, start, end, entity_id, name, type, dot_ext."""
    kept = _select_spans(cands)
    cols = ["_doc", "start", "end", "entity_id", "name", "type", "dot_ext"]
    span = ["_doc", "start"]

    named = kept.filter(~pl.col("short"))
    # an ambiguous alias ("Congo") goes to the one entity whose canonical name it is, else to
    # the one candidate already named elsewhere in the article, else nowhere
    certain = ~pl.col("amb") | (pl.col("exact") & pl.col("one_exact"))
    direct = named.filter(certain)
    ambiguous = named.filter(pl.col("amb") & ~pl.col("one_exact"))
    by_context = ambiguous.join(
        direct.select("_doc", "entity_id").unique(), on=["_doc", "entity_id"], how="semi"
    ).filter(pl.len().over(span) == 1)
    resolved = pl.concat([direct.select(cols), by_context.select(cols)])

    # Surnames: the nearest full mention (before, else after) of a person with that surname.
    shorts = kept.filter(pl.col("short"))
    short_spans = shorts.select("_doc", "start", "end", "_key", "dot_ext").unique(
        span, keep="first"
    )
    full_people = resolved.filter(pl.col("type") == "PERSON").select(
        "_doc", "entity_id", "name", "type", pl.col("start").alias("_fstart")
    )
    keys = pl.concat(
        [
            full_people.join(ref.person_keys, on="entity_id"),
            full_people.join(rule_keys, on=["_doc", "entity_id"]),
        ],
        how="diagonal",
    ).select("_doc", "entity_id", "name", "type", "_fstart", "_key")
    linked = (
        short_spans.join(keys, on=["_doc", "_key"])
        .with_columns(
            (pl.col("_fstart") > pl.col("start")).alias("_after"),
            (pl.col("_fstart") - pl.col("start")).abs().alias("_dist"),
        )
        .sort(["_doc", "start", "_after", "_dist"])
        .unique(span, keep="first", maintain_order=True)
        .select(cols)
    )
    # No full mention in the article: a surname of exactly one gazetteer person is that person.
    fallback = (
        shorts.filter(pl.col("entity_id").is_not_null() & ~pl.col("amb"))
        .join(linked, on=span, how="anti")
        .select(cols)
    )
    return pl.concat([resolved, linked, fallback])


def _drop_embedded_surnames(
    cands: pl.DataFrame, docs: pl.DataFrame, ref: EntityReference
) -> pl.DataFrame:
    """A lone surname inside a longer capitalised name is not that person: "Trump Tower",
    "Hunt Oil", "Lara Trump" (but "Mr Trump", "President Trump", "The Trump ..." are)."""
    is_short = pl.col("short")
    # the proxy is ASCII, so byte slices are character slices (and cheaper)
    proxy = pl.col("_p1").cast(pl.Binary)
    window = pl.col("start") - pl.max_horizontal(pl.col("start") - 30, pl.lit(0))
    before = proxy.bin.slice(pl.col("start") - window, window).cast(pl.String)
    prev = before.str.extract(r"(?:^|[^A-Za-z'])([A-Z][A-Za-z]*) $")
    after = proxy.bin.slice(pl.col("end"), 2).cast(pl.String)
    embedded = after.str.contains("^ [A-Z]") | (prev.is_not_null() & ~prev.is_in(ref.context_words))
    shorts = (
        cands.filter(is_short)
        .join(docs.select("_doc", "_p1"), on="_doc")
        .filter(~embedded)
        .drop("_p1")
    )
    return pl.concat([cands.filter(~is_short), shorts])


def find_entities(articles: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Find PERSON / ORG / LOC mentions in ``articles.body``.

    Returns ``(entities, mentions)``: one ``schema.ENTITY`` row per distinct entity mentioned in
    the batch and one ``schema.ENTITY_MENTION`` row per mention, where ``start_char``/``end_char``
    are 0-based code-point offsets (end exclusive) and ``body[start_char:end_char] == surface``.
    """
    ref = load_reference()
    docs = (
        articles.select(pl.col("article_id").cast(pl.String), pl.col("body").cast(pl.String))
        .filter(pl.col("body").str.len_bytes() > 0)
        .with_row_index("_doc")
    )
    if docs.is_empty():
        return empty(ENTITY), empty(ENTITY_MENTION)
    docs = docs.with_columns(_proxy(pl.col("body")).alias("_p1")).with_columns(
        _padded(_spaced(pl.col("_p1"))).alias("_p2")
    )

    hits = _hits(docs, ref.patterns)
    gaz = hits.join(ref.aliases, on="_pat").pipe(
        _candidates,
        start=pl.col("start") + pl.col("lead"),
        _key=pl.when(pl.col("short")).then(pl.col("_pat")),
        prio=pl.when(pl.col("short"))
        .then(_PRIO_SURNAME)
        .when(pl.col("type") == "PERSON")
        .then(_PRIO_FULL_PERSON)
        .otherwise(_PRIO_OTHER),
    )
    # The surname of a gazetteer person named in full in an article is a mention there too
    # ("Huang" after "Jensen Huang", "Charles" after "King Charles").
    named_keys = (
        gaz.filter((pl.col("type") == "PERSON") & ~pl.col("short"))
        .select("_doc", "entity_id")
        .unique()
        .join(ref.person_keys, on="entity_id")
        .select("_doc", pl.col("_key").alias("_pat"))
        .unique()
    )
    surnames = hits.join(named_keys, on=["_doc", "_pat"], how="semi").pipe(_surname_candidates)
    rule, rule_keys = _rule_mentions(docs, _rule_candidates(docs, ref))
    cands = pl.concat([gaz, surnames, rule])
    cands = _drop_embedded_surnames(cands, docs, ref)
    if cands.is_empty():
        return empty(ENTITY), empty(ENTITY_MENTION)

    found = _resolve(cands, ref, rule_keys).join(
        docs.select("_doc", "article_id", "body", "_p1"), on="_doc"
    )
    # "U.S." is matched as "U S"; take the full stop back when the body has it.
    next_char = pl.col("_p1").cast(pl.Binary).bin.slice(pl.col("end"), 1)
    found = found.with_columns(
        pl.when(pl.col("dot_ext") & (next_char == b"."))
        .then(pl.col("end") + 1)
        .otherwise(pl.col("end"))
        .alias("end")
    ).sort(["_doc", "start", "end"], descending=[False, False, True])
    # one mention per start (two aliases of different entities can land on the same span)
    found = found.filter(
        (
            (pl.col("_doc") != pl.col("_doc").shift(1))
            | (pl.col("start") != pl.col("start").shift(1))
        ).fill_null(True)
    )
    mentions = found.select(
        "article_id",
        "entity_id",
        pl.col("body").str.slice(pl.col("start"), pl.col("end") - pl.col("start")).alias("surface"),
        pl.col("start").alias("start_char"),
        pl.col("end").alias("end_char"),
    )
    entities = found.select("entity_id", "name", "type").unique("entity_id").sort("type", "name")
    return conform(entities, ENTITY), conform(mentions, ENTITY_MENTION)
