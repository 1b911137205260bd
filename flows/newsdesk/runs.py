"""Run bookkeeping shared by the flow and the CLI (no Prefect here).

``record_noop_run`` is the fast path of ``newsdesk run``: when no input file is new or
changed there is nothing to orchestrate, so the run is recorded directly — no Prefect
server start, no Great Expectations import — and the summary says so.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from newsdesk.readers.inventory import manifest_rows, plan_inputs
from newsdesk.settings import get_settings
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
    #: Records of containers that are no articles (a WARC's requests, its non-HTML
    #: responses...), by kind: counted here, outside the reconciliation.
    records_skipped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    warehouse: str = ""
    orchestrated: bool = True  # False: nothing new to load, recorded without Prefect

    @property
    def reconciles(self) -> bool:
        return self.records_in == self.loaded + self.duplicates + self.quarantined


_GX_LOCK = threading.Lock()


def gx_lock() -> threading.Lock:
    """Great Expectations is not thread-safe (its shared context, and pyparsing's parse-action
    set-up, which failed intermittently with two shards validating at once): the process's
    one lock for it. A function, so that tasks pickled for Dask refer to it by name."""
    return _GX_LOCK


def new_run_id() -> str:
    """Sortable and unique: UTC start time plus a random suffix."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]


def record_noop_run(paths: list[str], warehouse: Path) -> RunSummary | None:
    """Record a run that has nothing to read, or return None when there is work to do."""
    settings = get_settings()
    wh = Warehouse(warehouse, settings.sql_dir)
    if not wh.db_path.exists() and any(Path(p).is_file() or any(Path(p).rglob("*")) for p in paths):
        return None  # a first run with input: the flow creates the warehouse
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    with wh.writer_lock(timeout_s=settings.lock_wait_seconds):
        plan = plan_inputs([Path(p) for p in paths], wh.manifest())
        if plan.to_read:
            return None
        wh.ensure()
        run_id = new_run_id()
        summary = RunSummary(
            run_id=run_id,
            status="completed",
            files_seen=plan.files_seen,
            files_skipped=plan.files_seen,
            warehouse=str(wh.root),
            orchestrated=False,
        )
        wh.commit(
            RunRecord(
                run_id=run_id,
                started_at=started_at,
                finished_at=datetime.now(UTC),
                status=summary.status,
                records_in=0,
                loaded=0,
                duplicates=0,
                quarantined=0,
                files_seen=plan.files_seen,
                files_processed=0,
                files_skipped=plan.files_seen,
                code_version=code_version(),
                inputs=paths,
            ),
            [],
            manifest_rows(plan, {}),
        )
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary
