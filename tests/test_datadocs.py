"""Tests for Data Docs (newsdesk.datadocs): the site builds from stored results and suites."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from newsdesk.datadocs import GX_DIR, build_data_docs
from newsdesk.settings import PROJECT_ROOT
from newsdesk.validate import VALIDATION_RESULT

SUITES = PROJECT_ROOT / "expectations"
RUN_1 = "20250101T080000Z-aaaaaaaa"
RUN_2 = "20250102T080000Z-bbbbbbbb"


def seen(bad: int, rows: int) -> str:
    return f"{bad} unexpected of {rows} rows"


def results() -> pl.DataFrame:
    """Two runs; run 2 in two batches, with a critical failure, a warning and batch checks."""
    regex, in_set = "expect_column_values_to_match_regex", "expect_column_values_to_be_in_set"
    pair = "expect_column_pair_values_a_to_be_greater_than_b"
    crit, warn = "critical", "warning"
    rows = [
        (RUN_1, "articles", regex, "url", True, 0, crit, seen(0, 10) + ", 4 null (not checked)"),
        (RUN_1, "entity_mentions", pair, "end_char,start_char", True, 0, crit, seen(0, 30)),
        (RUN_1, "article_topics", in_set, "topic_code", True, 0, crit, seen(0, 20)),
        (RUN_2, "articles", regex, "url", False, 2, crit, seen(2, 10)),
        (RUN_2, "articles", regex, "url", True, 0, crit, seen(0, 5)),
        (RUN_2, "articles", in_set, "language", False, 1, warn, seen(1, 10)),
        (RUN_2, "article_topics", in_set, "topic_code", False, 3, crit, seen(3, 20)),
        (RUN_2, "batch", "site_volume_drop", "site", False, 1, crit, "c.example: 0 (median 300)"),
        (RUN_2, "batch", "duplicate_share", None, True, 2, warn, "duplicates 2/74 = 2.7%"),
    ]
    return pl.DataFrame(rows, schema=VALIDATION_RESULT, orient="row")


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("wh") / "docs"
    index = build_data_docs(results(), SUITES, target)
    assert index == target / "index.html"
    return target


def test_index_lists_runs_suites_and_results(site: Path) -> None:
    page = text(site / "index.html")
    for name in ("articles", "entity_mentions", "article_topics", "batch"):
        assert f">{name}<" in page
    assert page.index(RUN_2) < page.index(RUN_1)  # newest first
    assert "site_volume_drop" in page and "c.example: 0 (median 300)" in page
    # run 2's two batches are combined: 2 unexpected of 15 rows
    assert "2 unexpected of 15 rows" in page
    assert "✘ fail" in page and "⚠ warn" in page and "✔ pass" in page
    # notes from the suite files explain each expectation
    assert "offsets" in page.lower() and "taxonomy" in page
    assert "$published_at_max (filled at run time)" in page
    assert "<script" not in page and not re.search(r'(src|href)="https?:', page)  # offline


def test_gx_site_has_suite_and_validation_pages(site: Path) -> None:
    gx = site / GX_DIR
    for name in ("articles", "entity_mentions", "article_topics"):
        assert (gx / "expectations" / f"{name}.html").exists()
    pages = sorted(p.relative_to(gx).as_posix() for p in (gx / "validations").rglob("*.html"))
    assert len(pages) == 5  # (run 1: 3 suites) + (run 2: articles, article_topics)
    assert any(RUN_2 in p and p.endswith("article_topics.html") for p in pages)
    index = text(site / "index.html")
    for page in pages:
        assert f'href="{GX_DIR}/{page}"' in index
    rendered = text(next(p for p in (gx / "validations").rglob("entity_mentions.html")))
    assert "end_char" in rendered and "start_char" in rendered


def test_rebuild_replaces_the_site(tmp_path: Path) -> None:
    target = tmp_path / "docs"
    target.mkdir()
    (target / "stale.html").write_text("old", encoding="utf-8")
    build_data_docs(results().filter(pl.col("run_id") == RUN_1), SUITES, target, gx_site=False)
    assert not (target / "stale.html").exists()
    assert not (target / GX_DIR).exists()
    assert RUN_2 not in text(target / "index.html")
    assert [p.name for p in tmp_path.iterdir()] == ["docs"]  # no staging left behind


def test_max_runs_and_run_times(tmp_path: Path) -> None:
    later = {RUN_1: datetime(2030, 1, 1, tzinfo=UTC)}  # run 1 is now the newest
    index = build_data_docs(
        results(), SUITES, tmp_path / "d", run_times=later, max_runs=1, gx_site=False
    )
    page = text(index)
    assert RUN_1 in page and RUN_2 not in page
    assert "1 of 2 runs" in page
    assert "2030-01-01 00:00:00" in page


def test_empty_results_build_a_page(tmp_path: Path) -> None:
    index = build_data_docs(
        pl.DataFrame(schema=VALIDATION_RESULT), SUITES, tmp_path / "d", gx_site=False
    )
    assert "No runs yet" in text(index)
    assert re.search(r'id="suite-articles"', text(index))


def test_gx_render_errors_are_not_silent(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        build_data_docs(results(), SUITES, tmp_path / "d")
    assert "unexpected Exception occurred during data docs rendering" not in caplog.text


def test_importing_datadocs_does_not_import_gx() -> None:
    code = "import sys, newsdesk.datadocs; assert 'great_expectations' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PROJECT_ROOT)
