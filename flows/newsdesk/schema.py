"""Column contracts between stages: the one place that says what each frame holds.

read → RAW_RECORD → extract → EXTRACTED → normalise → ARTICLE → dedupe → entities / topics
→ validate → load. Every stage takes a Polars frame and returns one; these schemas are
what the stages promise each other (``conform`` casts and fills missing columns).
"""

from __future__ import annotations

import polars as pl

UTC_TS = pl.Datetime("us", "UTC")

#: One raw record as a reader yields it. Text dumps fill ``raw_text``; structured records
#: (JSON) fill the named fields and keep unknown fields in ``extra`` (a JSON object string).
RAW_RECORD: dict[str, pl.DataType] = {
    "source_path": pl.String(),  # the input file's path as given (archive!/member later)
    # line number in JSONL, index in a JSON array, "" for one-article files
    "record_key": pl.String(),
    "file_hash": pl.String(),  # sha256 of the input file's bytes
    "format": pl.String(),  # "text" | "json" (later: "html", "warc")
    "raw_text": pl.String(),
    "url": pl.String(),
    "title": pl.String(),
    "body": pl.String(),
    "author": pl.String(),
    "published_raw": pl.String(),
    "site_raw": pl.String(),
    "language_raw": pl.String(),
    "description": pl.String(),
    "extra": pl.String(),
    # when the page was fetched or saved (ISO 8601, UTC): WARC-Date, or the file's mtime;
    # the reference time for relative dates such as "3 hours ago"
    "fetched_at": pl.String(),
}

#: After extract: fields pulled out of text dumps, credit lines resolved for every record.
EXTRACTED: dict[str, pl.DataType] = {
    **RAW_RECORD,
    "view_count": pl.Int64(),
    "original_source": pl.String(),  # canonical source name from the registry, e.g. "BBC"
    "is_desk_byline": pl.Boolean(),
    "comment_count": pl.Int64(),
    "dateline_place": pl.String(),  # "KYIV" in "KYIV (AP) —", title-cased: "Kyiv"
    "extract_error": pl.String(),  # null when fine; else a reason a person can act on
}

#: One article as the warehouse stores it (contract: README "Tables").
ARTICLE: dict[str, pl.DataType] = {
    "article_id": pl.String(),
    "source_path": pl.String(),
    "record_key": pl.String(),
    "url": pl.String(),
    "site": pl.String(),
    "title": pl.String(),
    "author": pl.String(),
    "published_at": UTC_TS,
    "language": pl.String(),
    "body": pl.String(),
    "word_count": pl.Int64(),
    "view_count": pl.Int64(),
    "original_source": pl.String(),
    "is_syndicated": pl.Boolean(),
    "content_hash": pl.String(),
    "run_id": pl.String(),
    "is_desk_byline": pl.Boolean(),
    "comment_count": pl.Int64(),
    "dateline_place": pl.String(),
    "cluster_id": pl.String(),  # near-duplicate cluster (syndicated copies share one)
    "date_note": pl.String(),  # why published_at is null (unparseable / impossible), else null
    "file_hash": pl.String(),
    "extra": pl.String(),
    "code_version": pl.String(),
}

ENTITY: dict[str, pl.DataType] = {
    "entity_id": pl.String(),
    "name": pl.String(),
    "type": pl.String(),  # PERSON | ORG | LOC
    "qid": pl.String(),  # Wikidata QID where the alias table has one
}

ENTITY_MENTION: dict[str, pl.DataType] = {
    "article_id": pl.String(),
    "entity_id": pl.String(),
    "surface": pl.String(),
    "start_char": pl.Int64(),  # 0-based code-point offset into articles.body
    "end_char": pl.Int64(),  # exclusive
}

ARTICLE_TOPIC: dict[str, pl.DataType] = {
    "article_id": pl.String(),
    "topic_code": pl.String(),  # "medtop:NNNNNNNN"
    "topic_label": pl.String(),
    "top_level_code": pl.String(),
    "score": pl.Float64(),
    "is_primary": pl.Boolean(),
}

#: A record that could not be loaded, with the stage and a reason a person can act on.
QUARANTINE: dict[str, pl.DataType] = {
    "run_id": pl.String(),
    "source_path": pl.String(),
    "record_key": pl.String(),
    "stage": pl.String(),  # read | extract | normalise | validate
    "reason": pl.String(),
    "raw": pl.String(),  # the offending record, truncated to settings.quarantine_raw_chars
}


def empty(schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """An empty frame with exactly these columns."""
    return pl.DataFrame(schema=schema)


def conform(df: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Select ``schema``'s columns in order, casting, and adding missing ones as nulls."""
    return df.select(
        [
            (pl.col(name) if name in df.columns else pl.lit(None)).cast(dtype).alias(name)
            for name, dtype in schema.items()
        ]
    )
