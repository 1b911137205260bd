"""Shared fixtures: paths, a tiny article factory, and Prefect's test harness for flows."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from newsdesk import schema
from newsdesk.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "sample" / "newsdesk-seed" / "000_a44e334fb6fbc269.txt"
SAMPLE = ROOT / "data" / "sample"
GOLDEN = ROOT / "tests" / "golden"


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test sees settings built from its own environment."""
    monkeypatch.delenv("NEWSDESK_CONFIG", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def make_articles(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """An ``ARTICLE`` frame from partial rows (missing columns are null)."""
    return schema.conform(pl.DataFrame(rows, infer_schema_length=None), schema.ARTICLE)


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """Prefect's test harness: a throwaway local API for the flow tests (started once)."""
    from prefect.testing.utilities import prefect_test_harness  # noqa: PLC0415

    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    with prefect_test_harness(server_startup_timeout=120):
        yield
