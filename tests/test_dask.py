"""Scale-out: the flow on Prefect's DaskTaskRunner loads exactly what the default run loads."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from .conftest import SAMPLE

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("prefect_harness")]

#: Columns that differ between two runs by design (their run's id, time and code version).
RUN_COLUMNS = {
    "run_id",
    "code_version",
    "started_at",
    "finished_at",
    "loaded_at",
    "prefect_flow_run_id",
    "inputs",
}
TABLES = (
    "articles",
    "entities",
    "entity_mentions",
    "article_topics",
    "duplicates",
    "quarantine",
    "files",
)


def table_rows(warehouse: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(warehouse / "newsdesk.duckdb"), read_only=True) as con:
        cols = [
            c for c in con.sql(f"select * from {table} limit 0").columns if c not in RUN_COLUMNS
        ]
        quoted = ", ".join(f'"{c}"' for c in cols)
        return con.sql(f"select {quoted} from {table} order by all").fetchall()


def test_dask_run_equals_default_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect_dask import DaskTaskRunner  # noqa: PLC0415

    from newsdesk.flow import with_task_runner  # noqa: PLC0415
    from newsdesk.settings import get_settings  # noqa: PLC0415

    monkeypatch.setenv("NEWSDESK_BATCH_FILES", "8")  # several shards, so order matters
    get_settings.cache_clear()
    default = with_task_runner(None)(paths=[str(SAMPLE)], warehouse=str(tmp_path / "a"))
    runner = DaskTaskRunner(
        cluster_kwargs={
            "n_workers": 2,
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": None,
        }
    )
    dask = with_task_runner(runner)(paths=[str(SAMPLE)], warehouse=str(tmp_path / "b"))
    assert (dask.records_in, dask.loaded, dask.duplicates, dask.quarantined) == (
        default.records_in,
        default.loaded,
        default.duplicates,
        default.quarantined,
    )
    for table in TABLES:
        a = table_rows(tmp_path / "a", table)
        b = table_rows(tmp_path / "b", table)
        assert a == b, table
        assert a or table == "entities"
