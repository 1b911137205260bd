"""Topics stage: score each article against the IPTC Media Topics taxonomy.

``ARTICLE`` → ``ARTICLE_TOPIC``. A transparent lexicon classifier, vectorised over the batch:

1. Title and body are lower-cased and every run of non-letters/digits becomes a double space,
   then padded (" central  bank  raises  rates "). A term is matched as the same normalised,
   space-padded string, so matches fall on word boundaries; the double space lets adjacent
   terms both match while matching stays non-overlapping.
2. One Aho–Corasick pass (``str.extract_many``, leftmost-first, patterns longest first) finds
   the terms of ``data/reference/topic_terms.csv``; the longest term starting at a position
   wins, so "central bank" hides "bank".
3. Matches are exploded, counted per article and term (a title hit counts ``TITLE_FACTOR``
   times), joined to the term table and summed per topic as weight × count ("evidence");
   evidence on a second-level topic also counts for its top-level parent.
4. Evidence is divided by a length factor (``sqrt(words / 100)``, at least 1) and squashed
   into [0, 1): ``score = 1 - exp(-density / SCORE_SCALE)``.
5. Topics scoring at least ``MIN_SCORE`` are kept; the best top-level topic is primary when it
   scores at least ``PRIMARY_MIN_SCORE`` (so an article has one primary or none).

Reference data (taxonomy + terms) is read once and cached until the files change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import polars as pl

from newsdesk import schema
from newsdesk.reference import load_csv, reference_path

TAXONOMY_FILE = "iptc_mediatopics.csv"
TERMS_FILE = "topic_terms.csv"
CODE_PREFIX = "medtop:"

#: A hit in the title counts this many times (and title words count this much for length).
TITLE_FACTOR = 3.0
#: Texts shorter than this many (weighted) words are not boosted by the length normalisation.
LENGTH_FLOOR_WORDS = 100.0
#: Evidence density (weight per sqrt(100 words)) at which a topic scores 1 - 1/e ≈ 0.63.
SCORE_SCALE = 20.0
#: Topics scoring below this are not reported.
MIN_SCORE = 0.15
#: The best top-level topic is primary only if it scores at least this.
PRIMARY_MIN_SCORE = 0.3

_SEPARATORS = r"[^\p{L}\p{N}]+"
_EXPLAIN_ID = "explain"


@dataclass(frozen=True)
class _Model:
    """Reference data prepared for matching."""

    patterns: list[str]  # unique normalised terms, longest first
    terms: pl.DataFrame  # pattern, term, term_code, weight, top_level
    topics: pl.DataFrame  # code, label, level, top_level


def _normalise(text: pl.Expr) -> pl.Expr:
    """Lower-case, separators → double space, padded with one space each side."""
    core = text.fill_null("").str.to_lowercase().str.replace_all(_SEPARATORS, "  ")
    return pl.concat_str([pl.lit(" "), core.str.strip_chars(" "), pl.lit(" ")])


def _build_model(taxonomy: pl.DataFrame, terms: pl.DataFrame) -> _Model:
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
    bad_codes = topics.filter(~pl.col("code").str.contains(r"^\d{8}$"))["code"].to_list()
    if bad_codes:
        raise ValueError(f"{TAXONOMY_FILE}: codes must be 8 digits: {bad_codes[:5]}")
    top_codes = set(topics.filter(pl.col("level") == 1)["code"].to_list())
    orphans = topics.filter(~pl.col("top_level").is_in(sorted(top_codes)))["code"].to_list()
    if orphans:
        raise ValueError(f"{TAXONOMY_FILE}: parent is not a top-level topic for {orphans[:5]}")

    table = terms.select(
        term_code=pl.col("code").str.strip_chars(),
        term=pl.col("term").str.strip_chars(),
        weight=pl.col("weight").str.strip_chars().cast(pl.Float64),
    ).with_columns(pattern=_normalise(pl.col("term")))
    unknown = table.filter(~pl.col("term_code").is_in(topics["code"].to_list()))
    if unknown.height:
        raise ValueError(f"{TERMS_FILE}: codes not in {TAXONOMY_FILE}: {unknown.head(5).rows()}")
    if table.filter(pl.col("pattern").str.strip_chars() == "").height:
        raise ValueError(f"{TERMS_FILE}: a term has no letters or digits")
    if table.filter((pl.col("weight") <= 0) | pl.col("weight").is_null()).height:
        raise ValueError(f"{TERMS_FILE}: weights must be positive numbers")
    table = (
        table.unique(["term_code", "pattern"], keep="last", maintain_order=True)
        .join(topics.select(term_code="code", top_level="top_level"), on="term_code")
        .sort("pattern", "term_code")
    )
    patterns = sorted(set(table["pattern"].to_list()), key=lambda p: (-len(p), p))
    return _Model(patterns=patterns, terms=table, topics=topics)


@lru_cache(maxsize=4)
def _model_for(key: tuple[str, int, str, int]) -> _Model:
    del key  # cache key only: paths and mtimes, so an edited file is read again
    return _build_model(load_csv(TAXONOMY_FILE), load_csv(TERMS_FILE))


def _model() -> _Model:
    taxonomy, terms = reference_path(TAXONOMY_FILE), reference_path(TERMS_FILE)
    for path in (taxonomy, terms):
        if not path.exists():
            raise FileNotFoundError(f"reference file missing: {path}")
    return _model_for(
        (str(taxonomy), taxonomy.stat().st_mtime_ns, str(terms), terms.stat().st_mtime_ns)
    )


def _hits(articles: pl.DataFrame, model: _Model) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(hits: article_id, pattern, title_count, body_count; sizes: article_id, words)."""
    ids = pl.col("article_id").cast(pl.String)
    title = pl.col("title").cast(pl.String) if "title" in articles.columns else pl.lit(None)
    long = pl.concat(
        [
            articles.select(ids, text=title.cast(pl.String), in_title=pl.lit(True)),
            articles.select(ids, text=pl.col("body").cast(pl.String), in_title=pl.lit(False)),
        ]
    ).with_columns(norm=_normalise(pl.col("text")))
    factor = pl.when(pl.col("in_title")).then(TITLE_FACTOR).otherwise(1.0)
    long = long.select(
        "article_id",
        "in_title",
        # "  " separates words and a space pads each end: words = spaces / 2
        words=(pl.col("norm").str.count_matches(" ", literal=True) // 2).cast(pl.Float64) * factor,
        pattern=pl.col("norm").str.extract_many(model.patterns, leftmost=True),
    )
    sizes = long.group_by("article_id").agg(pl.col("words").sum())
    hits = (
        long.select("article_id", "in_title", "pattern")
        .explode("pattern")
        .drop_nulls("pattern")
        .group_by("article_id", "pattern")
        .agg(
            title_count=pl.col("in_title").sum().cast(pl.Int64),
            body_count=(~pl.col("in_title")).sum().cast(pl.Int64),
        )
    )
    return hits, sizes


def _contributions(hits: pl.DataFrame, model: _Model) -> pl.DataFrame:
    """Per article, matched term and credited topic: weight × weighted count."""
    matched = hits.join(model.terms, on="pattern").with_columns(
        contribution=pl.col("weight")
        * (TITLE_FACTOR * pl.col("title_count") + pl.col("body_count"))
    )
    own = matched.with_columns(topic_code=pl.col("term_code"))
    parent = matched.filter(pl.col("term_code") != pl.col("top_level")).with_columns(
        topic_code=pl.col("top_level")
    )
    return pl.concat([own, parent])


def _scores(contributions: pl.DataFrame, sizes: pl.DataFrame, model: _Model) -> pl.DataFrame:
    """article_id, topic_code, label, level, top_level, evidence, score, is_primary (topics hit)."""
    length = (pl.max_horizontal(pl.col("words"), pl.lit(LENGTH_FLOOR_WORDS)) / 100.0).sqrt()
    scored = (
        contributions.group_by("article_id", "topic_code")
        .agg(evidence=pl.col("contribution").sum())
        .join(sizes, on="article_id")
        .join(model.topics, left_on="topic_code", right_on="code")
        .with_columns(score=(1.0 - (-(pl.col("evidence") / length) / SCORE_SCALE).exp()).round(4))
    )
    # Within one article the score grows with the evidence, so the primary is the top-level
    # topic with the most evidence (ties: the smallest code), if it scores high enough.
    top = pl.col("level") == 1
    top_evidence = pl.when(top).then(pl.col("evidence"))
    best = top & (pl.col("evidence") == top_evidence.max().over("article_id"))
    first = best & (
        pl.col("topic_code") == pl.when(best).then(pl.col("topic_code")).min().over("article_id")
    )
    return scored.with_columns(is_primary=first & (pl.col("score") >= PRIMARY_MIN_SCORE))


def classify_topics(articles: pl.DataFrame) -> pl.DataFrame:
    """Scored IPTC topics per article (``schema.ARTICLE_TOPIC``).

    ``articles`` needs ``article_id`` and ``body`` (``title`` optional, may be null). Returns
    every topic scoring at least ``MIN_SCORE`` — top-level and second-level rows — with at most
    one ``is_primary`` row per article: its best top-level topic, if that scores at least
    ``PRIMARY_MIN_SCORE``. Articles without confident evidence get no rows. ``article_id``
    should be unique: rows sharing an id are scored together as one article.
    """
    if articles.height == 0:
        return schema.empty(schema.ARTICLE_TOPIC)
    model = _model()
    hits, sizes = _hits(articles, model)
    scored = _scores(_contributions(hits, model), sizes, model)
    out = (
        scored.filter((pl.col("score") >= MIN_SCORE) | pl.col("is_primary"))
        .sort(
            ["article_id", "is_primary", "level", "score", "topic_code"],
            descending=[False, True, False, True, False],
        )
        .select(
            "article_id",
            topic_code=pl.lit(CODE_PREFIX) + pl.col("topic_code"),
            topic_label=pl.col("label"),
            top_level_code=pl.lit(CODE_PREFIX) + pl.col("top_level"),
            score="score",
            is_primary="is_primary",
        )
    )
    return schema.conform(out, schema.ARTICLE_TOPIC)


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
    "body_count": pl.Int64(),
    "contribution": pl.Float64(),  # weight × (TITLE_FACTOR × title_count + body_count)
}


