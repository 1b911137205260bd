"""CLI: user errors are one clear line and exit 2, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsdesk.cli import app

runner = CliRunner()


def test_help_everywhere() -> None:
    for args in (
        ["--help"],
        ["run", "--help"],
        ["query", "--help"],
        ["synth", "--help"],
        ["explain", "--help"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, args
        assert "Usage" in result.output


def test_run_missing_path_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", str(tmp_path / "nope"), "--warehouse", str(tmp_path)])
    assert result.exit_code == 2
    assert "no such file or folder" in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_run_warehouse_is_a_file(tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    result = runner.invoke(app, ["run", str(tmp_path), "--warehouse", str(f)])
    assert result.exit_code == 2
    assert "is not a folder" in result.output


def test_query_list_describes_each_query() -> None:
    result = runner.invoke(app, ["query", "--list"])
    assert result.exit_code == 0
    for name in ("topic_share_by_month", "source_mix_by_site", "top_entities"):
        assert name in result.output


def test_unknown_query_and_missing_warehouse(tmp_path: Path) -> None:
    result = runner.invoke(app, ["query", "nope", "--warehouse", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown query 'nope'" in result.output
    result = runner.invoke(app, ["query", "top_entities", "--warehouse", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "no warehouse at" in result.output
    assert "Traceback" not in result.output


def test_bad_format_option(tmp_path: Path) -> None:
    result = runner.invoke(app, ["query", "top_entities", "--format", "xml"])
    assert result.exit_code == 2
    assert "unknown --format 'xml'" in result.output


def test_bad_setting_is_one_line_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsdesk.settings import get_settings  # noqa: PLC0415

    monkeypatch.setenv("NEWSDESK_DUCKDB_MEMORY_LIMIT", "lots")
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["run", str(tmp_path)])
    finally:
        monkeypatch.delenv("NEWSDESK_DUCKDB_MEMORY_LIMIT")
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "NEWSDESK_DUCKDB_MEMORY_LIMIT='lots'" in lines[0]
