"""``on_polars_pool``: a stage runs on a Polars worker thread, with its result and errors intact."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import polars as pl
import pytest

from newsdesk.polars_pool import on_polars_pool, on_pool


@on_polars_pool
def _where(frame: pl.DataFrame, *, add: int = 0) -> tuple[int, bool, pl.DataFrame]:
    return threading.get_ident(), on_pool(), frame.with_columns(pl.col("x") + add)


def test_runs_off_the_calling_thread_and_returns_the_result() -> None:
    frame = pl.DataFrame({"x": [1, 2, 3]})
    ident, inside, out = _where(frame, add=10)
    assert ident != threading.get_ident()
    assert inside
    assert out["x"].to_list() == [11, 12, 13]
    assert not on_pool()  # the flag does not leak to the caller


def test_calls_the_function_once() -> None:
    calls: list[int] = []

    @on_polars_pool
    def count() -> int:
        calls.append(1)
        return len(calls)

    assert count() == 1
    assert calls == [1]


def test_reraises_the_functions_own_exception() -> None:
    class StageError(Exception):
        pass

    error = StageError("bad batch")

    @on_polars_pool
    def fail() -> None:
        raise error

    with pytest.raises(StageError) as caught:
        fail()
    assert caught.value is error
    assert not on_pool()


def test_a_stage_called_from_a_stage_runs_in_place() -> None:
    @on_polars_pool
    def outer() -> tuple[int, int]:
        return threading.get_ident(), _where(pl.DataFrame({"x": [0]}))[0]

    outer_ident, inner_ident = outer()
    assert outer_ident == inner_ident != threading.get_ident()


def test_polars_errors_inside_the_stage_keep_their_type() -> None:
    @on_polars_pool
    def missing_column() -> pl.DataFrame:
        return pl.DataFrame({"x": [1]}).select("y")

    with pytest.raises(pl.exceptions.ColumnNotFoundError):
        missing_column()


_CONCURRENT = """
import threading
import polars as pl
from newsdesk.entities import find_entities
from newsdesk.topics import classify_topics_and_themes

bodies = [
    "US President Donald Trump met Emmanuel Macron in Paris on Monday, the White House said.",
    "Sir Keir Starmer told the BBC that the European Union would meet in Brussels.",
] * 20
articles = pl.DataFrame(
    {"article_id": [f"a{i}" for i in range(len(bodies))], "title": None, "body": bodies},
    schema={"article_id": pl.String, "title": pl.String, "body": pl.String},
)
errors = []

def stage(i):
    try:
        for _ in range(3):
            assert find_entities(articles)[1].height > 0
            classify_topics_and_themes(articles)
    except BaseException as exc:
        errors.append(exc)

threads = [threading.Thread(target=stage, args=(i,)) for i in range(3)]
for t in threads:
    t.start()
# meanwhile this thread keeps calling Polars outside any stage, as the flow's thread does
s = pl.Series("x", list(range(50_000))[::-1])
while any(t.is_alive() for t in threads):
    s.sort().unique().is_in(pl.Series(list(range(0, 50_000, 7))))
    pl.concat([pl.DataFrame({"x": s}), pl.DataFrame({"x": s})]).group_by("x").len()
for t in threads:
    t.join()
assert not errors, errors
print("ok", pl.thread_pool_size())
"""


@pytest.mark.parametrize("threads", ["1", "2"])
def test_concurrent_stages_and_outside_calls_finish(threads: str) -> None:
    """Stages called from several threads at once (as Prefect's thread runner does), while
    another thread calls Polars outside any stage, all finish: a pool thread waiting inside
    one stage may run another stage's call, and none waits on the other for ever. In a child
    process, because the pool size is fixed when Polars is imported."""
    env = {**os.environ, "POLARS_MAX_THREADS": threads}
    out = subprocess.run(
        [sys.executable, "-c", _CONCURRENT],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split() == ["ok", threads]


def test_runs_on_the_calling_thread_if_polars_never_calls_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Should a Polars release evaluate the select without the callback, the stage still runs."""
    monkeypatch.setattr(pl, "select", lambda *exprs: pl.DataFrame())
    ident, inside, out = _where(pl.DataFrame({"x": [1]}), add=1)
    assert ident == threading.get_ident()
    assert not inside
    assert out["x"].to_list() == [2]
