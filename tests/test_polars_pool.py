"""``on_polars_pool``: a stage runs on a Polars worker thread, with its result and errors intact."""

from __future__ import annotations

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
