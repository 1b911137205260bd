"""End to end: the real Prefect flow into a real DuckDB file.

Covers the seed's exact row, the sample's reconciliation, views and queries, idempotency
(a second run loads nothing), a changed file replacing its records, and atomicity (a run that
fails mid-way leaves the warehouse as it was).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from newsdesk.settings import get_settings

from .conftest import SAMPLE, SEED

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("prefect_harness")]

TABLES = (
    "articles",
    "entities",
    "entity_mentions",
    "article_topics",
    "quarantine",
    "duplicates",
    "files",
    "runs",
)


def run_flow(paths: list[Path], warehouse: Path):  # type: ignore[no-untyped-def]
    from newsdesk.flow import newsdesk_flow  # noqa: PLC0415

    return newsdesk_flow(paths=[str(p) for p in paths], warehouse=str(warehouse))


def q(warehouse: Path, sql: str) -> pl.DataFrame:
    with duckdb.connect(str(warehouse / "newsdesk.duckdb"), read_only=True) as con:
        return con.sql(sql).pl()


def snapshot(warehouse: Path) -> dict[str, list[tuple]]:
    return {t: sorted(q(warehouse, f"select * from {t}").rows(), key=repr) for t in TABLES}


def test_seed_comes_out_exactly(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    wh = tmp_path / "wh"
    summary = run_flow([folder], wh)
    assert (summary.records_in, summary.loaded, summary.quarantined) == (1, 1, 0)
    row = q(wh, "select * from articles").row(0, named=True)
    assert row["title"] == "Macron Says 26 Countries Ready to Send Troops For Ukraine Ceasefire"
    assert row["author"] == "News Desk"
    assert row["view_count"] == 2
    assert row["original_source"] == "BBC"
    assert row["body"].startswith("Twenty-six Western allies")
    assert row["body"].endswith("Steve Witkoff on Thursday.")
    for furniture in (
        "Home »",
        "2 views",
        "A+A-",
        "Reset",
        "(BBC)",
        "WhatsApp channel banner",
        "You may also like",
        "00:00",
        "Flash plugin",
        "Adblock",
    ):
        assert furniture not in row["body"]
    assert row["source_path"] == str(folder / SEED.name)
    assert row["record_key"] == ""
    assert row["language"] == "en"
    people = set(
        q(
            wh,
            """select e.name from entity_mentions m join entities e using (entity_id)
                          where e.type = 'PERSON'""",
        )["name"]
    )
    assert people == {
        "Emmanuel Macron",
        "Vladimir Putin",
        "Donald Trump",
        "Volodymyr Zelensky",
        "Alexander Stubb",
        "Keir Starmer",
        "Friedrich Merz",
        "Steve Witkoff",
    }
    spans = q(
        wh,
        """select a.body, m.surface, m.start_char, m.end_char
                     from entity_mentions m join articles a using (article_id)""",
    )
    for body, surface, start, end in spans.rows():
        assert body[start:end] == surface
    topics = q(wh, "select topic_code, is_primary from article_topics")
    primary = topics.filter(pl.col("is_primary"))["topic_code"].to_list()
    assert primary == ["medtop:16000000"]
    assert "medtop:11000000" in topics["topic_code"].to_list()


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    wh = tmp_path_factory.mktemp("sample") / "wh"
    first = run_flow([SAMPLE], wh)
    return wh, first


def test_sample_reconciles_and_quarantines_bad_input(sample_run) -> None:  # type: ignore[no-untyped-def]
    wh, s = sample_run
    assert s.records_in == s.loaded + s.duplicates + s.quarantined
    assert s.loaded >= 40
    assert s.duplicates >= 2
    runs = q(wh, "select * from run_reconciliation")
    assert runs["reconciles"].all()
    reasons = q(wh, "select source_path, stage, reason from quarantine")
    by_path = {Path(p).name: r for p, _, r in reasons.rows()}
    assert "empty" in by_path["empty.txt"]
    assert "binary" in by_path["binary.txt"]
    assert reasons.filter(pl.col("reason").str.contains("invalid JSON")).height >= 1
    # every quarantined record names its reason; nothing disappears
    assert reasons["reason"].str.len_chars().min() > 5  # type: ignore[operator]
    counts = q(
        wh,
        """select (select count(*) from articles) a, (select count(*) from duplicates) d,
                             (select count(*) from quarantine) q""",
    ).row(0)
    assert counts == (s.loaded, s.duplicates, s.quarantined)


def test_sample_views_and_queries_are_not_empty(sample_run) -> None:  # type: ignore[no-untyped-def]
    wh, _ = sample_run
    for view in (
        "topic_frequency",
        "topic_frequency_by_source",
        "source_mix",
        "top_entities",
        "entity_cooccurrence",
        "theme_frequency",
    ):
        assert q(wh, f"select count(*) n from {view}")["n"][0] > 0, view
    for path in sorted((get_settings().sql_dir / "queries").glob("*.sql")):
        assert q(wh, path.read_text()).height > 0, path.name
    # the per-site furniture profile was learnt from the sites' repeated page furniture
    assert q(wh, "select count(distinct site) n from site_furniture where docs >= 3")["n"][0] >= 5
    mix = q(wh, "select * from source_mix")
    assert mix["syndicated"].sum() > 0
    assert "Reuters" in mix["original_source"].to_list()


def test_sample_lineage(sample_run) -> None:  # type: ignore[no-untyped-def]
    wh, s = sample_run
    orphans = q(
        wh,
        """select count(*) n from articles a
                       left join files f using (source_path)
                       left join runs r on r.run_id = a.run_id
                       where f.source_path is null or r.run_id is null""",
    )
    assert orphans["n"][0] == 0
    versions = q(wh, "select distinct code_version from articles")["code_version"].to_list()
    assert (
        versions
        == q(wh, f"select code_version from runs where run_id = '{s.run_id}'")[
            "code_version"
        ].to_list()
    )


def test_parquet_export_matches_tables(sample_run) -> None:  # type: ignore[no-untyped-def]
    wh, _ = sample_run
    with duckdb.connect() as con:
        n = con.sql(
            f"select count(*) from read_parquet('{wh}/parquet/articles/*/*.parquet', "
            "hive_partitioning = true)"
        ).fetchall()[0][0]
    assert n == q(wh, "select count(*) n from articles")["n"][0]


def test_second_run_loads_nothing_and_changed_file_replaces(
    tmp_path: Path,
    sample_run,  # type: ignore[no-untyped-def]
) -> None:
    src = tmp_path / "in"
    shutil.copytree(SAMPLE, src)
    wh = tmp_path / "wh"
    first = run_flow([src], wh)
    before = snapshot(wh)
    second = run_flow([src], wh)
    assert (second.records_in, second.loaded, second.files_processed) == (0, 0, 0)
    after = snapshot(wh)
    assert {t: v for t, v in after.items() if t != "runs"} == {
        t: v for t, v in before.items() if t != "runs"
    }
    # change one JSONL feed: its records are replaced, nothing else moves
    feed = sorted(src.rglob("*.jsonl"))[0]
    lines = feed.read_text().splitlines()
    feed.write_text("\n".join(lines[:1]) + "\n")
    third = run_flow([src], wh)
    assert third.files_processed == 1
    assert third.records_in == 1
    assert q(wh, f"select count(*) n from articles where source_path = '{feed}'")["n"][0] <= 1
    total = q(wh, "select count(*) n from articles")["n"][0]
    assert total <= first.loaded


def test_failed_run_leaves_warehouse_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newsdesk.flow as flow_module  # noqa: PLC0415

    src = tmp_path / "in"
    shutil.copytree(SAMPLE, src)
    wh = tmp_path / "wh"
    first_half = sorted(p for p in src.rglob("*") if p.is_file())[:10]
    run_flow(first_half, wh)
    before = snapshot(wh)

    calls = {"n": 0}
    real = flow_module.classify_topics_and_themes

    def flaky(articles: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        calls["n"] += 1
        if calls["n"] == 3:  # fail in the third batch, after two batches were staged
            raise RuntimeError("simulated crash in the topics stage")
        return real(articles)

    monkeypatch.setenv("NEWSDESK_BATCH_FILES", "5")
    get_settings.cache_clear()
    monkeypatch.setattr(flow_module, "classify_topics_and_themes", flaky)
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_flow([src], wh)
    assert calls["n"] >= 3  # shards run two at a time: a neighbour may have started
    assert snapshot(wh) == before
    # the failed run's staging is kept for a retry; the next run clears it and loads all
    monkeypatch.setattr(flow_module, "classify_topics_and_themes", real)
    summary = run_flow([src], wh)
    assert summary.reconciles
    assert not any((wh / "_staging").iterdir())


def test_retried_flow_run_reuses_finished_shards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newsdesk.flow as flow_module  # noqa: PLC0415

    src = tmp_path / "in"
    shutil.copytree(SAMPLE, src)
    wh = tmp_path / "wh"
    monkeypatch.setenv("NEWSDESK_BATCH_FILES", "5")
    monkeypatch.setenv("NEWSDESK_SHARDS_IN_FLIGHT", "1")
    get_settings.cache_clear()
    real = flow_module.classify_topics_and_themes
    classified: list[str] = []
    calls = {"n": 0}
    failed = {"done": False}

    def flaky_once(articles: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        calls["n"] += 1
        if calls["n"] == 4 and not failed["done"]:
            failed["done"] = True
            raise RuntimeError("transient failure in the fourth shard")
        classified.extend(articles["article_id"].to_list())
        return real(articles)

    monkeypatch.setattr(flow_module, "classify_topics_and_themes", flaky_once)
    retrying = flow_module.newsdesk_flow.with_options(retries=1, retry_delay_seconds=0)
    summary = retrying(paths=[str(src)], warehouse=str(wh))
    assert failed["done"]
    assert summary.reconciles
    # no article was classified twice: the retry skipped the shards already staged
    assert len(classified) == len(set(classified))
    assert q(wh, "select count(*) n from articles")["n"][0] == summary.loaded


def test_warc_streams_in_chunks_through_the_flow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A WARC is read chunk by chunk, one shard each, and every record reconciles; its
    records that are no articles (requests, an image) are counted in the run, by kind."""
    import io  # noqa: PLC0415

    from warcio.statusandheaders import StatusAndHeaders  # noqa: PLC0415
    from warcio.warcwriter import WARCWriter  # noqa: PLC0415

    src = tmp_path / "in"
    src.mkdir()
    paragraph = (
        "<p>The regional council approved a new budget for roads and schools on Monday, "
        "after a debate that lasted late into the night, officials said in story {i}.</p>"
    )
    with (src / "crawl.warc.gz").open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for i in range(25):
            html = (
                f"<html><head><title>Council budget story {i}</title></head><body>"
                f"<article><h1>Council budget story {i}</h1>"
                + paragraph.format(i=i) * 3
                + "</article></body></html>"
            ).encode()
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            request = StatusAndHeaders(f"GET /story-{i} HTTP/1.1", [], is_http_request=True)
            writer.write_record(
                writer.create_warc_record(
                    f"https://example.org/story-{i}", "request", http_headers=request
                )
            )
            writer.write_record(
                writer.create_warc_record(
                    f"https://example.org/story-{i}",
                    "response",
                    payload=io.BytesIO(html),
                    http_headers=headers,
                )
            )
        image = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
        writer.write_record(
            writer.create_warc_record(
                "https://example.org/logo.png",
                "response",
                payload=io.BytesIO(b"\x89PNG..."),
                http_headers=image,
            )
        )
    monkeypatch.setenv("NEWSDESK_STREAM_CHUNK_RECORDS", "10")
    get_settings.cache_clear()
    wh = tmp_path / "wh"
    summary = run_flow([src], wh)
    assert (summary.records_in, summary.loaded) == (25, 25)
    keys = q(wh, "select record_key, url from articles order by url")
    assert keys["url"].str.starts_with("https://example.org/story-").all()
    assert keys["record_key"].n_unique() == 25  # record key = the record's byte offset
    skipped = {"request": 25, "response not HTML": 1}
    assert summary.records_skipped == skipped
    assert json.loads(q(wh, "select records_skipped from runs")["records_skipped"][0]) == skipped


