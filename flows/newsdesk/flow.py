"""The newsdesk Prefect flow: the only module that knows Prefect.

Shape (one task per stage and batch, so the Prefect UI shows the pipeline):

    plan_inputs ─┬─ for each batch of files:
                 │     read_batch → extract_batch → normalise_batch → dedupe_batch
                 │     → entities_batch → topics_batch → validate_batch → stage_batch
                 └─ commit_run  (one DuckDB transaction; Parquet export after it)

The flow holds no logic of its own: the stages are the pure functions in ``newsdesk.*``.
Retries sit on the IO tasks only; transforms are plain tasks without caching (their inputs
are data frames, which are not worth hashing).
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from newsdesk import schema
from newsdesk.dedupe import SEEN, dedupe
from newsdesk.entities import find_entities
from newsdesk.extract import extract
from newsdesk.normalise import normalise
from newsdesk.readers.inventory import (
    InputFile,
    Plan,
    batches,
    manifest_rows,
    plan_inputs,
    read_batch,
)
from newsdesk.settings import Settings, get_settings
from newsdesk.topics import classify_topics
from newsdesk.validate import ValidationOutcome, validate_articles
from newsdesk.version import code_version
from newsdesk.warehouse import RunRecord, Warehouse


@dataclass
class RunSummary:
    """What a run did; ``records_in == loaded + duplicates + quarantined`` always."""

    run_id: str
    status: str
    records_in: int = 0
    loaded: int = 0
    duplicates: int = 0
    quarantined: int = 0
    files_seen: int = 0
    files_processed: int = 0
    files_skipped: int = 0
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    warehouse: str = ""

    @property
    def reconciles(self) -> bool:
        return self.records_in == self.loaded + self.duplicates + self.quarantined


@dataclass
class BatchCounts:
    records_in: int = 0
    loaded: int = 0
    duplicates: int = 0
    quarantine_reasons: Counter[str] = field(default_factory=Counter)


def new_run_id() -> str:
    """Sortable and unique: UTC start time plus a random suffix."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]


