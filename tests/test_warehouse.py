"""Warehouse: atomic commits, delete-insert of changed files, Parquet export, one writer."""

from __future__ import annotations

import multiprocessing
import time
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from newsdesk import schema
from newsdesk.settings import get_settings
from newsdesk.warehouse import RunRecord, Warehouse, WarehouseBusyError, WarehouseError

from .conftest import make_articles

T0 = datetime(2025, 9, 5, 12, tzinfo=UTC)


def wh(tmp_path: Path) -> Warehouse:
    w = Warehouse(tmp_path / "wh", get_settings().sql_dir)
    w.ensure()
    return w


def run_record(run_id: str, loaded: int) -> RunRecord:
    return RunRecord(
        run_id=run_id,
        started_at=T0,
        finished_at=T0,
        status="completed",
        records_in=loaded,
        loaded=loaded,
        duplicates=0,
        quarantined=0,
        files_seen=1,
        files_processed=1,
        files_skipped=0,
        code_version="test",
    )


def articles(ids: list[str], path: str, run_id: str, month: int = 9) -> pl.DataFrame:
    return make_articles(
        [
            {
                "article_id": i,
                "source_path": path,
                "record_key": str(n),
                "body": "b " * 30,
                "word_count": 30,
                "content_hash": "0" * 64,
                "is_syndicated": False,
                "run_id": run_id,
                "title": f"t{i}",
                "published_at": datetime(2025, month, 1, tzinfo=UTC),
            }
            for n, i in enumerate(ids)
        ]
    )


def manifest(path: str, h: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source_path": [path],
            "size_bytes": [1],
            "mtime_ns": [1],
            "file_hash": [h],
            "records_in": [1],
        }
    )


def topics(ids: list[str]) -> pl.DataFrame:
    return schema.conform(
        pl.DataFrame(
            {
                "article_id": ids,
                "topic_code": ["medtop:11000000"] * len(ids),
                "top_level_code": ["medtop:11000000"] * len(ids),
                "score": [0.9] * len(ids),
                "is_primary": [True] * len(ids),
            }
        ),
        schema.ARTICLE_TOPIC,
    )


def test_commit_makes_staged_rows_visible_and_exports_parquet(tmp_path: Path) -> None:
    w = wh(tmp_path)
    w.stage("r1", "articles", articles(["a", "b"], "f.jsonl", "r1"), "batch-0")
    w.stage("r1", "article_topics", topics(["a", "b"]), "batch-0")
    w.commit(run_record("r1", 2), [], manifest("f.jsonl", "h1"))
    assert w.query("select count(*) n from articles")["n"][0] == 2
    assert w.query("select parquet_exported from runs")["parquet_exported"][0]
    part = w.parquet_root / "articles" / "published_month=2025-09" / "data.parquet"
    assert pl.read_parquet(part)["article_id"].sort().to_list() == ["a", "b"]
    assert (w.parquet_root / "article_topics" / "published_month=2025-09" / "data.parquet").exists()
    assert not (w.staging_root / "r1").exists()


def test_changed_file_replaces_its_records(tmp_path: Path) -> None:
    w = wh(tmp_path)
    w.stage("r1", "articles", articles(["a", "b"], "f.jsonl", "r1", month=8), "p")
    w.stage("r1", "article_topics", topics(["a", "b"]), "p")
    w.commit(run_record("r1", 2), [], manifest("f.jsonl", "h1"))
    w.stage("r2", "articles", articles(["c"], "f.jsonl", "r2", month=9), "p")
    w.commit(run_record("r2", 1), ["f.jsonl"], manifest("f.jsonl", "h2"))
    assert w.query("select article_id from articles")["article_id"].to_list() == ["c"]
    assert w.query("select count(*) n from article_topics")["n"][0] == 0
    assert w.query("select file_hash from files")["file_hash"].to_list() == ["h2"]
    # the August partition emptied: its file is gone, September holds the new article
    assert not (w.parquet_root / "articles" / "published_month=2025-08").exists()
    assert (w.parquet_root / "articles" / "published_month=2025-09" / "data.parquet").exists()