def test_requeue_reprocesses_quarantined_records_after_a_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rule was too strict; after the fix, `newsdesk requeue` loads what it had stopped,
    and the warehouse still accounts for every record exactly once."""
    from typer.testing import CliRunner  # noqa: PLC0415

    from newsdesk.cli import app  # noqa: PLC0415

    src = tmp_path / "in"
    shutil.copytree(SAMPLE, src)
    wh = tmp_path / "wh"
    monkeypatch.setenv("NEWSDESK_MIN_BODY_WORDS", "400")  # the too-strict rule
    get_settings.cache_clear()
    run_flow([src], wh)
    stopped = q(wh, "select count(*) n from quarantine where contains(reason, 'word_count')")
    assert stopped["n"][0] > 0
    loaded_before = q(wh, "select count(*) n from articles")["n"][0]

    monkeypatch.delenv("NEWSDESK_MIN_BODY_WORDS")  # the fix
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["requeue", "--reason", "word_count", "--warehouse", str(wh)])
    assert result.exit_code == 0, result.output
    assert "reconciliation" in result.output
    assert (
        q(wh, "select count(*) n from quarantine where contains(reason, 'word_count')")["n"][0] == 0
    )
    assert q(wh, "select count(*) n from articles")["n"][0] > loaded_before
    accounted = q(
        wh,
        """select (select count(*) from articles) + (select count(*) from duplicates)
                + (select count(*) from quarantine) as rows,
                  (select sum(records_in) from files) as records""",
    ).row(0)
    assert accounted[0] == accounted[1]


def test_docs_build_to_the_warehouse(sample_run) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner  # noqa: PLC0415

    from newsdesk.cli import app  # noqa: PLC0415

    wh, _ = sample_run
    result = CliRunner().invoke(app, ["docs", "--warehouse", str(wh)])
    assert result.exit_code == 0, result.output
    index = Path(result.output.strip().splitlines()[-1])
    assert index == wh / "docs" / "index.html"
    html = index.read_text()
    for suite in ("articles", "entity_mentions", "article_topics"):
        assert suite in html
    results = q(wh, "select distinct suite from validation_results")["suite"].to_list()
    assert {"articles", "entity_mentions", "article_topics", "batch"} <= set(results)


def test_new_theme_file_is_tagged_by_retag_without_reingesting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An analyst adds a theme as a file; `newsdesk retag` tags the existing warehouse."""
    from typer.testing import CliRunner  # noqa: PLC0415

    from newsdesk.cli import app  # noqa: PLC0415

    reference = tmp_path / "reference"
    shutil.copytree(get_settings().reference_dir, reference)
    monkeypatch.setenv("NEWSDESK_REFERENCE_DIR", str(reference))
    get_settings.cache_clear()
    src = tmp_path / "in"
    shutil.copytree(SAMPLE, src)
    wh = tmp_path / "wh"
    run_flow([src], wh)
    assert (
        q(wh, "select count(*) n from article_themes where theme = 'ceasefire_diplomacy'")["n"][0]
        == 0
    )
    runs_before = q(wh, "select count(*) n from runs")["n"][0]

    (reference / "themes" / "ceasefire_diplomacy.csv").write_text(
        "# name: ceasefire diplomacy\n"
        "# description: Talks towards a ceasefire and the guarantees around it.\n"
        "term,weight\nceasefire,3\nsecurity guarantees,3\npeace deal,3\n"
        "coalition of the willing,3\n"
    )
    result = CliRunner().invoke(app, ["retag", "--warehouse", str(wh)])
    assert result.exit_code == 0, result.output
    tagged = q(
        wh,
        """select a.title from article_themes t join articles a using (article_id)
           where t.theme = 'ceasefire_diplomacy'""",
    )["title"].to_list()
    assert "Macron Says 26 Countries Ready to Send Troops For Ukraine Ceasefire" in tagged
    assert q(wh, "select count(*) n from runs")["n"][0] == runs_before  # nothing re-ingested
    primary = q(wh, "select count(*) n from article_topics where is_primary")["n"][0]
    assert primary > 0
