"""Topics stage: IPTC Media Topics and editable themes, scored from weighted terms.

``ARTICLE`` → ``ARTICLE_TOPIC`` (:func:`classify_topics`) and ``ARTICLE_THEME``
(:func:`classify_themes`); :func:`classify_topics_and_themes` does both, preparing the text
once. A transparent lexicon classifier, vectorised over the batch:

1. Each article is cut into three segments: the title, the lead (the first ``LEAD_CHARS``
   characters of the body, up to the next space) and the rest of the body. Each is
   lower-cased, every run of non-letters/digits becomes a double space, and it is padded
   (" central  bank  raises  rates "). A term is matched as the same normalised, space-padded
   string, so matches fall on word boundaries; the double space lets adjacent terms both match
   while matching stays non-overlapping.
2. One Aho–Corasick pass per lexicon (``str.extract_many``, leftmost-first, patterns longest
   first) finds the terms of ``data/reference/topic_terms.csv`` (topics) or of the theme
   files in ``data/reference/themes/`` (themes); the longest term starting at a position
   wins, so "central bank" hides "bank" and "technology secretary" hides "technology".
3. Matches are counted per article and term: a title hit counts ``TITLE_FACTOR`` times, a
   lead hit ``LEAD_FACTOR`` times, any other body hit once. Joined to the term tables and
   summed per topic (or theme) as weight × count ("evidence"); evidence on a second-level
   topic also counts for its top-level parent. Weight 0 marks a stop phrase: matched, so it
   hides a shorter term, but adds nothing ("cast doubt" is no film cast); a negative weight
   takes evidence away.
4. Evidence is divided by a length factor (``sqrt(words / 100)``, at least 1, where title
   words count ``TITLE_FACTOR`` times) and squashed into [0, 1):
   ``score = 1 - exp(-density / SCORE_SCALE)``.
5. Topics scoring at least ``MIN_SCORE`` are kept; the top-level topic with the most evidence
   is primary when it scores at least ``PRIMARY_MIN_SCORE`` (so an article has one primary or
   none). A theme is reported when it scores at least its ``min_score`` with at least
   ``min_terms`` different terms.

Themes are files, one per theme, in ``data/reference/themes/`` (see its README): CSV with
``term,weight`` rows and ``# name:`` / ``# description:`` comment lines, or YAML with
``name``, ``description`` and ``terms``. The theme's id is the file name without suffix. A new
or edited file is picked up on the next call: reference data is cached by file names, sizes
and modification times.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from newsdesk import schema
from newsdesk.polars_pool import on_polars_pool
from newsdesk.reference import load_csv, reference_path

TAXONOMY_FILE = "iptc_mediatopics.csv"
TERMS_FILE = "topic_terms.csv"
THEMES_DIR = "themes"
THEME_SUFFIXES = (".csv", ".yaml", ".yml")
CODE_PREFIX = "medtop:"

#: A hit in the title counts this many times (and title words count this much for length).
TITLE_FACTOR = 3.0
#: A hit in the lead (the first ``LEAD_CHARS`` characters of the body) counts this many times.
LEAD_FACTOR = 2.0
LEAD_CHARS = 250
#: Texts shorter than this many (weighted) words are not boosted by the length normalisation.
LENGTH_FLOOR_WORDS = 100.0
#: Evidence density (weight per sqrt(100 words)) at which a topic scores 1 - 1/e ≈ 0.63.
SCORE_SCALE = 20.0
#: Topics scoring below this are not reported.
MIN_SCORE = 0.15
#: The best top-level topic is primary only if it scores at least this.
PRIMARY_MIN_SCORE = 0.3
#: Defaults for a theme file that does not set ``min_score`` / ``min_terms``.
THEME_MIN_SCORE = 0.3
THEME_MIN_TERMS = 2

#: One tagged theme per row: what :func:`classify_themes` returns.
ARTICLE_THEME: dict[str, pl.DataType] = {
    "article_id": pl.String(),
    "theme": pl.String(),  # the theme file's name without suffix, e.g. "climate_change"
    "score": pl.Float64(),  # in [min_score, 1)
    "matched_terms": pl.List(pl.String()),  # distinct terms, largest contribution first
}

#: The themes known to the classifier: :func:`theme_catalogue`.
THEME_CATALOGUE: dict[str, pl.DataType] = {
    "theme": pl.String(),
    "name": pl.String(),
    "description": pl.String(),
    "min_score": pl.Float64(),
    "min_terms": pl.Int64(),
    "terms": pl.Int64(),
    "file": pl.String(),
}

_SEPARATORS = r"[^\p{L}\p{N}]+"
_EXPLAIN_ID = "explain"
_THEME_ID = re.compile(r"^[a-z0-9][a-z0-9_]*$")
_META = re.compile(r"^#\s*(name|description|min_score|min_terms)\s*:\s*(.*?)\s*$", re.IGNORECASE)


# --------------------------------------------------------------------------- reference data


@dataclass(frozen=True)
class _Topics:
    """Taxonomy and topic terms prepared for matching."""

    patterns: list[str]  # unique normalised terms, longest first
    # pattern, term, term_code, weight, topic (one row per credited topic: the term's own
    # and, for a second-level term, its top-level parent)
    credits: pl.DataFrame
    topics: pl.DataFrame  # topic (index, in code order), code, label, level, top_level


@dataclass(frozen=True)
class _Themes:
    """Theme files prepared for matching."""

    patterns: list[str]  # unique normalised terms, longest first
    terms: pl.DataFrame  # pattern, term, theme, weight
    themes: pl.DataFrame  # THEME_CATALOGUE


def _normalise(text: pl.Expr) -> pl.Expr:
    """Separators → double space, lower-cased, padded with one space each side."""
    core = text.fill_null("").str.replace_all(_SEPARATORS, "  ").str.to_lowercase()
    return pl.concat_str([pl.lit(" "), core.str.strip_chars(" "), pl.lit(" ")])


def _term_table(frame: pl.DataFrame, where: str, target: str) -> pl.DataFrame:
    """``pattern, term, <target>, weight`` from a frame of string columns, checked."""
    table = frame.select(
        pl.col(target).str.strip_chars(),
        term=pl.col("term").str.strip_chars(),
        weight=pl.col("weight").str.strip_chars().cast(pl.Float64, strict=False),
    ).with_columns(pattern=_normalise(pl.col("term")))
    if table.filter(pl.col("pattern").str.strip_chars() == "").height:
        raise ValueError(f"{where}: a term has no letters or digits")
    bad = table.filter(pl.col("weight").is_null() | ~pl.col("weight").is_finite())
    if bad.height:
        raise ValueError(f"{where}: weights must be numbers: {bad['term'].head(5).to_list()}")
    return table


def _build_topics(taxonomy: pl.DataFrame, terms: pl.DataFrame) -> _Topics:
    for name, frame, needed in (
        (TAXONOMY_FILE, taxonomy, {"code", "parent", "level", "label"}),
        (TERMS_FILE, terms, {"code", "term", "weight"}),
    ):
        missing = needed - set(frame.columns)
        if missing:
            raise ValueError(f"{name}: missing columns {sorted(missing)}")
    topics = taxonomy.select(
        pl.col("code").str.strip_chars(),
        pl.col("label").str.strip_chars(),
        pl.col("level").str.strip_chars().cast(pl.Int64),
        pl.col("parent").str.strip_chars().fill_null(""),
    ).with_columns(
        top_level=pl.when(pl.col("level") == 1).then(pl.col("code")).otherwise(pl.col("parent"))
    )
    # an integer per topic, in code order, for fast grouping (the smallest wins ties)
    topics = (
        topics.sort("code")
        .with_row_index("topic")
        .select("topic", "code", "label", "level", "top_level")
    )
    bad_codes = topics.filter(~pl.col("code").str.contains(r"^\d{8}$"))["code"].to_list()
    if bad_codes:
        raise ValueError(f"{TAXONOMY_FILE}: codes must be 8 digits: {bad_codes[:5]}")
    top_codes = set(topics.filter(pl.col("level") == 1)["code"].to_list())
    orphans = topics.filter(~pl.col("top_level").is_in(sorted(top_codes)))["code"].to_list()
    if orphans:
        raise ValueError(f"{TAXONOMY_FILE}: parent is not a top-level topic for {orphans[:5]}")

    table = _term_table(terms.rename({"code": "term_code"}), TERMS_FILE, "term_code")
    unknown = table.filter(~pl.col("term_code").is_in(topics["code"].to_list()))
    if unknown.height:
        raise ValueError(f"{TERMS_FILE}: codes not in {TAXONOMY_FILE}: {unknown.head(5).rows()}")
    table = (
        table.unique(["term_code", "pattern"], keep="last", maintain_order=True)
        .join(topics.select(term_code="code", top_level="top_level"), on="term_code")
        .sort("pattern", "term_code")
    )
    # A second-level term credits its own topic and its top-level parent: expand that here,
    # once, so scoring is a single join.
    topic_of = topics.select(credited="code", topic="topic")
    credits = (
        pl.concat(
            [
                table.with_columns(credited=pl.col("term_code")),
                table.filter(pl.col("term_code") != pl.col("top_level")).with_columns(
                    credited=pl.col("top_level")
                ),
            ]
        )
        .join(topic_of, on="credited")
        .select("pattern", "term", "term_code", "weight", "topic")
    )
    patterns = sorted(set(table["pattern"].to_list()), key=lambda p: (-len(p), p))
    return _Topics(patterns=patterns, credits=credits, topics=topics)


def _theme_file(path: Path) -> tuple[dict[str, Any], pl.DataFrame]:
    """(metadata, term frame with string columns term, weight) of one theme file."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".csv":
        meta: dict[str, Any] = {}
        for line in text.splitlines():
            found = _META.match(line)
            if found:
                meta[found.group(1).lower()] = found.group(2)
        frame = pl.read_csv(path, comment_prefix="#", infer_schema=False)
        missing = {"term", "weight"} - set(frame.columns)
        if missing:
            raise ValueError(f"{path}: missing columns {sorted(missing)}")
        return meta, frame.select("term", "weight")
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict) or not isinstance(data.get("terms"), dict):
        raise ValueError(f"{path}: expected a mapping with 'terms: {{term: weight, ...}}'")
    terms = data["terms"]
    meta = {k: data[k] for k in ("name", "description", "min_score", "min_terms") if k in data}
    return meta, pl.DataFrame(
        {"term": [str(t) for t in terms], "weight": [str(w) for w in terms.values()]},
        schema={"term": pl.String, "weight": pl.String},
    )


