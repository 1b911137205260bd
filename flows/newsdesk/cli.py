"""The ``newsdesk`` command line: run the flow, query the warehouse, make synthetic dumps.

User errors (a missing path, an unwritable warehouse, an unknown query) end with one clear
line on stderr and exit code 2; they never print a traceback.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from newsdesk.settings import get_settings

# The temporary Prefect server a local run starts would otherwise try to send usage
# telemetry and log an ERROR when it cannot; a user's own setting still wins.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

app = typer.Typer(
    name="newsdesk",
    help="Batch ETL: raw news-article dumps → Parquet + DuckDB warehouse.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)

WarehouseOpt = Annotated[
    Path | None,
    typer.Option("--warehouse", "-w", help="Warehouse folder [default: data/warehouse]."),
]


def fail(message: str) -> typer.Exit:
    """Print one clear line and return the exit to raise (code 2: a user error)."""
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


@app.callback()
def _check_settings() -> None:
    """Read the settings (env vars, newsdesk.toml) once up front, so that a bad value is one
    clear line naming the setting, not a traceback in the middle of a command."""
    from pydantic import ValidationError  # noqa: PLC0415

    try:
        get_settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"NEWSDESK_{'_'.join(str(p) for p in e['loc']).upper()}={e.get('input')!r}: {e['msg']}"
            for e in exc.errors()
        )
        raise fail(f"bad setting (environment or newsdesk.toml): {problems}") from None


def _warehouse_dir(warehouse: Path | None) -> Path:
    return warehouse if warehouse is not None else get_settings().warehouse


@app.command()
def run(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or folders of raw dumps [default: data/sample]."),
    ] = None,
    warehouse: WarehouseOpt = None,
    wait: Annotated[
        float | None,
        typer.Option(help="Seconds to wait if another run is writing to the warehouse."),
    ] = None,
    task_runner: Annotated[
        str, typer.Option(help="Where shards run: 'threads' (default) or 'dask'.")
    ] = "threads",
    dask_address: Annotated[
        str | None,
        typer.Option(help="Address of an existing Dask scheduler (tcp://host:8786)."),
    ] = None,
) -> None:
    """Ingest raw dumps into the warehouse (incremental: unchanged files are skipped)."""
    settings = get_settings()
    inputs = list(paths) if paths else [settings.sample]
    missing = [str(p) for p in inputs if not p.exists()]
    if missing:
        raise fail(f"no such file or folder: {', '.join(missing)}")
    if task_runner not in {"threads", "dask"}:
        raise fail(f"unknown --task-runner {task_runner!r}; use threads or dask")
    if dask_address and task_runner != "dask":
        raise fail("--dask-address needs --task-runner dask")
    target = _warehouse_dir(warehouse)
    if target.exists() and not target.is_dir():
        raise fail(f"warehouse {target} exists and is not a folder")
    if not _writable(target):
        raise fail(f"warehouse folder {target} is not writable")
    if wait is not None:
        os.environ["NEWSDESK_LOCK_WAIT_SECONDS"] = str(wait)
        get_settings.cache_clear()

    t0 = time.perf_counter()
    from newsdesk.warehouse import WarehouseError  # noqa: PLC0415

    try:
        noop = _record_noop_run(inputs, target)
    except WarehouseError as exc:
        raise fail(str(exc)) from None
    if noop is not None:
        _print_summary(noop, total_s=time.perf_counter() - t0, import_s=0.0)
        return
    from newsdesk.flow import with_task_runner  # noqa: PLC0415 - Prefect import is slow

    import_s = time.perf_counter() - t0
    runner = _dask_runner(dask_address) if task_runner == "dask" else None
    try:
        with console.status("running the newsdesk flow…", spinner="dots"):
            summary = with_task_runner(runner)(
                paths=[str(p) for p in inputs], warehouse=str(target)
            )
    except WarehouseError as exc:
        raise fail(str(exc)) from None
    _print_summary(summary, total_s=time.perf_counter() - t0, import_s=import_s)


def _dask_runner(address: str | None) -> Any:
    from prefect_dask import DaskTaskRunner  # noqa: PLC0415

    if address:
        return DaskTaskRunner(address=address)
    # A local cluster of processes, one thread each: Polars work runs in parallel.
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": os.cpu_count() or 2,
            "threads_per_worker": 1,
            "processes": True,
        }
    )


def _record_noop_run(inputs: list[Path], target: Path) -> Any:
    """When no input file is new or changed, record the run without starting Prefect.

    Starting Prefect's temporary local server costs seconds; a run with nothing to load
    needs none of it (nor Great Expectations). Returns the summary, or None when there is
    work for the flow.
    """
    from newsdesk.runs import record_noop_run  # noqa: PLC0415

    return record_noop_run([str(p) for p in inputs], target)


def _writable(folder: Path) -> bool:
    probe = folder
    while not probe.exists():
        probe = probe.parent
    return os.access(probe, os.W_OK | os.X_OK)


def _print_summary(summary: object, total_s: float, import_s: float) -> None:
    s = summary.__dict__
    table = Table(title=f"newsdesk run {s['run_id']}", show_header=False, title_justify="left")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("records in", f"{s['records_in']:,}")
    table.add_row("loaded", f"{s['loaded']:,}")
    table.add_row("duplicates", f"{s['duplicates']:,}")
    table.add_row("quarantined", f"{s['quarantined']:,}")
    table.add_row("files read / skipped", f"{s['files_processed']:,} / {s['files_skipped']:,}")
    if s.get("records_skipped"):
        table.add_row(
            "not articles (skipped)",
            ", ".join(f"{n:,} {kind}" for kind, n in s["records_skipped"].items()),
        )
    table.add_row(
        "flow time" if s.get("orchestrated", True) else "run time (nothing new: no Prefect)",
        f"{s['seconds']:.2f} s",
    )
    table.add_row("total time (incl. start-up)", f"{total_s:.2f} s (imports {import_s:.2f} s)")
    table.add_row("warehouse", s["warehouse"])
    console.print(table)
    if s["quarantine_reasons"]:
        q = Table(title="quarantined, by reason", title_justify="left")
        q.add_column("records", justify="right")
        q.add_column("reason")
        for reason, n in s["quarantine_reasons"].items():
            q.add_row(str(n), reason)
        console.print(q)
    ok = s["records_in"] == s["loaded"] + s["duplicates"] + s["quarantined"]
    console.print(
        f"reconciliation: {s['records_in']} in = {s['loaded']} loaded + {s['duplicates']} "
        f"duplicates + {s['quarantined']} quarantined: {'[green]ok[/]' if ok else '[red]BROKEN[/]'}"
    )


def _queries_dir() -> Path:
    return get_settings().sql_dir / "queries"


def _query_description(path: Path) -> str:
    for line in path.read_text().splitlines():
        if line.startswith("--"):
            return line.lstrip("- ").strip()
    return ""


@app.command()
def query(
    name: Annotated[str | None, typer.Argument(help="Query name (sql/queries/NAME.sql).")] = None,
    warehouse: WarehouseOpt = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="Output format: table, csv or json.")
    ] = "table",
    list_: Annotated[bool, typer.Option("--list", help="List the queries and exit.")] = False,
) -> None:
    """Run an analyst query from sql/queries against the warehouse."""
    queries = {p.stem: p for p in sorted(_queries_dir().glob("*.sql"))}
    if list_ or name is None:
        table = Table(show_header=True)
        table.add_column("query")
        table.add_column("question it answers")
        for qname, path in queries.items():
            table.add_row(qname, _query_description(path))
        console.print(table)
        return
    if name not in queries:
        raise fail(f"unknown query {name!r}; known: {', '.join(queries)}")
    if fmt not in {"table", "csv", "json"}:
        raise fail(f"unknown --format {fmt!r}; use table, csv or json")
    from newsdesk.warehouse import Warehouse, WarehouseError  # noqa: PLC0415

    wh = Warehouse(_warehouse_dir(warehouse), get_settings().sql_dir)
    try:
        df = wh.query(queries[name].read_text())
    except WarehouseError as exc:
        raise fail(str(exc)) from None
    if fmt == "csv":
        sys.stdout.write(df.write_csv())
    elif fmt == "json":
        sys.stdout.write(json.dumps(df.to_dicts(), default=str, ensure_ascii=False, indent=1))
        sys.stdout.write("\n")
    else:
        _print_frame(df, title=_query_description(queries[name]))


@app.command()
def synth(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the dumps into.")],
    n: Annotated[int, typer.Option("--n", min=1, help="How many records to write.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same files).")] = 0,
    warc_mib: Annotated[
        int | None,
        typer.Option(
            "--warc-mib",
            min=1,
            help="Write one CC-NEWS-like WARC.gz of this many MiB instead of text/JSONL dumps.",
        ),
    ] = None,
) -> None:
    """Write N realistic synthetic raw dumps (text and JSONL), or one large WARC.gz, for
    tests and benchmarks."""
    from newsdesk.synth import synth as make  # noqa: PLC0415
    from newsdesk.synth import synth_warc  # noqa: PLC0415

    if out.exists() and not out.is_dir():
        raise fail(f"--out {out} exists and is not a folder")
    t0 = time.perf_counter()
    result = synth_warc(out, warc_mib, seed=seed) if warc_mib else make(n, out, seed=seed)
    console.print(f"wrote {result} to {out} in {time.perf_counter() - t0:.1f} s")


@app.command()
def explain(
    file: Annotated[Path, typer.Argument(help="A text dump to explain.")],
) -> None:
    """Show how the extractor labels every line of a text dump, and why."""
    if not file.is_file():
        raise fail(f"no such file: {file}")
    from newsdesk.extract import explain as explain_lines  # noqa: PLC0415
    from newsdesk.readers import read_bytes  # noqa: PLC0415

    result = read_bytes(file.read_bytes(), str(file), "", get_settings().max_record_chars)
    if not result.records:
        reason = result.quarantine[0]["reason"] if result.quarantine else "no records"
        raise fail(f"{file}: {reason}")
    text = result.records[0].get("raw_text") or result.records[0].get("body") or ""
    _print_frame(explain_lines(text))


def _print_frame(df: Any, title: str = "") -> None:
    table = Table(title=title or None, title_justify="left", show_header=True)
    for col in df.columns:
        table.add_column(col, overflow="fold")
    for row in df.iter_rows():
        table.add_row(*["" if v is None else str(v) for v in row])
    console.print(table)


@app.command("explain-topic")
def explain_topic(
    article_id: Annotated[str, typer.Argument(help="An article_id in the warehouse.")],
    warehouse: WarehouseOpt = None,
) -> None:
    """Show the terms that decided an article's topics, with their weights."""
    from newsdesk.topics import explain_themes  # noqa: PLC0415
    from newsdesk.topics import explain_topic as explain_terms  # noqa: PLC0415
    from newsdesk.warehouse import Warehouse, WarehouseError  # noqa: PLC0415

    wh = Warehouse(_warehouse_dir(warehouse), get_settings().sql_dir)
    try:
        found = wh.query_params(
            "select title, body from articles where article_id = $id", {"id": article_id}
        )
    except WarehouseError as exc:
        raise fail(str(exc)) from None
    if found.is_empty():
        raise fail(f"no article {article_id!r} in {wh.root}")
    title, body = found.row(0)
    topic_cols = [
        "topic_code",
        "topic_label",
        "topic_score",
        "is_primary",
        "term",
        "weight",
        "title_count",
        "body_count",
        "contribution",
    ]
    terms = explain_terms(title, body)
    _print_frame(
        terms.select([c for c in topic_cols if c in terms.columns]),
        title=f"topics of {article_id}: {title}",
    )
    themes = explain_themes(title, body)
    if not themes.is_empty():
        _print_frame(themes, title="themes")