def test_failed_commit_leaves_warehouse_unchanged(tmp_path: Path) -> None:
    w = wh(tmp_path)
    w.stage("r1", "articles", articles(["a"], "f.jsonl", "r1"), "p")
    w.commit(run_record("r1", 1), [], manifest("f.jsonl", "h1"))
    # r2 stages a row whose primary key collides with an existing article: insert fails
    w.stage("r2", "articles", articles(["x", "a"], "g.jsonl", "r2"), "p")
    with pytest.raises(Exception, match=r"(?i)constraint|duplicate"):
        w.commit(run_record("r2", 2), [], manifest("g.jsonl", "h9"))
    assert w.query("select article_id from articles")["article_id"].to_list() == ["a"]
    assert w.query("select run_id from runs")["run_id"].to_list() == ["r1"]
    assert w.query("select source_path from files")["source_path"].to_list() == ["f.jsonl"]


def test_staging_of_uncommitted_runs_is_cleared_on_open(tmp_path: Path) -> None:
    w = wh(tmp_path)
    w.stage("dead", "articles", articles(["a"], "f.jsonl", "dead"), "p")
    assert (w.staging_root / "dead").exists()
    w.ensure()
    assert not (w.staging_root / "dead").exists()
    assert w.query("select count(*) n from articles")["n"][0] == 0


def _hold_lock(
    root: str, ready: multiprocessing.synchronize.Event, release: multiprocessing.synchronize.Event
) -> None:
    w = Warehouse(Path(root), get_settings().sql_dir)
    with w.writer_lock():
        ready.set()
        release.wait(10)


def test_second_writer_gets_one_clear_error(tmp_path: Path) -> None:
    root = tmp_path / "wh"
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(root), ready, release))
    holder.start()
    try:
        assert ready.wait(10)
        w = Warehouse(root, get_settings().sql_dir)
        with (
            pytest.raises(WarehouseBusyError, match="another newsdesk run is writing"),
            w.writer_lock(timeout_s=0.3),
        ):
            pass
    finally:
        release.set()
        holder.join(10)
    with w.writer_lock(timeout_s=1):  # released when the holder ends
        pass


def test_query_on_missing_warehouse_is_a_clear_error(tmp_path: Path) -> None:
    w = Warehouse(tmp_path / "nowhere", get_settings().sql_dir)
    with pytest.raises(WarehouseError, match="no warehouse at"):
        w.query("select 1")


def test_views_exist_and_run_on_empty_warehouse(tmp_path: Path) -> None:
    w = wh(tmp_path)
    for view in (
        "stg_articles",
        "topic_frequency",
        "source_mix",
        "top_entities",
        "run_reconciliation",
    ):
        assert w.query(f"select count(*) n from {view}")["n"][0] == 0


def test_changed_archive_replaces_its_members_rows_and_partitions(tmp_path: Path) -> None:
    w = wh(tmp_path)
    w.stage("r1", "articles", articles(["a"], "b.zip!/feed.jsonl", "r1", month=8), "p")
    w.commit(run_record("r1", 1), [], manifest("b.zip", "h1"))
    assert w.seen(["b.zip"]).is_empty()  # its members count as the archive
    w.stage("r2", "articles", articles(["c"], "b.zip!/feed.jsonl", "r2", month=9), "p")
    w.commit(run_record("r2", 1), ["b.zip"], manifest("b.zip", "h2"))
    assert w.query("select article_id from articles")["article_id"].to_list() == ["c"]
    assert not (w.parquet_root / "articles" / "published_month=2025-08").exists()


def test_a_warehouse_from_before_a_new_runs_column_gains_it(tmp_path: Path) -> None:
    """Schema evolution of `runs`: a warehouse created before `records_skipped` existed
    gets the column on open, and its old rows read as null."""
    w = wh(tmp_path)
    w.commit(run_record("r1", 0), [], manifest("f.jsonl", "h1"))
    with w.connect() as con:
        con.execute("alter table runs drop column records_skipped")
    w.ensure()
    with w.connect() as con:
        rows = con.sql("select run_id, records_skipped from runs").fetchall()
    assert rows == [("r1", None)]


