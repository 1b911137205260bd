"""Loading reference tables from ``data/reference/`` (CSV with ``#`` comment lines)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import polars as pl

from newsdesk.settings import get_settings


def reference_path(name: str) -> Path:
    """Path of a reference file by name, under the configured reference folder."""
    return get_settings().reference_dir / name


@lru_cache(maxsize=64)
def _load(path: Path, mtime_ns: int) -> pl.DataFrame:
    del mtime_ns  # part of the cache key only: an edited file is read again
    return pl.read_csv(path, comment_prefix="#", infer_schema=False)


def load_csv(name: str) -> pl.DataFrame:
    """A reference CSV as an all-string frame, cached until the file changes."""
    path = reference_path(name)
    if not path.exists():
        raise FileNotFoundError(f"reference file missing: {path}")
    return _load(path, path.stat().st_mtime_ns)
