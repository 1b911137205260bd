"""Dedupe stage: an article already loaded (this run or an earlier one) is not loaded again.

A record is a **duplicate** when its canonical URL, or its body's content hash on the same
site, matches an article loaded before it. The same body on *another* site is not a
duplicate but a **syndicated copy**: it is loaded with ``is_syndicated = true``, so that
``source_mix`` can report how much of each site is syndicated.

Order decides which copy is "first": earlier runs, then input order within the run (files
sorted by path, records by key).
"""

from __future__ import annotations

import polars as pl

from newsdesk import schema
from newsdesk.polars_pool import on_polars_pool

#: What the dedupe stage remembers of loaded articles.
SEEN: dict[str, pl.DataType] = {
    "article_id": pl.String(),
    "url": pl.String(),
    "site": pl.String(),
    "content_hash": pl.String(),
}

DUPLICATE: dict[str, pl.DataType] = {
    "run_id": pl.String(),
    "source_path": pl.String(),
    "record_key": pl.String(),
    "article_id": pl.String(),
    "duplicate_of": pl.String(),  # article_id of the copy that was kept
    "reason": pl.String(),
}


@on_polars_pool
def dedupe(articles: pl.DataFrame, seen: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split ``articles`` into (new articles, duplicates).

    ``seen`` holds ``SEEN`` rows of the articles loaded before that could match: the
    warehouse's that share a URL or content hash with ``articles`` and those of this run's
    earlier batches (the flow adds a batch's new articles before validation; a later copy of
    one that validation then quarantines counts as its duplicate, and ``newsdesk requeue``
    reprocesses both).
    """
    if articles.is_empty():
        return articles, schema.empty(DUPLICATE)
    seen = schema.conform(seen, SEEN)
    df = articles.with_row_index("_order").with_columns(
        (pl.col("content_hash") + pl.lit("|") + pl.col("site").fill_null("")).alias("_ckey")
    )
    seen_keyed = seen.with_columns(
        (pl.col("content_hash") + pl.lit("|") + pl.col("site").fill_null("")).alias("_ckey")
    )
    by_url = seen_keyed.filter(pl.col("url").is_not_null()).unique("url", keep="first")
    by_key = seen_keyed.unique("_ckey", keep="first")

    df = (
        df.join(
            by_url.select("url", pl.col("article_id").alias("_seen_url")),
            on="url",
            how="left",
            nulls_equal=False,
        )
        .join(
            by_key.select("_ckey", pl.col("article_id").alias("_seen_key")),
            on="_ckey",
            how="left",
        )
        .sort("_order")
        .with_columns(
            # First article in this batch with the same URL / content key (for in-batch copies).
            pl.col("article_id").first().over("url").alias("_first_url"),
            pl.col("article_id").first().over("_ckey").alias("_first_key"),
            (pl.col("_order") == pl.col("_order").min().over("url")).alias("_is_first_url"),
            (pl.col("_order") == pl.col("_order").min().over("_ckey")).alias("_is_first_key"),
        )
    )
    has_url = pl.col("url").is_not_null()
    reason = (
        pl.when(pl.col("_seen_url").is_not_null())
        .then(pl.lit("same URL as an article loaded earlier"))
        .when(pl.col("_seen_key").is_not_null())
        .then(pl.lit("same body on the same site as an article loaded earlier"))
        .when(has_url & ~pl.col("_is_first_url"))
        .then(pl.lit("same URL as an earlier record in this run"))
        .when(~pl.col("_is_first_key"))
        .then(pl.lit("same body on the same site as an earlier record in this run"))
        .otherwise(None)
    )
    duplicate_of = pl.coalesce(
        "_seen_url",
        "_seen_key",
        pl.when(has_url & ~pl.col("_is_first_url")).then(pl.col("_first_url")),
        pl.when(~pl.col("_is_first_key")).then(pl.col("_first_key")),
    )
    df = df.with_columns(reason.alias("_reason"), duplicate_of.alias("duplicate_of"))
    dups = df.filter(pl.col("_reason").is_not_null()).select(
        "run_id",
        "source_path",
        "record_key",
        "article_id",
        "duplicate_of",
        pl.col("_reason").alias("reason"),
    )
    new = df.filter(pl.col("_reason").is_null())
    # Same body already on another site (earlier run, or earlier in this batch): syndicated.
    other_site_before = (
        new.select("_order", "content_hash", "site")
        .join(
            pl.concat(
                [
                    seen.select("content_hash", "site", pl.lit(-1, pl.Int64).alias("_o2")),
                    new.select(
                        "content_hash", "site", pl.col("_order").cast(pl.Int64).alias("_o2")
                    ),
                ]
            ),
            on="content_hash",
        )
        .filter(
            (pl.col("_o2") < pl.col("_order").cast(pl.Int64))
            & (pl.col("site").fill_null("") != pl.col("site_right").fill_null(""))
        )
        .select("_order")
        .unique()
    )
    new = new.with_columns(
        (
            pl.col("is_syndicated") | pl.col("_order").is_in(other_site_before["_order"].implode())
        ).alias("is_syndicated")
    ).drop(
        "_order",
        "_ckey",
        "_seen_url",
        "_seen_key",
        "_first_url",
        "_first_key",
        "_is_first_url",
        "_is_first_key",
        "_reason",
        "duplicate_of",
    )
    return new, schema.conform(dups, DUPLICATE)
