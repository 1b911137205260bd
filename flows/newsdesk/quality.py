"""Batch-level checks: does this run look like the runs before it?

Row-level expectations (``newsdesk.validate``) judge one record at a time; these judge a whole
run against its own inputs and the warehouse's history, to flag a run that looks wrong before
analysts see it: half the usual volume, a site that vanished, every date null.

``batch_checks(run, history, per_site, site_history)`` is a pure function. It returns one row per
check in the shape of ``validate.VALIDATION_RESULT`` (``suite = "batch"``; ``expectation`` is the
check's name), so the rows go to the ``validation_results`` table with the GX results. A check
that cannot judge (too few records, not enough history, nothing read) succeeds and says why in
``observed_value``. ``failed_checks(checks)`` is true when a *critical* check failed: the run's
status should then be ``failed_checks``.

Checks (thresholds are fields of ``BatchThresholds``; defaults are the ``DEFAULT_*`` constants):

- ``records_reconcile`` (critical): ``records_in == loaded + duplicates + quarantined``.
- ``loaded_within_history`` (critical): ``loaded`` is at least ``min_loaded_share_of_median`` of
  the median ``loaded`` of the last ``history_runs`` completed runs with similar input size
  (``records_in`` within a factor ``similar_input_factor``); judged once ``min_history_runs``
  such runs exist.
- ``null_date_share`` (critical): the share of loaded articles without ``published_at`` is at
  most ``max_null_date_share``.
- ``quarantine_share`` (critical): quarantined records ≤ ``max_quarantine_share`` of records read.
- ``duplicate_share`` (warning): duplicates ≤ ``max_duplicate_share`` of records read.
- ``site_volume_drop`` (critical): a site that loaded at least ``site_min_articles`` in each of
  the last ``site_history_runs`` comparable runs now loads less than ``site_min_share`` of its
  median there (0 included).

The share checks judge only runs that read at least ``min_records_for_shares`` records.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from newsdesk import schema
from newsdesk.validate import CRITICAL, VALIDATION_RESULT, WARNING

BATCH_SUITE = "batch"
#: Name under which an article without a site is counted per site.
NO_SITE = "(no site)"

DEFAULT_HISTORY_RUNS = 10
DEFAULT_MIN_HISTORY_RUNS = 3
DEFAULT_SIMILAR_INPUT_FACTOR = 2.0
DEFAULT_MIN_LOADED_SHARE_OF_MEDIAN = 0.5
DEFAULT_MAX_NULL_DATE_SHARE = 0.2
DEFAULT_MAX_QUARANTINE_SHARE = 0.1
DEFAULT_MAX_DUPLICATE_SHARE = 0.3
DEFAULT_MIN_RECORDS_FOR_SHARES = 20
DEFAULT_SITE_MIN_ARTICLES = 5
DEFAULT_SITE_HISTORY_RUNS = 3
DEFAULT_SITE_MIN_SHARE = 0.5

#: Run statuses whose counts make a baseline (a run that failed its checks does not).
BASELINE_STATUSES = ("completed",)

#: Keys ``run`` must have.
RUN_KEYS = ("run_id", "records_in", "loaded", "duplicates", "quarantined", "undated")

#: Check name → severity.
CHECKS: dict[str, str] = {
    "records_reconcile": CRITICAL,
    "loaded_within_history": CRITICAL,
    "null_date_share": CRITICAL,
    "quarantine_share": CRITICAL,
    "duplicate_share": WARNING,
    "site_volume_drop": CRITICAL,
}

#: ``history`` columns used (the ``runs`` table has them all).
HISTORY: dict[str, pl.DataType] = {
    "run_id": pl.String(),
    "started_at": schema.UTC_TS,
    "status": pl.String(),
    "records_in": pl.Int64(),
    "loaded": pl.Int64(),
}
#: ``per_site``: this run's loaded articles per site.
SITE_COUNT: dict[str, pl.DataType] = {"site": pl.String(), "loaded": pl.Int64()}
#: ``site_history``: earlier runs' loaded articles per site.
SITE_HISTORY: dict[str, pl.DataType] = {"run_id": pl.String(), **SITE_COUNT}


@dataclass(frozen=True)
class BatchThresholds:
    """Every threshold of the batch checks (settings: ``quality_<field name>``)."""

    history_runs: int = DEFAULT_HISTORY_RUNS
    min_history_runs: int = DEFAULT_MIN_HISTORY_RUNS
    similar_input_factor: float = DEFAULT_SIMILAR_INPUT_FACTOR
    min_loaded_share_of_median: float = DEFAULT_MIN_LOADED_SHARE_OF_MEDIAN
    max_null_date_share: float = DEFAULT_MAX_NULL_DATE_SHARE
    max_quarantine_share: float = DEFAULT_MAX_QUARANTINE_SHARE
    max_duplicate_share: float = DEFAULT_MAX_DUPLICATE_SHARE
    min_records_for_shares: int = DEFAULT_MIN_RECORDS_FOR_SHARES
    site_min_articles: int = DEFAULT_SITE_MIN_ARTICLES
    site_history_runs: int = DEFAULT_SITE_HISTORY_RUNS
    site_min_share: float = DEFAULT_SITE_MIN_SHARE

    def __post_init__(self) -> None:
        for name in ("history_runs", "min_history_runs", "site_history_runs"):
            if getattr(self, name) < 1:
                raise ValueError(f"BatchThresholds.{name} must be at least 1")
        if self.similar_input_factor < 1:
            raise ValueError("BatchThresholds.similar_input_factor must be at least 1")
        if self.min_history_runs > self.history_runs:
            raise ValueError("BatchThresholds.min_history_runs must not exceed history_runs")


DEFAULT_THRESHOLDS = BatchThresholds()


def site_counts(articles: pl.DataFrame) -> pl.DataFrame:
    """``SITE_COUNT`` rows for loaded articles (``site`` column; null counts as ``NO_SITE``)."""
    return schema.conform(
        articles.group_by(pl.col("site").fill_null(NO_SITE))
        .agg(pl.len().alias("loaded"))
        .sort("site"),
        SITE_COUNT,
    )


def undated_count(articles: pl.DataFrame) -> int:
    """Loaded articles without a publication date (``run["undated"]``)."""
    return int(articles.get_column("published_at").null_count())


def failed_checks(results: pl.DataFrame) -> bool:
    """True when any critical row of ``results`` failed.

    Pass the ``batch_checks`` rows to decide a run's status: critical GX failures have already
    stopped their rows in quarantine and do not make the run itself suspect.
    """
    return bool(results.filter((pl.col("severity") == CRITICAL) & ~pl.col("success")).height)


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} = {part / whole:.1%}" if whole else f"{part}/0"


def _row(
    run_id: str, check: str, column: str | None, *, ok: bool, unexpected: int, observed: str
) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "suite": BATCH_SUITE,
        "expectation": check,
        "column": column,
        "success": ok,
        "unexpected_count": unexpected,
        "severity": CHECKS[check],
        "observed_value": observed,
    }


def _comparable_runs(
    run: Mapping[str, Any], history: pl.DataFrame, limit: int, factor: float
) -> pl.DataFrame:
    """The last ``limit`` baseline runs (newest first) that read a similar number of records."""
    records = int(run["records_in"])
    low, high = records / factor, records * factor
    return (
        schema.conform(history, HISTORY)
        .filter(
            (pl.col("run_id") != run["run_id"])
            & pl.col("status").is_in(BASELINE_STATUSES)
            & (pl.col("records_in") > 0)
            & pl.col("records_in").is_between(low, high)
        )
        .sort("started_at", "run_id", descending=True, nulls_last=True)
        .head(limit)
    )


def _check_reconcile(run: Mapping[str, Any]) -> dict[str, Any]:
    records, loaded = int(run["records_in"]), int(run["loaded"])
    accounted = loaded + int(run["duplicates"]) + int(run["quarantined"])
    return _row(
        run["run_id"],
        "records_reconcile",
        "records_in",
        ok=records == accounted,
        unexpected=abs(records - accounted),
        observed=f"records_in {records}; loaded + duplicates + quarantined = {accounted}",
    )


def _check_loaded(
    run: Mapping[str, Any], history: pl.DataFrame, t: BatchThresholds
) -> dict[str, Any]:
    check, loaded = "loaded_within_history", int(run["loaded"])
    if int(run["records_in"]) == 0:
        return _row(run["run_id"], check, "loaded", ok=True, unexpected=0, observed="nothing read")
    peers = _comparable_runs(run, history, t.history_runs, t.similar_input_factor)
    if peers.height < t.min_history_runs:
        return _row(
            run["run_id"], check, "loaded", ok=True, unexpected=0,
            observed=f"loaded {loaded}; only {peers.height} comparable earlier runs "
            f"(need {t.min_history_runs}): not judged",
        )  # fmt: skip
    median = float(statistics.median(peers["loaded"].to_list()))
    floor = t.min_loaded_share_of_median * median
    return _row(
        run["run_id"], check, "loaded", ok=loaded >= floor,
        unexpected=max(0, round(floor - loaded)),
        observed=f"loaded {loaded}; median of {peers.height} comparable runs {median:g}; "
        f"floor {floor:g} ({t.min_loaded_share_of_median:.0%})",
    )  # fmt: skip


def _check_share(
    run: Mapping[str, Any],
    check: str,
    *,
    column: str | None,
    part_key: str,
    whole_key: str,
    limit: float,
    min_whole: int,
) -> dict[str, Any]:
    part, whole = int(run[part_key]), int(run[whole_key])
    if whole < min_whole:
        return _row(
            run["run_id"], check, column, ok=True, unexpected=part,
            observed=f"{_share(part, whole)}: fewer than {min_whole} {whole_key}, not judged",
        )  # fmt: skip
    return _row(
        run["run_id"], check, column, ok=part <= limit * whole, unexpected=part,
        observed=f"{part_key} {_share(part, whole)} of {whole_key}; limit {limit:.0%}",
    )  # fmt: skip


def _check_sites(
    run: Mapping[str, Any],
    history: pl.DataFrame,
    per_site: pl.DataFrame,
    site_history: pl.DataFrame,
    t: BatchThresholds,
) -> dict[str, Any]:
    check = "site_volume_drop"
    if int(run["records_in"]) == 0:
        return _row(run["run_id"], check, "site", ok=True, unexpected=0, observed="nothing read")
    peers = _comparable_runs(run, history, t.site_history_runs, t.similar_input_factor)
    if peers.height < t.site_history_runs:
        return _row(
            run["run_id"], check, "site", ok=True, unexpected=0,
            observed=f"only {peers.height} comparable earlier runs (need {t.site_history_runs}): "
            "not judged",
        )  # fmt: skip
    grid = (
        peers.select("run_id")
        .join(schema.conform(site_history, SITE_HISTORY).select("site").unique(), how="cross")
        .join(schema.conform(site_history, SITE_HISTORY), on=["run_id", "site"], how="left")
        .with_columns(pl.col("loaded").fill_null(0))
    )
    usual = (
        grid.group_by("site")
        .agg(pl.col("loaded").min().alias("least"), pl.col("loaded").median().alias("usual"))
        .filter(pl.col("least") >= t.site_min_articles)
    )
    now = usual.join(schema.conform(per_site, SITE_COUNT), on="site", how="left").with_columns(
        pl.col("loaded").fill_null(0)
    )
    dropped = now.filter(pl.col("loaded") < t.site_min_share * pl.col("usual")).sort("site")
    if dropped.is_empty():
        observed = (
            f"{usual.height} sites with ≥ {t.site_min_articles} articles in each of the last "
            f"{peers.height} comparable runs; none below {t.site_min_share:.0%} of its median"
        )
    else:
        observed = "; ".join(
            f"{site}: {loaded} (median {usual:g})"
            for site, loaded, usual in dropped.select("site", "loaded", "usual").rows()
        )
    return _row(
        run["run_id"], check, "site",
        ok=dropped.is_empty(), unexpected=dropped.height, observed=observed,
    )  # fmt: skip


def batch_checks(
    run: Mapping[str, Any],
    history: pl.DataFrame,
    per_site: pl.DataFrame,
    site_history: pl.DataFrame,
    thresholds: BatchThresholds = DEFAULT_THRESHOLDS,
) -> pl.DataFrame:
    """Judge one run against its inputs and earlier runs; one ``VALIDATION_RESULT`` row per check.

    ``run``: ``run_id, records_in, loaded, duplicates, quarantined`` (the run's totals) and
    ``undated`` (loaded articles without ``published_at``). ``history``: rows of the ``runs``
    table (``run_id, started_at, status, records_in, loaded``; the current run is ignored if
    present). ``per_site``: ``site, loaded`` for this run. ``site_history``: ``run_id, site,
    loaded`` for earlier runs.
    """
    missing = [k for k in RUN_KEYS if k not in run]
    if missing:
        raise ValueError(f"batch_checks: run lacks {missing}")
    t = thresholds
    rows = [
        _check_reconcile(run),
        _check_loaded(run, history, t),
        _check_share(
            run, "null_date_share", column="published_at", part_key="undated",
            whole_key="loaded", limit=t.max_null_date_share, min_whole=t.min_records_for_shares,
        ),
        _check_share(
            run, "quarantine_share", column=None, part_key="quarantined",
            whole_key="records_in", limit=t.max_quarantine_share,
            min_whole=t.min_records_for_shares,
        ),
        _check_share(
            run, "duplicate_share", column=None, part_key="duplicates",
            whole_key="records_in", limit=t.max_duplicate_share,
            min_whole=t.min_records_for_shares,
        ),
        _check_sites(run, history, per_site, site_history, t),
    ]  # fmt: skip
    return pl.DataFrame(rows, schema=VALIDATION_RESULT, orient="row")
