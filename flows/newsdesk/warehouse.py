"""The warehouse: the only module that touches DuckDB and Parquet files.

Layout under ``<warehouse>/``:

- ``newsdesk.duckdb``: the tables and views (DDL in ``sql/ddl``, views in ``sql/views``);
  the system of record.
- ``parquet/<table>/published_month=YYYY-MM/data.parquet``: a zstd Parquet export of each
  table, partitioned by the month of the article's publish date (``unknown`` when undated),
  rewritten partition by partition after each commit (each file replaced atomically).
- ``_staging/<run_id>/<table>/*.parquet``: a run's output while it runs. Nothing reads it
  until the run commits; a failed or killed run's staging is removed on the next open.
- ``.newsdesk.lock``: held by the one writer (see ``writer_lock``).

A run commits in **one DuckDB transaction**: delete the old records of changed input
files, insert the staged rows, update the manifest, record the run. A run that fails or is
killed before that leaves every table as it was.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from newsdesk import schema
from newsdesk.dedupe import DUPLICATE, SEEN
from newsdesk.readers.inventory import MANIFEST
from newsdesk.settings import get_settings
from newsdesk.syndication import BANDS, SIGNATURE
from newsdesk.topics import ARTICLE_THEME
from newsdesk.validate import VALIDATION_RESULT

DB_NAME = "newsdesk.duckdb"
LOCK_NAME = ".newsdesk.lock"

#: Tables staged by a run, in load order, with their column contracts.
STAGED_TABLES: dict[str, dict[str, pl.DataType]] = {
    "articles": schema.ARTICLE,
    "entities": schema.ENTITY,
    "entity_mentions": schema.ENTITY_MENTION,
    "article_topics": schema.ARTICLE_TOPIC,
    "article_signatures": SIGNATURE,
    "article_themes": ARTICLE_THEME,
    "duplicates": DUPLICATE,
    "quarantine": schema.QUARANTINE,
    "validation_results": VALIDATION_RESULT,
    "site_furniture": {"site": pl.String(), "line": pl.String(), "docs": pl.Int64()},
}

#: Tables exported to Parquet, partitioned by the article's publish month.
EXPORTED_TABLES = ("articles", "entity_mentions", "article_topics", "article_themes")


class WarehouseError(RuntimeError):
    """A warehouse problem a user can act on (message is one clear line)."""


class WarehouseBusyError(WarehouseError):
    """Another run holds the writer lock."""


@dataclass
class RunRecord:
    """One row of the ``runs`` table."""

    run_id: str
    started_at: datetime
    finished_at: datetime
    status: str
    records_in: int
    loaded: int
    duplicates: int
    quarantined: int
    files_seen: int
    files_processed: int
    files_skipped: int
    code_version: str
    inputs: list[str] = field(default_factory=list)
    records_skipped: dict[str, int] = field(default_factory=dict)
    prefect_flow_run_id: str | None = None


#: How long opening the DuckDB file waits while another process holds it (a reader's query).
LOCK_RETRY_SECONDS = 30.0


def _sql_files(sql_dir: Path, sub: str) -> list[Path]:
    return sorted((sql_dir / sub).glob("*.sql"))


class Warehouse:
    """A warehouse folder. Cheap to create; connections are opened per operation."""

    def __init__(self, root: Path, sql_dir: Path, memory_limit: str | None = None) -> None:
        self.root = Path(root)
        self.sql_dir = sql_dir
        #: DuckDB's cap (``Settings.duckdb_memory_limit``): a run's commit spills past it.
        self.memory_limit = memory_limit or get_settings().duckdb_memory_limit
        self.db_path = self.root / DB_NAME
        self.staging_root = self.root / "_staging"
        self.parquet_root = self.root / "parquet"

    # ----------------------------------------------------------------- setup and locks
    def ensure(self, keep_run: str | None = None) -> None:
        """Create the folder, tables and views; add columns a newer schema has; clear what
        failed runs left behind (except ``keep_run``'s staging: a retried run resumes)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / ".write-test"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise WarehouseError(f"warehouse folder {self.root} is not writable: {exc}") from exc
        with self.connect() as con:
            for path in _sql_files(self.sql_dir, "ddl"):
                con.execute(path.read_text())
            self._add_missing_columns(con)
            self._create_views(con)
        self._recover(keep_run)

    @staticmethod
    def _add_missing_columns(con: duckdb.DuckDBPyConnection) -> None:
        """Schema evolution: columns the contracts gained since the table was created."""
        for table, columns in STAGED_TABLES.items():
            have = {
                r[0]
                for r in con.execute(
                    "select column_name from information_schema.columns where table_name = ?",
                    [table],
                ).fetchall()
            }
            for name, dtype in columns.items():
                if name not in have:
                    con.execute(f'alter table {table} add column "{name}" {_duck_type(dtype)}')

    def _create_views(self, con: duckdb.DuckDBPyConnection) -> None:
        for path in _sql_files(self.sql_dir, "views"):
            con.execute(path.read_text())

    @contextlib.contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        if read_only and not self.db_path.exists():
            raise WarehouseError(
                f"no warehouse at {self.root}: run `newsdesk run` first or pass --warehouse"
            )
        config: dict[str, str | bool | int | float | list[str]] = {
            "memory_limit": self.memory_limit,
            "temp_directory": str(self.root / ".duckdb-tmp"),
        }
        con = self._open(read_only, config)
        try:
            yield con
        finally:
            con.close()

    def _open(
        self, read_only: bool, config: dict[str, str | bool | int | float | list[str]]
    ) -> duckdb.DuckDBPyConnection:
        """Open the DuckDB file. DuckDB lets one process write or several read: while an
        analyst's query (another process) holds the file, wait for it a little rather than
        fail a run."""
        deadline = time.monotonic() + LOCK_RETRY_SECONDS
        delay = 0.05
        while True:
            try:
                return duckdb.connect(str(self.db_path), read_only=read_only, config=config)
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise WarehouseError(f"cannot open {self.db_path}: {exc}") from exc
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    @contextlib.contextmanager
    def writer_lock(self, timeout_s: float = 0.0) -> Iterator[None]:
        """One writer at a time: an exclusive ``flock`` on ``<warehouse>/.newsdesk.lock``.

        Waits up to ``timeout_s`` seconds, then raises ``WarehouseBusyError``. The OS releases
        the lock when the process dies, so a killed run never leaves a stale lock.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / LOCK_NAME).open("a+") as fh:
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise WarehouseBusyError(
                            f"another newsdesk run is writing to {self.root}; "
                            "try again when it finishes (or pass --wait SECONDS)"
                        ) from None
                    time.sleep(0.2)
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid={os.getpid()}\n")
            fh.flush()
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def _recover(self, keep_run: str | None) -> None:
        """Remove staging of runs that never committed; finish exports of runs that did."""
        if not self.db_path.exists():
            return
        with self.connect() as con:
            unexported = con.execute(
                "select count(*) from runs where not parquet_exported"
            ).fetchone()
        if self.staging_root.exists():
            for run_dir in self.staging_root.iterdir():
                if run_dir.name != keep_run:
                    shutil.rmtree(run_dir, ignore_errors=True)
        if unexported and unexported[0]:
            self.export_parquet(months=None)
            with self.connect() as con:
                con.execute("update runs set parquet_exported = true")

    def run_summary(self, run_id: str) -> dict[str, Any] | None:
        """The committed run's counts, or None if ``run_id`` never committed."""
        with self.connect() as con:
            rows = con.sql(
                "select run_id, status, records_in, loaded, duplicates, quarantined, files_seen,"
                " files_processed, files_skipped from runs where run_id = $run_id",
                params={"run_id": run_id},
            ).fetchall()
        if not rows:
            return None
        keys = (
            "run_id",
            "status",
            "records_in",
            "loaded",
            "duplicates",
            "quarantined",
            "files_seen",
            "files_processed",
            "files_skipped",
        )
        return dict(zip(keys, rows[0], strict=True))

    def site_furniture(self) -> pl.DataFrame:
        """The per-site profile learnt so far: (site, line, docs)."""
        if not self.db_path.exists():
            return schema.empty(STAGED_TABLES["site_furniture"])
        with self.connect() as con:
            return con.sql("select site, line, docs from site_furniture order by all").pl()

    def run_history(self) -> pl.DataFrame:
        """Earlier runs, for the batch checks (``runs`` rows, oldest first)."""
        with self.connect() as con:
            return con.sql(
                "select run_id, started_at, status, records_in, loaded from runs "
                "order by started_at"
            ).pl()

    def site_history(self) -> pl.DataFrame:
        """Loaded articles per run and site, for the per-site volume check (approximate: a
        replaced file's articles count under the run that last loaded them)."""
        with self.connect() as con:
            return con.sql(
                "select run_id, coalesce(site, '(no site)') as site, count(*) as loaded "
                "from articles group by all order by all"
            ).pl()

    def quarantined_paths(self, reason: str | None) -> list[str]:
        """Input files with quarantined records (whose reason contains ``reason``)."""
        with self.connect(read_only=True) as con:
            rows = con.sql(
                "select distinct split_part(source_path, '!/', 1) from quarantine "
                "where $reason is null or contains(reason, $reason) order by 1",
                params={"reason": reason},
            ).fetchall()
        return [r[0] for r in rows]

    def iter_articles(self, columns: Sequence[str], batch_rows: int) -> Iterator[pl.DataFrame]:
        """Articles in ``article_id`` order, ``batch_rows`` at a time (bounded memory)."""
        cols = ", ".join(f'"{c}"' for c in columns)
        last = ""
        while True:
            with self.connect(read_only=False) as con:
                frame = con.sql(
                    f"select {cols} from articles where article_id > $last "
                    f"order by article_id limit {int(batch_rows)}",
                    params={"last": last},
                ).pl()
            if frame.is_empty():
                return
            yield frame
            last = frame["article_id"][-1]

    def replace_tables(self, tables: Sequence[str], job: str) -> None:
        """Replace every row of ``tables`` with a job's staged rows in one transaction."""
        with self.connect() as con:
            con.execute("begin transaction")
            try:
                for table in tables:
                    files = sorted((self.staging_root / job / table).glob("*.parquet"))
                    cols = ", ".join(f'"{c}"' for c in STAGED_TABLES[table])
                    con.execute(f"delete from {table}")
                    if files:
                        src = f"read_parquet({[str(f) for f in files]!r}, union_by_name=true)"
                        con.execute(f"insert into {table} ({cols}) select {cols} from {src}")
                con.execute("commit")
            except BaseException:
                con.execute("rollback")
                raise
        self.export_parquet(months=None)

    def compact(self) -> dict[str, Any]:
        """Rewrite every Parquet partition as one file and checkpoint DuckDB."""
        stray = list(self.parquet_root.rglob(".data.parquet.tmp-*"))
        for path in stray:
            path.unlink(missing_ok=True)
        self.export_parquet(months=None)
        with self.connect() as con:
            con.execute("checkpoint")
        files = list(self.parquet_root.rglob("*.parquet"))
        return {
            "parquet_files": len(files),
            "stray_files_removed": len(stray),
            "db_bytes": self.db_path.stat().st_size,
        }

    # ----------------------------------------------------------------- reads for a run
    def manifest(self) -> pl.DataFrame:
        """The incremental manifest: what each input file looked like when last loaded."""
        if not self.db_path.exists():
            return schema.empty(MANIFEST)
        with self.connect() as con:
            df = con.sql(
                "select source_path, size_bytes, mtime_ns, file_hash, records_in from files"
            ).pl()
        return schema.conform(df, MANIFEST)

    def _loaded_except(
        self, sql: str, excluding_paths: Sequence[str], probe: pl.DataFrame | None = None
    ) -> pl.DataFrame:
        """Run ``sql`` (which may refer to ``_kept``, the articles not from files being
        replaced — an archive's members count as the archive — and to ``_probe``, the frame
        ``probe``) against the warehouse."""
        with self.connect(read_only=True) as con:  # shares the file with analysts' reads
            _register_paths(con, excluding_paths)
            if probe is not None:
                con.register("_probe", probe)
            con.execute(
                f"create temp view _kept as select * from articles where not ({_OF_REPLACED})"
            )
            return con.sql(sql).pl()

    def seen(
        self, excluding_paths: Sequence[str], matching: pl.DataFrame | None = None
    ) -> pl.DataFrame:
        """Dedupe keys of loaded articles, except those of files about to be replaced.

        ``matching`` (articles with ``url`` and ``content_hash``): only the loaded articles
        sharing a URL or a content hash with them, so a run holds one shard's worth of
        keys, not the whole warehouse's."""
        if not self.db_path.exists():
            return schema.empty(SEEN)
        where = ""
        probe = None
        if matching is not None:
            probe = matching.select("url", "content_hash")
            where = (
                "where url in (select url from _probe where url is not null)"
                " or content_hash in (select content_hash from _probe)"
            )
        df = self._loaded_except(
            f"select article_id, url, site, content_hash from _kept {where} "
            "order by run_id, source_path, record_key",
            excluding_paths,
            probe,
        )
        return schema.conform(df, SEEN)

    def signatures(
        self,
        excluding_paths: Sequence[str],
        near: pl.DataFrame | None = None,
        min_bands: int = 1,
        bands: int = BANDS,
    ) -> pl.DataFrame:
        """MinHash signatures of loaded articles, except those of files being replaced.

        ``near`` (``SIGNATURE`` rows of new articles): only the loaded articles that share at
        least ``min_bands`` of ``bands`` LSH bands with one of them (the candidates for a
        near-duplicate), and those with the same ``article_id``. The bands are hashed by
        DuckDB on both sides, in DuckDB's memory, so a run never holds the warehouse's
        signatures."""
        if not self.db_path.exists():
            return schema.empty(SIGNATURE)
        if near is None:
            sql = "select s.* from article_signatures s join _kept using (article_id)"
            probe = None
        else:
            probe = near.select("article_id", "minhash")
            width = _band_width(near, bands)
            band = f"hash(b.i, list_slice({{m}}, b.i * {width} + 1, (b.i + 1) * {width}))"
            sql = f"""
                with probe_keys as (
                    select distinct b.i, {band.format(m="p.minhash")} as key
                    from _probe p, range({bands}) b(i) where p.minhash is not null
                ), known_keys as (
                    select s.article_id, b.i, {band.format(m="s.minhash")} as key
                    from article_signatures s join _kept using (article_id), range({bands}) b(i)
                    where s.minhash is not null
                ), candidates as (
                    select k.article_id from known_keys k join probe_keys q using (i, key)
                    group by k.article_id having count(*) >= {int(min_bands)}
                )
                select s.* from article_signatures s join _kept using (article_id)
                where s.article_id in (select article_id from candidates)
                   or s.article_id in (select article_id from _probe)
            """
        df = self._loaded_except(f"{sql} order by s.article_id", excluding_paths, probe)
        return schema.conform(df, SIGNATURE)

    # ----------------------------------------------------------------- staging
    def stage(self, run_id: str, table: str, frame: pl.DataFrame, part: str) -> None:
        """Write one batch's rows for ``table`` into the run's staging folder."""
        if frame.is_empty():
            return
        target = self.staging_root / run_id / table
        target.mkdir(parents=True, exist_ok=True)
        schema.conform(frame, STAGED_TABLES[table]).write_parquet(
            target / f"{part}.parquet", compression="zstd"
        )

    def discard(self, run_id: str) -> None:
        """Remove a run's staging (the run failed or had nothing to load)."""
        shutil.rmtree(self.staging_root / run_id, ignore_errors=True)

    # ----------------------------------------------------------------- commit
    def commit(
        self,
        run: RunRecord,
        replaced_paths: Sequence[str],
        manifest_rows: pl.DataFrame,
        *,
        publish: bool = True,
    ) -> None:
        """Make a run's staged rows visible, atomically, then export Parquet.

        ``replaced_paths``: input files read in this run; their earlier records are deleted
        first (delete-insert by source path). ``manifest_rows``: ``MANIFEST`` rows for every
        file read or re-checked in this run. ``publish=False`` (a run held back by its batch
        checks) records only the run and its validation results: no data rows, no manifest
        update, so the next run reads those files again.
        """
        if not publish:
            replaced_paths = []
            manifest_rows = manifest_rows.clear()
        staged = self.staging_root / run.run_id
        with self.connect() as con:
            _register_paths(con, replaced_paths)
            con.register("_manifest", schema.conform(manifest_rows, MANIFEST))
            con.execute("begin transaction")
            try:
                touched = self._months_of_replaced(con)
                self._delete_replaced(con)
                for table, columns in STAGED_TABLES.items():
                    if not publish and table != "validation_results":
                        continue
                    files = sorted((staged / table).glob("*.parquet"))
                    if not files:
                        continue
                    cols = ", ".join(f'"{c}"' for c in columns)
                    src = f"read_parquet({[str(f) for f in files]!r}, union_by_name=true)"
                    if table == "site_furniture":  # counts add up across runs
                        con.execute(
                            f"insert into site_furniture select site, line, sum(docs) from {src} "
                            "group by all on conflict (site, line) do update "
                            "set docs = site_furniture.docs + excluded.docs"
                        )
                    elif table == "entities":
                        # one row per entity; a later run may add a QID the alias table gained
                        con.execute(
                            f"insert into entities ({cols}) select distinct on (entity_id) "
                            f"{cols} from {src} order by entity_id "
                            "on conflict (entity_id) do update set name = excluded.name, "
                            "type = excluded.type, qid = coalesce(excluded.qid, entities.qid)"
                        )
                    else:
                        con.execute(f"insert into {table} ({cols}) select {cols} from {src}")
                con.execute(
                    """
                    insert or replace into files
                    select source_path, size_bytes, mtime_ns, file_hash, records_in,
                           ? as run_id, ? as loaded_at
                    from _manifest
                    """,
                    [run.run_id, run.finished_at],
                )
                con.execute(
                    """
                    insert into runs (run_id, started_at, finished_at, status, records_in,
                        loaded, duplicates, quarantined, files_seen, files_processed,
                        files_skipped, code_version, inputs, prefect_flow_run_id,
                        records_skipped, parquet_exported)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, false)
                    """,
                    [
                        run.run_id,
                        run.started_at,
                        run.finished_at,
                        run.status,
                        run.records_in,
                        run.loaded,
                        run.duplicates,
                        run.quarantined,
                        run.files_seen,
                        run.files_processed,
                        run.files_skipped,
                        run.code_version,
                        json.dumps(run.inputs),
                        run.prefect_flow_run_id,
                        json.dumps(run.records_skipped),
                    ],
                )
                touched |= self._months_of_run(con, run.run_id)
                con.execute("commit")
            except BaseException:
                con.execute("rollback")
                raise
        self.discard(run.run_id)
        self.export_parquet(months=touched)
        with self.connect() as con:
            con.execute("update runs set parquet_exported = true where run_id = ?", [run.run_id])

    @staticmethod
    def _delete_replaced(con: duckdb.DuckDBPyConnection) -> None:
        old_ids = f"select article_id from articles where {_OF_REPLACED}"
        for child in ("entity_mentions", "article_topics", "article_signatures", "article_themes"):
            con.execute(f"delete from {child} where article_id in ({old_ids})")
        for table in ("articles", "duplicates", "quarantine"):
            con.execute(f"delete from {table} where {_OF_REPLACED}")

    @staticmethod
    def _months_of_replaced(con: duckdb.DuckDBPyConnection) -> set[str]:
        """Partitions holding rows of replaced files (an archive's members included)."""
        return _months_where(con, _OF_REPLACED)

    @staticmethod
    def _months_of_run(con: duckdb.DuckDBPyConnection, run_id: str) -> set[str]:
        return _months_where(con, "run_id = $run_id", {"run_id": run_id})

    # ----------------------------------------------------------------- parquet export
    def export_parquet(self, months: set[str] | None) -> None:
        """Rewrite the Parquet partitions of ``months`` (all partitions when None).

        Each partition file is written beside its target and moved into place with
        ``os.replace``, so a reader sees the old file or the new one, never a torn one.
        """
        with self.connect() as con:
            if months is None:
                months = {
                    r[0] for r in con.execute(f"select distinct {_MONTH} from articles").fetchall()
                }
                for table in EXPORTED_TABLES:  # drop partitions of months no longer present
                    for part in (self.parquet_root / table).glob("published_month=*"):
                        if part.name.split("=", 1)[1] not in months:
                            shutil.rmtree(part, ignore_errors=True)
            for month in sorted(months):
                for table in EXPORTED_TABLES:
                    self._export_partition(con, table, month)

    def _export_partition(self, con: duckdb.DuckDBPyConnection, table: str, month: str) -> None:
        part_dir = self.parquet_root / table / f"published_month={month}"
        target = part_dir / "data.parquet"
        if table == "articles":
            query = f"select * from articles where {_MONTH} = $month order by article_id"
        else:
            query = (
                f"select t.* from {table} t join articles a using (article_id) "
                f"where {_MONTH_A} = $month order by all"
            )
        count = con.execute(f"select count(*) from ({query})", {"month": month}).fetchone()
        if not count or count[0] == 0:
            target.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                part_dir.rmdir()
            return
        part_dir.mkdir(parents=True, exist_ok=True)
        tmp = part_dir / f".data.parquet.tmp-{os.getpid()}"
        # COPY streams the rows to disk; ``month`` is a YYYY-MM key or "unknown" (checked).
        if not _MONTH_KEY.fullmatch(month):
            raise WarehouseError(f"bad partition key {month!r}")
        literal_query = query.replace("$month", f"'{month}'")
        con.execute(f"copy ({literal_query}) to '{tmp}' (format parquet, compression zstd)")
        tmp.replace(target)

    # ----------------------------------------------------------------- queries
    def query(self, sql: str) -> pl.DataFrame:
        """Run read-only SQL against the warehouse."""
        with self.connect(read_only=True) as con:
            rel = con.sql(sql)
            return rel.pl() if rel is not None else pl.DataFrame()

    def query_params(self, sql: str, params: dict[str, Any]) -> pl.DataFrame:
        """Run read-only SQL with named parameters (``$name``)."""
        with self.connect(read_only=True) as con:
            return con.sql(sql, params=params).pl()

    def refresh_views(self) -> None:
        """Re-create every view from ``sql/views`` (after an analyst edits one)."""
        with self.connect() as con:
            self._create_views(con)


def _register_paths(con: duckdb.DuckDBPyConnection, paths: Sequence[str]) -> None:
    """Expose ``paths`` to SQL on this connection as the one-column table ``_replaced``."""
    con.register(
        "_replaced",
        pl.DataFrame({"source_path": list(paths)}, schema={"source_path": pl.String()}),
    )


def _duck_type(dtype: pl.DataType) -> str:
    """The DuckDB column type for a contract's Polars type."""
    if isinstance(dtype, pl.Datetime):
        return "timestamptz" if dtype.time_zone else "timestamp"
    if isinstance(dtype, pl.List):
        inner = dtype.inner
        return (_duck_type(inner) if isinstance(inner, pl.DataType) else "varchar") + "[]"
    return {
        pl.String: "varchar",
        pl.Int64: "bigint",
        pl.Int32: "integer",
        pl.Float64: "double",
        pl.Boolean: "boolean",
        pl.Date: "date",
    }.get(type(dtype), "varchar")


#: Partition key: the publish month as YYYY-MM, or "unknown".
def _month_of(column: str) -> str:
    """SQL for the partition key of a publish time: YYYY-MM, or "unknown"."""
    return f"coalesce(strftime({column} at time zone 'UTC', '%Y-%m'), 'unknown')"


_MONTH = _month_of("published_at")
_MONTH_KEY = re.compile(r"\d{4}-\d{2}|unknown")
_MONTH_A = _month_of("a.published_at")


#: Rows of files being replaced; an archive member's source_path is "archive!/member".
def _band_width(signatures: pl.DataFrame, bands: int) -> int:
    """Values per LSH band of ``signatures``' (equal-length) MinHash lists."""
    lengths = signatures["minhash"].drop_nulls().list.len().unique()
    k = int(lengths[0]) if len(lengths) else bands
    if len(lengths) > 1 or k % bands:
        raise ValueError(f"signatures of {sorted(lengths.to_list())} values for {bands} bands")
    return k // bands


_OF_REPLACED = "split_part(source_path, '!/', 1) in (select * from _replaced)"


def _months_where(
    con: duckdb.DuckDBPyConnection, where: str, params: dict[str, Any] | None = None
) -> set[str]:
    rows = con.sql(f"select distinct {_MONTH} from articles where {where}", params=params)
    return {r[0] for r in rows.fetchall()}
