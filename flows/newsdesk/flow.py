"""The newsdesk Prefect flows: the only module that knows Prefect.

``newsdesk_flow`` (what ``newsdesk run`` calls), one shard = one batch of input files:

    plan_inputs ─┬─ prepare_shard  (read_batch → extract_batch → normalise_batch)   parallel
                 ├─ dedupe_batch   (against everything loaded before: sequential)
                 ├─ cluster_batch  (near-duplicate clusters, MinHash: sequential)
                 │   both look up the warehouse's matching keys / LSH candidates per shard
                 │   in DuckDB and keep only this run's own in memory
                 ├─ enrich_shard   (entities_batch → topics_batch → validate_batch
                 │                  → stage_batch)                                  parallel
                 └─ commit_run     (one DuckDB transaction; Parquet export after it)

Shards go through the flow's task runner (threads by default, Dask with
``--task-runner dask``); at most ``settings.shards_in_flight`` shards are held in memory.
Writes stay single-writer: shards only write their own staging files, and one commit makes
the run visible. ``enrich_shard`` is cached per run and shard (key: run id + the shard's file
hashes), so a retried flow run does not redo finished shards.

``retag_flow`` recomputes topics for the existing warehouse; ``compact_flow`` checkpoints
DuckDB and rewrites the Parquet export. The flows hold no logic of their own: the stages
are the pure functions in ``newsdesk.*``.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.runtime import flow_run
from prefect.task_runners import TaskRunner

from newsdesk import schema
from newsdesk.dedupe import SEEN, dedupe
from newsdesk.entities import find_entities
from newsdesk.extract import SITE_MIN_DOCS, extract, learn_site_furniture, site_lines
from newsdesk.normalise import normalise
from newsdesk.quality import (
    BatchThresholds,
    batch_checks,
    failed_checks,
    site_counts,
    undated_count,
)
from newsdesk.readers.inventory import (
    Batch,
    InputFile,
    Plan,
    batches,
    is_streamed,
    manifest_rows,
    plan_inputs,
    read_batch,
    read_chunk_of,
)
from newsdesk.runs import RunSummary, gx_lock, new_run_id
from newsdesk.settings import Settings, get_settings
from newsdesk.syndication import (
    BANDS,
    NUM_PERM,
    SIGNATURE,
    assign_clusters,
    min_shared_bands,
    signatures,
)
from newsdesk.topics import classify_topics_and_themes
from newsdesk.validate import VALIDATION_RESULT, BatchValidation, combine_results, validate_batch
from newsdesk.version import code_version
from newsdesk.warehouse import RunRecord, Warehouse

RUN_NAME_PREFIX = "newsdesk-"
#: A learnt line is site furniture when at least this share of the site's pages carry it.
SITE_MIN_SHARE = 0.5


@dataclass(frozen=True)
class Shard:
    """A unit of work: a batch of small files, or one chunk of a streamed file (WARC)
    starting at byte ``offset``."""

    files: list[InputFile]
    offset: int | None = None


@dataclass
class Prepared:
    """A shard after read → extract → normalise."""

    articles: pl.DataFrame
    quarantine: pl.DataFrame
    records_in: int
    per_file: dict[str, int]
    next_offset: int | None = None  # streamed file: where its next chunk starts
    site_furniture: pl.DataFrame | None = None  # this shard's (site, line, docs) counts
    skipped: dict[str, int] = field(default_factory=dict)  # container records, no articles


@dataclass
class ShardResult:
    """A staged shard: its counts, validation results and what the batch checks need."""

    loaded: int
    duplicates: int
    quarantine_reasons: Counter[str]
    results: pl.DataFrame
    undated: int
    sites: pl.DataFrame


def shard_key(shard: Shard) -> str:
    """Identity of a shard's input: its files' paths and content hashes (and chunk offset)."""
    digest = hashlib.sha256(f"offset={shard.offset}\n".encode())
    for f in shard.files:
        digest.update(f"{f.path}\0{f.file_hash}\n".encode())
    return digest.hexdigest()[:24]


def plan_shards(plan: Plan, settings: Settings) -> list[Shard]:
    """Small files in batches; each streamed file (WARC) as its first chunk."""
    regular = [f for f in plan.to_read if not is_streamed(f)]
    streamed = [f for f in plan.to_read if is_streamed(f)]
    return [
        *(Shard(files) for files in batches(regular, settings.batch_files, settings.batch_bytes)),
        *(Shard([f], 0) for f in streamed),
    ]


# ----------------------------------------------------------------------------- IO tasks
@task(name="plan_inputs", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def plan_inputs_task(paths: list[str], warehouse: Warehouse, force: list[str]) -> Plan:
    return plan_inputs([Path(p) for p in paths], warehouse.manifest(), force=set(force))


@task(name="read_batch", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def read_batch_task(shard: Shard, settings: Settings) -> Batch:
    if shard.offset is not None:
        return read_chunk_of(
            shard.files[0], shard.offset, settings.stream_chunk_records, settings.max_record_chars
        )
    return read_batch(shard.files, settings.max_file_bytes, settings.max_record_chars)


@task(name="stage_batch", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def stage_batch_task(
    warehouse: Warehouse, run_id: str, part: str, tables: dict[str, pl.DataFrame]
) -> None:
    for table, frame in tables.items():
        warehouse.stage(run_id, table, frame, part)


@task(name="commit_run", cache_policy=NO_CACHE)
def commit_run_task(
    warehouse: Warehouse,
    run: RunRecord,
    replaced: list[str],
    manifest: pl.DataFrame,
    publish: bool = True,
) -> None:
    warehouse.commit(run, replaced, manifest, publish=publish)


# ----------------------------------------------------------------------------- stage tasks
@task(name="extract_batch", cache_policy=NO_CACHE)
def extract_task(
    records: pl.DataFrame, stored_profile: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Extract with the per-site furniture profile: what earlier runs learnt plus what this
    shard's own dumps repeat. Returns (extracted, this shard's line counts to store)."""
    counts = learn_site_furniture(site_lines(records), min_docs=1)
    profile = (
        pl.concat([stored_profile, counts])
        .group_by("site", "line")
        .agg(pl.col("docs").sum())
        # furniture is on most of a site's pages; the site's most repeated line (its
        # footer, say) stands for its page count. A headline that a few of hundreds of
        # dumps repeat (the same story saved again) is not furniture.
        .filter(
            (pl.col("docs") >= SITE_MIN_DOCS)
            & (pl.col("docs") >= SITE_MIN_SHARE * pl.col("docs").max().over("site"))
        )
    )
    return extract(records, site_furniture=profile), counts


