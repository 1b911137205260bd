"""Dedupe: same URL or same body on one site is a duplicate; on another site, syndicated."""

from __future__ import annotations

import polars as pl

from newsdesk import schema
from newsdesk.dedupe import SEEN, dedupe

from .conftest import make_articles


def art(aid: str, url: str | None, site: str | None, h: str, key: str = "") -> dict:
    return {
        "article_id": aid,
        "url": url,
        "site": site,
        "content_hash": h,
        "run_id": "r",
        "source_path": f"{aid}.txt",
        "record_key": key,
        "is_syndicated": False,
    }


def test_in_batch_duplicates_by_url_and_by_body() -> None:
    articles = make_articles(
        [
            art("a", "https://x.com/1", "x.com", "h1"),
            art("b", "https://x.com/1", "x.com", "h2"),  # same URL as a
            art("c", None, "x.com", "h1"),  # same body, same site as a
            art("d", None, None, "h3"),
            art("e", None, None, "h3"),  # same body as d (no site on either)
        ]
    )
    new, dups = dedupe(articles, schema.empty(SEEN))
    assert new["article_id"].to_list() == ["a", "d"]
    assert dict(zip(dups["article_id"], dups["duplicate_of"], strict=True)) == {
        "b": "a",
        "c": "a",
        "e": "d",
    }
    assert dups.filter(pl.col("article_id") == "b")["reason"][0] == (
        "same URL as an earlier record in this run"
    )


def test_duplicates_across_runs() -> None:
    seen = schema.conform(pl.DataFrame([art("old", "https://x.com/1", "x.com", "h9")]), SEEN)
    articles = make_articles(
        [
            art("a", "https://x.com/1", "x.com", "h1"),
            art("b", None, "x.com", "h9"),
            art("c", "https://x.com/2", "x.com", "h2"),
        ]
    )
    new, dups = dedupe(articles, seen)
    assert new["article_id"].to_list() == ["c"]
    assert set(dups["duplicate_of"]) == {"old"}
    assert set(dups["reason"]) == {
        "same URL as an article loaded earlier",
        "same body on the same site as an article loaded earlier",
    }


def test_same_body_on_another_site_is_syndicated_not_duplicate() -> None:
    seen = schema.conform(pl.DataFrame([art("orig", None, "wire.com", "h1")]), SEEN)
    articles = make_articles(
        [
            art("a", "https://x.com/1", "x.com", "h1"),
            art("b", "https://y.com/1", "y.com", "h2"),
            art("c", "https://z.com/1", "z.com", "h2"),
        ]
    )
    new, dups = dedupe(articles, seen)
    assert dups.is_empty()
    assert dict(zip(new["article_id"], new["is_syndicated"], strict=True)) == {
        "a": True,
        "b": False,
        "c": True,
    }


def test_reconciles() -> None:
    articles = make_articles(
        [art(str(i), f"https://x.com/{i % 3}", "x.com", f"h{i % 4}") for i in range(12)]
    )
    new, dups = dedupe(articles, schema.empty(SEEN))
    assert len(new) + len(dups) == 12
    assert new["url"].is_unique().all()
