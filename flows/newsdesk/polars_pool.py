"""Running a stage on a Polars worker thread, where Polars' parallel sections run in place.

Polars runs the parallel part of an eager operation (a ``select`` or ``with_columns`` of several
expressions, a filter, join, group-by or sort) on its rayon thread pool. Called from a thread
outside that pool (the Python main thread, a Prefect task-runner thread), each such part is
handed to a pool thread and waited for: two thread wake-ups and a spinning worker per part. A
stage makes hundreds of eager calls per shard, each with several parallel parts; on a one-thread
pool (``POLARS_MAX_THREADS=1``) the hand-offs cost a quarter of the entity stage's CPU time
(2026-12-07, ``newsdesk synth --n 20000`` shards: 3.1-3.4 s of CPU called from the main thread,
2.4-2.5 s called from the pool). Called from a pool thread, rayon runs the same parts inline and
still shares them with the other workers by work stealing, so nothing is lost with more threads.

``on_polars_pool`` makes a function run on a pool thread: it evaluates a two-expression ``select``
(Polars evaluates the expressions of one ``select`` on its pool) whose first expression calls the
function. The function's result is returned and its exception re-raised as they are. A call made
while already on the pool (one stage calling another) runs directly. If a Polars release ever
evaluated that ``select`` on the calling thread, the function would still run, correctly, just
without the gain; ``tests/test_polars_pool.py`` checks that it runs off the calling thread.

Stages called from several threads at once (Prefect's thread runner runs shards side by
side) each take a pool thread; a pool thread waiting inside one stage for a part another
thread took may, by work stealing, run another stage's call to its end before it goes on.
Every call finishes (the same test runs stages from three threads with an outside caller, on
one and two Polars threads); the whole run measured the same or faster (README).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import polars as pl

P = ParamSpec("P")
R = TypeVar("R")

_state = threading.local()


def on_pool() -> bool:
    """True inside a function that ``on_polars_pool`` is running."""
    return bool(getattr(_state, "inside", False))


def on_polars_pool(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorator: run ``fn`` on a Polars pool thread (see the module docstring)."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if on_pool():
            return fn(*args, **kwargs)
        results: list[R] = []
        errors: list[BaseException] = []

        def call(column: pl.Series, **_: object) -> pl.Series:  # Polars passes return_dtype
            # (a pool thread waiting inside one stage may pick up another stage's call:
            # restore, not clear, the flag when it returns)
            outer = on_pool()
            _state.inside = True
            try:
                results.append(fn(*args, **kwargs))
            except BaseException as exc:  # re-raised below, on the calling thread
                errors.append(exc)
            finally:
                _state.inside = outer
            return column

        pl.select(pl.lit(0).map_batches(call, return_dtype=pl.Int32), pl.lit(0).alias("_"))
        if errors:
            raise errors[0]
        if not results:  # a Polars release that skips the callback: run here, correctly
            return fn(*args, **kwargs)
        return results[0]

    return run
