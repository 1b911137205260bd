"""Validate stage: run one Great Expectations suite per warehouse table before it is loaded.

Suites are data: ``<settings.expectations_dir>/<table>.json``, GX Core 1.x ``ExpectationSuite``
documents as GX serialises them (``articles``, ``entity_mentions``, ``article_topics``; adding a
file is enough to validate another table through ``validate_table``). Each expectation carries
``meta.severity`` (``critical``: failing rows are stopped; ``warning``: reported in ``results``
only) and a ``meta.notes`` sentence; GX's own top-level ``severity`` must agree.

Entry points:

- ``validate_batch(articles, mentions, topics, run_id)``: every suite over one batch; returns
  the loadable rows of the three tables, one quarantine row per stopped article and all results.
  This is what the flow calls.
- ``validate_table(table, frame, run_id, context=...)``: one suite over one frame.
- ``validate_articles(articles, run_id)``: ``validate_table("articles", ...)`` (kept for callers).

Quarantine granularity (suite ``meta.quarantine``):

- ``"row"`` (``articles``): every row failing a critical expectation becomes a ``quarantine`` row
  (``stage="validate"``) whose ``reason`` names the expectation(s), e.g.
  ``expect_column_values_to_match_regex(url)``.
- ``"article"`` (``entity_mentions``, ``article_topics``): a critical failure in any row stops the
  whole **article** the row belongs to, with all its rows in every table, so that each input
  record still ends up loaded, duplicate or quarantined exactly once. The quarantine row is built
  from the article (``context``) and its reason names the suite:
  ``article_topics: expect_column_values_to_be_in_set(topic_code)``. ``failed_article_ids`` lists
  the stopped articles. Rows whose ``article_id`` is not in ``context`` (orphans) are dropped and
  reported by the ``article_known`` expectation; they have no record to quarantine.

Derived columns (suite ``meta.derived_columns``): checks that need more than one row or another
table are computed here with Polars and validated by GX like any column (see ``DERIVED_COLUMNS``):
``body_length`` and ``span_matches_body`` for mention offsets, ``primary_count`` for "at most one
primary topic per article", ``taxonomy_top_level`` and ``primary_is_top_level`` for topics.

Run-time values: bounds that cannot be static are GX *suite parameters*, written in the JSON as
``{"$PARAMETER": "<name>"}`` and supplied on every call through
``batch.validate(..., expectation_parameters=...)``. Only the names in ``SUITE_PARAMETERS`` are
allowed (anything else is refused when the suite is loaded):

- ``published_at_max``: ``now + 1 day`` (tz-aware UTC; ``now=`` overrides the clock).
- ``min_body_words``: ``settings.min_body_words``.
- ``iptc_topic_codes`` / ``iptc_top_level_codes``: ``medtop:``-prefixed codes of
  ``data/reference/iptc_mediatopics.csv`` (all / level 1).
- ``source_canonical_names``: the ``canonical`` column of ``data/reference/sources.csv``.

How failing rows are found: the frame GX sees has a default ``RangeIndex`` (row position), and
``result_format="COMPLETE"`` makes each map expectation return every failing row's index in
``unexpected_index_list``. A critical expectation stops every row it lists; ``mostly`` only
changes its ``success`` in ``results``. Nulls are outside every expectation's domain except
``expect_column_values_to_not_be_null`` (GX skips missing values; pair expectations say
``ignore_row_if: either_value_is_missing``). Uniqueness failures name *every* row that shares a
duplicated key (we cannot know which copy is right).

GX is imported lazily (seconds) and the ephemeral context, data assets and loaded suites are
cached per process; validation calls are serialised with a lock because they share that context.
Empty input short-circuits without importing GX, so runs with nothing new never pay for it.
Polars → pandas goes through NumPy per column, only for the columns the suite reads. GX's
per-batch data fingerprint (an md5 over the whole frame) is switched off: see
``_skip_batch_fingerprint``.

Results are per call (per batch). ``combine_results`` folds them into one row per run and
expectation, judging ``mostly`` on the run's totals.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from numbers import Integral
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from newsdesk import schema
from newsdesk.reference import load_csv
from newsdesk.settings import Settings, get_settings

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

ARTICLES = "articles"
ENTITY_MENTIONS = "entity_mentions"
ARTICLE_TOPICS = "article_topics"
#: Kept for callers of the first version (the articles suite).
SUITE_NAME = ARTICLES
SUITE_FILE = f"{ARTICLES}.json"
CRITICAL = "critical"
WARNING = "warning"
SEVERITIES = (CRITICAL, WARNING)
#: ``meta.quarantine`` values: stop the failing row itself, or the article it belongs to.
QUARANTINE_ROW = "row"
QUARANTINE_ARTICLE = "article"
ARTICLE_KEY = "article_id"
STAGE = "validate"
#: Each string field of a quarantined row is cut to this many characters inside ``raw``.
RAW_FIELD_CHARS = 2_000
TAXONOMY_FILE = "iptc_mediatopics.csv"
SOURCES_FILE = "sources.csv"
TOPIC_PREFIX = "medtop:"
_ROW = "__validate_row"

#: One row per expectation per call.
VALIDATION_RESULT: dict[str, pl.DataType] = {
    "run_id": pl.String(),
    "suite": pl.String(),
    # GX expectation type, e.g. "expect_column_values_to_be_unique"
    "expectation": pl.String(),
    # the column; "a,b" for expectations over several columns
    "column": pl.String(),
    "success": pl.Boolean(),
    "unexpected_count": pl.Int64(),
    "severity": pl.String(),  # critical | warning
    "observed_value": pl.String(),  # human-readable summary of what GX saw
}

#: ``failures`` of a ``ValidationOutcome``: one row per stopped article (or quarantined row).
FAILURE: dict[str, pl.DataType] = {ARTICLE_KEY: pl.String(), "reason": pl.String()}


@dataclass(frozen=True)
class ValidationOutcome:
    """What ``validate_table`` returns; unpacks as ``valid, quarantine, results``."""

    valid: pl.DataFrame  # rows passing every critical expectation, input columns
    quarantine: pl.DataFrame  # schema.QUARANTINE, one row per stopped record
    results: pl.DataFrame  # VALIDATION_RESULT, one row per expectation
    # FAILURE rows: article_id (null when the failing row had none) and the reason
    failures: pl.DataFrame = field(default_factory=lambda: schema.empty(FAILURE))

    def __iter__(self) -> Iterator[pl.DataFrame]:
        return iter((self.valid, self.quarantine, self.results))

    @property
    def failed_article_ids(self) -> pl.Series:
        """Distinct non-null ids of the articles stopped by this suite."""
        return self.failures.get_column(ARTICLE_KEY).drop_nulls().unique(maintain_order=True)


@dataclass(frozen=True)
class BatchValidation:
    """What ``validate_batch`` returns: loadable rows of each table, quarantine, results."""

    articles: pl.DataFrame  # input columns, articles passing every suite
    entity_mentions: pl.DataFrame  # mentions of those articles only
    article_topics: pl.DataFrame  # topics of those articles only
    quarantine: pl.DataFrame  # schema.QUARANTINE, exactly one row per stopped article
    results: pl.DataFrame  # VALIDATION_RESULT of every suite
    failed_article_ids: pl.Series  # ids of the stopped articles (non-null)


@dataclass(frozen=True)
class SuiteExpectation:
    """One expectation of a suite as newsdesk needs it (read without GX)."""

    type: str
    column: str  # the column, or "a,b" for several
    severity: str
    notes: str
    columns: tuple[str, ...] = ()
    mostly: float | None = None  # GX's ``mostly`` when the suite sets it below 1

    @property
    def label(self) -> str:
        """How quarantine reasons name it, e.g. ``expect_column_values_to_match_regex(url)``."""
        return f"{self.type}({self.column})"


@dataclass(frozen=True)
class SuiteSpec:
    path: Path
    name: str
    expectations: tuple[SuiteExpectation, ...]
    columns: tuple[str, ...]  # input columns the suite reads (derived ones excluded)
    document: Mapping[str, Any]  # the JSON as loaded
    quarantine: str = QUARANTINE_ROW
    derived: tuple[str, ...] = ()  # derived columns, in the order they are computed
    parameters: frozenset[str] = frozenset()

    @property
    def needs_context(self) -> bool:
        return self.quarantine == QUARANTINE_ARTICLE or any(
            DERIVED_COLUMNS[d].context_columns for d in self.derived
        )


# ----------------------------------------------------------------------------- parameters
def _taxonomy() -> pl.DataFrame:
    taxonomy = load_csv(TAXONOMY_FILE)
    return taxonomy.select(
        code=pl.lit(TOPIC_PREFIX) + pl.col("code").str.strip_chars(),
        top_level=pl.lit(TOPIC_PREFIX)
        + pl.when(pl.col("level").str.strip_chars() == "1")
        .then(pl.col("code"))
        .otherwise(pl.col("parent"))
        .str.strip_chars(),
        level=pl.col("level").str.strip_chars(),
    )


def _topic_codes(level: str | None = None) -> list[str]:
    taxonomy = _taxonomy()
    if level is not None:
        taxonomy = taxonomy.filter(pl.col("level") == level)
    return sorted(taxonomy["code"].to_list())


def _source_names() -> list[str]:
    return sorted(set(load_csv(SOURCES_FILE)["canonical"].drop_nulls().str.strip_chars()))


#: Suite parameter name → how its value is computed for a call (``now``, settings).
_PARAMETER_VALUES: dict[str, Callable[[datetime, Settings], Any]] = {
    "published_at_max": lambda now, _s: (now + timedelta(days=1)).astimezone(UTC),
    "min_body_words": lambda _now, s: s.min_body_words,
    "iptc_topic_codes": lambda _now, _s: _topic_codes(),
    "iptc_top_level_codes": lambda _now, _s: _topic_codes("1"),
    "source_canonical_names": lambda _now, _s: _source_names(),
}
#: The only ``$PARAMETER`` names a suite may use; values are filled per call.
SUITE_PARAMETERS = frozenset(_PARAMETER_VALUES)


def suite_parameters(names: frozenset[str], now: datetime) -> dict[str, Any]:
    """Values of the named suite parameters for a call at ``now`` (tz-aware)."""
    settings = get_settings()
    return {name: _PARAMETER_VALUES[name](now, settings) for name in sorted(names)}


# ----------------------------------------------------------------------------- derived columns
@dataclass(frozen=True)
class DerivedColumn:
    """A column computed before GX runs, aligned row by row with the validated frame."""

    columns: tuple[str, ...]  # columns of the validated frame it reads
    context_columns: tuple[str, ...]  # columns of the context (articles) frame it reads
    build: Callable[[pl.DataFrame, pl.DataFrame | None], pl.Series]
    doc: str


def _from_context(frame: pl.DataFrame, context: pl.DataFrame | None, value: pl.Expr) -> pl.Series:
    """``value`` evaluated on the context row with the same article_id (null when none)."""
    if context is None:  # validate_table checks this first; kept for direct callers
        raise ValueError("this derived column needs the articles as context")
    lookup = context.select(pl.col(ARTICLE_KEY), value.alias("__value"))
    return frame.select(ARTICLE_KEY).join(
        lookup, on=ARTICLE_KEY, how="left", maintain_order="left"
    )["__value"]


def _body_length(frame: pl.DataFrame, context: pl.DataFrame | None) -> pl.Series:
    return _from_context(frame, context, pl.col("body").str.len_chars().cast(pl.Int64))


def _span_matches_body(frame: pl.DataFrame, context: pl.DataFrame | None) -> pl.Series:
    body = _from_context(frame, context, pl.col("body"))
    start, end = pl.col("start_char"), pl.col("end_char")
    sliced = pl.col("__body").str.slice(start.clip(0), (end - start).clip(0))
    return (
        frame.with_columns(__body=body)
        .select(pl.when((start >= 0) & (end >= start)).then(sliced == pl.col("surface")))
        .to_series()
    )


def _article_known(frame: pl.DataFrame, context: pl.DataFrame | None) -> pl.Series:
    return _from_context(frame, context, pl.lit(True)).fill_null(False)


def _primary_count(frame: pl.DataFrame, _context: pl.DataFrame | None) -> pl.Series:
    return frame.select(
        pl.col("is_primary").fill_null(False).cast(pl.Int64).sum().over(ARTICLE_KEY)
    ).to_series()


def _taxonomy_top_level(frame: pl.DataFrame, _context: pl.DataFrame | None) -> pl.Series:
    taxonomy = _taxonomy()
    return frame.select(
        pl.col("topic_code").replace_strict(
            taxonomy["code"], taxonomy["top_level"], default=None, return_dtype=pl.String
        )
    ).to_series()


def _primary_is_top_level(frame: pl.DataFrame, _context: pl.DataFrame | None) -> pl.Series:
    return frame.select(
        pl.when(pl.col("is_primary")).then(pl.col("topic_code") == pl.col("top_level_code"))
    ).to_series()


#: Derived columns a suite may name in ``meta.derived_columns``.
DERIVED_COLUMNS: dict[str, DerivedColumn] = {
    "article_known": DerivedColumn(
        (ARTICLE_KEY,), (ARTICLE_KEY,), _article_known,
        "true when the row's article_id is one of the articles validated with it",
    ),
    "body_length": DerivedColumn(
        (ARTICLE_KEY,), (ARTICLE_KEY, "body"), _body_length,
        "code points in the article's body (null when the article is unknown)",
    ),
    "span_matches_body": DerivedColumn(
        (ARTICLE_KEY, "start_char", "end_char", "surface"), (ARTICLE_KEY, "body"),
        _span_matches_body,
        "body[start_char:end_char] == surface (null when the offsets are negative or reversed)",
    ),
    "primary_count": DerivedColumn(
        (ARTICLE_KEY, "is_primary"), (), _primary_count,
        "how many rows of the row's article are primary",
    ),
    "taxonomy_top_level": DerivedColumn(
        ("topic_code",), (), _taxonomy_top_level,
        "the top-level code the taxonomy gives topic_code (null when unknown)",
    ),
    "primary_is_top_level": DerivedColumn(
        ("is_primary", "topic_code", "top_level_code"), (), _primary_is_top_level,
        "for primary rows: topic_code is its own top level (null for other rows)",
    ),
}  # fmt: skip


# ----------------------------------------------------------------------------- suite files
def suite_path(table: str = ARTICLES) -> Path:
    """``<settings.expectations_dir>/<table>.json``."""
    return get_settings().expectations_dir / f"{table}.json"


def suite_tables() -> list[str]:
    """Tables that have a suite file, sorted."""
    return sorted(p.stem for p in get_settings().expectations_dir.glob("*.json"))


def _parameter_names(value: Any) -> set[str]:
    if isinstance(value, dict):
        names = {str(value["$PARAMETER"])} if "$PARAMETER" in value else set()
        for inner in value.values():
            names |= _parameter_names(inner)
        return names
    if isinstance(value, list):
        return set().union(*(_parameter_names(v) for v in value)) if value else set()
    return set()


def expectation_columns(kwargs: Mapping[str, Any]) -> tuple[str, ...]:
    """Columns an expectation reads: ``column``, ``column_A``/``column_B`` or ``column_list``."""
    if isinstance(kwargs.get("column"), str):
        return (kwargs["column"],)
    if isinstance(kwargs.get("column_A"), str) and isinstance(kwargs.get("column_B"), str):
        return (kwargs["column_A"], kwargs["column_B"])
    listed = kwargs.get("column_list")
    if isinstance(listed, list) and listed and all(isinstance(c, str) for c in listed):
        return tuple(listed)
    return ()


def expectation_label(type_: str, kwargs: Mapping[str, Any]) -> str:
    """``type(col)`` or ``type(a,b)``: how results and quarantine reasons name an expectation."""
    return f"{type_}({','.join(expectation_columns(kwargs))})"


def _check_derived(path: Path, meta: Mapping[str, Any]) -> tuple[str, ...]:
    derived = meta.get("derived_columns") or []
    if not isinstance(derived, list) or not all(isinstance(d, str) for d in derived):
        raise ValueError(f"{path}: meta.derived_columns must be a list of names")
    unknown = sorted(set(derived) - set(DERIVED_COLUMNS))
    if unknown:
        raise ValueError(
            f"{path}: unknown derived columns {unknown} (known: {sorted(DERIVED_COLUMNS)})"
        )
    return tuple(dict.fromkeys(derived))


def load_suite_spec(path: Path) -> SuiteSpec:
    """Read and check a suite file (plain JSON, no GX): severities, notes, columns, parameters.

    Cached until the file changes (the key includes its modification time).
    """
    return _load_suite_spec(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=32)
def _load_suite_spec(path: Path, mtime_ns: int) -> SuiteSpec:
    del mtime_ns  # cache key only
    document = json.loads(path.read_text(encoding="utf-8"))
    name = document.get("name")
    if name != path.stem:
        raise ValueError(f"{path}: suite name is {name!r}, expected {path.stem!r}")
    meta = document.get("meta") or {}
    quarantine = meta.get("quarantine", QUARANTINE_ROW)
    if quarantine not in (QUARANTINE_ROW, QUARANTINE_ARTICLE):
        raise ValueError(f"{path}: meta.quarantine must be 'row' or 'article'")
    derived = _check_derived(path, meta)
    expectations: list[SuiteExpectation] = []
    parameters: set[str] = set()
    for i, entry in enumerate(document.get("expectations") or []):
        where = f"{path}: expectations[{i}] ({entry.get('type')})"
        kwargs = entry.get("kwargs") or {}
        entry_meta = entry.get("meta") or {}
        columns = expectation_columns(kwargs)
        if not columns:
            raise ValueError(f"{where}: needs column, column_A/column_B or column_list")
        severity = entry_meta.get("severity")
        if severity not in SEVERITIES:
            raise ValueError(f"{where}: meta.severity must be one of {SEVERITIES}")
        # GX 1.x has its own top-level severity (default critical); keep the two in step.
        if entry.get("severity", CRITICAL) != severity:
            raise ValueError(f"{where}: GX severity {entry.get('severity')!r} != meta.severity")
        notes = entry_meta.get("notes")
        if not isinstance(notes, str) or not notes.strip():
            raise ValueError(f"{where}: meta.notes must be a sentence")
        used = _parameter_names(kwargs)
        unknown = used - SUITE_PARAMETERS
        if unknown:
            raise ValueError(f"{where}: unknown $PARAMETER {sorted(unknown)}")
        parameters |= used
        mostly = kwargs.get("mostly")
        expectations.append(
            SuiteExpectation(
                str(entry["type"]),
                ",".join(columns),
                severity,
                notes,
                columns,
                float(mostly) if isinstance(mostly, int | float) and mostly < 1 else None,
            )
        )
    if not expectations:
        raise ValueError(f"{path}: the suite has no expectations")
    labels = [e.label for e in expectations]
    if len(set(labels)) != len(labels):
        raise ValueError(f"{path}: an expectation type is used twice on the same columns")
    read = [c for e in expectations for c in e.columns if c not in derived]
    read += [c for d in derived for c in DERIVED_COLUMNS[d].columns]
    if quarantine == QUARANTINE_ARTICLE:
        read.append(ARTICLE_KEY)
    return SuiteSpec(
        path=path,
        name=name,
        expectations=tuple(expectations),
        columns=tuple(dict.fromkeys(read)),
        document=document,
        quarantine=quarantine,
        derived=derived,
        parameters=frozenset(parameters),
    )


# ----------------------------------------------------------------------------- GX
@dataclass
class _GxRuntime:
    data_source: Any
    batch_definitions: dict[str, Any]
    lock: threading.Lock

    def batch_definition(self, table: str) -> Any:
        if table not in self.batch_definitions:
            asset = self.data_source.add_dataframe_asset(table)
            self.batch_definitions[table] = asset.add_batch_definition_whole_dataframe("frame")
        return self.batch_definitions[table]


def _skip_batch_fingerprint() -> None:
    """Stop GX hashing every in-memory frame it validates (twice per ``batch.validate``).

    GX's pandas engine md5s ``pd.util.hash_pandas_object(df)`` for frames whose shallow
    ``memory_usage()`` is under ``HASH_THRESHOLD`` (1e9 bytes: always, for us) and only stores it
    as the batch marker ``pandas_data_fingerprint``, which newsdesk never reads; on 20,000
    articles with their mentions and topics it was about a third of validation time. Setting the
    module constant to 0 skips it; if a GX upgrade removes the constant this does nothing.
    """
    from great_expectations.execution_engine import (  # noqa: PLC0415
        pandas_execution_engine as engine,
    )

    if hasattr(engine, "HASH_THRESHOLD"):
        engine.HASH_THRESHOLD = 0


@lru_cache(maxsize=1)
def _gx_runtime() -> _GxRuntime:
    """Import GX and build the ephemeral context once per process."""
    import great_expectations as gx  # noqa: PLC0415 - seconds to import; keep off newsdesk's path
    from great_expectations.data_context.types.base import (  # noqa: PLC0415
        ProgressBarsConfig,
    )

    _skip_batch_fingerprint()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    context.variables.analytics_enabled = False
    return _GxRuntime(context.data_sources.add_pandas("newsdesk"), {}, threading.Lock())


def _gx_suite(path: Path) -> Any:
    """The GX ``ExpectationSuite`` for ``path``, cached until the file changes."""
    return _gx_suite_cached(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=32)
def _gx_suite_cached(path: Path, mtime_ns: int) -> Any:
    _gx_runtime()
    from great_expectations.core import ExpectationSuite  # noqa: PLC0415

    spec = _load_suite_spec(path, mtime_ns)
    suite = ExpectationSuite(**json.loads(json.dumps(spec.document)))
    # GX logs and *drops* expectations whose configuration it rejects; refuse that instead.
    if len(suite.expectations) != len(spec.expectations):
        raise ValueError(
            f"{path}: GX accepted {len(suite.expectations)} of {len(spec.expectations)} "
            "expectations (see the great_expectations log for the rejected ones)"
        )
    return suite


def _to_pandas(df: pl.DataFrame) -> pd.DataFrame:
    """Polars → pandas via NumPy. Default RangeIndex = row number."""
    import pandas as pd  # noqa: PLC0415

    columns: dict[str, pd.Series] = {}
    for name in df.columns:
        series = df.get_column(name)
        dtype = series.dtype
        if isinstance(dtype, pl.Datetime):
            if dtype.time_zone is not None:
                series = series.dt.convert_time_zone("UTC")
            columns[name] = pd.Series(series.to_numpy()).dt.tz_localize("UTC")
        elif dtype in (pl.String, pl.Boolean):
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
        batch = runtime.batch_definition(spec.name).get_batch(batch_parameters={"dataframe": pdf})
        outcome = batch.validate(
            suite, result_format=result_format, expectation_parameters=parameters
        )
    by_label: dict[str, tuple[bool, list[int], Mapping[str, Any]]] = {}
    for res in outcome.results:
        config = res.expectation_config
        label = expectation_label(config.type, config.kwargs)
        message = _exception_message(res.exception_info)
        if message:
            raise RuntimeError(f"GX could not evaluate {label} in suite {spec.name}: {message}")
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


# ----------------------------------------------------------------------------- quarantine rows
def _quarantine_rows(failed: pl.DataFrame, run_id: str, raw_chars: int) -> pl.DataFrame:
    """``failed`` has the record's columns plus ``reason``; build ``schema.QUARANTINE`` rows."""
    payload_columns = [c for c in failed.columns if c not in (_ROW, "reason")]
    payload = [
        pl.col(c).str.slice(0, RAW_FIELD_CHARS) if failed.schema[c] == pl.String else pl.col(c)
        for c in payload_columns
    ]
    raw = pl.struct(payload).struct.json_encode().str.slice(0, raw_chars)
    # quarantine.source_path / record_key are NOT NULL: a row missing them says "" there
    # (``raw`` keeps the null), so a bad row can never make the run's commit fail.
    out = failed.select(
        pl.lit(run_id).alias("run_id"),
        *(
            (pl.col(c) if c in failed.columns else pl.lit(None, pl.String))
            .cast(pl.String)
            .fill_null("")
            .alias(c)
            for c in ("source_path", "record_key")
        ),
        pl.lit(STAGE).alias("stage"),
        pl.col("reason"),
        raw.alias("raw"),
    )
    return schema.conform(out, schema.QUARANTINE)


