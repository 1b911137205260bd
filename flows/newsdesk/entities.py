"""Entities stage: find people, organisations and places in article bodies.

``find_entities(articles)`` takes frames with ``article_id`` and ``body`` and returns
``(entities, mentions)`` conforming to ``schema.ENTITY`` (with the Wikidata ``qid`` where the
alias table has one) and ``schema.ENTITY_MENTION``. Everything runs over the whole batch with
Polars expressions; no per-article Python.

How it works (the cue lists are data: ``entities.csv``, ``entity_cues.csv``,
``honorifics.csv``, ``given_names.txt`` in ``data/reference/``):

1. **Capitalised runs.** One regex pass (``split(..., inclusive=True)``) cuts the bodies after
   every run of capitalised tokens ("US President Donald Trump", "São Paulo", "H&M", "U.S.",
   "O'Leary", "Lula da Silva"): each piece is a gap and the run that ends it, and the run is
   found again at the piece's end by an end-anchored match (a short reverse scan). The pieces'
   lengths in code points give each run's exact ``start_char``, and the gaps' ends are the
   runs' left and right context ("striker ", ", a spokesman", " said it"). Only the runs and
   these short context strings are processed further. One-word runs that can never be a name
   (stop words, before their context is built; a sentence's common first word) are dropped.
2. **Merges.** Runs joined by "of / for / on / to [the]" after an organisation or place head
   word ("Bank of Japan", "Committee to Protect Journalists", "Gulf of Mexico"), by "&", or by
   "'s" before an organisation word ("Attorney General's Office") become one span.
3. **Gazetteer.** Aliases are matched on the spans with accents folded to ASCII and punctuation
   read as spaces (so "Zelensky’s" and "Zelenskyy" both match and a possessive is never part of
   a mention): one-word spans by a join, longer ones (and spans chained by "and", "of", "in"...
   for names such as "Bosnia and Herzegovina") by one Aho-Corasick pass. Upper-case headlines
   and datelines are matched case-insensitively ("TOKYO" → Tokyo).
4. **Segments.** Titles ("Prime Minister", "Sir", "Finance Minister"), leading nationality words
   ("German", but not in "the Georgian Dream party"), stop words and a sentence's common first
   word ("Carmaker", "Shares", not an organisation's first word such as "Bank") split a span
   into name segments; a title-case headline loses all its common words.
5. **Typing by rules**, first match wins, each with a strength: events, laws and competitions
   are no entity ("Madrid Open", "Paris Agreement"); teams in a results line are clubs, and so
   are teams in a match report ("Karpat beat", "drew 0-0 at Arouca"; not a country, a named
   person or a tennis player's sets); organisation and place words ("Holdings", "Ministry of X",
   "Stadium", "River"), a title or role noun before the name ("striker X") or a given name first
   → PERSON; organisation prefixes ("Banco", "Club", "Bank", "Air"), place prefixes ("San",
   "Port", "North"); "carmaker X", "shares of X", "an analyst at X", "a poll by X" → ORG; "the
   town of X", "X province", "X, Texas", "X in Serbia", datelines → LOC; an age or ", a lawyer"
   after → PERSON; "the X party / coalition" → ORG; "X spokesman", "X said it" → ORG; a place
   inside a longer name ("Boston Celtics") → ORG; surname endings ("Mirzoyan") → PERSON; "in X"
   → LOC (weak); an acronym or a brand's inner capital ("PhonePe"), a common or institution
   first word, a nationality last word → ORG (weak); any other name of two or more words →
   PERSON (weak); a lone unknown word → nothing, unless step 6 types it.
6. **Document-level consistency.** A name is typed the same everywhere in its article (the
   strongest evidence wins); a lone word listed with a typed name takes its type, a gazetteer
   name's before a rule's ("Istanbul and Izmir", "Uttar Pradesh and Bihar"); a lone surname is
   the person of the same article with that surname, nearest before it ("Ferris" → Callum
   Ferris; a gazetteer surname with no full name in the article falls back to the one gazetteer
   person with that surname, "Trump" → Donald Trump); the initials, first or last word(s) of an
   organisation's name are that organisation ("ISRO", "Rheinfracht" → Rheinfracht Holding); an
   upper-case headline word that is a name of the article is that entity, before the gazetteer's
   reading of it ("RUUD" → Casper Ruud, "LIVERPOOL" → the club the report names); in a sports
   article a town named with a club's cue ("Liverpool coach") is the club.
7. **Overlaps** resolve leftmost-longest; a rule name that contains a gazetteer name wins only on
   more than the weakest evidence ("Boston Celtics" over Boston, not "Madrid Open").

Canonical names: the gazetteer's canonical name, else the full form in the article (titles,
honorifics and possessives are never part of a mention). ``entity_id`` is ``"ent_" +
sha1(f"{type}:{name}")[:16]``: stable across runs and batches.

Speed: letters are matched by code-point ranges, not ``\\p{..}`` classes (those cost Polars
milliseconds of regex compilation on every call), word lists are one-row list Series built
once, and most steps work on the ~15% of the text that is capitalised runs. Eager Polars shares
no work between expressions and copies every column a join or filter touches, so shared
sub-expressions are computed once into columns, wide frames are narrowed before filters, and
joins that add columns go through the key columns only (``_join_columns``). String operations
cost about the same per row whatever they do, so the work is cut by rows: names and contexts
repeat (a shard's 230,000 runs are a few thousand distinct words), and what depends on one
value alone is computed once per distinct value and joined back on the values' 64-bit hashes
(``_per_value``; only when the values repeat, and only when the hashes tell them apart): a
run's fold, length and word flags, the one-word spans' word flags, the context regexes, the
Aho-Corasick search, and the word-by-word segmentation of multi-word spans (per distinct
words, sentence start and organisation word after). A chain's text is sliced from the body
(its connectors are the whole gaps). ``find_entities`` runs on a Polars pool thread
(``polars_pool.on_polars_pool``): called from the main thread, the hand-offs of its eager
calls' parallel parts to the pool were a quarter of its CPU. A call has a fixed cost of
roughly 70-90 ms of CPU on one thread (about 280 eager operations and their expressions;
measured 2026-12-07 on 1-5 articles of a synth shard; ~100 ms before it ran on the pool), so
larger batches run faster per MB; ``python -m newsdesk.evaluation.entities --synth 20000``
measures the flow's shard calls.
"""

from __future__ import annotations

import csv
import hashlib
import re
import string
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl
from polars.expr.whenthen import ChainedThen, Then

from newsdesk.letters import LOWER, MARKS, UPPER
from newsdesk.polars_pool import on_polars_pool
from newsdesk.schema import ENTITY, ENTITY_MENTION, conform, empty
from newsdesk.settings import get_settings

ENTITY_TYPES = ("PERSON", "ORG", "LOC")

#: Single characters folded to one ASCII character each (the folded text must stay 1:1).
_SPECIAL_FOLDS = {
    "ß": "s", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d", "Ł": "L", "ł": "l", "Æ": "A", "æ": "a",
    "Œ": "O", "œ": "o", "Þ": "T", "þ": "t", "ð": "d", "ı": "i", "Ħ": "H", "ħ": "h", "Ŧ": "T",
    "ŧ": "t", "ʼ": "'", "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "“": '"', "”": '"',
    "„": '"', "‟": '"', "″": '"', "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-",
    "−": "-", "…": ".",
}  # fmt: skip
_NAME_SUFFIX = re.compile(r"^(?:Jr|Sr|[IVX]+)$")

# --- the capitalised-run grammar (Unicode, on the body itself) -------------------------------
# Letters by code-point ranges rather than Unicode classes (\p{Lu}): see ``newsdesk.letters``.
_UPPER = UPPER
_LOWER = LOWER + MARKS
_UP = f"[{_UPPER}]"
_LO = f"[{_LOWER}]"
#: Macron, McAllister, DeSantis, OpenAI, O'Leary, al-Sisi, 5-Star.
_WORD = (
    rf"(?:{_UP}['’]{_UP}{_LO}+|(?:{_UP}{_LO}+)+(?:{_UP}{{2,}})?|{_UP}{{2,4}}{_LO}{{2,}}"
    rf"|(?:al|el|ad|as|an|ash|at|az|ul)-{_UP}{_LO}+|\d+-{_UP}{_LO}+)"
)
#: Hyphenated parts: Jean-Jacques, Co-operation, Rostov-on-Don, Jae-myung, TIE-UP.
_HYPH = rf"(?:-(?:{_UP}{_LO}*|{_UP}+|{_LO}+))*"
_ACRO = rf"{_UP}(?:{_UP}|\d|&{_UP})+"  # NATO, EGX30, H&M, AT&T
_DOTS = rf"(?:{_UP}\.){{2,}}"  # U.S., U.N.
_TOKEN = rf"(?:{_WORD}{_HYPH}|{_DOTS}|{_ACRO}{_HYPH})"
_INITIAL = rf"{_UP}\."
#: Hyphenated adjectives are cut from a run's last token ("Bristol-based" → Bristol).
_HYPHEN_ADJ = (
    r"-(?:based|born|owned|run|led|backed|controlled|operated|flagged|listed|registered|made|"
    r"built|bound|style|era|wide|linked|allied|aligned|held|occupied|funded|sponsored|"
    r"headquartered|focused|speaking|trained|educated|American|British)$"
)

_LEFT = 48  # characters of left context kept per run
_RIGHT = 48

#: Connectors that may join two runs into one name (decided per kind in ``_merge``).
_OF = [" of ", " of the ", " for ", " for the ", " on ", " to ", " de ", " des "]
_POSS = ["'s ", "’s "]
#: Connectors inside gazetteer names: a pair of runs joined by one is searched as one.
_PAIR = [
    " of ", " of the ", " and ", " & ", " de ", " and the ", " for ", " for the ", " on ",
    " on the ", " in ", " to ", " de la ", " du ",
]  # fmt: skip

#: Gaps after a run that may join it to the next one (such runs are never dropped early).
_JOINERS = sorted({*_OF, *_POSS, *_PAIR})

#: Strength of the evidence for a rule type; the strongest wins across an article.
_STRONG, _MEDIUM, _WEAK, _NONE = 3, 2, 1, 0


def entity_id(entity_type: str, name: str) -> str:
    """The stable id of an entity: ``ent_`` + the first 16 hex digits of sha1("TYPE:name")."""
    digest = hashlib.sha1(f"{entity_type}:{name}".encode(), usedforsecurity=False).hexdigest()
    return "ent_" + digest[:16]


#: Rule names recur across a run's shards ("Reuters", a club, a minister): their ids are cached.
_rule_entity_id = lru_cache(maxsize=1 << 16)(entity_id)


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


#: The one regex for "not ASCII" (``_fold``, ``_spaced``).
_NON_ASCII = r"[^\x00-\x7F]"


def _fold(text: pl.Expr) -> pl.Expr:
    """ASCII proxy with exactly one byte per code point of ``text`` (punctuation kept)."""
    return text.str.replace_many(_fold_map()).str.replace_all(_NON_ASCII, "x")


def _fold_str(text: str) -> str:
    return "".join(_fold_map().get(ch, ch) for ch in text)


#: Every ASCII character that is not a letter or digit, mapped to a space.
_ASCII_PUNCT_TO_SPACE = {chr(c): " " for c in range(128) if not chr(c).isalnum()}


def _spaced(folded: pl.Expr) -> pl.Expr:
    """Every non-alphanumeric character of folded text becomes a space (still 1:1): the ASCII
    ones by one Aho-Corasick pass, any other by ``_fold``'s regex (one regex fewer per call)."""
    return folded.str.replace_many(_ASCII_PUNCT_TO_SPACE).str.replace_all(_NON_ASCII, " ")


def _padded(spaced: pl.Expr) -> pl.Expr:
    return pl.concat_str(pl.lit(" "), spaced, pl.lit(" "))


def _alternation(words: list[str]) -> str:
    return "|".join(pl.escape_regex(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


def _read_reference_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        lines = [ln for ln in f if ln.strip() and not ln.lstrip().startswith("#")]
    return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(lines)]


def _read_word_list(path: Path) -> list[str]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


@dataclass(frozen=True)
class EntityReference:
    """Everything the stage loads from ``data/reference/`` (built once per process)."""

    #: One row per (pattern, entity): _pat (padded, folded, spaced alias such as
    #: " Keir Starmer "), lead (title characters to skip), entity_id, name, type, qid, short
    #: (a bare surname), exact (the alias is the canonical name), dot_ext (ends in "."), amb
    #: (the pattern has several entities), one_exact (exactly one of them is named so),
    #: country (a sovereign state).
    aliases: pl.DataFrame
    #: Every gazetteer pattern, for the Aho-Corasick pass (a one-row list Series).
    patterns: pl.Series
    #: Lower-case patterns of aliases usable in upper-case headlines: _low + aliases' columns.
    lower_aliases: pl.DataFrame
    lower_patterns: pl.Series
    #: Surname keys of gazetteer people: entity_id, _key (a padded pattern such as " Trump ").
    person_keys: pl.DataFrame
    #: The capitalised-run regex.
    run_re: str
    #: Word lists for ``is_in``, each a one-row list Series (built once: converting Python sets
    #: on every call cost more than the matching on small batches).
    words: dict[str, pl.Series]
    #: Lower-case context regexes, matched against the left context's end or the right's start.
    role_before_re: str
    org_before_re: str
    org_after_re: str
    loc_before_re: str
    loc_before_strong_re: str
    loc_after_re: str
    role_after_re: str
    person_after_re: str
    speech_before_re: str
    surname_suffix_re: str


def _normalise_aliases(aliases: list[str]) -> list[str]:
    frame = pl.Series("a", aliases, dtype=pl.String).to_frame()
    return frame.select(_spaced(_fold(pl.col("a")))).to_series().to_list()


_ALIAS_SCHEMA = {
    "_pat": pl.String,
    "lead": pl.Int64,
    "entity_id": pl.String,
    "name": pl.String,
    "type": pl.String,
    "qid": pl.String,
    "short": pl.Boolean,
    "exact": pl.Boolean,
    "dot_ext": pl.Boolean,
    "country": pl.Boolean,
}


def _load_gazetteer(path: Path, titles: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    rows = _read_reference_csv(path)
    # "King Felipe", "Pope Francis": the title helps to match but is not part of the mention.
    ordered = sorted(set(titles), key=lambda t: (-len(t), t))
    title_prefix = re.compile(f"^(?:{'|'.join(map(re.escape, ordered))}) (?=[A-Z])")
    records: list[tuple[str, str, str, str, str, bool]] = []
    seen: set[tuple[str, str]] = set()
    for row in rows:
        name, etype = row["canonical"], row["type"]
        if etype not in ENTITY_TYPES:
            raise ValueError(f"{path.name}: {name!r} has type {etype!r}, not one of {ENTITY_TYPES}")
        if (etype, name) in seen:
            raise ValueError(f"{path.name}: {etype} {name!r} is listed twice")
        seen.add((etype, name))
        eid = entity_id(etype, name)
        qid = row.get("qid", "")
        country = row.get("class", "") == "country"
        forms = [name, *(a.strip() for a in row["aliases"].split("|") if a.strip())]
        records.extend((name, etype, alias, eid, qid, country) for alias in dict.fromkeys(forms))
    norms = _normalise_aliases([r[2] for r in records])

    by_entity: dict[str, list[list[str]]] = {}
    for rec, norm in zip(records, norms, strict=True):
        by_entity.setdefault(rec[3], []).append(norm.split())
    out: list[dict[str, object]] = []
    keys: set[tuple[str, str]] = set()
    last_words: list[tuple[str, str]] = []  # (entity_id, last word of a multi-word alias)
    for (name, etype, alias, eid, qid, country), norm in zip(records, norms, strict=True):
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
        pattern = " " + " ".join(tokens) + " "
        lead = title_prefix.match(alias) if etype == "PERSON" else None
        out.append(
            {
                "_pat": pattern,
                "lead": lead.end() if lead else 0,
                "entity_id": eid,
                "name": name,
                "type": etype,
                "qid": qid or None,
                "short": short,
                "exact": alias == name,
                "dot_ext": alias.endswith("."),
                "country": country,
            }
        )
        if etype == "PERSON":
            if short:
                keys.add((eid, pattern))
            words = [w for w in alias.split() if not _NAME_SUFFIX.match(w.rstrip("."))]
            if len(words) > 1:
                # "Lee Jae-myung": a Korean family name comes first
                korean = re.search(r"-[a-z]", words[-1]) is not None
                last_words.append((eid, words[0] if korean else words[-1]))
    for (eid, _), norm in zip(
        last_words, _normalise_aliases([w for _, w in last_words]), strict=True
    ):
        if norm.strip():
            keys.add((eid, f" {norm.strip()} "))
    aliases = (
        pl.DataFrame(out, schema=_ALIAS_SCHEMA)
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


def _ends_with_any(words: list[str]) -> str:
    return rf"(?:^|[^a-z-])(?:{_alternation(words)})\s+$"


@lru_cache(maxsize=4)
def _load_reference(reference_dir: str) -> EntityReference:
    ref_dir = Path(reference_dir)
    titles: list[str] = []
    offices: list[str] = []
    for row in _read_reference_csv(ref_dir / "honorifics.csv"):
        titles.append(row["title"])
        if row["kind"] == "office":
            offices.append(row["title"])
    aliases, person_keys = _load_gazetteer(ref_dir / "entities.csv", titles)
    cues: dict[str, list[str]] = {}
    for row in _read_reference_csv(ref_dir / "entity_cues.csv"):
        cues.setdefault(row["kind"], []).append(_fold_str(row["word"]))

    # Title words as tokens: a one-word title is a head; in "Prime Minister" "Minister" is the
    # head and "Prime" a modifier. Abbreviations lose their full stop (it is not in a run).
    heads: set[str] = set()
    mods: set[str] = set()
    for title in titles:
        parts = _fold_str(title).rstrip(".").split()
        if not parts or parts[-1].islower():
            continue
        heads.add(parts[-1])
        mods.update(p for p in parts[:-1] if not p.islower())
    gaz_single = set(
        aliases.filter(
            (pl.col("type") != "PERSON") & ~pl.col("_pat").str.strip_chars().str.contains(" ")
        )
        .get_column("_pat")
        .str.strip_chars()
        .to_list()
    )
    given = {_fold_str(n) for n in _read_word_list(ref_dir / "given_names.txt")} - gaz_single
    common = {w.lower() for w in cues.get("common", [])}
    sets: dict[str, frozenset[str]] = {
        "given": frozenset(given),
        "title_head": frozenset(heads),
        "title_mod": frozenset(mods - heads),
        "stop": frozenset(cues.get("stop", [])),
        "common": frozenset(common),
        "demonym": frozenset(cues.get("demonym", [])),
        "org_suffix": frozenset(cues.get("org_suffix", [])),
        "loc_suffix": frozenset(cues.get("loc_suffix", [])),
        "club_suffix": frozenset(cues.get("club_suffix", [])),
        "org_prefix": frozenset(cues.get("org_prefix", [])),
        "loc_prefix": frozenset(cues.get("loc_prefix", [])),
        "merge_head": frozenset(cues.get("merge_head", [])),
        "event_suffix": frozenset(cues.get("event_suffix", [])),
        "event_prefix": frozenset(cues.get("event_prefix", [])),
        "institution": frozenset(cues.get("institution", [])),
        # lower-case words that are no name when they open a sentence ("Carmaker Toyota")
        "opener": frozenset(
            [w.lower() for w in cues.get("org_before", [])] + [o.lower() for o in offices]
        ),
        "single_aliases": frozenset(
            _fold_str(alias)
            for row in _read_reference_csv(ref_dir / "entities.csv")
            for alias in [row["canonical"], *row["aliases"].split("|")]
            if alias.strip() and " " not in alias.strip()
        ),
        "loc_forms": frozenset(
            _fold_str(alias)
            for row in _read_reference_csv(ref_dir / "entities.csv")
            if row["type"] == "LOC"
            for alias in [row["canonical"], *row["aliases"].split("|")]
            if alias.strip()
        ),
    }
    sets["common+opener"] = sets["common"] | sets["opener"]
    sets["org_prefix+loc_prefix"] = sets["org_prefix"] | sets["loc_prefix"]
    sets["merge_head+org_suffix"] = sets["merge_head"] | sets["org_suffix"]
    sets["event_suffix+event_prefix"] = sets["event_suffix"] | sets["event_prefix"]
    sets["generic"] = (
        sets["org_prefix"] | sets["loc_prefix"] | sets["org_suffix"] | sets["club_suffix"]
        | sets["demonym"] | sets["stop"] | sets["loc_suffix"]
    )  # fmt: skip
    sets["patterns"] = frozenset(aliases.get_column("_pat").to_list())
    words = {k: pl.Series(k, sorted(v), dtype=pl.String).implode() for k, v in sets.items()}
    particles = f"(?:{_alternation(cues.get('particle', ['de']))})"
    run_re = rf"(?:{_INITIAL} )*{_TOKEN}(?: (?:{particles} )*(?:{_INITIAL} )*{_TOKEN})*"
    roles = sorted({o.lower() for o in offices} | {o for o in offices if o.isupper()})
    lower_offices = [o.lower() for o in offices if not o.isupper()]
    honorific_abbr = [t for t in titles if t.endswith(".") or t in ("Dr", "Mr", "Mrs", "Ms")]
    lower_aliases = (
        aliases.filter(~pl.col("short"))
        .with_columns(pl.col("_pat").str.to_lowercase().alias("_low"))
        .filter(~pl.col("_low").str.strip_chars().is_in(sorted(common)))
        .unique(["_low", "entity_id"], keep="first", maintain_order=True)
        .with_columns((pl.len().over("_low") > 1).alias("amb"))
    )
    return EntityReference(
        aliases=aliases,
        patterns=aliases.get_column("_pat").unique().sort().implode(),
        lower_aliases=lower_aliases,
        lower_patterns=lower_aliases.get_column("_low").unique().sort().implode(),
        person_keys=person_keys.filter(~pl.col("_key").is_in([f" {w} " for w in cues["stop"]])),
        run_re=run_re,
        words=words,
        role_before_re=(
            rf"(?:(?:^|[^a-z-])(?:{_alternation(roles)})|(?:^|\W)(?:{_alternation(honorific_abbr)}))"
            r"\s+$"
        ),
        org_before_re=_ends_with_any(cues.get("org_before", ["firm"])),
        org_after_re=rf"^\s+(?:{_alternation(cues.get('org_after', ['party']))})(?-u:\b)",
        loc_before_re=_ends_with_any(cues.get("loc_before", ["in"])),
        loc_before_strong_re=_ends_with_any(
            [w.replace("_", " ") for w in cues.get("loc_before_strong", ["town of"])]
        ),
        loc_after_re=rf"^\s+(?:{_alternation(cues.get('loc_after', ['province']))})(?-u:\b)",
        role_after_re=(
            rf"^\s+(?:{_alternation([*lower_offices, 'official', 'officials'])})(?-u:\b)"
        ),
        person_after_re=(
            r"^,\s+(?:\d{1,3},|(?:a|an|the)\s+(?:[a-z-]+\s+){0,3}?"
            rf"(?:{_alternation(lower_offices + cues.get('person_after', []))})(?-u:\b))"
        ),
        speech_before_re=_ends_with_any(cues.get("speech", ["said"])),
        surname_suffix_re=(
            rf"^[A-Za-z]{{3,}}(?:{_alternation(cues.get('surname_suffix', ['ov']))})$"
        ),
    )


def load_reference(reference_dir: Path | None = None) -> EntityReference:
    """The stage's reference data (cached per directory; default ``settings.reference_dir``)."""
    return _load_reference(str(reference_dir or get_settings().reference_dir))


def gazetteer_knows(surfaces: list[str]) -> list[bool]:
    """Whether each surface form is an alias in ``entities.csv`` (accents folded, punctuation
    as spaces, case-sensitive): the evaluation uses it to score names the gazetteer does not
    know separately."""
    patterns = set(load_reference().patterns.explode().to_list())
    return [f" {' '.join(n.split())} " in patterns for n in _normalise_aliases(surfaces)]


# --- 1. capitalised runs ---------------------------------------------------------------------


def _fold_rows(frame: pl.DataFrame, source: str, target: str) -> pl.DataFrame:
    """Adds ``target`` = ``_fold(source)``, folding only the rows that hold non-ASCII text."""
    rows = frame.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_i"), pl.col(source)).filter(
        pl.col(source).str.len_bytes() != pl.col(source).str.len_chars()
    )
    column = frame.get_column(source).alias(target)
    if not rows.is_empty():
        folded = rows.select(_fold(pl.col(source))).to_series()
        column = column.scatter(rows.get_column("_i"), folded)
    return frame.with_columns(column)


def _runs(docs: pl.DataFrame, ref: EntityReference) -> pl.DataFrame:
    """Every capitalised run with its code-point offsets and context.

    Columns: _doc, run, start, end, left (up to ``_LEFT`` characters before), right (up to
    ``_RIGHT`` after), rgap (length of the whole gap after), line_start, sent_start.
    """
    # One regex pass: the body split after each run, each piece a gap and the run that ends it
    # (the last piece is the final gap). The run is found again at the piece's end, which the
    # regex engine does by a short reverse scan: no place in the gap can start a run, so the
    # run it finds is the one the split matched.
    pieces = docs.select(
        "_doc", pl.col("body").str.split(ref.run_re, literal=False, inclusive=True).alias("_p")
    ).explode("_p")
    piece = pl.col("_p")
    plen = piece.str.len_chars().cast(pl.Int64)
    runs = pieces.with_columns(
        piece.str.extract(f"(?:{ref.run_re})\\z", 0).alias("run"), plen.alias("_plen")
    )
    rlen = pl.col("run").str.len_chars().cast(pl.Int64).fill_null(0)
    glen = pl.col("_plen") - rlen
    same_next = (pl.col("_doc") == pl.col("_doc").shift(-1)).fill_null(False)
    # a doc's pieces add up to its body: the running sum over all rows, less the docs before
    lens = docs.get_column("body").str.len_chars().cast(pl.Int64)
    offsets = (lens.cum_sum() - lens).alias("_off")
    cend = pl.col("_plen").cum_sum() - pl.lit(offsets).gather(pl.col("_doc"))
    next_glen = pl.when(same_next).then(pl.col("glen").shift(-1)).otherwise(0)
    runs = (
        runs.with_columns(
            glen.alias("glen"),
            (cend - pl.col("_plen") + glen).alias("start"),
            (pl.col("_doc") != pl.col("_doc").shift(1)).fill_null(True).alias("_first"),
        )
        .with_columns(next_glen.alias("rgap"))
        .with_columns(
            pl.when(same_next)
            .then(piece.shift(-1).str.slice(0, pl.min_horizontal(pl.col("rgap"), pl.lit(_RIGHT))))
            .otherwise(pl.lit(""))
            .alias("right"),
        )
        # a lone stop word ("The", "However") is dropped here, before its context is built
        # (``_flag_runs`` drops the other junk); a connector or score after it keeps it
        .filter(
            pl.col("run").is_not_null()
            & ~(
                pl.col("run").is_in(ref.words["stop"])
                & ~pl.col("right").is_in(_JOINERS)
                & ~pl.col("right").str.contains(r"^ \d{1,3} ")
            )
        )
        .select(
            "_doc",
            "run",
            "start",
            "glen",
            "rgap",
            "_first",
            piece.str.slice(
                pl.max_horizontal(pl.col("glen") - _LEFT, pl.lit(0)),
                pl.min_horizontal(pl.col("glen"), pl.lit(_LEFT)),
            ).alias("left"),
            "right",
        )
    )
    # "Bristol-based": the adjective goes back to the right context
    if runs.select(pl.col("run").str.contains(_HYPHEN_ADJ).any()).item():
        runs = runs.with_columns(pl.col("run").str.replace(_HYPHEN_ADJ, "").alias("_cut"))
        moved = pl.col("run").str.slice(pl.col("_cut").str.len_chars())
        runs = (
            runs.with_columns(
                pl.concat_str(moved, pl.col("right")).alias("right"),
                (pl.col("rgap") + moved.str.len_chars().cast(pl.Int64)).alias("rgap"),
            )
            .with_columns(pl.col("_cut").alias("run"))
            .drop("_cut")
        )
    start = pl.col("start")
    left = pl.col("left")
    first = pl.col("_first")
    line_start = left.str.contains(r"\n[ \t\"“‘'(\[]*$") | (
        first & left.str.contains(r"^[\s\"“‘'(\[]*$")
    )
    # (line_start once, then sent_start from it: eager frames share no work between columns)
    return runs.select(
        "_doc",
        "run",
        start.alias("start"),
        "left",
        "right",
        "rgap",
        line_start.alias("line_start"),
    ).with_columns(
        (
            pl.col("line_start")
            | left.str.contains(r"(?:[.!?…:;][\"”’')\]]*\s+[\"“‘'(\[]*|(?:^|\s)[-–—]+\s+|[\"“‘])$")
        ).alias("sent_start"),
    )


def _next_adjacent() -> pl.Expr:
    """The next row is the run right after this one (the gap between them is ``rgap``); some
    runs are dropped early, so neighbouring rows are not always neighbouring runs."""
    return (
        (pl.col("_doc") == pl.col("_doc").shift(-1))
        & (pl.col("start").shift(-1) == pl.col("end") + pl.col("rgap"))
    ).fill_null(False)


def _flag_runs(runs: pl.DataFrame, ref: EntityReference) -> pl.DataFrame:
    """Adds _f (folded run), _last (its last token), _ntok, end, caps (in an upper-case headline
    or dateline) and the word flags ``_merge`` needs (_mhead, _orgw, _thead, _fcommon), and
    drops one-word runs that can never be a name: stop words ("The", "It") and a sentence's
    common first word ("Officials") that no alias or connector needs."""
    w = ref.words
    # everything that depends on the run's words alone is computed once per distinct run (a
    # shard has a few hundred thousand runs of a few thousand names and words) and joined back
    f = pl.col("_f")
    ntok = pl.col("run").str.count_matches(" ", literal=True) + 1

    def words(frame: pl.DataFrame) -> pl.DataFrame:
        return (
            _fold_rows(frame, "run", "_f")
            .with_columns(
                ntok.alias("_ntok"),
                pl.col("run").str.len_chars().cast(pl.Int64).alias("_len"),
                pl.when(ntok == 1).then(f).otherwise(f.str.split(" ").list.last()).alias("_last"),
                (~pl.col("run").str.contains(_LO)).alias("_upper"),
                ((ntok == 1) & f.is_in(w["stop"])).alias("_jstop"),
                (
                    (ntok == 1)
                    & f.str.to_lowercase().is_in(w["common"])
                    & ~f.is_in(w["single_aliases"])
                ).alias("_jcommon"),
                # (a run's only white space is single spaces between its words)
                f.str.splitn(" ", 2)
                .struct.field("field_0")
                .str.to_lowercase()
                .is_in(w["common"])
                .alias("_fcommon"),
            )
            .with_columns(
                pl.col("_last").is_in(w["merge_head+org_suffix"]).alias("_mhead"),
                pl.col("_last").is_in(w["org_suffix"]).alias("_orgw"),
                pl.col("_last").is_in(w["title_head"]).alias("_thead"),
            )
        )

    runs = _per_value(runs, "run", words)
    junk = (
        (pl.col("_jstop") | (pl.col("sent_start") & pl.col("_jcommon")))
        & ~pl.col("right").is_in(_JOINERS)
        & ~pl.col("right").str.contains(r"^ \d{1,3} ")  # "Sale 15 Bristol 15"
    )
    runs = runs.filter(~junk).with_columns(
        (pl.col("start") + pl.col("_len")).alias("end"), pl.lit(False).alias("caps")
    )
    # upper-case headlines and datelines: only the few all-capital runs are looked at
    adj_upper = (_next_adjacent() & pl.col("_upper")).shift(1).fill_null(False)
    upper = (
        runs.select(
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("_i"),
            "_upper",
            "_ntok",
            "line_start",
            "left",
            "right",
            adj_upper.alias("_adj_upper"),
        )
        .filter("_upper")
        .drop("_upper")
    )
    if not upper.is_empty():
        # the previous row is the previous run and all capitals, so it is the previous row here
        same_prev = pl.col("_adj_upper")
        left_clean = ~(pl.col("left").str.contains(_LO) | pl.col("left").str.contains_any(["\n"]))
        first_line = pl.col("right").str.splitn("\n", 2).struct.field("field_0")
        right_clean = ~first_line.str.contains(_LO)
        upper = upper.with_columns(
            ((pl.col("_ntok") >= 3) | (pl.col("line_start") & right_clean)).alias("caps"),
            left_clean.alias("_lc"),
        )
        for _ in range(3):  # "SOCCER - LEEDS HOLD CHELSEA": later runs of an upper-case line
            upper = upper.with_columns(
                (
                    pl.col("caps")
                    | (pl.col("caps").shift(1) & same_prev & pl.col("_lc")).fill_null(False)
                ).alias("caps")
            )
        caps = (
            runs.get_column("caps")
            .clone()
            .scatter(upper.get_column("_i"), upper.get_column("caps"))
        )
        runs = runs.with_columns(caps)
    return runs.drop("_upper", "_len", "_jstop", "_jcommon")


# --- 2. merges -------------------------------------------------------------------------------


def _merge(runs: pl.DataFrame, ref: EntityReference) -> pl.DataFrame:
    """Join runs into spans ("Bank" + " of " + "Japan"). Adds _sid, merged; keeps run columns."""
    conn = pl.col("right")
    same_next = _next_adjacent()
    exact_gap = pl.col("rgap") == conn.str.len_chars().cast(pl.Int64)
    m_of = conn.is_in(_OF) & pl.col("_mhead")
    m_chain = conn.is_in([" of ", " of the "]) & m_of.shift(1).fill_null(False)
    m_and = conn == " & "
    # "Public Prosecutor's Office", "People's Party" (not "Meloni's Party")
    m_poss = (
        conn.is_in(_POSS)
        & (pl.col("_ntok").shift(-1) == 1)
        & pl.col("_orgw").shift(-1)
        & (pl.col("_fcommon") | pl.col("_thead"))
    )
    merge = (
        same_next
        & exact_gap
        & (m_of | m_chain | m_and | m_poss)
        & ~pl.col("caps")
        & ~pl.col("caps").shift(-1).fill_null(True)
    )
    runs = runs.with_columns(merge.fill_null(False).alias("_mnext"))
    mprev = pl.col("_mnext").shift(1).fill_null(False)
    runs = runs.with_columns(mprev.alias("_mprev"), (~mprev).cum_sum().alias("_sid"))
    cols = [
        "_sid", "_doc", "run", "_f", "start", "end", "left", "right", "rgap", "line_start",
        "sent_start", "caps", "_last", "_ntok",
    ]  # fmt: skip
    # a merged span is the row of its first run, with the merged run's columns put in place
    # (filtering once is cheaper than splitting the rows and merging them back)
    spans = runs.filter(~pl.col("_mprev")).select(*cols, pl.col("_mnext").alias("merged"))
    if not spans.get_column("merged").any():
        return spans
    grouped = (
        runs.filter(pl.col("_mnext") | pl.col("_mprev"))
        .with_columns(
            pl.concat_str(
                pl.col("run"), pl.when(pl.col("_mnext")).then(conn).otherwise(pl.lit(""))
            ).alias("_piece")
        )
        .group_by("_sid", maintain_order=True)
        .agg(
            pl.col("_piece").str.join("").alias("run"),
            pl.col("end").last(),
            pl.col("right").last(),
            pl.col("rgap").last(),
            pl.col("_last").last(),
            pl.col("_ntok").sum(),
        )
        .with_columns(_fold(pl.col("run")).alias("_f"))
    )
    rows = spans.select(pl.arg_where(pl.col("merged"))).to_series()
    return spans.with_columns(
        spans.get_column(c).clone().scatter(rows, grouped.get_column(c))
        for c in ["run", "_f", "end", "right", "rgap", "_last", "_ntok"]
    )


def _chains(spans: pl.DataFrame, docs: pl.DataFrame) -> pl.DataFrame:
    """Spans joined by connectors ("Bosnia" " and " "Herzegovina", "Organization" " for "
    "Security" " and " "Co-operation" " in " "Europe"), searched as one text for gazetteer names
    that span a connector: _sid (of the first), _doc, start, _h (the text), _hf (folded)."""
    linked = (
        _next_adjacent()
        & pl.col("right").is_in(_PAIR)
        & (pl.col("rgap") == pl.col("right").str.len_chars().cast(pl.Int64))
        & ~pl.col("caps")
        & ~pl.col("caps").shift(-1).fill_null(True)
    )
    ln = spans.select(linked.alias("_ln")).to_series()
    lp = ln.shift(1).fill_null(False).alias("_lp")
    # a chain's spans are consecutive rows and its connectors the whole gaps between them, so
    # its text is the body from its first span's start to its last span's end
    inside = spans.select("_sid", "_doc", "start", "end").with_columns(ln, lp).filter(ln | lp)
    firsts = inside.filter(~pl.col("_lp")).select("_sid", "_doc", "start")
    ends = inside.filter(~pl.col("_ln")).get_column("end")
    body = docs.get_column("body").gather(firsts.get_column("_doc"))
    chains = firsts.with_columns(
        body.str.slice(firsts.get_column("start"), ends - firsts.get_column("start")).alias("_h")
    )
    # the connectors are ASCII: the folded text is the text folded
    return _fold_rows(chains, "_h", "_hf")


# --- 3. gazetteer ----------------------------------------------------------------------------

#: What may follow a run and still belong to a gazetteer name: "Moody's", "FTSE 100".
_EXT = r"^(['’]s(?-u:\b)| \d{1,4}(?-u:\b))"


def _ac(frame: pl.DataFrame, patterns: pl.Series, *, ci: bool = False) -> pl.DataFrame:
    """Aho-Corasick over ``_hf`` (folded text, spaced and padded here): adds _pat, _hs, _he
    where [_hs, _he) is the match inside the text (the padding excluded). Each distinct text is
    searched once (names repeat) and its matches joined back to the rows that hold it."""
    padded = pl.col("_padded")
    found = (
        frame.select(pl.col("_hf").unique(maintain_order=True))
        .with_columns(_padded(_spaced(pl.col("_hf"))).alias("_padded"))
        .with_columns(
            padded.str.find_many(patterns, overlapping=True, ascii_case_insensitive=ci).alias("_s"),
            padded.str.extract_many(patterns, overlapping=True, ascii_case_insensitive=ci).alias(
                "_pat"
            ),
        )
    )
    start = pl.col("_s").cast(pl.Int64)
    hits = (
        found.explode(["_s", "_pat"])
        .drop_nulls("_s")
        .select(
            "_hf",
            "_pat",
            start.alias("_hs"),
            (start + pl.col("_pat").str.len_bytes().cast(pl.Int64) - 2).alias("_he"),
        )
    )
    return frame.join(hits, on="_hf", maintain_order="left_right")


def _gazetteer(spans: pl.DataFrame, chains: pl.DataFrame, ref: EntityReference) -> pl.DataFrame:
    """Gazetteer hits: _sid, _doc, start, end (code points in the body), surface, whole (not
    part of a hyphenated word) + the alias columns."""
    cols = ["_sid", "_doc", "start", "_h", "_hs", "_he", "_pat"]
    body = spans.filter(~pl.col("caps"))
    has_ext = pl.col("right").str.contains(r"^(?:['’]s|\s\d)")
    simple = (pl.col("_ntok") == 1) & ~pl.col("run").str.contains_any(["-"]) & ~has_ext
    # one plain word (most spans): the alias table is joined on the word itself
    # (once per distinct word; words that are no alias are dropped here)
    word = pl.concat_str(pl.lit(" "), _spaced(pl.col("_f")).str.strip_chars(), pl.lit(" "))
    simple_spans = body.filter(simple).select("_sid", "_doc", "start", "run", "_f")
    words = (
        simple_spans.select(pl.col("_f").unique(maintain_order=True))
        .with_columns(word.alias("_pat"))
        .filter(pl.col("_pat").is_in(ref.patterns))
    )
    exact = simple_spans.join(words, on="_f", maintain_order="left").select(
        "_sid",
        "_doc",
        "start",
        pl.col("run").alias("_h"),
        pl.lit(0, dtype=pl.Int64).alias("_hs"),
        (pl.col("_pat").str.len_bytes().cast(pl.Int64) - 2).alias("_he"),
        "_pat",
    )
    # several words, hyphens, "Moody's", "FTSE 100": Aho-Corasick over the span (+ what follows)
    rest = body.filter(~simple).with_columns(
        pl.col("right").str.extract(_EXT).fill_null("").alias("_ext")
    )
    multi = rest.select(
        "_sid",
        "_doc",
        "start",
        pl.concat_str(pl.col("run"), pl.col("_ext")).alias("_h"),
        pl.concat_str(pl.col("_f"), pl.col("_ext").str.replace("’", "'", literal=True)).alias(
            "_hf"
        ),
    )
    searched = pl.concat([multi, chains.select(multi.columns)])
    hits = [exact.select(cols), _ac(searched, ref.patterns).select(cols)]
    found = (
        pl.concat(hits)
        # a name inside one span is found twice: in the span and in its chain
        .with_columns((pl.col("start") + pl.col("_hs")).alias("_abs"))
        .unique(["_doc", "_abs", "_pat"], keep="first", maintain_order=True)
        .drop("_abs")
        .join(ref.aliases, on="_pat")
    )
    caps = spans.filter(pl.col("caps")).select(
        "_sid", "_doc", "start", pl.col("run").alias("_h"), pl.col("_f").alias("_hf")
    )
    if not caps.is_empty():
        low = ref.lower_aliases
        ci = (
            _ac(caps, ref.lower_patterns, ci=True)
            .with_columns(pl.col("_pat").str.to_lowercase().alias("_low"))
            .join(low.drop("_pat"), on="_low")
            .drop("_low", "_hf")
        )
        found = pl.concat([found, ci.select(found.columns)])
    # "U.S." is matched as "U S"; take the full stop back when the text has it.
    dot = pl.col("dot_ext") & (pl.col("_h").str.slice(pl.col("_he"), 1) == ".")
    s0 = pl.col("_hs") + pl.col("lead")
    e0 = pl.col("_he") + dot.cast(pl.Int64)
    before = pl.col("_h").str.slice(pl.max_horizontal(s0 - 1, pl.lit(0)), 1)
    whole = ~((s0 > 0) & (before == "-")) & (pl.col("_h").str.slice(e0, 1) != "-")
    return found.with_columns(
        whole.alias("whole"),
        pl.col("_h").str.slice(s0, e0 - s0).alias("surface"),
        (pl.col("start") + s0).alias("start"),
        (pl.col("start") + e0).alias("end"),
    ).drop("_h", "_pat", "_hs", "_he")


# --- 4. segments -----------------------------------------------------------------------------

#: Capitalised function words: inside a run they mark a title-case headline.
#: "A." ... "Z.": a letter and a full stop (matched with ``is_in``, not a regex).
_LETTER_DOT = [f"{c}." for c in string.ascii_uppercase]
_UPPER_OR_DIGIT = list(string.ascii_uppercase + string.digits)
_ACRONYM = r"^[A-Z][A-Z0-9&]+$"

_HEADLINE_WORDS = (
    r" (?:As|At|By|For|From|In|Into|Of|On|Over|The|To|With|After|Amid|Against|And|Or|Is|Are|Be"
    r"|Up)(?: |$)"
)


def _segments(spans: pl.DataFrame, ref: EntityReference) -> pl.DataFrame:
    """Name segments of the (non-headline-caps) spans, split at titles, nationality words, stop
    words and a sentence's common first word.

    Columns: _seg, _sid, _doc, start, end (body offsets), n (name tokens), first, last (folded),
    k0, k1, nt (token positions), title_before, given_first, first_common, last_common,
    last_demonym, has_acronym, kw_org_of, kw_loc_of, kw_of, last_org, last_loc, event, at_left
    (starts the span), at_right (ends it).
    """
    body = spans.filter(~pl.col("caps"))
    one = _single_segments(body.filter(pl.col("_ntok") == 1), ref).with_columns(
        pl.col("run").alias("text"), pl.col("_f").alias("key")
    )
    # names recur ("Prime Minister Keir Starmer"): a span's segments depend only on its words,
    # whether it opens a sentence and whether an organisation word follows, so they are found
    # once per distinct such key and joined back to every span that has it
    key = ["run", "_f", "_last", "sent_start", "_org_after"]
    multi = body.filter(pl.col("_ntok") > 1).with_columns(
        # "the Georgian Dream party": an organisation's name, nationality word and all
        pl.col("right").str.contains(ref.org_after_re).alias("_org_after")
    )
    distinct = multi.select(key).unique(maintain_order=True).with_row_index("_key")
    rel = _multi_segments(distinct, ref)
    offset = pl.col("_o")
    length = pl.col("_e") - pl.col("_o")
    rel = rel.join(distinct.select("_key", "run", "_f"), on="_key", maintain_order="left").select(
        pl.exclude("run", "_f"),
        pl.col("run").str.slice(offset, length).alias("text"),
        pl.col("_f").str.slice(offset, length).alias("key"),
        pl.col("run").str.slice(0, offset).alias("_pre"),
        pl.col("run").str.slice(offset + length).alias("_post"),
    )
    many = (
        multi.select(
            "_sid", "_doc", "start", "left", "right", *_CONTEXT, "run", "_f", "_last", "_org_after"
        )
        .join(distinct, on=key, maintain_order="left")
        .drop("run", "_f", "_last", "_org_after")
        .join(rel, on="_key", maintain_order="left_right")
        .with_columns(
            (pl.col("start") + pl.col("_o")).alias("start"),
            (pl.col("start") + pl.col("_e")).alias("end"),
            pl.concat_str(pl.col("left"), pl.col("_pre")).alias("left"),
            pl.concat_str(pl.col("_post"), pl.col("right")).alias("right"),
        )
    )
    cols = [c for c in one.columns if c not in ("run", "_f")]
    return pl.concat([one.select(cols), many.select(cols)]).with_row_index("_seg")


def _single_segments(spans: pl.DataFrame, ref: EntityReference) -> pl.DataFrame:
    """One-word spans (most of them): a segment unless the word is a stop word, a nationality
    word or a sentence's common first word. The word's flags are computed once per distinct
    word."""
    w = ref.words
    tok = pl.col("_f")
    common = tok.str.to_lowercase().is_in(w["common+opener"]) & ~tok.is_in(w["given"])
    spans = _value_flags(
        spans,
        "_f",
        {
            "_wbrk": (
                tok.is_in(w["stop"])
                | tok.str.extract(r"^([A-Z][a-z]+)-[a-z]+$").is_in(w["stop"]).fill_null(False)
                | tok.is_in(w["demonym"])
            ),
            "_cbrk": common & ~tok.is_in(w["org_prefix+loc_prefix"]),
            "_ibrk": tok.is_in(_LETTER_DOT),
            "given_first": tok.is_in(w["given"]),
            "first_common": common,
            "has_acronym": tok.str.contains(_ACRONYM),
            "last_org": tok.is_in(w["org_suffix"]),
            "last_loc": tok.is_in(w["loc_suffix"]),
            "event": tok.is_in(w["event_suffix+event_prefix"]),
        },
    )
    brk = (
        pl.col("_wbrk")
        | (pl.col("sent_start") & pl.col("_cbrk") & ~pl.col("results"))
        | (pl.col("sent_start") & pl.col("_ibrk"))
    )
    false = pl.lit(False)
    return spans.filter(~brk).select(
        "_sid",
        "_doc",
        "start",
        "end",
        "run",
        "_f",
        "left",
        "right",
        *_CONTEXT,
        pl.lit(1, dtype=pl.UInt32).alias("n"),
        pl.lit(0, dtype=pl.Int64).alias("k0"),
        pl.lit(0, dtype=pl.Int64).alias("k1"),
        pl.lit(1, dtype=pl.UInt32).alias("nt"),
        tok.alias("first"),
        tok.alias("last"),
        false.alias("title_before"),
        "given_first",
        "first_common",
        pl.col("first_common").alias("last_common"),
        false.alias("last_demonym"),
        "has_acronym",
        false.alias("kw_org_of"),
        false.alias("kw_loc_of"),
        false.alias("kw_of"),
        "last_org",
        "last_loc",
        "event",
        pl.lit(True).alias("at_left"),
        pl.lit(True).alias("at_right"),
    )


def _multi_segments(spans: pl.DataFrame, ref: EntityReference) -> pl.DataFrame:
    """Segments of distinct spans of several words (``_key``, run, _f, _last, sent_start,
    _org_after), word by word: _o, _e are a segment's offsets in its span."""
    w = ref.words
    lens = pl.col("tok").list.eval(pl.element().str.len_chars().cast(pl.Int64) + 1)
    toks = (
        spans.select(
            pl.col("_key").alias("_sid"),
            "sent_start",
            "_last",
            "_org_after",
            pl.col("run").str.contains(_HEADLINE_WORDS).alias("_headline"),
            pl.col("_f").str.split(" ").alias("tok"),
        )
        .with_columns(
            lens.list.eval(pl.element().cum_sum()).alias("_cs"),
            lens.alias("_l"),
            pl.int_ranges(0, pl.col("tok").list.len()).alias("k"),
            pl.col("tok").list.len().alias("nt"),
        )
        .explode(["tok", "_cs", "_l", "k"])
    )
    tok = pl.col("tok")
    # same span as the next / previous token (computed once: eager frames share no work)
    toks = toks.with_columns(
        (pl.col("_sid") == pl.col("_sid").shift(-1)).alias("_sn"),
        (pl.col("_sid") == pl.col("_sid").shift(1)).alias("_sp"),
    )
    sn = pl.col("_sn")
    sp = pl.col("_sp")

    def nxt(e: pl.Expr) -> pl.Expr:
        return pl.when(sn).then(e.shift(-1)).otherwise(None)

    def prv(e: pl.Expr) -> pl.Expr:
        return pl.when(sp).then(e.shift(1)).otherwise(None)

    name = tok.str.contains_any(_UPPER_OR_DIGIT)
    low = tok.str.to_lowercase()
    toks = toks.with_columns(
        name.alias("_name"),
        tok.is_in(w["given"]).alias("_given"),
        tok.is_in(w["title_head"]).alias("_head"),
        tok.is_in(w["title_mod"]).alias("_mod"),
        tok.is_in(w["org_suffix"]).alias("_orgw"),
        tok.is_in(w["loc_suffix"]).alias("_locw"),
        tok.is_in(w["merge_head+org_suffix"]).alias("_mhead"),
        low.alias("_low"),
        low.is_in(w["common+opener"]).alias("_common"),
        tok.is_in(w["event_suffix+event_prefix"]).alias("_event"),
        tok.is_in(w["event_prefix"]).alias("_evpre"),
        tok.str.contains(_ACRONYM).alias("_acr"),
        tok.is_in(w["demonym"]).alias("_demonym"),
        (
            tok.is_in(w["stop"])
            | tok.str.extract(r"^([A-Z][a-z]+)-[a-z]+$").is_in(w["stop"]).fill_null(False)
        ).alias("_stop"),
        (pl.col("_last").is_in(w["org_suffix"]) | pl.col("_org_after")).alias("_span_org"),
    ).with_columns((pl.col("_common") & ~pl.col("_given")).alias("_common"))
    nxt_name = nxt(pl.col("_name") & ~pl.col("_orgw") & ~pl.col("_locw")).fill_null(False)
    head_brk = (
        pl.col("_head")
        # "General Statistics Office", "General Motors": no title before a name
        & ~((pl.col("k") == 0) & pl.col("_span_org"))
        & (
            nxt_name
            | (~sn.fill_null(False) & (pl.col("k") > 0) & ~prv(pl.col("_given")).fill_null(False))
        )
    )
    toks = toks.with_columns(head_brk.alias("_hb"))
    mod1 = pl.col("_mod") & nxt(pl.col("_hb")).fill_null(False)
    toks = toks.with_columns((pl.col("_hb") | mod1).alias("_tb"))
    mod2 = pl.col("_mod") & nxt(pl.col("_tb")).fill_null(False)
    toks = toks.with_columns((pl.col("_tb") | mod2).alias("_tb"))
    first_word = (pl.col("k") == 0) & pl.col("sent_start") & ~pl.col("_span_org")
    # a nationality word leading a name ("German Chancellor", not "Anglo American")
    lead_demonym = (
        pl.col("_demonym")
        & ~pl.col("_span_org")
        & (
            (pl.col("k") == 0)
            | prv(
                pl.col("_tb") | pl.col("_stop") | pl.col("_demonym") | tok.is_in(w["loc_prefix"])
            ).fill_null(True)
        )
    )
    brk = (
        pl.col("_tb")
        | pl.col("_stop")
        | lead_demonym
        | (
            pl.col("_common")
            & ((first_word & ~tok.is_in(w["org_prefix+loc_prefix"])) | pl.col("_headline"))
        )
        | (first_word & nxt(pl.col("_given")).fill_null(False) & ~pl.col("_given"))
        # "X. Zelensky" at a sentence start is a letter and a full stop, not an initial
        | (first_word & tok.is_in(_LETTER_DOT))
        # "Carmaker Voltrix Motors": a role or trade word opening a sentence, even before an
        # organisation's name
        | (
            (pl.col("k") == 0)
            & pl.col("sent_start")
            & pl.col("_low").is_in(w["opener"])
            & ~tok.is_in(w["org_prefix"])  # "Bank Rakyat Indonesia"
        )
    )
    toks = toks.with_columns(
        brk.alias("_brk"),
        prv(pl.col("_tb")).fill_null(False).alias("_after_title"),
        (pl.col("_mhead") & nxt(~pl.col("_name")).fill_null(False)).alias("_kw_of"),
        (pl.col("_locw") & nxt(~pl.col("_name")).fill_null(False)).alias("_kwloc_of"),
    )
    toks = toks.with_columns(
        (pl.col("_brk") | ~sp.fill_null(False)).cum_sum().alias("_seg"),
        (pl.col("_cs") - pl.col("_l")).alias("_toff"),
        (pl.col("_kw_of") & pl.col("_orgw")).alias("_kwo"),
    ).filter(~pl.col("_brk") & pl.col("_name"))
    # rows are sorted by segment: its first and last words, and counts by running sums
    flags = ["_acr", "_kwo", "_kwloc_of", "_kw_of"]
    toks = toks.with_columns(
        pl.col(f).cast(pl.Int32).cum_sum().alias(f + "_cs") for f in flags
    ).with_columns(pl.int_range(pl.len()).alias("_r"))
    seg = pl.col("_seg")
    first_cols = [
        "_sid", "_toff", "_r", "k", "nt", "tok", "_after_title", "_given",
        "_common", "_evpre", *flags, *(f + "_cs" for f in flags),
    ]  # fmt: skip
    last_cols = [
        "_cs", "_r", "k", "tok", "_common", "_demonym", "_orgw", "_locw", "_event",
        *(f + "_cs" for f in flags),
    ]  # fmt: skip
    firsts = toks.filter((seg != seg.shift(1)).fill_null(True)).select(first_cols)
    lasts = toks.filter((seg != seg.shift(-1)).fill_null(True)).select(
        pl.col(c).alias("L" + c) for c in last_cols
    )
    segs = pl.concat([firsts, lasts], how="horizontal").select(
        pl.col("_sid").alias("_key"),
        pl.col("_toff").alias("_o"),
        (pl.col("L_cs") - 1).alias("_e"),
        (pl.col("L_r") - pl.col("_r") + 1).cast(pl.UInt32).alias("n"),
        pl.col("k").alias("k0"),
        pl.col("Lk").alias("k1"),
        "nt",
        pl.col("tok").alias("first"),
        pl.col("Ltok").alias("last"),
        pl.col("_after_title").alias("title_before"),
        pl.col("_given").alias("given_first"),
        pl.col("_common").alias("first_common"),
        pl.col("L_common").alias("last_common"),
        pl.col("L_demonym").alias("last_demonym"),
        *[
            ((pl.col("L" + f + "_cs") - pl.col(f + "_cs") + pl.col(f).cast(pl.Int32)) > 0).alias(
                name
            )
            for f, name in zip(
                flags, ["has_acronym", "kw_org_of", "kw_loc_of", "kw_of"], strict=True
            )
        ],
        pl.col("L_orgw").alias("last_org"),
        pl.col("L_locw").alias("last_loc"),
        (pl.col("L_event") | pl.col("_evpre")).alias("event"),
        (pl.col("k") == 0).alias("at_left"),
        (pl.col("Lk") == pl.col("nt") - 1).alias("at_right"),
    )
    return segs


# --- 5. typing -------------------------------------------------------------------------------

#: Span context columns that segments carry.
_CONTEXT = (
    "line_start", "sent_start", "results", "dateline", "next_loc", "next_paren_loc",
    "next_in_loc",
)  # fmt: skip

_SPORT_RE = (
    r"(?i-u)\b(?:beat|beaten|drew|draw|goals?|scored|striker|midfielder|defender|goalkeeper|coach|"
    r"season|match|league|innings|wickets?|seed|semi-finals?|quarter-finals?|tournament|"
    r"champions|title race|points|minute)\b"
)
#: A team's result after its name ("Karpat beat", "Estoril a 2-1 win") or before it ("beat
#: Tappara", "drew 0-0 at Arouca", "lost 2-1 to Jukurit", "a 2-1 win at Casa Pia").
_MATCH_AFTER = (
    r"^ (?:beat|beats|drew|draw|lost|won|wins|defeated|edged|thrashed|routed|hammered|overcame"
    r"|held|stunned|upset|a \d{1,3}-\d{1,3} (?:win|victory|draw|defeat))(?-u:\b)"
)
_MATCH_BEFORE = (
    r"(?:^|[^a-z])(?:beat|beats|defeated|edged|thrashed|routed|hammered|overcame|drew with|drew at"
    r"|draw with|draw at|lost to|lost at|won at|win at|victory over|victory at|defeat to|defeat at"
    r"|defeat by|\d{1,3}-\d{1,3} (?:at|against|with|to|over))\s+$"
)
_CAMEL = r"^[A-Z][a-z]+[A-Z][A-Za-z]*$"
_CAMEL_NAME = r"^(?:Mc|Mac|De|Di|Da|Du|La|Le|Lo|Van|Von|Fitz|Al|El)[A-Z]"
_SET_SCORES = r"^ \d{1,2}-\d{1,2}(?:\(\d+\))? \d{1,2}-\d{1,2}"
_DATELINE_RIGHT = r"^(?:\s*\(|,\s+$|,?\s+\d{4}-\d\d-\d\d)"


def _span_context(spans: pl.DataFrame, ref: EntityReference) -> pl.DataFrame:
    """Span-level context flags: _sid, results (a team in a results line), dateline, next_loc
    (the next span is a gazetteer place: "Eugene, Oregon"), next_paren_loc ("Ruud (Norway)")."""
    right, left = pl.col("right"), pl.col("left")
    # the right-context regexes once per distinct context
    spans = _value_flags(
        spans,
        "right",
        {
            "_score": right.str.contains(r"^ \d{1,3} $"),
            "_score_eol": right.str.contains(r"^ \d{1,3}[ \t]*(?:\n|$)"),
            "_dated": right.str.contains(_DATELINE_RIGHT),
            "_poss": right.str.starts_with("'s") | right.str.starts_with("’s"),
        },
    )
    is_loc = pl.col("_f").is_in(ref.words["loc_forms"])
    spans = spans.with_columns(
        (_next_adjacent() & is_loc.shift(-1)).fill_null(False).alias("_nloc"),
    )
    next_loc = pl.col("_nloc")
    return spans.with_columns(
        (
            (pl.col("line_start") & pl.col("_score"))
            | (left.str.contains(r"^ \d{1,3} $") & pl.col("_score_eol"))
        ).alias("results"),
        (pl.col("line_start") & pl.col("_dated")).alias("dateline"),
        (next_loc & (right == ", ") & ~pl.col("_poss").shift(-1))
        .fill_null(False)
        .alias("next_loc"),
        (next_loc & (right == " (")).alias("next_paren_loc"),
        (next_loc & (right == " in ")).alias("next_in_loc"),
    ).drop("_score", "_score_eol", "_dated", "_poss", "_nloc")


def _join_columns(frame: pl.DataFrame, other: pl.DataFrame, on: list[str]) -> pl.DataFrame:
    """``frame`` with ``other``'s columns left-joined on ``on`` (unique in ``other``), in
    ``frame``'s row order. Only the key columns go through the join: joining the wide frame
    itself would copy every one of its columns."""
    got = frame.select(on).join(other, on=on, how="left", maintain_order="left")
    return frame.with_columns(got.drop(on))


def _apply_rules(frame: pl.DataFrame, rules: list[tuple[pl.Expr, str | None, int]]) -> pl.DataFrame:
    """Adds ``type`` and ``strength``: those of the first rule whose condition holds."""
    chain: Then | ChainedThen = pl.when(rules[0][0]).then(pl.lit(0))
    for i, (cond, _, _) in enumerate(rules[1:], start=1):
        chain = chain.when(cond).then(pl.lit(i))
    types = pl.Series("type", [etype for _, etype, _ in rules], dtype=pl.String)
    strengths = pl.Series("strength", [strength for _, _, strength in rules], dtype=pl.Int32)
    # the rule's type and strength by position (a join would copy every column of the frame)
    rule = frame.select(chain.otherwise(None).cast(pl.UInt32)).to_series()
    return frame.with_columns(
        types.gather(rule).alias("type"), strengths.gather(rule).fill_null(_NONE).alias("strength")
    )


#: Context flags of a segment, by its left / right context (see ``_context_flags``).
_LEFT_FLAGS = (
    "_mbefore", "_role_before", "_org_before", "_loc_before_strong", "_loc_before",
    "_speech_before",
)  # fmt: skip
_RIGHT_FLAGS = (
    "_mafter", "_role_after", "_set_scores", "_dated", "_loc_after", "_person_after",
    "_org_after", "_who", "_says_it",
)  # fmt: skip


def _value_flags(frame: pl.DataFrame, column: str, flags: dict[str, pl.Expr]) -> pl.DataFrame:
    """Adds ``flags`` (expressions over ``column``), computed once per distinct value of
    ``column`` (see ``_per_value``)."""
    exprs = [expr.alias(name) for name, expr in flags.items()]
    return _per_value(frame, column, lambda f: f.with_columns(exprs))


def _per_value(
    frame: pl.DataFrame, column: str, add: Callable[[pl.DataFrame], pl.DataFrame]
) -> pl.DataFrame:
    """``add(frame)``, where ``add`` adds columns that depend on ``column`` alone: names and
    contexts repeat ("Reuters", " said."), so when the values repeat on average (at least two
    rows each) ``add`` runs on the distinct values and its columns are joined back."""
    distinct = frame.select(pl.col(column).unique(maintain_order=True))
    if 2 * distinct.height > frame.height:
        return add(frame)
    return _join_distinct(frame, add(distinct), column)


def _join_distinct(frame: pl.DataFrame, distinct: pl.DataFrame, column: str) -> pl.DataFrame:
    """``frame`` with the columns of ``distinct`` (one row per distinct value of ``column``,
    every value of ``frame`` among them), in ``frame``'s row order. Joined on the values'
    64-bit hashes when these tell the distinct values apart (joining integers is about twice
    as fast as joining strings), else on the values."""
    hashed = distinct.with_columns(pl.col(column).hash().alias("_vh"))
    if hashed.get_column("_vh").n_unique() < hashed.height:
        return _join_columns(frame, distinct, [column])
    got = frame.select(pl.col(column).hash().alias("_vh")).join(
        hashed.drop(column), on="_vh", how="left", maintain_order="left"
    )
    return frame.with_columns(got.drop("_vh"))


def _context_flags(segs: pl.DataFrame, ref: EntityReference) -> pl.DataFrame:
    """Adds the context regexes' results the typing rules use (``_LEFT_FLAGS``,
    ``_RIGHT_FLAGS``)."""
    left = pl.col("left")
    low = left.str.to_lowercase()
    right = pl.col("right")
    by_left = {
        "_mbefore": left.str.contains(_MATCH_BEFORE),
        "_role_before": left.str.contains(ref.role_before_re),
        "_org_before": low.str.contains(ref.org_before_re),
        "_loc_before_strong": low.str.contains(ref.loc_before_strong_re),
        "_loc_before": low.str.contains(ref.loc_before_re),
        "_speech_before": low.str.contains(ref.speech_before_re),
    }
    by_right = {
        "_mafter": right.str.contains(_MATCH_AFTER),
        "_role_after": right.str.contains(ref.role_after_re),
        "_set_scores": right.str.contains(_SET_SCORES),
        "_dated": right.str.contains(r"^,?\s+\d{4}-\d\d-\d\d"),
        "_loc_after": right.str.contains(ref.loc_after_re),
        "_person_after": right.str.contains(ref.person_after_re),
        "_org_after": right.str.contains(ref.org_after_re),
        "_who": right.str.contains(r"^, who(?-u:\b)"),
        "_says_it": right.str.contains(r"^ (?:said|says) (?:it|its)(?-u:\b)|^,? which(?-u:\b)"),
    }
    assert tuple(by_left) == _LEFT_FLAGS and tuple(by_right) == _RIGHT_FLAGS
    return _value_flags(_value_flags(segs, "left", by_left), "right", by_right)


def _type_segments(
    segs: pl.DataFrame, gaz: pl.DataFrame, docs: pl.DataFrame, ref: EntityReference
) -> pl.DataFrame:
    """Types each segment by rules: adds type, strength, gaz_exact, gaz_n."""
    w = ref.words
    named = gaz.filter(~pl.col("short"))
    # a gazetteer name equal to the segment
    exact = (
        named.group_by("_doc", "start", "end")
        .agg(pl.col("country").any().alias("_ctry"), (pl.col("type") == "LOC").any().alias("_eloc"))
        .with_columns(pl.lit(True).alias("_exact"))
    )
    segs = _join_columns(segs, exact, ["_doc", "start", "end"])
    # gazetteer names inside a longer segment
    inside = (
        named.select(
            "_sid",
            pl.col("start").alias("_gs"),
            pl.col("end").alias("_ge"),
            "type",
            "country",
            "whole",
        )
        .join(
            segs.select("_sid", "_seg", "start", "end", "nt").filter(pl.col("nt") > 1).drop("nt"),
            on="_sid",
        )
        .filter((pl.col("_gs") >= pl.col("start")) & (pl.col("_ge") <= pl.col("end")))
        .group_by("_seg")
        .agg(
            ((pl.col("_gs") == pl.col("start")) & (pl.col("_ge") == pl.col("end")))
            .any()
            .alias("gaz_exact"),
            (
                (pl.col("type") == "LOC")
                & pl.col("whole")
                & ((pl.col("_ge") - pl.col("_gs")) < (pl.col("end") - pl.col("start")))
            )
            .any()
            .alias("gaz_loc_in"),
            (pl.col("type") == "LOC").any().alias("gaz_loc"),
            pl.col("country").any().alias("gaz_country"),
            pl.len().alias("gaz_n"),
        )
    )
    segs = (
        _join_columns(segs, inside, ["_seg"])
        .with_columns(
            (pl.col("gaz_exact") | pl.col("_exact")).fill_null(False).alias("gaz_exact"),
            (pl.col("gaz_country") | pl.col("_ctry")).fill_null(False).alias("gaz_country"),
            pl.col("gaz_loc_in").fill_null(False),
            (pl.col("gaz_loc") | pl.col("_eloc")).fill_null(False).alias("gaz_loc"),
            pl.max_horizontal(pl.col("gaz_n"), pl.col("_exact").cast(pl.UInt32))
            .fill_null(0)
            .alias("gaz_n"),
        )
        .drop("_exact", "_ctry", "_eloc")
    )
    # sports articles: club names ("Norwich City") and towns in results lines are clubs
    # the context regexes, once: a team's result next to a name ("Karpat beat", "drew 0-0 at
    # Arouca"), and the typing rules' cues
    segs = _context_flags(segs, ref)
    club_docs = (
        segs.select(
            "_doc",
            (
                pl.col("last").is_in(w["club_suffix"])
                | pl.col("results")
                | (pl.col("gaz_loc") & pl.col("_role_after"))
                | pl.col("_mafter")
                | pl.col("_mbefore")
            ).alias("_club"),
        )
        .filter("_club")
        .select("_doc")
        .unique()
    )
    if club_docs.is_empty():
        segs = segs.with_columns(pl.lit(False).alias("sporty"))
    else:
        sporty = docs.join(club_docs, on="_doc", how="semi").select(
            "_doc", (pl.col("body").str.count_matches(_SPORT_RE) >= 3).alias("sporty")
        )
        segs = _join_columns(segs, sporty, ["_doc"]).with_columns(pl.col("sporty").fill_null(False))

    # one word that is a gazetteer name needs no rules (the gazetteer decides), except in
    # sports articles, where a town may be its club ("Liverpool coach Arne Slot")
    decided = pl.col("gaz_exact") & (pl.col("n") == 1) & ~pl.col("results") & ~pl.col("sporty")
    known = segs.filter(decided)
    segs = segs.filter(~decided)
    # lower-case context and first word, once (eager frames share no work between rules)
    segs = segs.with_columns(
        pl.col("first").str.to_lowercase().alias("_lfirst"),
    )
    n = pl.col("n")
    multi = n >= 2
    at_left, at_right = pl.col("at_left"), pl.col("at_right")
    first, last = pl.col("first"), pl.col("last")
    # ``_ACRONYM`` of 2 to 6 characters (its pattern is shared with the segments' flags)
    acronym = (n == 1) & first.str.contains(_ACRONYM) & first.str.len_bytes().is_between(2, 6)
    single_common = (n == 1) & pl.col("_lfirst").is_in(w["common"])
    # a lone word opening a sentence is often a common word ("Union leader", "Finance director");
    # in a sports article an unknown one is more likely a club ("Brentford manager")
    lone_opener = (
        (n == 1) & at_left & pl.col("sent_start") & (pl.col("first_common") | ~pl.col("sporty"))
    )
    segs = _apply_rules(
        segs,
        [
            (pl.col("event"), None, _STRONG),
            (pl.col("results") & at_left & at_right & ~pl.col("gaz_country"), "ORG", _STRONG),
            # "Karpat beat Tappara 4-2", "drew 0-0 at Arouca": teams in a match report are clubs
            # (a country is its national team, a place; a surname links to its player first)
            (
                pl.col("sporty")
                & ~pl.col("gaz_country")
                & ~pl.col("given_first")
                & ~pl.col("title_before")
                # a player's full name may open a sentence ("Aryna Sabalenka beat"); tennis sets
                # ("beat X 6-2 6-1") are players' results
                & ((pl.col("_mafter") & (n == 1)) | pl.col("_mbefore"))
                & ~pl.col("_set_scores"),
                "ORG",
                _MEDIUM,
            ),
            ((pl.col("last_org") & multi) | pl.col("kw_org_of"), "ORG", _STRONG),
            ((pl.col("last_loc") & multi) | pl.col("kw_loc_of"), "LOC", _STRONG),
            (pl.col("kw_of") & multi, "ORG", _STRONG),
            ((n == 1) & first.is_in(w["institution"]), "ORG", _STRONG),
            (
                (pl.col("title_before") | pl.col("_role_before")) & ~single_common & ~acronym,
                "PERSON",
                _STRONG,
            ),
            (pl.col("given_first") & multi, "PERSON", _STRONG),
            (first.is_in(w["org_prefix"]) & multi, "ORG", _STRONG),
            (first.is_in(w["loc_prefix"]) & multi, "LOC", _STRONG),
            (last.is_in(w["club_suffix"]) & multi & pl.col("sporty"), "ORG", _STRONG),
            # "Lima 2025-03-14" (an upper-case "LIMA, Peru" is handled with the headlines)
            (
                pl.col("dateline") & at_left & pl.col("_dated"),
                "LOC",
                _STRONG,
            ),
            (pl.col("_org_before"), "ORG", _STRONG),
            (
                pl.col("_loc_before_strong")
                | pl.col("_loc_after")
                | (at_right & pl.col("next_loc")),
                "LOC",
                _STRONG,
            ),
            (pl.col("_person_after"), "PERSON", _STRONG),
            # "the ruling Georgian Dream party", "the Pacto Historico coalition"
            (at_right & pl.col("_org_after"), "ORG", _STRONG),
            (multi & pl.col("_who"), "PERSON", _MEDIUM),
            (pl.col("_role_after") & ~lone_opener, "ORG", _MEDIUM),
            (
                pl.col("_says_it"),
                "ORG",
                _MEDIUM,
            ),
            (pl.col("gaz_loc_in"), "ORG", _MEDIUM),
            ((n == 1) & pl.col("next_in_loc") & ~lone_opener, "LOC", _MEDIUM),
            (
                multi & last.str.to_lowercase().str.contains(ref.surname_suffix_re),
                "PERSON",
                _MEDIUM,
            ),
            (multi & at_right & pl.col("next_paren_loc"), "PERSON", _MEDIUM),
            ((n == 1) & pl.col("_loc_before") & ~single_common, "LOC", _WEAK),
            (multi & pl.col("_speech_before"), "PERSON", _WEAK),
            (acronym, "ORG", _WEAK),
            # a brand's inner capital ("PhonePe", "BlackRock"); not "McLaren", "DeSantis"
            (
                (n == 1) & first.str.contains(_CAMEL) & ~first.str.contains(_CAMEL_NAME),
                "ORG",
                _WEAK,
            ),
            # an institution's word first ("Senate Majority", "Treasury Select") is no person
            (
                multi & (first.is_in(w["institution"]) | first.is_in(w["org_suffix"])),
                "ORG",
                _WEAK,
            ),
            # people have no acronym, common first word or nationality last word in their names
            # ("Red Bull", "OZ Kovo", "Anglo American")
            (
                multi & (pl.col("has_acronym") | pl.col("first_common") | pl.col("last_demonym")),
                "ORG",
                _WEAK,
            ),
            (multi, "PERSON", _WEAK),
        ],
    )
    # a town named for its club in a sports article beats the gazetteer's place
    segs = segs.with_columns(
        (
            (pl.col("sporty") | pl.col("results"))
            & pl.col("gaz_exact")
            & ~pl.col("gaz_country")
            & (pl.col("n") == 1)
            & (pl.col("type") == "ORG")
            & (pl.col("strength") >= _MEDIUM)
        ).alias("club")
    )
    known = known.with_columns(
        pl.lit(None, dtype=pl.String).alias("type"),
        pl.lit(_NONE, dtype=pl.Int32).alias("strength"),
        pl.lit(False).alias("club"),
    )
    segs = segs.drop("_lfirst", *_LEFT_FLAGS, *_RIGHT_FLAGS)
    segs = pl.concat([segs, known.select(segs.columns)])
    return _coordinated(segs, gaz)


def _coordinated(segs: pl.DataFrame, gaz: pl.DataFrame, rounds: int = 2) -> pl.DataFrame:
    """A lone unknown name listed with a typed one has its type ("Istanbul and Izmir",
    "Microsoft and Salesforce", "Kasur and Narowal"); ``rounds`` passes carry it along a list
    ("Patna, Gaya and Muzaffarpur")."""
    whole = pl.col("at_left") & pl.col("at_right")
    cols = ["_sid", "_doc", "type", "start", "end"]
    lists = [", ", " and ", " or ", " & ", ", and "]
    untyped = whole & (pl.col("n") == 1) & (pl.col("strength") == _NONE)
    listy = untyped & (
        pl.col("left").is_in(lists) | pl.col("right").is_in(lists) | pl.col("right").is_in(_POSS)
    )
    flagged = segs.select(listy.alias("_listy"), whole.alias("_whole"))
    if not flagged.get_column("_listy").any():
        return segs
    # only the listed rows are worked on; their types go back into ``segs`` by row number
    todo = (
        segs.select("_sid", "_doc", "start", "end", "left", "right")
        .with_row_index("_row")
        .filter(flagged.get_column("_listy"))
    )
    # a gazetteer name's type first, then the rules' ("Uttar Pradesh and Bihar": the place,
    # not the weak two-word person the rules would make of it)
    # only the spans next to a listed one matter
    sids = todo.get_column("_sid")
    near = pl.concat([sids - 1, sids + 1]).unique().implode()
    span_type = pl.concat(
        [
            gaz.filter(~pl.col("short") & ~pl.col("amb") & pl.col("_sid").is_in(near))
            .join(
                segs.select("_sid", "start", "end").filter(
                    flagged.get_column("_whole") & segs.get_column("_sid").is_in(near)
                ),
                on=["_sid", "start", "end"],
            )
            .select(cols),
            segs.select(cols).filter(
                flagged.get_column("_whole")
                & ~flagged.get_column("_listy")
                & segs.get_column("type").is_not_null()
                & segs.get_column("_sid").is_in(near)
            ),
        ]
    )
    gap_before = pl.col("start") - pl.col("left").str.len_chars().cast(pl.Int64)
    gap_after = pl.col("end") + pl.col("right").str.len_chars().cast(pl.Int64)
    done: list[pl.DataFrame] = []
    for _ in range(rounds):
        types = span_type.unique("_sid", keep="first")
        found = (
            todo.join(
                types.select(
                    (pl.col("_sid") + 1).alias("_sid"),
                    "_doc",
                    pl.col("type").alias("_pt"),
                    pl.col("end").alias("_pe"),
                ),
                on=["_sid", "_doc"],
                how="left",
            )
            .join(
                types.select(
                    (pl.col("_sid") - 1).alias("_sid"),
                    "_doc",
                    pl.col("type").alias("_nt"),
                    pl.col("start").alias("_ns"),
                ),
                on=["_sid", "_doc"],
                how="left",
            )
            .with_columns(
                pl.when(pl.col("_pe") == gap_before).then(pl.col("_pt")).alias("_pt"),
                pl.when(pl.col("_ns") == gap_after).then(pl.col("_nt")).alias("_nt"),
            )
        )
        listed = (
            pl.when(pl.col("left").is_in(lists) & pl.col("_pt").is_not_null())
            .then(pl.col("_pt"))
            .when(pl.col("right").is_in(lists) & pl.col("_nt").is_not_null())
            .then(pl.col("_nt"))
            # "McLaren's Lando Norris": a team or company before its person
            .when(pl.col("right").is_in(_POSS) & (pl.col("_nt") == "PERSON"))
            .then(pl.lit("ORG"))
        )
        found = found.with_columns(listed.alias("type"))
        typed = found.filter(pl.col("type").is_not_null())
        if typed.is_empty():
            break
        done.append(typed.select("_row", "type"))
        todo = found.filter(pl.col("type").is_null()).select(todo.columns)
        span_type = pl.concat([span_type, typed.select(cols)])
    if not done:
        return segs
    typed = pl.concat(done)
    rows = typed.get_column("_row")
    return segs.with_columns(
        segs.get_column("type").scatter(rows, typed.get_column("type")),
        segs.get_column("strength").scatter(rows, pl.Series([_WEAK] * len(rows), dtype=pl.Int32)),
    )


# --- 6. document-level consistency and links --------------------------------------------------

#: The candidate-mention table every source is shaped into before overlaps are resolved.
_CANDIDATE: dict[str, pl.DataType] = {
    "_doc": pl.UInt32(),
    "start": pl.Int64(),
    "end": pl.Int64(),
    "surface": pl.String(),
    "entity_id": pl.String(),  # null for rule names: made from type and name at the end
    "name": pl.String(),
    "type": pl.String(),
    "qid": pl.String(),
    "amb": pl.Boolean(),  # a gazetteer alias of several entities
    "one_exact": pl.Boolean(),  # ... and the canonical name of exactly one of them
    "exact": pl.Boolean(),  # the alias is the entity's canonical name
    "prio": pl.Int32(),  # at one span the lowest wins
}
#: At one span: a gazetteer person, a surname or short name linked to a full name in the
#: article, another gazetteer name (or the one gazetteer person with that surname), a rule name.
_P_GAZ_PERSON, _P_LINK, _P_GAZ, _P_RULE = 0, 1, 2, 3


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


def _consistent(segs: pl.DataFrame) -> pl.DataFrame:
    """A name typed once is typed the same throughout its article (strongest evidence wins)."""
    # only names said more than once in an article can disagree
    narrow = segs.select("_doc", "key", "type", "strength", "start")
    repeated = narrow.filter(pl.len().over("_doc", "key") > 1)
    best = (
        repeated.filter(pl.col("strength") > _NONE)
        .group_by("_doc", "key")
        .agg(
            pl.col("type")
            .sort_by("strength", "start", descending=[True, False])
            .first()
            .alias("_bt"),
            pl.col("strength").max().alias("_bs"),
        )
    )
    if best.is_empty():
        return segs
    fixed = narrow.join(best, on=["_doc", "key"], how="left", maintain_order="left").select(
        pl.when(pl.col("_bs") > pl.col("strength"))
        .then(pl.col("_bt"))
        .otherwise(pl.col("type"))
        .alias("type"),
        pl.max_horizontal("strength", pl.col("_bs").fill_null(_NONE)).alias("strength"),
    )
    return segs.with_columns(fixed)


def _nearest(links: pl.DataFrame) -> pl.DataFrame:
    """Of several full names a short form could link to, the nearest before it, else after."""
    return (
        links.with_columns(
            (pl.col("_fstart") > pl.col("start")).alias("_after"),
            (pl.col("_fstart") - pl.col("start")).abs().alias("_dist"),
        )
        .sort(["_doc", "start", "_rank", "_after", "_dist"])
        .unique(["_doc", "start"], keep="first", maintain_order=True)
    )


def _links(
    segs: pl.DataFrame, gaz: pl.DataFrame, ref: EntityReference
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Short forms linked to a full name in the same article.

    Returns (link candidates, keys): a lone surname → the person ("Ferris" → Callum Ferris,
    "Huang" → Jensen Huang), the first or last word of an organisation → the organisation
    ("Rheinfracht" → Rheinfracht Holding); keys are ``_doc, _k`` (folded key), entity_id, name,
    type, qid for the upper-case headline pass.
    """
    w = ref.words
    narrow = segs.select(
        "_doc", "start", "end", "n", "type", "strength", "gaz_exact", "first", "last", "text", "key"
    )
    rule_people = narrow.filter(
        (pl.col("type") == "PERSON") & (pl.col("n") >= 2) & ~pl.col("gaz_exact")
    )
    last = pl.col("last")
    # "-[a-z]" | "^(?:[IVX]+|Jr|Sr)$", without regexes
    korean = (
        last.str.contains_any([f"-{c}" for c in string.ascii_lowercase])
        | ((last.str.len_bytes() > 0) & (last.str.strip_chars("IVX") == ""))
        | last.is_in(["Jr", "Sr"])
    )
    person_keys = rule_people.filter(~pl.col("last").is_in(w["demonym"])).select(
        "_doc",
        pl.when(korean).then(pl.col("first")).otherwise(pl.col("last")).alias("_k"),
        pl.lit(None, dtype=pl.String).alias("entity_id"),
        pl.col("text").alias("name"),
        pl.lit("PERSON").alias("type"),
        pl.lit(None, dtype=pl.String).alias("qid"),
        pl.col("start").alias("_fstart"),
        pl.lit(0).alias("_rank"),
    )
    gaz_people = (
        gaz.filter((pl.col("type") == "PERSON") & ~pl.col("short"))
        .join(ref.person_keys, on="entity_id")
        .select(
            "_doc",
            pl.col("_key").str.strip_chars().alias("_k"),
            "entity_id",
            "name",
            "type",
            "qid",
            pl.col("start").alias("_fstart"),
            pl.lit(0).alias("_rank"),
        )
    )
    not_generic = (
        ~pl.col("_k").is_in(w["generic"])
        & ~pl.col("_k").str.to_lowercase().is_in(w["common"])
        & ~_padded(pl.col("_k")).is_in(w["patterns"])
    )
    rule_orgs = narrow.filter(
        (pl.col("type") == "ORG")
        & (pl.col("n") >= 2)
        & (pl.col("strength") >= _MEDIUM)
        & ~pl.col("gaz_exact")
    )
    # "ISRO" after "Indian Space Research Organisation"
    initials = pl.col("key").str.extract_all(r"(?-u:\b)[A-Z]").list.join("")
    words = pl.col("key").str.split(" ")
    # short forms by preference: initials, first word, last word, last two, first two
    org_keys = (
        rule_orgs.select(
            "_doc",
            pl.col("text").alias("name"),
            pl.col("start").alias("_fstart"),
            initials.alias("0"),
            pl.col("first").alias("1"),
            pl.col("last").alias("2"),
            # the last two and first two words (a key's words are single-spaced)
            pl.when(words.list.len() >= 2).then(words.list.slice(-2, 2).list.join(" ")).alias("3"),
            pl.when(words.list.len() >= 2).then(words.list.slice(0, 2).list.join(" ")).alias("4"),
        )
        .unpivot(index=["_doc", "name", "_fstart"], variable_name="_rank", value_name="_k")
        .select(
            "_doc",
            "_k",
            pl.lit(None, dtype=pl.String).alias("entity_id"),
            "name",
            pl.lit("ORG").alias("type"),
            pl.lit(None, dtype=pl.String).alias("qid"),
            "_fstart",
            pl.col("_rank").cast(pl.Int32),
        )
        .filter(
            not_generic & (pl.col("_k").str.len_bytes() >= 2) & (pl.col("_k") != pl.col("name"))
        )
    )
    keys = pl.concat([person_keys, gaz_people, org_keys])
    shortish = narrow.filter(pl.col("n") <= 2)
    linked = _nearest(
        shortish.select(
            "_doc",
            "start",
            "end",
            "text",
            "strength",
            "gaz_exact",
            pl.col("type").alias("_own"),
            pl.col("key").alias("_k"),
        )
        .join(keys, on=["_doc", "_k"])
        # a short form is linked unless it has strong evidence of another type; a gazetteer
        # name only to a person ("Ford" after "Doug Ford", not "Boston" to "Boston Celtics")
        .filter(
            ((pl.col("strength") <= _MEDIUM) | (pl.col("_own") == pl.col("type")))
            & (~pl.col("gaz_exact") | (pl.col("type") == "PERSON"))
            & (pl.col("_fstart") != pl.col("start"))
        )
    )
    out = _candidates(linked, surface=pl.col("text"), exact=True, prio=_P_LINK)
    return out, keys


def _caps_candidates(spans: pl.DataFrame, keys: pl.DataFrame, named: pl.DataFrame) -> pl.DataFrame:
    """Names in upper-case headlines and datelines: words that are a name (or a key) of the
    article ("RUUD" → Casper Ruud), and an unknown dateline place ("LOURDES, France")."""
    caps = spans.filter(pl.col("caps"))
    if caps.is_empty():
        return _candidates(pl.DataFrame(schema=_CANDIDATE))
    lens = pl.col("_t").list.eval(pl.element().str.len_chars().cast(pl.Int64) + 1)
    toks = (
        caps.select("_doc", "start", "run", pl.col("_f").str.split(" ").alias("_t"))
        .with_columns(lens.list.eval(pl.element().cum_sum()).alias("_cs"), lens.alias("_l"))
        .explode(["_t", "_cs", "_l"])
        .select(
            "_doc",
            (pl.col("start") + pl.col("_cs") - pl.col("_l")).alias("start"),
            (pl.col("start") + pl.col("_cs") - 1).alias("end"),
            pl.col("_t").str.to_uppercase().alias("_up"),
            "run",
            (pl.col("_cs") - pl.col("_l")).alias("_o"),
        )
    )
    known = (
        pl.concat(
            [
                keys.select("_doc", "_k", "entity_id", "name", "type", "qid"),
                named.select("_doc", pl.col("key").alias("_k"), "entity_id", "name", "type", "qid"),
            ]
        )
        .with_columns(pl.col("_k").str.to_uppercase().alias("_up"))
        .unique(["_doc", "_up"], keep="first", maintain_order=True)
    )
    same = (pl.col("run") == pl.col("run").shift(-1)) & (pl.col("_doc") == pl.col("_doc").shift(-1))
    pairs = toks.with_columns(
        pl.concat_str(pl.col("_up"), pl.lit(" "), pl.col("_up").shift(-1)).alias("_up"),
        pl.col("end").shift(-1).alias("end"),
    ).filter(same.fill_null(False))
    words = (
        pl.concat([toks, pairs])
        .join(known.drop("_k"), on=["_doc", "_up"])
        .with_columns(
            pl.col("run").str.slice(pl.col("_o"), pl.col("end") - pl.col("start")).alias("surface")
        )
    )
    dateline = caps.filter(pl.col("dateline") & (pl.col("_ntok") <= 3))
    return pl.concat(
        [
            # the article's own name (and type) beats the gazetteer's reading of the
            # upper-case word ("LIVERPOOL" is the club the article names, not the city)
            _candidates(words, exact=True, prio=_P_LINK),
            _candidates(
                dateline,
                surface=pl.col("run"),
                name=pl.col("run").str.to_titlecase(),
                type="LOC",
                exact=True,
                prio=_P_RULE,
            ),
        ]
    )


# --- 7. overlaps and output ----------------------------------------------------------------


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


def _resolve(kept: pl.DataFrame) -> pl.DataFrame:
    """One entity per kept span: an ambiguous gazetteer alias ("Congo") goes to the one entity
    whose canonical name it is, else to the one candidate already named elsewhere in the
    article, else nowhere."""
    span = ["_doc", "start"]
    certain = ~pl.col("amb") | (pl.col("exact") & pl.col("one_exact"))
    direct = kept.filter(certain)
    ambiguous = kept.filter(~certain)
    by_context = ambiguous.join(
        direct.drop_nulls("entity_id").select("_doc", "entity_id").unique(),
        on=["_doc", "entity_id"],
        how="semi",
    ).filter(pl.len().over(span) == 1)
    return pl.concat([direct, by_context]).unique(span, keep="first", maintain_order=True)


@on_polars_pool
def find_entities(articles: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Find PERSON / ORG / LOC mentions in ``articles.body``.

    Returns ``(entities, mentions)``: one ``schema.ENTITY`` row per distinct entity mentioned in
    the batch (with its Wikidata ``qid`` when the alias table has one) and one
    ``schema.ENTITY_MENTION`` row per mention, where ``start_char``/``end_char`` are 0-based
    code-point offsets (end exclusive) and ``body[start_char:end_char] == surface``.
    """
    ref = load_reference()
    docs = (
        articles.select(pl.col("article_id").cast(pl.String), pl.col("body").cast(pl.String))
        .filter(pl.col("body").str.len_bytes() > 0)
        .with_row_index("_doc")
    )
    if docs.is_empty():
        return empty(ENTITY), empty(ENTITY_MENTION)
    runs = _runs(docs.select("_doc", "body"), ref)
    if runs.is_empty():
        return empty(ENTITY), empty(ENTITY_MENTION)
    spans = _merge(_flag_runs(runs, ref), ref)
    gaz = _gazetteer(spans, _chains(spans, docs), ref)
    spans = _span_context(spans, ref)
    segs = _segments(spans, ref)
    segs = _consistent(_type_segments(segs, gaz, docs, ref))
    # a gazetteer surname counts only as a whole segment ("Mr Trump", not "Trump Tower"), or
    # after initials ("V. Zelensky": the initials may be noise, the surname is not)
    initials = pl.col("key").str.contains(r"^(?:[A-Z]\. )+\S+$")
    seg_spans = pl.concat(
        [
            segs.select("_doc", "start", "end"),
            segs.select(
                "_doc",
                (pl.col("end") - pl.col("last").str.len_chars()).alias("start"),
                "end",
                initials.alias("_i"),
            )
            .filter("_i")
            .drop("_i"),
        ]
    )
    shorts = gaz.filter(pl.col("short")).join(seg_spans, on=["_doc", "start", "end"], how="semi")
    # ... and then the initials and surname are no rule name of their own
    segs = segs.with_columns(
        pl.when(initials & (pl.col("strength") <= _MEDIUM))
        .then(pl.lit(None, dtype=pl.String))
        .otherwise(pl.col("type"))
        .alias("type")
    )
    links, keys = _links(segs, gaz, ref)

    full = gaz.filter(~pl.col("short"))
    # a name inside a hyphenated word counts only next to another name ("US-China", not
    # "Saxony" in "Saxony-Anhalt")
    ends = full.select("_doc", (pl.col("end") + 1).alias("start"))
    starts = full.select("_doc", (pl.col("start") - 1).alias("end"))
    part = full.filter(~pl.col("whole"))
    full = pl.concat(
        [
            full.filter(pl.col("whole")),
            part.join(ends, on=["_doc", "start"], how="semi"),
            part.join(starts, on=["_doc", "end"], how="semi"),
        ]
    ).unique(["_doc", "start", "end", "entity_id"], keep="first", maintain_order=True)
    # rule names: a name containing a gazetteer name needs more than the weakest evidence
    rules = segs.select(
        "_doc",
        "start",
        "end",
        "type",
        "strength",
        "gaz_exact",
        "gaz_n",
        "club",
        "at_right",
        "results",
        "right",
        "text",
        "key",
    ).filter(
        pl.col("type").is_not_null()
        & (~pl.col("gaz_exact") | pl.col("club"))
        & ((pl.col("gaz_n") == 0) | (pl.col("strength") >= _MEDIUM))
    )
    # "Polska 2050", "Ibex 35": a number after an organisation's name belongs to it
    numbered = (
        (pl.col("type") == "ORG")
        & pl.col("at_right")
        & ~pl.col("results")
        & pl.col("right").str.contains(r"^ \d")
    )
    num = pl.col("right").str.extract(r"^( \d{2,4})(?:[^\d%.,\-–]|[.,](?:\s|$)|$)")
    with_num = rules.filter(numbered).with_columns(
        pl.concat_str(pl.col("text"), num.fill_null("")).alias("text")
    )
    rules = pl.concat([rules.filter(~numbered), with_num]).with_columns(
        (pl.col("start") + pl.col("text").str.len_chars().cast(pl.Int64)).alias("end")
    )
    named = _candidates(
        rules,
        surface=pl.col("text"),
        name=pl.col("text"),
        exact=True,
        prio=pl.when(pl.col("club")).then(_P_LINK).otherwise(_P_RULE),
    )
    # events, laws and competitions ("Madrid Open", "Tour de France") hide the names in them
    events = _candidates(
        segs.select("_doc", "start", "end", "text", "event", "type").filter(
            pl.col("event") & pl.col("type").is_null()
        ),
        surface=pl.col("text"),
        type=None,
        exact=True,
        prio=_P_RULE,
    )
    cands = pl.concat(
        [
            _candidates(
                full,
                prio=pl.when(pl.col("type") == "PERSON").then(_P_GAZ_PERSON).otherwise(_P_GAZ),
            ),
            _candidates(shorts.filter(~pl.col("amb")), prio=_P_GAZ),
            links,
            named,
            events,
            _caps_candidates(
                spans,
                keys,
                rules.select(
                    "_doc",
                    "key",
                    pl.lit(None, dtype=pl.String).alias("entity_id"),
                    pl.col("text").alias("name"),
                    "type",
                    pl.lit(None, dtype=pl.String).alias("qid"),
                ),
            ),
        ]
    )
    found = _resolve(_select_spans(cands)).filter(pl.col("type").is_not_null())
    # rule names get their id here, once per distinct (type, name)
    new = found.filter(pl.col("entity_id").is_null()).select("type", "name").unique()
    new = new.with_columns(
        pl.Series("_id", [_rule_entity_id(t, n) for t, n in new.iter_rows()], dtype=pl.String)
    )
    found = (
        found.join(new, on=["type", "name"], how="left")
        .with_columns(pl.coalesce("entity_id", "_id").alias("entity_id"))
        .join(docs.select("_doc", "article_id"), on="_doc")
    )
    mentions = found.sort("_doc", "start").select(
        "article_id",
        "entity_id",
        "surface",
        pl.col("start").alias("start_char"),
        pl.col("end").alias("end_char"),
    )
    entities = (
        found.select("entity_id", "name", "type", "qid")
        .unique("entity_id", keep="first", maintain_order=True)
        .sort("type", "name")
    )
    return conform(entities, ENTITY), conform(mentions, ENTITY_MENTION)