def _build_themes(paths: list[Path]) -> _Themes:
    catalogue, tables = [], []
    for path in paths:
        theme = path.stem
        if not _THEME_ID.match(theme):
            raise ValueError(f"{path}: theme file names must be lower_snake_case")
        meta, frame = _theme_file(path)
        if frame.is_empty():
            raise ValueError(f"{path}: no terms")
        try:
            min_score = float(meta.get("min_score", THEME_MIN_SCORE))
            min_terms = int(meta.get("min_terms", THEME_MIN_TERMS))
        except ValueError as exc:
            raise ValueError(f"{path}: min_score / min_terms must be numbers") from exc
        table = _term_table(frame.with_columns(theme=pl.lit(theme)), str(path), "theme")
        table = table.unique("pattern", keep="last", maintain_order=True)
        tables.append(table)
        catalogue.append(
            {
                "theme": theme,
                "name": str(meta.get("name") or theme.replace("_", " ")),
                "description": str(meta.get("description") or ""),
                "min_score": min_score,
                "min_terms": min_terms,
                "terms": table.height,
                "file": path.name,
            }
        )
    themes = pl.DataFrame(catalogue, schema=THEME_CATALOGUE)
    if themes["theme"].is_duplicated().any():
        dupes = themes.filter(pl.col("theme").is_duplicated())["file"].to_list()
        raise ValueError(f"{THEMES_DIR}: one file per theme, found {dupes}")
    terms = (
        pl.concat(tables).select("pattern", "term", "theme", "weight")
        if tables
        else pl.DataFrame(
            schema={
                "pattern": pl.String,
                "term": pl.String,
                "theme": pl.String,
                "weight": pl.Float64,
            }
        )
    )
    patterns = sorted(set(terms["pattern"].to_list()), key=lambda p: (-len(p), p))
    return _Themes(patterns=patterns, terms=terms, themes=themes)


