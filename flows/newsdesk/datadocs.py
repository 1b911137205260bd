"""Data Docs: static HTML of the suites and of every run's validation results.

``build_data_docs(results, suites_dir, target)`` writes, from the stored ``validation_results``
rows and the suite files (nothing is re-validated):

- ``target/index.html``: newsdesk's own page, one self-contained file (no scripts, no CDN):
  the runs, newest first, with critical failures and warnings per suite; each run's results
  (suite, expectation, column, severity, success, unexpected count, observed value, the
  expectation's notes); then every suite with its expectations, severities, arguments and notes.
  Batch checks (suite ``batch``) appear here only: they have no GX suite.
- ``target/gx/``: Great Expectations' own Data Docs site, built by GX's ``SiteBuilder`` from an
  ephemeral context whose docs site is a filesystem store at ``target/gx``: one page per suite
  and per (run, suite) validation, rebuilt from the rows (``unexpected_count``, and element and
  null counts parsed back from ``observed_value``). Its pages load Bootstrap and fonts from CDNs,
  so they are unstyled offline; ``index.html`` links to them. ``gx_site=False`` skips it (and
  the seconds GX takes to import).

Batch-level rows are combined per run first (``validate.combine_results``). ``target`` belongs
to this function: it is built in a sibling folder and swapped in, so a reader never sees half a
site. Only the newest ``max_runs`` runs are rendered.
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from newsdesk import schema
from newsdesk.validate import (
    CRITICAL,
    VALIDATION_RESULT,
    combine_results,
    expectation_label,
)

logger = logging.getLogger(__name__)

INDEX = "index.html"
GX_DIR = "gx"
GX_SITE = "newsdesk"
#: Runs rendered, newest first (``datadocs_max_runs``).
DEFAULT_MAX_RUNS = 50
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_RUN_ID_TIME = re.compile(r"^(\d{8}T\d{6}Z)")
_OBSERVED = re.compile(
    r"^(?P<bad>\d+) unexpected of (?P<rows>\d+) rows(?:, (?P<null>\d+) null \(not checked\))?$"
)


@dataclass(frozen=True)
class _Suite:
    name: str
    path: Path
    document: Mapping[str, Any]

    @property
    def expectations(self) -> list[Mapping[str, Any]]:
        return list(self.document.get("expectations") or [])

    def notes_by_label(self) -> dict[str, str]:
        return {
            expectation_label(e["type"], e.get("kwargs") or {}): str(
                (e.get("meta") or {}).get("notes") or ""
            )
            for e in self.expectations
        }


#: Suites listed first, in pipeline order; others follow alphabetically.
SUITE_ORDER = ("articles", "entity_mentions", "article_topics")


def _load_suites(suites_dir: Path) -> dict[str, _Suite]:
    suites: dict[str, _Suite] = {}
    paths = sorted(
        suites_dir.glob("*.json"),
        key=lambda p: (SUITE_ORDER.index(p.stem) if p.stem in SUITE_ORDER else 99, p.stem),
    )
    for path in paths:
        document = json.loads(path.read_text(encoding="utf-8"))
        name = str(document.get("name") or path.stem)
        suites[name] = _Suite(name, path, document)
    return suites


def _run_time(run_id: str, run_times: Mapping[str, datetime] | None) -> datetime:
    """When a run started: ``run_times`` if given, else the run id's UTC prefix, else 1970."""
    if run_times and run_id in run_times:
        value = run_times[run_id]
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    match = _RUN_ID_TIME.match(run_id)
    if match:
        return datetime.strptime(match[1], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return _EPOCH


# ----------------------------------------------------------------------------- GX site
def _gx_result(row: Mapping[str, Any]) -> dict[str, Any]:
    """A GX ``result`` dict rebuilt from one stored row."""
    observed = str(row["observed_value"] or "")
    match = _OBSERVED.match(observed)
    unexpected = int(row["unexpected_count"] or 0)
    if not match:
        return {"observed_value": observed, "unexpected_count": unexpected}
    rows, nulls = int(match["rows"]), int(match["null"] or 0)
    return {
        "element_count": rows,
        "unexpected_count": unexpected,
        "unexpected_percent": 100.0 * unexpected / rows if rows else 0.0,
        "missing_count": nulls,
        "missing_percent": 100.0 * nulls / rows if rows else 0.0,
        "partial_unexpected_list": [],
    }


def _build_gx_site(
    runs: pl.DataFrame,
    results: pl.DataFrame,
    suites: dict[str, _Suite],
    site_dir: Path,
) -> dict[tuple[str, str], str]:
    """GX's site in ``site_dir``; returns (run_id, suite) → page path relative to ``site_dir``."""
    import great_expectations as gx  # noqa: PLC0415 - seconds to import; only when docs are built
    from great_expectations.core import ExpectationSuite  # noqa: PLC0415
    from great_expectations.core.expectation_validation_result import (  # noqa: PLC0415
        ExpectationSuiteValidationResult,
        ExpectationValidationResult,
    )
    from great_expectations.core.run_identifier import RunIdentifier  # noqa: PLC0415
    from great_expectations.data_context.types.resource_identifiers import (  # noqa: PLC0415
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    context = gx.get_context(mode="ephemeral")
    context.variables.analytics_enabled = False
    for name in list(context.list_data_docs_sites()):
        context.delete_data_docs_site(name)
    # GX's TypedDict for site configs omits show_how_to_buttons, which SiteBuilder accepts.
    site_config: Any = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(site_dir),
        },
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }
    context.add_data_docs_site(GX_SITE, site_config)
    configs: dict[str, dict[str, Any]] = {}
    for suite in suites.values():
        gx_suite = context.suites.add(ExpectationSuite(**json.loads(json.dumps(suite.document))))
        configs[suite.name] = {
            expectation_label(e.configuration.type, e.configuration.kwargs): e.configuration
            for e in gx_suite.expectations
        }

    keys: dict[tuple[str, str], Any] = {}
    for run_id, run_time in runs.select("run_id", "run_time").rows():
        for suite_name, rows in results.filter(pl.col("run_id") == run_id).group_by(
            "suite", maintain_order=True
        ):
            name = str(suite_name[0])
            if name not in configs:
                continue  # batch checks, or a suite file that no longer exists
            evrs = [
                ExpectationValidationResult(
                    success=bool(row["success"]),
                    expectation_config=configs[name][label],
                    result=_gx_result(row),
                )
                for row in rows.iter_rows(named=True)
                if (label := f"{row['expectation']}({row['column']})") in configs[name]
            ]
            if not evrs:
                continue
            passed = sum(1 for r in evrs if r.success)
            result = ExpectationSuiteValidationResult(
                success=passed == len(evrs),
                results=evrs,
                suite_name=name,
                statistics={
                    "evaluated_expectations": len(evrs),
                    "successful_expectations": passed,
                    "unsuccessful_expectations": len(evrs) - passed,
                    "success_percent": 100.0 * passed / len(evrs),
                },
                meta={
                    "run_id": {"run_name": run_id, "run_time": run_time.isoformat()},
                    "batch_spec": {"data_asset_name": name},
                    "active_batch_definition": {
                        "datasource_name": "newsdesk",
                        "data_asset_name": name,
                    },
                },
            )
            key = ValidationResultIdentifier(
                expectation_suite_identifier=ExpectationSuiteIdentifier(name=name),
                run_id=RunIdentifier(run_name=run_id, run_time=run_time),
                batch_identifier=name,
            )
            context.validation_results_store.set(key, result)
            keys[(run_id, name)] = key

    context.build_data_docs(site_names=[GX_SITE])
    pages: dict[tuple[str, str], str] = {}
    for ident, key in keys.items():
        url = context.get_docs_sites_urls(resource_identifier=key, site_name=GX_SITE)[0]["site_url"]
        if url and url.startswith("file://"):
            pages[ident] = Path(url.removeprefix("file://")).relative_to(site_dir).as_posix()
    missing = len(keys) - len(pages)
    if missing:
        logger.warning("data docs: GX rendered %d of %d validation pages", len(pages), len(keys))
    return pages