@task(name="normalise_batch", cache_policy=NO_CACHE)
def normalise_task(extracted: pl.DataFrame, run_id: str, version: str) -> pl.DataFrame:
    return normalise(extracted, run_id, version)


@task(name="dedupe_batch", cache_policy=NO_CACHE)
def dedupe_task(
    articles: pl.DataFrame, run_seen: pl.DataFrame, warehouse: Warehouse, replaced: list[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(new articles, duplicates) against the warehouse's articles sharing a key with this
    shard (looked up, never all loaded) and this run's earlier shards."""
    seen = pl.concat([warehouse.seen(replaced, matching=articles), run_seen])
    return dedupe(articles, seen)


@task(name="cluster_batch", cache_policy=NO_CACHE)
def cluster_task(
    articles: pl.DataFrame,
    run_known: pl.DataFrame,
    warehouse: Warehouse,
    replaced: list[str],
    threshold: float,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Near-duplicate clusters: (articles with cluster_id and is_syndicated, signatures).

    Known signatures: this run's earlier shards' and the warehouse's LSH candidates for this
    shard (selected in DuckDB, so a run never holds the warehouse's signatures)."""
    sigs = signatures(articles)
    candidates = warehouse.signatures(
        replaced,
        near=sigs,
        min_bands=min_shared_bands(threshold, NUM_PERM),
        bands=BANDS,
    )
    known = pl.concat([candidates, run_known])
    clustered = assign_clusters(sigs, known, threshold=threshold)
    out = articles.drop("cluster_id").join(
        clustered.select("article_id", "cluster_id", "is_near_copy_of_other_site"),
        on="article_id",
        how="left",
    )
    out = out.with_columns(
        pl.col("is_syndicated") | pl.col("is_near_copy_of_other_site").fill_null(False)
    ).drop("is_near_copy_of_other_site")
    return schema.conform(out, schema.ARTICLE), schema.conform(clustered, SIGNATURE)


@task(name="entities_batch", cache_policy=NO_CACHE)
def entities_task(articles: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    return find_entities(articles)


@task(name="topics_batch", cache_policy=NO_CACHE)
def topics_task(articles: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """IPTC topics and the editable themes, from one pass over the text."""
    return classify_topics_and_themes(articles)


@task(name="validate_batch", cache_policy=NO_CACHE)
def validate_task(
    articles: pl.DataFrame, mentions: pl.DataFrame, topics: pl.DataFrame, run_id: str
) -> BatchValidation:
    """Every suite (articles, entity_mentions, article_topics) over one shard."""
    with gx_lock():
        return validate_batch(articles, mentions, topics, run_id)


# ----------------------------------------------------------------------------- shard tasks
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


@task(name="prepare_shard", cache_policy=NO_CACHE)
def prepare_shard(
    shard: Shard, run_id: str, version: str, settings: Settings, site_profile: pl.DataFrame
) -> Prepared:
    """read → extract → normalise for one shard of input files."""
    read = read_batch_task(shard, settings)
    extracted, site_counts = extract_task(read.raw, site_profile)
    extract_q = _extract_quarantine(extracted, run_id, settings.quarantine_raw_chars)
    articles = normalise_task(extracted.filter(pl.col("extract_error").is_null()), run_id, version)
    quarantine = pl.concat(
        [read.quarantine.with_columns(pl.lit(run_id).alias("run_id")), extract_q]
    ).with_columns(pl.col("raw").str.slice(0, settings.quarantine_raw_chars))
    return Prepared(
        articles,
        quarantine,
        len(read.raw) + len(read.quarantine),
        read.per_file,
        read.next_offset,
        site_counts,
        read.skipped,
    )


def _enrich_cache_key(_context: Any, parameters: dict[str, Any]) -> str:
    return f"newsdesk-shard-{parameters['run_id']}-{parameters['part']}-{parameters['key']}"


@task(
    name="enrich_shard",
    cache_key_fn=_enrich_cache_key,
    cache_expiration=timedelta(days=2),
    persist_result=True,
)
def enrich_shard(  # noqa: PLR0917 - a task's parameters are its cache identity
    new: pl.DataFrame,
    signature_rows: pl.DataFrame,
    duplicates: pl.DataFrame,
    quarantine: pl.DataFrame,
    run_id: str,
    part: str,
    key: str,
    warehouse: Warehouse,
    settings: Settings,
) -> ShardResult:
    """entities → topics → validate → stage for one deduplicated shard."""
    entities, mentions = entities_task(new)
    topics, themes = topics_task(new)
    checked = validate_task(new, mentions, topics, run_id)
    valid_ids = checked.articles.select("article_id")
    quarantine = pl.concat(
        [schema.conform(q, schema.QUARANTINE) for q in (quarantine, checked.quarantine)]
    ).with_columns(pl.col("raw").str.slice(0, settings.quarantine_raw_chars))
    tables = {
        "articles": checked.articles,
        "entities": entities.join(checked.entity_mentions, on="entity_id", how="semi"),
        "entity_mentions": checked.entity_mentions,
        "article_topics": checked.article_topics,
        "article_signatures": signature_rows.join(valid_ids, on="article_id", how="semi"),
        "article_themes": themes.join(valid_ids, on="article_id", how="semi"),
        "duplicates": duplicates.with_columns(pl.lit(run_id).alias("run_id")),
        "quarantine": quarantine,
    }
    stage_batch_task(warehouse, run_id, part, tables)
    return ShardResult(
        loaded=len(checked.articles),
        duplicates=len(duplicates),
        quarantine_reasons=Counter(quarantine["reason"].to_list()),
        results=checked.results,
        undated=undated_count(checked.articles),
        sites=site_counts(checked.articles),
    )


# ----------------------------------------------------------------------------- run naming
def _flow_run_name() -> str:
    """The Prefect flow run is named after the newsdesk run id (generated here if absent)."""
    return RUN_NAME_PREFIX + (flow_run.parameters.get("run_id") or new_run_id())


def _run_id_of_this_flow_run() -> str:
    name = flow_run.name or ""
    return name.removeprefix(RUN_NAME_PREFIX) if name.startswith(RUN_NAME_PREFIX) else new_run_id()


# ----------------------------------------------------------------------------- ingest flow
@flow(name="newsdesk", flow_run_name=_flow_run_name, log_prints=False)
def newsdesk_flow(
    paths: list[str] | None = None,
    warehouse: str | None = None,
    run_id: str | None = None,
    force: list[str] | None = None,
) -> RunSummary:
    """Ingest raw article dumps under ``paths`` into the warehouse, incrementally.

    Args:
        paths: files or folders (recursive); default: the bundled sample.
        warehouse: warehouse folder; default ``NEWSDESK_WAREHOUSE`` or ``data/warehouse``.
        run_id: the run's id (default: taken from the flow run's name, so retries keep it).
        force: input files to read again even if unchanged (``newsdesk requeue``).
    """
    settings = get_settings()
    logger = get_run_logger()
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    run_id = run_id or _run_id_of_this_flow_run()
    paths = paths or [str(settings.sample)]
    missing = [p for p in paths if not Path(p).exists()]
    if missing:  # a scheduled run pointed at a folder that is not there: say so, loudly
        raise FileNotFoundError(f"input path does not exist: {', '.join(missing)}")
    wh = Warehouse(Path(warehouse or settings.warehouse), settings.sql_dir)
    version = code_version()
    logger.info("run %s: %s → %s (code %s)", run_id, ", ".join(paths), wh.root, version)

    with wh.writer_lock(timeout_s=settings.lock_wait_seconds):
        wh.ensure(keep_run=run_id)
        done = wh.run_summary(run_id)
        if done is not None:  # a retried flow run whose commit already happened
            logger.info("run %s was already committed; nothing to do", run_id)
            return RunSummary(**done, warehouse=str(wh.root))
        plan = plan_inputs_task(paths, wh, force or [])
        logger.info(
            "%d files: %d to read, %d unchanged (skipped), %d re-touched",
            plan.files_seen,
            len(plan.to_read),
            plan.skipped,
            len(plan.touched),
        )
        replaced = [f.path for f in plan.to_read if f.is_change]
        try:
            summary, per_file = _ingest(plan, replaced, run_id, version, wh, settings)
            summary.files_seen = plan.files_seen
            summary.files_skipped = plan.skipped + len(plan.touched)
            if not summary.reconciles:  # not an assert: must hold under python -O
                raise RuntimeError(f"run {run_id} does not reconcile: {summary}")
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
                records_skipped=summary.records_skipped,
                code_version=version,
                inputs=list(paths),
                prefect_flow_run_id=str(flow_run.id) if flow_run.id else None,
            )
            publish = not (summary.status == "failed_checks" and settings.quality_hold_failed_runs)
            commit_run_task(wh, record, replaced, manifest_rows(plan, per_file), publish)
        except BaseException:
            # The staging stays: a retry of this flow run reuses its finished shards (they
            # are cached), and the next run with another id removes it on start.
            logger.error("run %s failed; the warehouse is unchanged", run_id)
            raise
    summary.seconds = round(time.perf_counter() - started, 3)
    summary.warehouse = str(wh.root)
    _publish_artifact(summary)
    logger.info("run %s done: %s", run_id, asdict(summary))
    return summary


def _ingest(  # noqa: PLR0917
    plan: Plan,
    replaced: list[str],
    run_id: str,
    version: str,
    wh: Warehouse,
    settings: Settings,
) -> tuple[RunSummary, dict[str, int]]:
    """Every shard through the stages; at most ``shards_in_flight`` held at once.

    Returns the run's counts and the number of records read from each file."""
    logger = get_run_logger()
    queue = deque(plan_shards(plan, settings))
    shards = len(queue)
    seen = schema.empty(SEEN)  # this run's; the warehouse's are looked up per shard
    known = schema.empty(SIGNATURE)
    site_profile = wh.site_furniture()
    summary = RunSummary(run_id=run_id, status="completed", files_processed=len(plan.to_read))
    reasons: Counter[str] = Counter()
    window = max(1, settings.shards_in_flight)
    prepared: deque[tuple[Shard, PrefectFuture[Prepared]]] = deque()
    enriched: deque[tuple[int, PrefectFuture[ShardResult]]] = deque()
    i = 0

    totals = _Totals(summary, reasons)
    collect = totals.add

    try:
        while queue or prepared:
            while queue and len(prepared) < window:
                work = queue.popleft()
                prepared.append(
                    (work, prepare_shard.submit(work, run_id, version, settings, site_profile))
                )
            work, future = prepared.popleft()
            shard = future.result()
            if shard.next_offset is not None:  # the streamed file's next chunk, next in line
                queue.appendleft(Shard(work.files, shard.next_offset))
                shards += 1
            totals.read(shard)
            new, dups = dedupe_task(shard.articles, seen, wh, replaced)
            # dedupe keys grow with what this shard may load; validation may still quarantine
            # some of them, in which case a later copy counts as a duplicate of a quarantined
            # record (its duplicate_of names the copy, found in `quarantine`).
            seen = pl.concat([seen, schema.conform(new, SEEN)])
            new, sigs = cluster_task(new, known, wh, replaced, settings.near_duplicate_threshold)
            known = pl.concat([known, sigs])
            part = f"shard-{i:05d}"
            if shard.site_furniture is not None:
                wh.stage(run_id, "site_furniture", shard.site_furniture, part)
            enriched.append(
                (
                    i,
                    enrich_shard.submit(
                        new,
                        sigs,
                        dups,
                        shard.quarantine,
                        run_id,
                        part,
                        shard_key(work),
                        wh,
                        settings,
                    ),
                )
            )
            while len(enriched) >= window:
                collect(enriched.popleft()[1].result())
            logger.info(
                "shard %d/%d: %d files%s, %d records",
                i + 1,
                shards,
                len(work.files),
                "" if work.offset is None else f" from byte {work.offset:,}",
                shard.records_in,
            )
            i += 1
        while enriched:
            collect(enriched.popleft()[1].result())
    except BaseException:
        # Let shards already running finish, so that none writes into the staging after
        # the run has failed (a retry resumes from it; the next run removes it).
        pending: list[PrefectFuture[Any]] = [*(f for _, f in prepared), *(f for _, f in enriched)]
        for future in pending:
            future.wait()
        raise
    summary.quarantined = sum(reasons.values())
    summary.quarantine_reasons = dict(reasons.most_common())
    summary.records_skipped = dict(sorted(totals.skipped.items()))
    _check_run(summary, totals.undated, totals.sites, totals.results, wh, settings)
    return summary, totals.per_file


@dataclass
class _Totals:
    """What the run accumulates from its read and its staged shards."""

    summary: RunSummary
    reasons: Counter[str]
    results: list[pl.DataFrame] = field(default_factory=list)
    sites: list[pl.DataFrame] = field(default_factory=list)
    undated: int = 0
    per_file: Counter[str] = field(default_factory=Counter)  # records read per input file
    skipped: Counter[str] = field(default_factory=Counter)  # container records, no articles

    def read(self, shard: Prepared) -> None:
        self.summary.records_in += shard.records_in
        self.per_file.update(shard.per_file)
        self.skipped.update(shard.skipped)

    def add(self, result: ShardResult) -> None:
        self.summary.loaded += result.loaded
        self.summary.duplicates += result.duplicates
        self.reasons.update(result.quarantine_reasons)
        self.results.append(result.results)
        self.sites.append(result.sites)
        self.undated += result.undated


def _check_run(  # noqa: PLR0917
    summary: RunSummary,
    undated: int,
    sites: list[pl.DataFrame],
    results: list[pl.DataFrame],
    wh: Warehouse,
    settings: Settings,
) -> None:
    """Batch checks against the warehouse's history; stage the run's validation results.

    A failing critical check sets ``summary.status`` to ``failed_checks``."""
    logger = get_run_logger()
    run_id = summary.run_id
    per_site = (
        pl.concat(sites).group_by("site").agg(pl.col("loaded").sum()).sort("site")
        if sites
        else pl.DataFrame(schema={"site": pl.String(), "loaded": pl.Int64()})
    )
    checks = batch_checks(
        {**asdict(summary), "undated": undated},
        wh.run_history(),
        per_site,
        wh.site_history(),
        BatchThresholds(**settings.quality_thresholds),  # type: ignore[arg-type]
    )
    if failed_checks(checks):
        summary.status = "failed_checks"
        logger.warning(
            "run %s failed batch checks: %s",
            run_id,
            ", ".join(checks.filter(~pl.col("success"))["expectation"].to_list()),
        )
    validation = [schema.conform(checks, VALIDATION_RESULT)]
    if results:
        validation.insert(0, schema.conform(combine_results(pl.concat(results)), VALIDATION_RESULT))
    wh.stage(run_id, "validation_results", pl.concat(validation), "run")


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
        {"measure": f"not an article, skipped: {kind}", "value": n}
        for kind, n in summary.records_skipped.items()
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


def with_task_runner(task_runner: TaskRunner[Any] | None) -> Any:
    """``newsdesk_flow`` on another task runner (e.g. Dask), same stages and results."""
    return (
        newsdesk_flow
        if task_runner is None
        else newsdesk_flow.with_options(task_runner=task_runner)
    )


# ----------------------------------------------------------------------------- maintenance
@task(name="retag_batch", cache_policy=NO_CACHE)
def retag_batch(articles: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    return classify_topics_and_themes(articles)


@flow(name="newsdesk-retag", log_prints=False)
def retag_flow(warehouse: str | None = None) -> dict[str, int]:
    """Recompute topics and themes for every article in the warehouse (after the taxonomy,
    its terms or a theme file changed), without re-ingesting; replaces ``article_topics``
    and ``article_themes`` in one transaction."""
    settings = get_settings()
    wh = Warehouse(Path(warehouse or settings.warehouse), settings.sql_dir)
    with wh.writer_lock(timeout_s=settings.lock_wait_seconds):
        wh.ensure()
        job = "retag-" + new_run_id()  # staging name only: retag adds no ingest run
        n_articles = n_topics = n_themes = 0
        try:
            for i, articles in enumerate(
                wh.iter_articles(["article_id", "title", "body"], settings.retag_batch_rows)
            ):
                topics, themes = retag_batch(articles)
                wh.stage(job, "article_topics", topics, f"part-{i:05d}")
                wh.stage(job, "article_themes", themes, f"part-{i:05d}")
                n_articles += len(articles)
                n_topics += len(topics)
                n_themes += len(themes)
            wh.replace_tables(["article_topics", "article_themes"], job)
            wh.refresh_views()
        finally:
            wh.discard(job)
    get_run_logger().info(
        "retagged %d articles: %d topic rows, %d theme rows", n_articles, n_topics, n_themes
    )
    return {"articles": n_articles, "topics": n_topics, "themes": n_themes}


@flow(name="newsdesk-compact", log_prints=False)
def compact_flow(warehouse: str | None = None) -> dict[str, Any]:
    """Weekly upkeep: rewrite every Parquet partition as one file, then checkpoint DuckDB."""
    settings = get_settings()
    wh = Warehouse(Path(warehouse or settings.warehouse), settings.sql_dir)
    with wh.writer_lock(timeout_s=settings.lock_wait_seconds):
        wh.ensure()
        stats = wh.compact()
    get_run_logger().info("compacted %s: %s", wh.root, stats)
    return stats