@lru_cache(maxsize=4)
def _topics_for(key: tuple[str, int, str, int]) -> _Topics:
    del key  # cache key only: paths and mtimes, so an edited file is read again
    return _build_topics(load_csv(TAXONOMY_FILE), load_csv(TERMS_FILE))


@lru_cache(maxsize=8)
def _themes_for(key: tuple[tuple[str, int, int], ...], folder: str) -> _Themes:
    return _build_themes([Path(folder) / name for name, _, _ in key])


def _topics_model() -> _Topics:
    taxonomy, terms = reference_path(TAXONOMY_FILE), reference_path(TERMS_FILE)
    for path in (taxonomy, terms):
        if not path.exists():
            raise FileNotFoundError(f"reference file missing: {path}")
    return _topics_for(
        (str(taxonomy), taxonomy.stat().st_mtime_ns, str(terms), terms.stat().st_mtime_ns)
    )


def _themes_model() -> _Themes:
    """The themes folder's files, re-read when a file is added, removed or changed."""
    folder = reference_path(THEMES_DIR)
    files = (
        sorted(
            p
            for p in folder.iterdir()
            if p.is_file() and p.suffix in THEME_SUFFIXES and not p.name.startswith(".")
        )
        if folder.is_dir()
        else []
    )
    key = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    return _themes_for(key, str(folder))