# ----------------------------------------------------------------------------- own index
_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#222;max-width:80rem}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:1px solid #ccc}
h3{font-size:1.05rem;margin-top:1.6rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;width:100%}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#17692b}.fail{color:#b00020;font-weight:600}.warn{color:#a05a00;font-weight:600}
tr.fail td{background:#fff0f0}tr.warn td{background:#fff8e6}
code{font-size:.9em}.muted{color:#666}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _status(success: bool, severity: str) -> tuple[str, str]:
    """(css class, text) of one result."""
    if success:
        return "ok", "✔ pass"
    return ("fail", "✘ fail") if severity == CRITICAL else ("warn", "⚠ warn")


def _runs_table(runs: pl.DataFrame, results: pl.DataFrame, suite_names: list[str]) -> str:
    head = "".join(f"<th>{_e(s)}</th>" for s in suite_names)
    lines = [
        "<table><tr><th>run</th><th>started (UTC)</th><th>critical failures</th>"
        f"<th>warnings</th>{head}</tr>"
    ]
    for run_id, run_time in runs.select("run_id", "run_time").rows():
        rows = results.filter(pl.col("run_id") == run_id)
        failed = rows.filter(~pl.col("success"))
        critical = failed.filter(pl.col("severity") == CRITICAL).height
        warnings = failed.height - critical
        cells = []
        for suite in suite_names:
            sub = rows.filter(pl.col("suite") == suite)
            if sub.is_empty():
                cells.append('<td class="muted">—</td>')
                continue
            bad = sub.filter(~pl.col("success"))
            crit = bad.filter(pl.col("severity") == CRITICAL).height
            css = "fail" if crit else ("warn" if bad.height else "ok")
            text = f"{sub.height - bad.height}/{sub.height}"
            cells.append(f'<td class="{css}">{text}</td>')
        css = "fail" if critical else ("warn" if warnings else "ok")
        when = run_time.strftime("%Y-%m-%d %H:%M:%S") if run_time != _EPOCH else "—"
        lines.append(
            f'<tr><td><a href="#run-{_e(run_id)}">{_e(run_id)}</a></td><td>{when}</td>'
            f'<td class="n {css}">{critical}</td><td class="n">{warnings}</td>'
            f"{''.join(cells)}</tr>"
        )
    lines.append("</table>")
    return "\n".join(lines)


def _run_section(
    run_id: str,
    rows: pl.DataFrame,
    notes: dict[str, dict[str, str]],
    pages: dict[tuple[str, str], str],
) -> str:
    links = " ".join(
        f'<a href="{GX_DIR}/{_e(pages[(run_id, s)])}">GX page: {_e(s)}</a>'
        for s in dict.fromkeys(rows["suite"].to_list())
        if (run_id, s) in pages
    )
    out = [f'<h3 id="run-{_e(run_id)}">Run {_e(run_id)}</h3>']
    if links:
        out.append(f"<p>{links}</p>")
    out.append(
        "<table><tr><th>suite</th><th>expectation</th><th>column</th><th>severity</th>"
        "<th>result</th><th>unexpected</th><th>observed</th><th>why it matters</th></tr>"
    )
    for row in rows.iter_rows(named=True):
        css, text = _status(bool(row["success"]), str(row["severity"]))
        label = f"{row['expectation']}({row['column']})"
        note = notes.get(str(row["suite"]), {}).get(label, "")
        out.append(
            f'<tr class="{css if css != "ok" else ""}"><td>{_e(row["suite"])}</td>'
            f"<td><code>{_e(row['expectation'])}</code></td><td>{_e(row['column'])}</td>"
            f'<td>{_e(row["severity"])}</td><td class="{css}">{text}</td>'
            f'<td class="n">{_e(row["unexpected_count"])}</td>'
            f'<td>{_e(row["observed_value"])}</td><td class="muted">{_e(note)}</td></tr>'
        )
    out.append("</table>")
    return "\n".join(out)


def _kwargs_text(kwargs: Mapping[str, Any]) -> str:
    parts = []
    for key, value in kwargs.items():
        if isinstance(value, dict) and "$PARAMETER" in value:
            text = f"${value['$PARAMETER']} (filled at run time)"
        elif isinstance(value, list) and len(value) > 12:
            text = json.dumps(value[:12])[:-1] + f", … {len(value)} values]"
        else:
            text = json.dumps(value)
        parts.append(f"{key}={text}")
    return ", ".join(parts)


def _suite_section(suite: _Suite, gx_page: str | None) -> str:
    meta = suite.document.get("meta") or {}
    out = [f'<h3 id="suite-{_e(suite.name)}">{_e(suite.name)}</h3>']
    out.append(
        f'<p>{_e(meta.get("notes") or "")} <span class="muted">File: '
        f"<code>{_e(suite.path.name)}</code>; quarantine by "
        f"{_e(meta.get('quarantine', 'row'))}.</span>"
        + (f' <a href="{GX_DIR}/{_e(gx_page)}">GX page</a>' if gx_page else "")
        + "</p>"
    )
    out.append(
        "<table><tr><th>expectation</th><th>severity</th><th>arguments</th><th>notes</th></tr>"
    )
    for e in suite.expectations:
        meta_e = e.get("meta") or {}
        out.append(
            f"<tr><td><code>{_e(e['type'])}</code></td><td>{_e(meta_e.get('severity'))}</td>"
            f"<td><code>{_e(_kwargs_text(e.get('kwargs') or {}))}</code></td>"
            f"<td>{_e(meta_e.get('notes'))}</td></tr>"
        )
    out.append("</table>")
    return "\n".join(out)


def _index_html(
    runs: pl.DataFrame,
    results: pl.DataFrame,
    suites: dict[str, _Suite],
    *,
    pages: dict[tuple[str, str], str],
    suite_pages: dict[str, str],
    total_runs: int,
) -> str:
    suite_names = list(suites) + sorted(set(results["suite"].to_list()) - set(suites))
    notes = {name: suite.notes_by_label() for name, suite in suites.items()}
    built = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    shown = f"{runs.height} of {total_runs}" if total_runs > runs.height else str(runs.height)
    suite_links = ", ".join(f'<a href="#suite-{_e(s)}">{_e(s)}</a>' for s in suites)
    body = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        "<title>newsdesk Data Docs</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>newsdesk Data Docs</h1>",
        f'<p class="muted">Built {built} from <code>validation_results</code>: {shown} runs; '
        f"suites: {suite_links}."
        + (f' <a href="{GX_DIR}/index.html">Great Expectations site</a>.' if pages else "")
        + "</p>",
        "<p>A <b>critical</b> failure stops the failing rows (or their article) in "
        "<code>quarantine</code>, naming the expectation; a <b>warning</b> is recorded only. "
        "Suite <code>batch</code> holds the run-level checks against earlier runs.</p>",
        "<h2>Runs</h2>",
        _runs_table(runs, results, suite_names) if runs.height else "<p>No runs yet.</p>",
        "<h2>Results by run</h2>",
    ]
    for run_id in runs["run_id"].to_list():
        body.append(_run_section(run_id, results.filter(pl.col("run_id") == run_id), notes, pages))
    body.append("<h2>Suites</h2>")
    body += [_suite_section(s, suite_pages.get(s.name)) for s in suites.values()]
    body.append("</body></html>")
    return "\n".join(body)


# ----------------------------------------------------------------------------- entry point
def build_data_docs(
    results: pl.DataFrame,
    suites_dir: Path,
    target: Path,
    *,
    run_times: Mapping[str, datetime] | None = None,
    max_runs: int = DEFAULT_MAX_RUNS,
    gx_site: bool = True,
) -> Path:
    """Build static Data Docs into ``target`` (replaced whole); return ``target/index.html``.

    ``results``: ``validation_results`` rows (per batch or per run). ``suites_dir``: the
    ``expectations/`` folder. ``run_times``: run id → start time (e.g. ``runs.started_at``);
    without it the time is read from the run id's ``YYYYMMDDTHHMMSSZ`` prefix.
    """
    if max_runs < 1:
        raise ValueError("build_data_docs: max_runs must be at least 1")
    combined = combine_results(schema.conform(results, VALIDATION_RESULT))
    suites = _load_suites(suites_dir)
    run_ids = list(dict.fromkeys(combined["run_id"].to_list()))
    runs = (
        pl.DataFrame(
            {"run_id": run_ids, "run_time": [_run_time(r, run_times) for r in run_ids]},
            schema={"run_id": pl.String(), "run_time": schema.UTC_TS},
        )
        .sort("run_time", "run_id", descending=True)
        .head(max_runs)
    )
    combined = combined.join(runs.select("run_id"), on="run_id", how="semi", maintain_order="left")

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        pages: dict[tuple[str, str], str] = {}
        suite_pages: dict[str, str] = {}
        if gx_site and suites:
            pages = _build_gx_site(runs, combined, suites, staging / GX_DIR)
            for name in suites:
                page = staging / GX_DIR / "expectations" / f"{name}.html"
                if page.exists():
                    suite_pages[name] = page.relative_to(staging / GX_DIR).as_posix()
        index = staging / INDEX
        index.write_text(
            _index_html(
                runs,
                combined,
                suites,
                pages=pages,
                suite_pages=suite_pages,
                total_runs=len(run_ids),
            ),
            encoding="utf-8",
        )
        old = target.with_name(f".{target.name}-old-{os.getpid()}")
        if target.exists():
            target.rename(old)
        staging.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target / INDEX
