"""Settings: shipped defaults, overridden by a TOML file and then by ``NEWSDESK_*`` env vars.

Precedence (highest first): explicit arguments (CLI options) > environment variables
(``NEWSDESK_WAREHOUSE=...``) > the file named by ``NEWSDESK_CONFIG`` (or ``newsdesk.toml``
in the working directory) > the defaults below.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

#: Repository root when running from a checkout (``flows/newsdesk/settings.py`` → root).
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _config_file() -> Path:
    return Path(os.environ.get("NEWSDESK_CONFIG", "newsdesk.toml"))


class Settings(BaseSettings):
    """Every knob newsdesk has. Paths are relative to the working directory unless absolute."""

    model_config = SettingsConfigDict(env_prefix="NEWSDESK_", extra="ignore")

    warehouse: Path = Field(default=Path("data/warehouse"), description="Warehouse folder.")
    sample: Path = Field(default=Path("data/sample"), description="Default input PATH.")
    reference_dir: Path = Field(
        default=PROJECT_ROOT / "data" / "reference",
        description="Reference data: furniture phrases, sources, gazetteer, taxonomy.",
    )
    sql_dir: Path = Field(default=PROJECT_ROOT / "sql", description="DDL, views and queries.")
    expectations_dir: Path = Field(
        default=PROJECT_ROOT / "expectations", description="Great Expectations suites."
    )
    batch_files: int = Field(
        # 2026-12-07, `newsdesk run` on synth --n 20000, 2 alternating runs: 5000 took 0.77x
        # the CPU and 0.80x the wall time of 2000, at 1.10-1.22x the peak RSS (1.1-1.3 GiB)
        default=5000,
        ge=1,
        description="Input files per shard (each stage call and GX validation has a fixed "
        "cost per shard, so large shards run faster; batch_bytes still caps memory).",
    )
    batch_bytes: int = Field(
        default=64 * 1024 * 1024, ge=1024, description="Soft cap on raw bytes per batch."
    )
    stream_chunk_records: int = Field(
        default=1000, ge=1, description="Records per shard when streaming a WARC file."
    )
    max_file_bytes: int = Field(
        default=256 * 1024 * 1024,
        ge=1,
        description="Larger single-article files are quarantined instead of read.",
    )
    max_record_chars: int = Field(
        default=2_000_000, ge=1, description="Larger records are quarantined (too big)."
    )
    quarantine_raw_chars: int = Field(
        default=20_000, ge=100, description="How much of a bad record quarantine keeps."
    )
    near_duplicate_threshold: float = Field(
        default=0.7,
        gt=0,
        le=1,
        description="Estimated Jaccard similarity (word 5-shingles) that makes a near copy.",
    )
    quality_thresholds: dict[str, float] = Field(
        default_factory=dict,
        description="Overrides of the batch checks' thresholds (newsdesk.quality."
        'BatchThresholds field names), e.g. {"max_quarantine_share": 0.2}.',
    )
    quality_hold_failed_runs: bool = Field(
        default=False,
        description="When a run fails a critical batch check, publish none of its rows "
        "(status failed_checks; its files stay unloaded so the next run retries them).",
    )
    shards_in_flight: int = Field(
        default=2, ge=1, description="Shards processed (and held in memory) at once."
    )
    retag_batch_rows: int = Field(default=5000, ge=1, description="Articles per retag batch.")
    duckdb_memory_limit: str = Field(
        default="512MB",
        pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        description="DuckDB's memory cap for the warehouse (commits, Parquet export, "
        "queries); beyond it DuckDB spills to <warehouse>/.duckdb-tmp. Without a cap a large "
        "run's commit takes most of its RAM (DuckDB's default is 80% of the machine).",
    )
    lock_wait_seconds: float = Field(
        default=0.0, ge=0, description="How long a run waits for another run's writer lock."
    )
    min_body_words: int = Field(default=20, ge=1, description="Shorter bodies are quarantined.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=_config_file()),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; tests call ``get_settings.cache_clear()``)."""
    return Settings()