# ----------------------------------------------------------------------------- tasks: IO
@task(name="plan_inputs", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def plan_inputs_task(paths: list[str], warehouse: Warehouse) -> Plan:
    return plan_inputs([Path(p) for p in paths], warehouse.manifest())


@task(name="read_batch", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def read_batch_task(
    files: list[InputFile], settings: Settings
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, int]]:
    return read_batch(files, settings.max_file_bytes, settings.max_record_chars)


@task(name="stage_batch", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def stage_batch_task(
    warehouse: Warehouse, run_id: str, part: str, tables: dict[str, pl.DataFrame]
) -> None:
    for table, frame in tables.items():
        warehouse.stage(run_id, table, frame, part)


@task(name="commit_run", cache_policy=NO_CACHE)
def commit_run_task(
    warehouse: Warehouse, run: RunRecord, replaced: list[str], manifest_rows: pl.DataFrame
) -> None:
    warehouse.commit(run, replaced, manifest_rows)


# ----------------------------------------------------------------------------- tasks: stages
@task(name="extract_batch", cache_policy=NO_CACHE)
def extract_task(records: pl.DataFrame) -> pl.DataFrame:
    return extract(records)


@task(name="normalise_batch", cache_policy=NO_CACHE)
def normalise_task(extracted: pl.DataFrame, run_id: str, version: str) -> pl.DataFrame:
    return normalise(extracted, run_id, version)


@task(name="dedupe_batch", cache_policy=NO_CACHE)
def dedupe_task(articles: pl.DataFrame, seen: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    return dedupe(articles, seen)


@task(name="entities_batch", cache_policy=NO_CACHE)
def entities_task(articles: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    return find_entities(articles)


@task(name="topics_batch", cache_policy=NO_CACHE)
def topics_task(articles: pl.DataFrame) -> pl.DataFrame:
    return classify_topics(articles)


@task(name="validate_batch", cache_policy=NO_CACHE)
def validate_task(articles: pl.DataFrame, run_id: str) -> ValidationOutcome:
    return validate_articles(articles, run_id)


# ----------------------------------------------------------------------------- helpers
def _extract_quarantine(extracted: pl.DataFrame, run_id: str, keep_chars: int) -> pl.DataFrame:
    bad = extracted.filter(pl.col("extract_error").is_not_null())
    return schema.conform(
        bad.with_columns(
            pl.lit(run_id).alias("run_id"),
            pl.lit("extract").alias("stage"),
            pl.col("extract_error").alias("reason"),
            pl.coalesce("raw_text", "body", pl.lit("")).str.slice(0, keep_chars).alias("raw"),
        ),
        schema.QUARANTINE,
    )


def _process_batch(  # noqa: PLR0917 - one call site; names at the call say what each is
    files: list[InputFile],
    part: str,
    run_id: str,
    version: str,
    seen: pl.DataFrame,
    warehouse: Warehouse,
    settings: Settings,
) -> tuple[BatchCounts, pl.DataFrame, dict[str, int]]:
    """One batch through every stage; returns its counts, the new seen keys, records per file."""
    raw, read_q, per_file = read_batch_task(files, settings)
    read_q = read_q.with_columns(pl.lit(run_id).alias("run_id"))
    extracted = extract_task(raw)
    extract_q = _extract_quarantine(extracted, run_id, settings.quarantine_raw_chars)
    articles = normalise_task(extracted.filter(pl.col("extract_error").is_null()), run_id, version)
    new, dups = dedupe_task(articles, seen)
    dups = dups.with_columns(pl.lit(run_id).alias("run_id"))
    entities, mentions = entities_task(new)
    topics = topics_task(new)
    outcome = validate_task(new, run_id)
    valid_ids = outcome.valid.select("article_id")
    quarantine = pl.concat(
        [schema.conform(q, schema.QUARANTINE) for q in (read_q, extract_q, outcome.quarantine)]
    ).with_columns(pl.col("raw").str.slice(0, settings.quarantine_raw_chars))
    tables = {
        "articles": outcome.valid,
        "entities": entities,
        "entity_mentions": mentions.join(valid_ids, on="article_id", how="semi"),
        "article_topics": topics.join(valid_ids, on="article_id", how="semi"),
        "duplicates": dups,
        "quarantine": quarantine,
        "validation_results": outcome.results,
    }
    stage_batch_task(warehouse, run_id, part, tables)
    counts = BatchCounts(
        records_in=len(raw) + len(read_q),
        loaded=len(outcome.valid),
        duplicates=len(dups),
        quarantine_reasons=Counter(quarantine["reason"].to_list()),
    )
    return counts, schema.conform(outcome.valid, SEEN), per_file


RUN_NAME_PREFIX = "newsdesk-"


def _flow_run_name() -> str:
    """The Prefect flow run is named after the newsdesk run id (generated here if absent)."""
    return RUN_NAME_PREFIX + (flow_run.parameters.get("run_id") or new_run_id())


def _run_id_of_this_flow_run() -> str:
    name = flow_run.name or ""
    return name.removeprefix(RUN_NAME_PREFIX) if name.startswith(RUN_NAME_PREFIX) else new_run_id()


# ----------------------------------------------------------------------------- the flow
@flow(name="newsdesk", flow_run_name=_flow_run_name, log_prints=False)
def newsdesk_flow(
    paths: list[str] | None = None,
    warehouse: str | None = None,
    run_id: str | None = None,
) -> RunSummary:
    """Ingest raw article dumps under ``paths`` into the warehouse, incrementally.

    Args:
        paths: files or folders (recursive); default: the bundled sample.
        warehouse: warehouse folder; default ``NEWSDESK_WAREHOUSE`` or ``data/warehouse``.
        run_id: the run's id (generated when omitted).
    """
    settings = get_settings()
    logger = get_run_logger()
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    run_id = run_id or _run_id_of_this_flow_run()
    paths = paths or [str(settings.sample)]
    wh = Warehouse(Path(warehouse or settings.warehouse), settings.sql_dir)
    version = code_version()
    logger.info("run %s: %s → %s (code %s)", run_id, ", ".join(paths), wh.root, version)

    with wh.writer_lock(timeout_s=settings.lock_wait_seconds):
        wh.ensure()
        plan = plan_inputs_task(paths, wh)
        logger.info(
            "%d files: %d to read, %d unchanged (skipped), %d re-touched",
            plan.files_seen,
            len(plan.to_read),
            plan.skipped,
            len(plan.touched),
        )
        replaced = [f.path for f in plan.to_read if f.is_change]
        seen = wh.seen(replaced) if plan.to_read else schema.empty(SEEN)
        total = BatchCounts()
        records_per_file: dict[str, int] = {}
        try:
            for i, files in enumerate(
                batches(plan.to_read, settings.batch_files, settings.batch_bytes)
            ):
                counts, new_seen, per_file = _process_batch(
                    files, f"batch-{i:05d}", run_id, version, seen, wh, settings
                )
                seen = pl.concat([seen, new_seen])
                records_per_file.update(per_file)
                total.records_in += counts.records_in
                total.loaded += counts.loaded
                total.duplicates += counts.duplicates
                total.quarantine_reasons.update(counts.quarantine_reasons)
                logger.info(
                    "batch %d: %d files, %d records, %d loaded, %d duplicates, %d quarantined",
                    i,
                    len(files),
                    counts.records_in,
                    counts.loaded,
                    counts.duplicates,
                    sum(counts.quarantine_reasons.values()),
                )
            summary = RunSummary(
                run_id=run_id,
                status="completed",
                records_in=total.records_in,
                loaded=total.loaded,
                duplicates=total.duplicates,
                quarantined=sum(total.quarantine_reasons.values()),
                files_seen=plan.files_seen,
                files_processed=len(plan.to_read),
                files_skipped=plan.skipped + len(plan.touched),
                quarantine_reasons=dict(total.quarantine_reasons.most_common()),
                warehouse=str(wh.root),
            )
            if not summary.reconciles:  # not an assert: must hold under python -O
                raise RuntimeError(f"run {run_id} does not reconcile: {summary}")
            manifest = manifest_rows(plan, records_per_file)
            summary.seconds = round(time.perf_counter() - started, 3)
            record = RunRecord(
                run_id=run_id,
                started_at=started_at,
                finished_at=datetime.now(UTC),
                status=summary.status,
                records_in=summary.records_in,
                loaded=summary.loaded,
                duplicates=summary.duplicates,
                quarantined=summary.quarantined,
                files_seen=summary.files_seen,
                files_processed=summary.files_processed,
                files_skipped=summary.files_skipped,
                code_version=version,
                inputs=list(paths),
                prefect_flow_run_id=str(flow_run.id) if flow_run.id else None,
            )
            commit_run_task(wh, record, replaced, manifest)
        except BaseException:
            wh.discard(run_id)
            raise
    summary.seconds = round(time.perf_counter() - started, 3)
    _publish_artifact(summary)
    logger.info("run %s done: %s", run_id, asdict(summary))
    return summary


def _publish_artifact(summary: RunSummary) -> None:
    """The run's reconciliation and top quarantine reasons, as a Prefect table artifact."""
    rows: list[dict[str, Any]] = [
        {"measure": "records in", "value": summary.records_in},
        {"measure": "loaded", "value": summary.loaded},
        {"measure": "duplicates", "value": summary.duplicates},
        {"measure": "quarantined", "value": summary.quarantined},
        {"measure": "files read", "value": summary.files_processed},
        {"measure": "files skipped (unchanged)", "value": summary.files_skipped},
    ]
    rows += [
        {"measure": f"quarantine: {reason[:120]}", "value": n}
        for reason, n in list(summary.quarantine_reasons.items())[:10]
    ]
    create_table_artifact(
        key="newsdesk-run-reconciliation",
        table=rows,
        description=f"newsdesk run {summary.run_id}: in = loaded + duplicates + quarantined",
    )