def explain_topic(title: str | None, body: str) -> pl.DataFrame:
    """Why one text gets its topics: per topic hit, each matched term and what it added.

    One row per (topic, term), topics by descending score, terms by descending contribution.
    A second-level term appears under its own topic and again under its top-level parent.
    """
    frame = pl.DataFrame(
        {"article_id": [_EXPLAIN_ID], "title": [title], "body": [body]},
        schema={"article_id": pl.String, "title": pl.String, "body": pl.String},
    )
    model = _model()
    hits, sizes = _hits(frame, model)
    contributions = _contributions(hits, model)
    scored = _scores(contributions, sizes, model)
    out = (
        contributions.join(
            scored.select("topic_code", "label", "score", "is_primary"), on="topic_code"
        )
        .sort(
            ["score", "topic_code", "contribution", "term"],
            descending=[True, False, True, False],
        )
        .select(
            topic_code=pl.lit(CODE_PREFIX) + pl.col("topic_code"),
            topic_label=pl.col("label"),
            topic_score=pl.col("score"),
            is_primary=pl.col("is_primary"),
            reported=pl.col("score") >= MIN_SCORE,
            term=pl.col("term"),
            term_code=pl.lit(CODE_PREFIX) + pl.col("term_code"),
            weight=pl.col("weight"),
            title_count=pl.col("title_count"),
            body_count=pl.col("body_count"),
            contribution=pl.col("contribution"),
        )
    )
    return schema.conform(out, EXPLAIN)


def score_of(evidence: float, words: float) -> float:
    """The score formula for one topic, for documentation and tests."""
    length = math.sqrt(max(words, LENGTH_FLOOR_WORDS) / 100.0)
    return 1.0 - math.exp(-(evidence / length) / SCORE_SCALE)