def test_duckdb_memory_is_capped_by_the_setting(tmp_path: Path) -> None:
    """A large run's commit spills to disk past the cap instead of taking the machine's RAM
    (DuckDB's default cap is 80% of it)."""
    w = Warehouse(tmp_path / "wh", get_settings().sql_dir, memory_limit="300MB")
    w.ensure()
    with w.connect() as con:
        ((limit, temp),) = con.sql(
            "select current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchall()
    assert limit in {"286.1 MiB", "300.0 MB"}  # DuckDB prints it in binary units
    assert temp == str(tmp_path / "wh" / ".duckdb-tmp")
    assert Warehouse(tmp_path / "wh", get_settings().sql_dir).memory_limit == "512MB"


def test_dedupe_keys_are_looked_up_for_a_shard_not_all_loaded(tmp_path: Path) -> None:
    """`seen(matching=...)`: only the loaded articles sharing a URL or a content hash with
    the shard come back (a run never holds the whole warehouse's keys)."""
    w = wh(tmp_path)
    rows = articles(["a", "b", "c"], "f.jsonl", "r1").with_columns(
        pl.Series("url", ["https://x/a", "https://x/b", None]),
        pl.Series("content_hash", ["ha", "hb", "hc"]),
    )
    w.stage("r1", "articles", rows, "p")
    w.commit(run_record("r1", 3), [], manifest("f.jsonl", "h1"))
    shard = pl.DataFrame(
        {"url": ["https://x/a", None, "https://x/new"], "content_hash": ["h1", "hc", "h2"]}
    )
    assert w.seen([], matching=shard)["article_id"].to_list() == ["a", "c"]
    assert w.seen(["f.jsonl"], matching=shard).is_empty()  # a file being replaced
    assert w.seen([])["article_id"].to_list() == ["a", "b", "c"]


def test_known_signatures_come_back_as_lsh_candidates_of_the_shard(tmp_path: Path) -> None:
    """`signatures(near=...)` selects in DuckDB the loaded articles that could be near copies
    of the shard's (and those with the same id): clustering against them gives what
    clustering against every loaded signature gives."""
    from newsdesk.syndication import (  # noqa: PLC0415
        NUM_PERM,
        SIGNATURE,
        assign_clusters,
        min_shared_bands,
        signatures,
    )

    from .test_syndication import STORY, edits_of, sample_bodies  # noqa: PLC0415

    others = list(sample_bodies()[:12])
    bodies = {"k-story": STORY, **{f"k{i}": b for i, b in enumerate(others)}}
    loaded = articles(list(bodies), "f.jsonl", "r1").with_columns(
        pl.Series("body", list(bodies.values())), pl.lit("a.com").alias("site")
    )
    w = wh(tmp_path)
    w.stage("r1", "articles", loaded, "p")
    w.stage(
        "r1",
        "article_signatures",
        assign_clusters(signatures(loaded), schema.empty(SIGNATURE)),
        "p",
    )
    w.commit(run_record("r1", len(bodies)), [], manifest("f.jsonl", "h1"))

    shard = articles(["n-copy", "n-other", "k3"], "g.jsonl", "r2").with_columns(
        pl.Series("body", [edits_of(STORY)["also_read"], "A short unrelated text.", others[3]]),
        pl.lit("b.com").alias("site"),
    )
    sigs = signatures(shard)
    near = w.signatures([], near=sigs, min_bands=min_shared_bands(0.7, NUM_PERM))
    assert {"k-story", "k3"} <= set(near["article_id"]) < set(bodies)
    every = w.signatures([])
    assert len(every) == len(bodies)
    expected = assign_clusters(sigs, every, 0.7)
    assert assign_clusters(sigs, near, 0.7).equals(expected)
    assert dict(zip(expected["article_id"], expected["cluster_id"], strict=True))["n-copy"] == (
        "k-story"
    )


def _hold_duckdb(
    db: str, ready: multiprocessing.synchronize.Event, seconds: float
) -> None:  # another process with the DuckDB file open (an analyst's session)
    import duckdb  # noqa: PLC0415

    con = duckdb.connect(db)
    ready.set()
    time.sleep(seconds)
    con.close()


def test_a_run_waits_while_another_process_holds_the_duckdb_file(tmp_path: Path) -> None:
    """DuckDB admits one writing process: a run's lookups and commit wait for an analyst's
    session in another process to let go, instead of failing the run."""
    w = wh(tmp_path)
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    holder = ctx.Process(target=_hold_duckdb, args=(str(w.db_path), ready, 1.5))
    holder.start()
    try:
        assert ready.wait(30)
        started = time.monotonic()
        assert w.seen([]).is_empty()  # opened once the other process closed the file
        assert time.monotonic() - started > 0.5
    finally:
        holder.join(30)