def _article_quarantine(
    context: pl.DataFrame, failures: pl.DataFrame, run_id: str, raw_chars: int
) -> pl.DataFrame:
    """One quarantine row per context article named in ``failures`` (FAILURE rows)."""
    if failures.is_empty():
        return schema.empty(schema.QUARANTINE)
    failed = context.join(failures, on=ARTICLE_KEY, how="inner", maintain_order="left")
    return _quarantine_rows(failed, run_id, raw_chars)


def _merge_failures(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """FAILURE rows → one row per article_id, reasons joined with "; " in the given order."""
    frames = [f for f in frames if f.height]
    if not frames:
        return schema.empty(FAILURE)
    return (
        pl.concat(frames)
        .filter(pl.col(ARTICLE_KEY).is_not_null())
        .group_by(ARTICLE_KEY, maintain_order=True)
        .agg(pl.col("reason").str.join("; "))
        .pipe(schema.conform, FAILURE)
    )


# ----------------------------------------------------------------------------- validation
def _no_rows_results(spec: SuiteSpec, run_id: str) -> pl.DataFrame:
    return _results_frame(
        [
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
    )


def _check_inputs(
    table: str, frame: pl.DataFrame, spec: SuiteSpec, context: pl.DataFrame | None
) -> None:
    missing = [c for c in spec.columns if c not in frame.columns]
    if missing:
        raise ValueError(f"validate {table}: input lacks columns the suite reads: {missing}")
    if not spec.needs_context:
        return
    if context is None:
        raise ValueError(f"validate {table}: suite {spec.name} needs context= (the articles)")
    needed = {ARTICLE_KEY} | {c for d in spec.derived for c in DERIVED_COLUMNS[d].context_columns}
    if spec.quarantine == QUARANTINE_ARTICLE:
        needed |= {"source_path", "record_key"}
    lacking = sorted(needed - set(context.columns))
    if lacking:
        raise ValueError(f"validate {table}: context lacks columns {lacking}")
    if context.get_column(ARTICLE_KEY).is_duplicated().any():
        raise ValueError(f"validate {table}: context has duplicated article_id values")


def validate_table(
    table: str,
    frame: pl.DataFrame,
    run_id: str,
    *,
    context: pl.DataFrame | None = None,
    now: datetime | None = None,
) -> ValidationOutcome:
    """Validate ``frame`` (rows of ``table``) with the suite ``<expectations_dir>/<table>.json``.

    ``context``: the batch's articles (unique ``article_id``), needed by suites that quarantine
    by article or derive columns from the body. ``now`` (tz-aware; default: the clock) fixes
    ``published_at_max = now + 1 day``.

    Row-mode suites return the failing rows as quarantine rows; article-mode suites return one
    quarantine row per failing article (built from ``context``) and drop every row of it from
    ``valid``. ``failures`` / ``failed_article_ids`` name the stopped articles either way.
    """
    settings = get_settings()
    spec = load_suite_spec(suite_path(table))
    _check_inputs(table, frame, spec, context)
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        raise ValueError(f"validate {table}: now must be timezone-aware")

    if frame.height == 0:
        return ValidationOutcome(
            frame, schema.empty(schema.QUARANTINE), _no_rows_results(spec, run_id)
        )

    gx_frame = frame.select(spec.columns)
    for name in spec.derived:
        gx_frame = gx_frame.with_columns(DERIVED_COLUMNS[name].build(gx_frame, context).alias(name))
    by_label = _run_gx(gx_frame, spec, suite_parameters(spec.parameters, now))

    results = []
    failing: list[pl.DataFrame] = []
    for order, e in enumerate(spec.expectations):
        success, indexes, result = by_label[e.label]
        if e.severity == CRITICAL and indexes:
            failing.append(
                pl.DataFrame(
                    {_ROW: indexes, "order": [order] * len(indexes)},
                    schema={_ROW: pl.UInt32, "order": pl.Int64},
                ).with_columns(label=pl.lit(e.label))
            )
        if not success:
            log = logger.info if e.severity == CRITICAL else logger.warning
            log("validate %s: %s failed: %s", spec.name, e.label, _observed(result))
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
    results_frame = _results_frame(results)
    if not failing:
        return ValidationOutcome(frame, schema.empty(schema.QUARANTINE), results_frame)

    by_row = (
        pl.concat(failing)
        .unique([_ROW, "order"])
        .sort(_ROW, "order")
        .group_by(_ROW, maintain_order=True)
        .agg(pl.col("label").str.join("; ").alias("reason"))
    )
    indexed = frame.with_row_index(_ROW)
    if spec.quarantine == QUARANTINE_ROW:
        return _row_outcome(indexed, by_row, results_frame, run_id, settings)
    return _article_outcome(
        spec,
        indexed,
        pl.concat(failing),
        results=results_frame,
        context=context,
        run_id=run_id,
        settings=settings,
    )


def _row_outcome(
    indexed: pl.DataFrame,
    by_row: pl.DataFrame,
    results: pl.DataFrame,
    run_id: str,
    settings: Settings,
) -> ValidationOutcome:
    valid = indexed.filter(~pl.col(_ROW).is_in(by_row[_ROW].implode())).drop(_ROW)
    failed = indexed.join(by_row, on=_ROW, how="inner").sort(_ROW)
    quarantine = _quarantine_rows(failed, run_id, settings.quarantine_raw_chars)
    if valid.height + quarantine.height != indexed.height:  # pragma: no cover - invariant
        raise RuntimeError(
            f"validate: reconciliation failed: {valid.height} valid + "
            f"{quarantine.height} quarantined != {indexed.height} input rows"
        )
    logger.info("validate: quarantined %d of %d rows", quarantine.height, indexed.height)
    failures = (
        failed.select(ARTICLE_KEY, "reason") if ARTICLE_KEY in failed.columns else failed
    ).pipe(schema.conform, FAILURE)
    return ValidationOutcome(valid, quarantine, results, failures)


def _article_outcome(
    spec: SuiteSpec,
    indexed: pl.DataFrame,
    failing: pl.DataFrame,
    *,
    results: pl.DataFrame,
    context: pl.DataFrame | None,
    run_id: str,
    settings: Settings,
) -> ValidationOutcome:
    """Every article with a critically failing row is stopped, with all of its rows."""
    if context is None:  # pragma: no cover - _check_inputs refuses this earlier
        raise ValueError(f"validate {spec.name}: needs context")
    per_article = (
        failing.join(indexed.select(_ROW, ARTICLE_KEY), on=_ROW, how="inner")
        .filter(pl.col(ARTICLE_KEY).is_not_null())
        .unique([ARTICLE_KEY, "order"])
        .sort(ARTICLE_KEY, "order")
        .group_by(ARTICLE_KEY, maintain_order=True)
        .agg((pl.lit(f"{spec.name}: ") + pl.col("label")).str.join("; ").alias("reason"))
        .pipe(schema.conform, FAILURE)
    )
    bad_rows = failing[_ROW].unique().implode()
    valid = indexed.filter(
        ~pl.col(_ROW).is_in(bad_rows)
        & ~pl.col(ARTICLE_KEY).is_in(per_article[ARTICLE_KEY].implode()).fill_null(False)
    ).drop(_ROW)
    quarantine = _article_quarantine(context, per_article, run_id, settings.quarantine_raw_chars)
    orphans = per_article.height - quarantine.height
    if orphans:
        logger.warning(
            "validate %s: %d failing article ids are not in the batch's articles",
            spec.name,
            orphans,
        )
    logger.info(
        "validate %s: stopped %d articles (%d of %d rows)",
        spec.name,
        per_article.height,
        indexed.height - valid.height,
        indexed.height,
    )
    return ValidationOutcome(valid, quarantine, results, per_article)


def validate_articles(
    articles: pl.DataFrame, run_id: str, *, now: datetime | None = None
) -> ValidationOutcome:
    """Split ``articles`` (``ARTICLE`` rows) into valid and quarantined rows with GX results."""
    return validate_table(ARTICLES, articles, run_id, now=now)


def validate_batch(
    articles: pl.DataFrame,
    mentions: pl.DataFrame,
    topics: pl.DataFrame,
    run_id: str,
    *,
    now: datetime | None = None,
) -> BatchValidation:
    """Every suite over one batch: articles first, then the mentions and topics of valid ones.

    An article failing its own suite, or whose mentions or topics fail theirs, is not loaded
    (nor are its mentions and topics) and gets exactly one quarantine row, whose reason names
    every failing expectation; so ``len(articles) == len(out.articles) + len(out.quarantine)``.
    """
    settings = get_settings()
    checked = validate_table(ARTICLES, articles, run_id, now=now)
    ids = checked.valid.select(ARTICLE_KEY)
    children = [
        validate_table(
            table, frame.join(ids, on=ARTICLE_KEY, how="semi"), run_id,
            context=checked.valid, now=now,
        )
        for table, frame in ((ENTITY_MENTIONS, mentions), (ARTICLE_TOPICS, topics))
    ]  # fmt: skip
    child_failures = _merge_failures([c.failures for c in children])
    failed_ids = child_failures[ARTICLE_KEY].implode()
    child_quarantine = _article_quarantine(
        checked.valid, child_failures, run_id, settings.quarantine_raw_chars
    )
    quarantine = pl.concat([checked.quarantine, child_quarantine])
    valid_articles = checked.valid.filter(~pl.col(ARTICLE_KEY).is_in(failed_ids))
    if valid_articles.height + quarantine.height != articles.height:  # pragma: no cover
        raise RuntimeError(
            f"validate_batch: {valid_articles.height} valid + {quarantine.height} quarantined "
            f"!= {articles.height} articles"
        )
    all_failures = pl.concat([checked.failures, child_failures])
    return BatchValidation(
        articles=valid_articles,
        entity_mentions=children[0].valid.filter(~pl.col(ARTICLE_KEY).is_in(failed_ids)),
        article_topics=children[1].valid.filter(~pl.col(ARTICLE_KEY).is_in(failed_ids)),
        quarantine=quarantine,
        results=pl.concat([checked.results, *(c.results for c in children)]),
        failed_article_ids=all_failures[ARTICLE_KEY].drop_nulls().unique(maintain_order=True),
    )


# ----------------------------------------------------------------------------- per-run results
_OBSERVED_COUNTS = re.compile(
    r"^(?P<bad>\d+) unexpected of (?P<rows>\d+) rows(?:, (?P<null>\d+) null \(not checked\))?$"
)


def _sum_observed(values: list[str]) -> tuple[str, tuple[int, int, int] | None]:
    """Batch-level observed values → one run-level value, and (bad, rows, nulls) if they parse."""
    parsed = [_OBSERVED_COUNTS.match(v or "") for v in values if v != "no rows"]
    if not parsed:
        return "no rows", (0, 0, 0)
    if all(parsed):
        bad = sum(int(m["bad"]) for m in parsed if m)
        rows = sum(int(m["rows"]) for m in parsed if m)
        nulls = sum(int(m["null"] or 0) for m in parsed if m)
        text = f"{bad} unexpected of {rows} rows"
        return text + (f", {nulls} null (not checked)" if nulls else ""), (bad, rows, nulls)
    return " | ".join(dict.fromkeys(v for v in values if v != "no rows"))[:1000], None


def _mostly_by_label() -> dict[tuple[str, str], float]:
    """(suite, label) → ``mostly`` for the suites in ``expectations_dir`` that set one."""
    found: dict[tuple[str, str], float] = {}
    for table in suite_tables():
        try:
            spec = load_suite_spec(suite_path(table))
        except (ValueError, OSError) as error:  # a broken suite must not break reporting
            logger.warning("combine_results: %s", error)
            continue
        found.update({(spec.name, e.label): e.mostly for e in spec.expectations if e.mostly})
    return found


def combine_results(results: pl.DataFrame) -> pl.DataFrame:
    """Batch-level VALIDATION_RESULT rows → one row per run, suite, expectation and column.

    ``unexpected_count`` and the observed counts are summed. ``success`` is true if every batch
    succeeded, except for expectations with ``mostly`` below 1 in their suite file, whose
    success is judged again on the run's summed counts (a batch that happens to hold only
    undated text dumps should not fail a 20% limit the run as a whole meets). Row order follows
    first appearance, so suite order is kept.
    """
    if results.is_empty():
        return schema.conform(results, VALIDATION_RESULT)
    keys = ["run_id", "suite", "expectation", "column", "severity"]
    combined = results.group_by(keys, maintain_order=True).agg(
        pl.col("success").all(),
        pl.col("unexpected_count").sum(),
        pl.col("observed_value"),
    )
    mostly = _mostly_by_label()
    observed: list[str] = []
    success: list[bool] = []
    for row in combined.iter_rows(named=True):
        text, counts = _sum_observed(list(row["observed_value"]))
        observed.append(text)
        limit = mostly.get((row["suite"], f"{row['expectation']}({row['column']})"))
        if limit is not None and counts is not None:
            bad, rows, nulls = counts
            checked = rows - nulls
            success.append(checked == 0 or (checked - bad) / checked >= limit)
        else:
            success.append(bool(row["success"]))
    return schema.conform(
        combined.with_columns(
            observed_value=pl.Series(observed, dtype=pl.String),
            success=pl.Series(success, dtype=pl.Boolean),
        ),
        VALIDATION_RESULT,
    )