@app.command()
def docs(
    warehouse: WarehouseOpt = None,
    build: Annotated[bool, typer.Option(help="Rebuild from validation_results first.")] = True,
) -> None:
    """Build the Data Docs (validation results, batch checks, suites) and print their path."""
    from newsdesk.warehouse import Warehouse, WarehouseError  # noqa: PLC0415

    settings = get_settings()
    wh = Warehouse(_warehouse_dir(warehouse), settings.sql_dir)
    target = wh.root / "docs"
    if build:
        from newsdesk.datadocs import build_data_docs  # noqa: PLC0415

        try:
            results = wh.query("select * from validation_results")
            runs = wh.query("select run_id, started_at from runs")
        except WarehouseError as exc:
            raise fail(str(exc)) from None
        index = build_data_docs(
            results,
            settings.expectations_dir,
            target,
            run_times=dict(zip(runs["run_id"], runs["started_at"], strict=True)),
        )
    else:
        index = target / "index.html"
        if not index.exists():
            raise fail(f"no Data Docs at {target}: run `newsdesk docs` to build them")
    typer.echo(str(index))  # plain: scripts read this path


@app.command()
def requeue(
    reason: Annotated[
        str | None,
        typer.Option(help="Only records whose quarantine reason contains this text."),
    ] = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Re-process quarantined records after a fix (a new reader or rule).

    Their input files are read again whole: the files' earlier rows (loaded, duplicate or
    quarantined) are replaced, so the reconciliation stays exact.
    """
    from newsdesk.warehouse import Warehouse, WarehouseError  # noqa: PLC0415

    target = _warehouse_dir(warehouse)
    wh = Warehouse(target, get_settings().sql_dir)
    try:
        paths = wh.quarantined_paths(reason)
    except WarehouseError as exc:
        raise fail(str(exc)) from None
    if not paths:
        console.print("nothing to requeue" + (f" for reason {reason!r}" if reason else ""))
        return
    gone = [p for p in paths if not Path(p).exists()]
    if gone:
        err.print(f"[yellow]skipped {len(gone)} input(s) no longer on disk:[/] {', '.join(gone)}")
    paths = [p for p in paths if Path(p).exists()]
    if not paths:
        raise fail("none of the quarantined inputs exist any more")
    from newsdesk.flow import newsdesk_flow  # noqa: PLC0415

    t0 = time.perf_counter()
    try:
        summary = newsdesk_flow(paths=paths, warehouse=str(target), force=paths)
    except WarehouseError as exc:
        raise fail(str(exc)) from None
    _print_summary(summary, total_s=time.perf_counter() - t0, import_s=0.0)


@app.command()
def retag(warehouse: WarehouseOpt = None) -> None:
    """Recompute topics for the whole warehouse (after editing the taxonomy or its terms)."""
    from newsdesk.flow import retag_flow  # noqa: PLC0415
    from newsdesk.warehouse import WarehouseError  # noqa: PLC0415

    target = _warehouse_dir(warehouse)
    if not (target / "newsdesk.duckdb").exists():
        raise fail(f"no warehouse at {target}: run `newsdesk run` first or pass --warehouse")
    try:
        stats = retag_flow(warehouse=str(target))
    except WarehouseError as exc:
        raise fail(str(exc)) from None
    console.print(
        f"retagged {stats['articles']:,} articles: {stats['topics']:,} topic rows, "
        f"{stats['themes']:,} theme rows"
    )


@app.command()
def compact(warehouse: WarehouseOpt = None) -> None:
    """Rewrite each Parquet partition as one file and checkpoint DuckDB."""
    from newsdesk.flow import compact_flow  # noqa: PLC0415
    from newsdesk.warehouse import WarehouseError  # noqa: PLC0415

    target = _warehouse_dir(warehouse)
    if not (target / "newsdesk.duckdb").exists():
        raise fail(f"no warehouse at {target}: run `newsdesk run` first or pass --warehouse")
    try:
        stats = compact_flow(warehouse=str(target))
    except WarehouseError as exc:
        raise fail(str(exc)) from None
    console.print(f"compacted {target}: {stats}")


@app.command()
def serve(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Drop folder(s) to ingest on each run.")
    ] = None,
    warehouse: WarehouseOpt = None,
    cron: Annotated[str | None, typer.Option(help="Cron schedule, e.g. '0 * * * *'.")] = None,
    interval: Annotated[
        int | None, typer.Option(help="Seconds between runs (default 3600 without --cron).")
    ] = None,
    name: Annotated[str, typer.Option(help="Deployment name.")] = "newsdesk-serve",
) -> None:
    """Serve the ingest flow on a schedule from this process (Prefect's flow.serve).

    Needs a Prefect API (PREFECT_API_URL, e.g. a `prefect server start`); runs until stopped.
    """
    settings = get_settings()
    inputs = list(paths) if paths else [settings.sample]
    missing = [str(p) for p in inputs if not p.exists()]
    if missing:
        raise fail(f"no such file or folder: {', '.join(missing)}")
    if cron and interval:
        raise fail("give --cron or --interval, not both")
    from newsdesk.flow import newsdesk_flow  # noqa: PLC0415

    newsdesk_flow.serve(
        name=name,
        cron=cron,
        interval=None if cron else (interval or 3600),
        parameters={
            "paths": [str(p) for p in inputs],
            "warehouse": str(_warehouse_dir(warehouse)),
        },
    )


@app.command("eval")
def evaluate(
    name: Annotated[str, typer.Argument(help="extraction, html, entities or topics.")],
    data: Annotated[
        Path | None, typer.Argument(help="Labelled data (default: the set in data/eval).")
    ] = None,
) -> None:
    """Score a stage on labelled data that ships with the repo (data/eval/)."""
    import importlib  # noqa: PLC0415

    defaults = {
        "extraction": Path("data/eval/textdumps"),
        "html": Path("data/eval/html"),
        "entities": Path("data/eval/entities"),
        "topics": Path("data/eval/topics/labelled.jsonl"),
    }
    if name not in defaults:
        raise fail(f"unknown evaluation {name!r}; use one of {', '.join(defaults)}")
    target = data or get_settings().reference_dir.parent / defaults[name].relative_to("data")
    if not target.exists():
        raise fail(f"no labelled data at {target}")
    module = importlib.import_module(f"newsdesk.evaluation.{name}")
    raise typer.Exit(code=module.main([str(target)]))


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
