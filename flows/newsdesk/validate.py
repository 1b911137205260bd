"""Validate stage: run the ``articles`` Great Expectations suite over ``ARTICLE`` rows.

``validate_articles(articles, run_id)`` splits its input into rows that pass every *critical*
expectation (``valid``) and rows that fail at least one (``quarantine``, ``schema.QUARANTINE``
rows with ``stage="validate"``), and reports one ``results`` row per expectation
(``VALIDATION_RESULT``). Every input row lands in exactly one of valid / quarantine.

The suite is data: ``<settings.expectations_dir>/articles.json``, a GX Core 1.x
``ExpectationSuite`` as GX serialises it. Each expectation carries ``meta.severity``
(``critical``: failing rows are quarantined; ``warning``: reported in ``results`` only, the row
stays valid) and a ``meta.notes`` sentence; GX's own top-level ``severity`` field must agree.

Run-time values (decision): bounds that cannot be static are GX *suite parameters*, written in
the JSON as ``{"$PARAMETER": "<name>"}`` and supplied on every call through
``batch.validate(..., expectation_parameters=...)`` (GX 1.x's replacement for evaluation
parameters). The suite may use only these names (anything else is refused when it is loaded):

- ``published_at_max``: ``now + 1 day`` as a tz-aware UTC ``datetime``, computed per call
  (``now=`` overrides it for tests and replays). GX's own ``now()`` expression is not used:
  it returns naive local time, which cannot be compared with a UTC column.
- ``min_body_words``: ``settings.min_body_words``, so one knob decides what is too short.

How failing rows are found: the frame GX sees has a default ``RangeIndex`` (row position), and
``result_format="COMPLETE"`` makes each column-map expectation return every failing row's index
in ``unexpected_index_list``. A critical expectation quarantines every row it lists; ``mostly``
only changes its ``success`` in ``results``. Nulls are outside every expectation's domain except
``expect_column_values_to_not_be_null`` (GX skips missing values), which is what "nulls allowed"
means in the suite. Uniqueness failures name *every* row that shares a duplicated
``article_id`` (GX's rule, and the honest one: we cannot know which copy is right).

GX is imported lazily (it costs seconds) and the ephemeral context, data source, batch
definition and loaded suite are cached per process; validation calls are serialised with a
lock because they share that context. Empty input short-circuits without importing GX.
Polars → pandas goes through NumPy per column (no pyarrow needed), only for the columns the
suite reads; datetimes become ``datetime64[us, UTC]``.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from numbers import Integral
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from newsdesk import schema
from newsdesk.settings import get_settings

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

SUITE_FILE = "articles.json"
SUITE_NAME = "articles"
CRITICAL = "critical"
WARNING = "warning"
SEVERITIES = (CRITICAL, WARNING)
STAGE = "validate"
#: Each string field of a quarantined row is cut to this many characters inside ``raw``.
RAW_FIELD_CHARS = 2_000
#: The only ``$PARAMETER`` names the suite may use; values are filled per call.
SUITE_PARAMETERS = frozenset({"published_at_max", "min_body_words"})
_ROW = "__validate_row"

#: One row per expectation per call.
VALIDATION_RESULT: dict[str, pl.DataType] = {
    "run_id": pl.String(),
    "suite": pl.String(),
    "expectation": pl.String(),  # GX expectation type, e.g. "expect_column_values_to_be_unique"
    "column": pl.String(),
    "success": pl.Boolean(),
    "unexpected_count": pl.Int64(),
    "severity": pl.String(),  # critical | warning
    "observed_value": pl.String(),  # human-readable summary of what GX saw
}


@dataclass(frozen=True)
class ValidationOutcome:
    """What ``validate_articles`` returns; unpacks as ``valid, quarantine, results``."""

    valid: pl.DataFrame  # rows passing every critical expectation, input columns
    quarantine: pl.DataFrame  # schema.QUARANTINE, one row per failing input row
    results: pl.DataFrame  # VALIDATION_RESULT, one row per expectation

    def __iter__(self) -> Iterator[pl.DataFrame]:
        return iter((self.valid, self.quarantine, self.results))


@dataclass(frozen=True)
class SuiteExpectation:
    """One expectation of the suite as newsdesk needs it (read without GX)."""

    type: str
    column: str
    severity: str
    notes: str

    @property
    def label(self) -> str:
        """How quarantine reasons name it, e.g. ``expect_column_values_to_match_regex(url)``."""
        return f"{self.type}({self.column})"


@dataclass(frozen=True)
class SuiteSpec:
    path: Path
    name: str
    expectations: tuple[SuiteExpectation, ...]
    columns: tuple[str, ...]  # columns the suite reads, in first-use order
    document: Mapping[str, Any]  # the JSON as loaded


def suite_path() -> Path:
    """``<settings.expectations_dir>/articles.json``."""
    return get_settings().expectations_dir / SUITE_FILE


def _parameter_names(value: Any) -> set[str]:
    if isinstance(value, dict):
        names = {str(value["$PARAMETER"])} if "$PARAMETER" in value else set()
        for inner in value.values():
            names |= _parameter_names(inner)
        return names
    if isinstance(value, list):
        return set().union(*(_parameter_names(v) for v in value)) if value else set()
    return set()


@lru_cache(maxsize=8)
def load_suite_spec(path: Path) -> SuiteSpec:
    """Read and check the suite file (plain JSON, no GX): severities, notes, columns, parameters."""
    document = json.loads(path.read_text(encoding="utf-8"))
    name = document.get("name")
    if name != SUITE_NAME:
        raise ValueError(f"{path}: suite name is {name!r}, expected {SUITE_NAME!r}")
    expectations: list[SuiteExpectation] = []
    for i, entry in enumerate(document.get("expectations") or []):
        where = f"{path}: expectations[{i}] ({entry.get('type')})"
        kwargs = entry.get("kwargs") or {}
        meta = entry.get("meta") or {}
        column = kwargs.get("column")
        if not isinstance(column, str):
            raise ValueError(f"{where}: only single-column expectations are supported")
        severity = meta.get("severity")
        if severity not in SEVERITIES:
            raise ValueError(f"{where}: meta.severity must be one of {SEVERITIES}")
        # GX 1.x has its own top-level severity (default critical); keep the two in step.
        if entry.get("severity", CRITICAL) != severity:
            raise ValueError(f"{where}: GX severity {entry.get('severity')!r} != meta.severity")
        notes = meta.get("notes")
        if not isinstance(notes, str) or not notes.strip():
            raise ValueError(f"{where}: meta.notes must be a sentence")
        unknown = _parameter_names(kwargs) - SUITE_PARAMETERS
        if unknown:
            raise ValueError(f"{where}: unknown $PARAMETER {sorted(unknown)}")
        expectations.append(SuiteExpectation(str(entry["type"]), column, severity, notes))
    if not expectations:
        raise ValueError(f"{path}: the suite has no expectations")
    labels = [e.label for e in expectations]
    if len(set(labels)) != len(labels):
        raise ValueError(f"{path}: an expectation type is used twice on one column")
    columns = tuple(dict.fromkeys(e.column for e in expectations))
    return SuiteSpec(path, name, tuple(expectations), columns, document)


@dataclass
class _GxRuntime:
    batch_definition: Any
    lock: threading.Lock


@lru_cache(maxsize=1)
def _gx_runtime() -> _GxRuntime:
    """Import GX and build the ephemeral context once per process."""
    import great_expectations as gx  # noqa: PLC0415 - seconds to import; keep off newsdesk's path
    from great_expectations.data_context.types.base import (  # noqa: PLC0415
        ProgressBarsConfig,
    )

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    context.variables.analytics_enabled = False
    asset = context.data_sources.add_pandas("newsdesk").add_dataframe_asset("articles")
    batch_definition = asset.add_batch_definition_whole_dataframe("whole_frame")
    return _GxRuntime(batch_definition, threading.Lock())


@lru_cache(maxsize=8)
def _gx_suite(path: Path) -> Any:
    """The GX ``ExpectationSuite`` for ``path`` (needs the context to exist first)."""
    _gx_runtime()
    from great_expectations.core import ExpectationSuite  # noqa: PLC0415

    spec = load_suite_spec(path)
    suite = ExpectationSuite(**json.loads(json.dumps(spec.document)))
    # GX logs and *drops* expectations whose configuration it rejects; refuse that instead.
    if len(suite.expectations) != len(spec.expectations):
        raise ValueError(
            f"{path}: GX accepted {len(suite.expectations)} of {len(spec.expectations)} "
            "expectations (see the great_expectations log for the rejected ones)"
        )
    return suite


def _to_pandas(df: pl.DataFrame) -> pd.DataFrame:
    """Polars → pandas via NumPy (pyarrow is not a dependency). Default RangeIndex = row number."""
    import pandas as pd  # noqa: PLC0415

    columns: dict[str, pd.Series] = {}
    for name in df.columns:
        series = df.get_column(name)
        dtype = series.dtype
        if isinstance(dtype, pl.Datetime):
            if dtype.time_zone is not None:
                series = series.dt.convert_time_zone("UTC")
            columns[name] = pd.Series(series.to_numpy()).dt.tz_localize("UTC")
        elif dtype == pl.String:
            columns[name] = pd.Series(series.to_numpy(), dtype=object)
        else:
            columns[name] = pd.Series(series.to_numpy())
    return pd.DataFrame(columns)


def _exception_message(info: Any) -> str | None:
    """GX reports failures to compute as ``exception_info``, flat or keyed by metric id."""
    if isinstance(info, Mapping):
        if info.get("raised_exception"):
            return str(info.get("exception_message") or "unknown GX error")
        for inner in info.values():
            message = _exception_message(inner)
            if message:
                return message
    return None


def _observed(result: Mapping[str, Any]) -> str:
    if "observed_value" in result:
        return str(result["observed_value"])
    unexpected = int(result.get("unexpected_count") or 0)
    text = f"{unexpected} unexpected of {int(result.get('element_count') or 0)} rows"
    if result.get("missing_count"):
        text += f", {int(result['missing_count'])} null (not checked)"
    return text


def _results_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return (
        pl.DataFrame(rows, schema=VALIDATION_RESULT, orient="row")
        if rows
        else schema.empty(VALIDATION_RESULT)
    )


def _run_gx(
    frame: pl.DataFrame, spec: SuiteSpec, parameters: dict[str, Any]
) -> dict[str, tuple[bool, list[int], Mapping[str, Any]]]:
    """Validate ``frame`` (suite columns only); label → (success, failing row numbers, result)."""
    runtime = _gx_runtime()
    suite = _gx_suite(spec.path)
    pdf = _to_pandas(frame)
    result_format = {
        "result_format": "COMPLETE",
        "return_unexpected_index_query": False,
        "partial_unexpected_count": 0,
    }
    with runtime.lock:
        batch = runtime.batch_definition.get_batch(batch_parameters={"dataframe": pdf})
        outcome = batch.validate(
            suite, result_format=result_format, expectation_parameters=parameters
        )
    by_label: dict[str, tuple[bool, list[int], Mapping[str, Any]]] = {}
    for res in outcome.results:
        config = res.expectation_config
        label = f"{config.type}({config.kwargs.get('column')})"
        message = _exception_message(res.exception_info)
        if message:
            raise RuntimeError(f"GX could not evaluate {label}: {message}")
        result = res.result or {}
        indexes = result.get("unexpected_index_list") or []
        if not all(isinstance(i, Integral) for i in indexes):
            raise RuntimeError(f"{label}: GX returned non-positional indexes")
        if not res.success and not indexes and result.get("unexpected_count"):
            raise RuntimeError(f"{label}: GX reported failures without row indexes")
        by_label[label] = (bool(res.success), [int(i) for i in indexes], result)
    missing = [e.label for e in spec.expectations if e.label not in by_label]
    if missing:
        raise RuntimeError(f"GX returned no result for {missing}")
    return by_label


def _quarantine_rows(failed: pl.DataFrame, run_id: str, raw_chars: int) -> pl.DataFrame:
    """``failed`` has the input columns plus ``reason``; build ``schema.QUARANTINE`` rows."""
    payload_columns = [c for c in failed.columns if c not in (_ROW, "reason")]
    payload = [
        pl.col(c).str.slice(0, RAW_FIELD_CHARS) if failed.schema[c] == pl.String else pl.col(c)
        for c in payload_columns
    ]
    raw = pl.struct(payload).struct.json_encode().str.slice(0, raw_chars)
    out = failed.select(
        pl.lit(run_id).alias("run_id"),
        (pl.col("source_path") if "source_path" in failed.columns else pl.lit(None)).alias(
            "source_path"
        ),
        (pl.col("record_key") if "record_key" in failed.columns else pl.lit(None)).alias(
            "record_key"
        ),
        pl.lit(STAGE).alias("stage"),
        pl.col("reason"),
        raw.alias("raw"),
    )
    return schema.conform(out, schema.QUARANTINE)


def validate_articles(
    articles: pl.DataFrame, run_id: str, *, now: datetime | None = None
) -> ValidationOutcome:
    """Split ``articles`` (``ARTICLE`` rows) into valid and quarantined rows with GX results.

    ``now`` (tz-aware; default: the current time) fixes ``published_at_max = now + 1 day``.
    """
    settings = get_settings()
    spec = load_suite_spec(suite_path())
    missing = [c for c in spec.columns if c not in articles.columns]
    if missing:
        raise ValueError(f"validate_articles: input lacks columns the suite reads: {missing}")
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        raise ValueError("validate_articles: now must be timezone-aware")
    parameters: dict[str, Any] = {
        "published_at_max": (now + timedelta(days=1)).astimezone(UTC),
        "min_body_words": settings.min_body_words,
    }

    if articles.height == 0:
        results = [
            {
                "run_id": run_id,
                "suite": spec.name,
                "expectation": e.type,
                "column": e.column,
                "success": True,
                "unexpected_count": 0,
                "severity": e.severity,
                "observed_value": "no rows",
            }
            for e in spec.expectations
        ]
        return ValidationOutcome(articles, schema.empty(schema.QUARANTINE), _results_frame(results))

    by_label = _run_gx(articles.select(spec.columns), spec, parameters)

    results = []
    failures: list[pl.DataFrame] = []
    for order, e in enumerate(spec.expectations):
        success, indexes, result = by_label[e.label]
        if e.severity == CRITICAL and indexes:
            failures.append(
                pl.DataFrame(
                    {
                        _ROW: indexes,
                        "order": [order] * len(indexes),
                        "label": [e.label] * len(indexes),
                    },
                    schema={_ROW: pl.UInt32, "order": pl.Int64, "label": pl.String},
                )
            )
        elif not success:
            logger.warning("validate: %s failed: %s", e.label, _observed(result))
        results.append(
            {
                "run_id": run_id,
                "suite": spec.name,
                "expectation": e.type,
                "column": e.column,
                "success": success,
                "unexpected_count": int(result.get("unexpected_count") or 0),
                "severity": e.severity,
                "observed_value": _observed(result),
            }
        )

    indexed = articles.with_row_index(_ROW)
    if failures:
        reasons = (
            pl.concat(failures)
            .unique([_ROW, "order"])
            .sort(_ROW, "order")
            .group_by(_ROW, maintain_order=True)
            .agg(pl.col("label").str.join("; ").alias("reason"))
        )
        valid = indexed.filter(~pl.col(_ROW).is_in(reasons[_ROW].implode())).drop(_ROW)
        failed = indexed.join(reasons, on=_ROW, how="inner").sort(_ROW)
        quarantine = _quarantine_rows(failed, run_id, settings.quarantine_raw_chars)
    else:
        valid = articles
        quarantine = schema.empty(schema.QUARANTINE)

    if valid.height + quarantine.height != articles.height:  # pragma: no cover - invariant
        raise RuntimeError(
            f"validate: reconciliation failed: {valid.height} valid + "
            f"{quarantine.height} quarantined != {articles.height} input rows"
        )
    if quarantine.height:
        logger.info("validate: quarantined %d of %d rows", quarantine.height, articles.height)
    return ValidationOutcome(valid, quarantine, _results_frame(results))