def theme_catalogue() -> pl.DataFrame:
    """The themes in ``data/reference/themes/`` (:data:`THEME_CATALOGUE`), one row each."""
    return _themes_model().themes


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class _Text:
    """Articles prepared for matching: an integer key per article id, in input order."""

    ids: pl.DataFrame  # key (u32), article_id
    sizes: pl.DataFrame  # key, words (title words count TITLE_FACTOR times)
    matches: list[pl.DataFrame]  # per pattern set: key, segment (0 title, 1 lead, 2 rest), pattern


def _prepare(articles: pl.DataFrame, pattern_sets: list[list[str]]) -> _Text:
    """Cut, normalise and match the articles against each pattern set.

    Each set gets its own leftmost-longest pass over the same normalised text, so a term of
    one lexicon never hides a term of another.
    """
    article_id = pl.col("article_id").cast(pl.String)
    ids = articles.select(article_id).unique(maintain_order=True).with_row_index("key")
    title = pl.col("title").cast(pl.String) if "title" in articles.columns else pl.lit(None)
    body = pl.col("body").cast(pl.String).fill_null("")
    # the lead ends at the first space after LEAD_CHARS characters (or with the body)
    cut = body.str.slice(LEAD_CHARS).str.find(" ", literal=True)
    lead_end = pl.when(cut.is_null()).then(body.str.len_chars()).otherwise(cut + LEAD_CHARS)
    segments = (
        articles.select(
            article_id,
            title=title.cast(pl.String),
            lead=body.str.slice(0, lead_end),
            rest=body.str.slice(lead_end),
        )
        .join(ids, on="article_id", how="left", maintain_order="left")
        .drop("article_id")
    )
    long = pl.concat(
        [
            segments.select("key", text=pl.col(name), segment=pl.lit(k, pl.Int8))
            for k, name in enumerate(("title", "lead", "rest"))
        ]
    ).select("key", "segment", norm=_normalise(pl.col("text")))
    title_factor = pl.when(pl.col("segment") == 0).then(TITLE_FACTOR).otherwise(1.0)
    # "  " separates words and a space pads each end: words = spaces / 2
    words = (pl.col("norm").str.count_matches(" ", literal=True) // 2).cast(pl.Float64)
    long = long.select(
        pl.col("key"),
        pl.col("segment"),
        (words * title_factor).alias("words"),
        *[
            (
                pl.col("norm").str.extract_many(patterns, leftmost=True)
                if patterns
                else pl.lit([], pl.List(pl.String))
            ).alias(f"match_{k}")
            for k, patterns in enumerate(pattern_sets)
        ],
    )
    matches = [
        long.select("key", "segment", pattern=f"match_{k}").explode("pattern").drop_nulls("pattern")
        for k in range(len(pattern_sets))
    ]
    sizes = long.group_by("key").agg(pl.col("words").sum())
    return _Text(ids=ids, sizes=sizes, matches=matches)


def _factor() -> pl.Expr:
    """How much one match counts, by segment: title, lead, rest of the body."""
    segment = pl.col("segment")
    return (
        pl.when(segment == 0)
        .then(pl.lit(TITLE_FACTOR))
        .when(segment == 1)
        .then(pl.lit(LEAD_FACTOR))
        .otherwise(pl.lit(1.0))
    )


def _counts(matches: pl.DataFrame) -> pl.DataFrame:
    """key, pattern, title_count, lead_count, body_count (body includes the lead)."""
    return matches.group_by("key", "pattern").agg(
        title_count=(pl.col("segment") == 0).sum().cast(pl.Int64),
        lead_count=(pl.col("segment") == 1).sum().cast(pl.Int64),
        body_count=(pl.col("segment") > 0).sum().cast(pl.Int64),
    )


def _weighted_count() -> pl.Expr:
    return (
        TITLE_FACTOR * pl.col("title_count")
        + (LEAD_FACTOR - 1.0) * pl.col("lead_count")
        + pl.col("body_count")
    )


def _length() -> pl.Expr:
    return (pl.max_horizontal(pl.col("words"), pl.lit(LENGTH_FLOOR_WORDS)) / 100.0).sqrt()


def _score(evidence: pl.Expr) -> pl.Expr:
    return (1.0 - (-(evidence.clip(lower_bound=0.0) / _length()) / SCORE_SCALE).exp()).round(4)


# --------------------------------------------------------------------------- topics


def _topic_contributions(counts: pl.DataFrame, model: _Topics) -> pl.DataFrame:
    """Per article, matched term and credited topic: weight × weighted count (for explain)."""
    return counts.join(model.credits, on="pattern").with_columns(
        contribution=pl.col("weight") * _weighted_count()
    )


def _topic_evidence(matches: pl.DataFrame, model: _Topics) -> pl.DataFrame:
    """key, topic, evidence: the sum over matches of weight × segment factor."""
    return (
        matches.join(model.credits.select("pattern", "topic", "weight"), on="pattern")
        .group_by("key", "topic")
        .agg(evidence=(pl.col("weight") * _factor()).sum())
    )


def _topic_scores(evidence: pl.DataFrame, sizes: pl.DataFrame, model: _Topics) -> pl.DataFrame:
    """key, topic, evidence, code, label, level, top_level, score, is_primary (topics hit)."""
    scored = (
        evidence.join(sizes, on="key")
        .join(model.topics, on="topic")
        .with_columns(score=_score(pl.col("evidence")))
    )
    # Within one article the score grows with the evidence, so the primary is the top-level
    # topic with the most evidence (ties: the smallest code), if it scores high enough.
    # (each window as a column of its own: a window inside a window is evaluated once per
    # article over a buffer as long as the frame, quadratic in the batch size)
    top = pl.col("level") == 1
    top_evidence = pl.when(top).then(pl.col("evidence"))
    scored = scored.with_columns(_best=top & (pl.col("evidence") == top_evidence.max().over("key")))
    best = pl.col("_best")
    first = best & (pl.col("topic") == pl.when(best).then(pl.col("topic")).min().over("key"))
    return scored.with_columns(is_primary=first & (pl.col("score") >= PRIMARY_MIN_SCORE)).drop(
        "_best"
    )


def _topic_rows(
    text: pl.DataFrame, sizes: pl.DataFrame, ids: pl.DataFrame, model: _Topics
) -> pl.DataFrame:
    scored = _topic_scores(_topic_evidence(text, model), sizes, model)
    out = (
        scored.filter((pl.col("score") >= MIN_SCORE) | pl.col("is_primary"))
        .sort(
            ["key", "is_primary", "level", "score", "topic"],
            descending=[False, True, False, True, False],
        )
        .join(ids, on="key", how="left", maintain_order="left")
        .select(
            "article_id",
            topic_code=pl.lit(CODE_PREFIX) + pl.col("code"),
            topic_label=pl.col("label"),
            top_level_code=pl.lit(CODE_PREFIX) + pl.col("top_level"),
            score="score",
            is_primary="is_primary",
        )
    )
    return schema.conform(out, schema.ARTICLE_TOPIC)


@on_polars_pool
def classify_topics(articles: pl.DataFrame) -> pl.DataFrame:
    """Scored IPTC topics per article (``schema.ARTICLE_TOPIC``).

    ``articles`` needs ``article_id`` and ``body`` (``title`` optional, may be null). Returns
    every topic scoring at least ``MIN_SCORE`` — top-level and second-level rows — with at most
    one ``is_primary`` row per article: its best top-level topic, if that scores at least
    ``PRIMARY_MIN_SCORE``. Articles without confident evidence get no rows. Rows come in the
    articles' input order. ``article_id`` should be unique: rows sharing an id are scored
    together as one article.
    """
    if articles.height == 0:
        return schema.empty(schema.ARTICLE_TOPIC)
    model = _topics_model()
    text = _prepare(articles, [model.patterns])
    return _topic_rows(text.matches[0], text.sizes, text.ids, model)


# --------------------------------------------------------------------------- themes


def _theme_contributions(counts: pl.DataFrame, model: _Themes) -> pl.DataFrame:
    return counts.join(model.terms, on="pattern").with_columns(
        contribution=pl.col("weight") * _weighted_count()
    )


def _theme_scores(contributions: pl.DataFrame, sizes: pl.DataFrame, model: _Themes) -> pl.DataFrame:
    """key, theme, evidence, score, distinct_terms, matched_terms, reported."""
    positive = pl.col("contribution") > 0
    return (
        contributions.sort("contribution", "term", descending=[True, False])
        .group_by("key", "theme", maintain_order=True)
        .agg(
            evidence=pl.col("contribution").sum(),
            distinct_terms=positive.sum().cast(pl.Int64),
            matched_terms=pl.col("term").filter(positive),
        )
        .join(sizes, on="key")
        .join(model.themes.select("theme", "min_score", "min_terms"), on="theme")
        .with_columns(score=_score(pl.col("evidence")))
        .with_columns(
            reported=(pl.col("score") >= pl.col("min_score"))
            & (pl.col("distinct_terms") >= pl.col("min_terms"))
        )
    )


def _theme_rows(
    matches: pl.DataFrame, sizes: pl.DataFrame, ids: pl.DataFrame, model: _Themes
) -> pl.DataFrame:
    # themes match far less text than topics: count per term first (for matched_terms)
    contributions = _theme_contributions(_counts(matches), model)
    scored = _theme_scores(contributions, sizes, model)
    out = (
        scored.filter(pl.col("reported"))
        .sort(["key", "score", "theme"], descending=[False, True, False])
        .join(ids, on="key", how="left", maintain_order="left")
    )
    return schema.conform(out, ARTICLE_THEME)


@on_polars_pool
def classify_themes(articles: pl.DataFrame) -> pl.DataFrame:
    """Themes per article (:data:`ARTICLE_THEME`): ``article_id, theme, score, matched_terms``.

    One row per article and theme that scores at least the theme's ``min_score`` with at
    least ``min_terms`` different terms; articles without a theme get no rows. Same input
    as :func:`classify_topics`. The themes are the files in ``data/reference/themes/`` at the
    time of the call.
    """
    if articles.height == 0:
        return schema.empty(ARTICLE_THEME)
    model = _themes_model()
    text = _prepare(articles, [model.patterns])
    return _theme_rows(text.matches[0], text.sizes, text.ids, model)


@on_polars_pool
def classify_topics_and_themes(articles: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``(classify_topics(articles), classify_themes(articles))``, sharing the text preparation.

    The same results as the two calls for less than their cost: the text is cut into
    segments and normalised once, then each lexicon gets its own matching pass.
    """
    if articles.height == 0:
        return schema.empty(schema.ARTICLE_TOPIC), schema.empty(ARTICLE_THEME)
    topics, themes = _topics_model(), _themes_model()
    text = _prepare(articles, [topics.patterns, themes.patterns])
    return (
        _topic_rows(text.matches[0], text.sizes, text.ids, topics),
        _theme_rows(text.matches[1], text.sizes, text.ids, themes),
    )


# --------------------------------------------------------------------------- explain

#: Columns of :func:`explain_topic`.
EXPLAIN: dict[str, pl.DataType] = {
    "topic_code": pl.String(),
    "topic_label": pl.String(),
    "topic_score": pl.Float64(),
    "is_primary": pl.Boolean(),
    "reported": pl.Boolean(),  # the topic clears MIN_SCORE, so classify_topics lists it
    "term": pl.String(),
    "term_code": pl.String(),  # the topic the term is listed under (a child for parent rows)
    "weight": pl.Float64(),
    "title_count": pl.Int64(),
    "lead_count": pl.Int64(),  # hits in the lead (also counted in body_count)
    "body_count": pl.Int64(),
    # weight × (TITLE_FACTOR × title_count + (LEAD_FACTOR - 1) × lead_count + body_count)
    "contribution": pl.Float64(),
}

#: Columns of :func:`explain_themes`.
EXPLAIN_THEMES: dict[str, pl.DataType] = {
    "theme": pl.String(),
    "theme_score": pl.Float64(),
    "reported": pl.Boolean(),  # classify_themes lists this theme for the text
    "term": pl.String(),
    "weight": pl.Float64(),
    "title_count": pl.Int64(),
    "lead_count": pl.Int64(),
    "body_count": pl.Int64(),
    "contribution": pl.Float64(),
}


def _one(title: str | None, body: str) -> pl.DataFrame:
    return pl.DataFrame(
        {"article_id": [_EXPLAIN_ID], "title": [title], "body": [body]},
        schema={"article_id": pl.String, "title": pl.String, "body": pl.String},
    )


def explain_topic(title: str | None, body: str) -> pl.DataFrame:
    """Why one text gets its topics: per topic hit, each matched term and what it added.

    One row per (topic, term), topics by descending score, terms by descending contribution.
    A second-level term appears under its own topic and again under its top-level parent.
    """
    model = _topics_model()
    text = _prepare(_one(title, body), [model.patterns])
    contributions = _topic_contributions(_counts(text.matches[0]), model)
    evidence = contributions.group_by("key", "topic").agg(evidence=pl.col("contribution").sum())
    scored = _topic_scores(evidence, text.sizes, model)
    out = (
        contributions.join(
            scored.select("topic", "code", "label", "score", "is_primary"), on="topic"
        )
        .sort(
            ["score", "code", "contribution", "term"],
            descending=[True, False, True, False],
        )
        .select(
            topic_code=pl.lit(CODE_PREFIX) + pl.col("code"),
            topic_label=pl.col("label"),
            topic_score=pl.col("score"),
            is_primary=pl.col("is_primary"),
            reported=pl.col("score") >= MIN_SCORE,
            term=pl.col("term"),
            term_code=pl.lit(CODE_PREFIX) + pl.col("term_code"),
            weight=pl.col("weight"),
            title_count=pl.col("title_count"),
            lead_count=pl.col("lead_count"),
            body_count=pl.col("body_count"),
            contribution=pl.col("contribution"),
        )
    )
    return schema.conform(out, EXPLAIN)


def explain_themes(title: str | None, body: str) -> pl.DataFrame:
    """Why one text gets its themes: per theme hit, each matched term and what it added.

    One row per (theme, term), themes by descending score, terms by descending contribution;
    ``reported`` says whether :func:`classify_themes` lists the theme.
    """
    model = _themes_model()
    text = _prepare(_one(title, body), [model.patterns])
    contributions = _theme_contributions(_counts(text.matches[0]), model)
    scored = _theme_scores(contributions, text.sizes, model)
    out = (
        contributions.join(scored.select("theme", "score", "reported"), on="theme")
        .sort(["score", "theme", "contribution", "term"], descending=[True, False, True, False])
        .select(
            "theme",
            theme_score=pl.col("score"),
            reported=pl.col("reported"),
            term=pl.col("term"),
            weight=pl.col("weight"),
            title_count=pl.col("title_count"),
            lead_count=pl.col("lead_count"),
            body_count=pl.col("body_count"),
            contribution=pl.col("contribution"),
        )
    )
    return schema.conform(out, EXPLAIN_THEMES)


def score_of(evidence: float, words: float) -> float:
    """The score formula for one topic or theme, for documentation and tests."""
    length = math.sqrt(max(words, LENGTH_FLOOR_WORDS) / 100.0)
    return 1.0 - math.exp(-(max(evidence, 0.0) / length) / SCORE_SCALE)
