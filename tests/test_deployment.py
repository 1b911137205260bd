"""Scheduled path, for real: a Prefect server, prefect.yaml deployed, a worker runs it.

Starts `prefect server start` on a free loopback port with a temporary PREFECT_HOME,
creates the process work pool, runs `prefect deploy --all` from the repository root,
triggers the hourly-ingest deployment through the API with test parameters, lets a
`--run-once` worker execute it, then checks the flow run's final state and the warehouse.
Everything it starts is stopped at the end (process groups), pass or fail.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import httpx
import pytest

from .conftest import ROOT, SEED

pytestmark = pytest.mark.e2e

TIMEOUT_S = 150
HTTP_OK = 200
T = TypeVar("T")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _poll(
    fetch: Callable[[], T], done: Callable[[T], bool], timeout: float, proc: subprocess.Popen[bytes]
) -> T | None:
    """Call ``fetch`` every second until ``done`` says yes, ``proc`` exits or time runs out;
    the last value fetched (None if none could be fetched)."""
    value: T | None = None
    deadline = time.monotonic() + timeout
    while True:
        exited = proc.poll() is not None  # checked first: the last fetch sees its final work
        try:
            value = fetch()
        except httpx.HTTPError:
            pass
        else:
            if done(value):
                break
        if exited or time.monotonic() > deadline:
            break
        time.sleep(1)
    return value


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    home = tmp_path_factory.mktemp("prefect-home")
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")},
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    log = (home / "server.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        health = _poll(
            lambda: httpx.get(f"{api}/health", timeout=2).status_code,
            lambda code: code == HTTP_OK,
            90,
            proc,
        )
        if health != HTTP_OK:
            pytest.fail(
                "prefect server did not start: " + (home / "server.log").read_text()[-2000:]
            )
        yield env
    finally:
        _stop(proc)
        log.close()


def _prefect(env: dict[str, str], *args: str, timeout: float = 90) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "prefect", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert out.returncode == 0, f"prefect {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}"
    return out.stdout


def test_deployment_runs_on_a_worker(server: dict[str, str], tmp_path: Path) -> None:
    started = time.monotonic()
    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copy(SEED, drop / SEED.name)
    warehouse = tmp_path / "wh"

    _prefect(server, "work-pool", "create", "newsdesk-process", "--type", "process")
    deployed = _prefect(server, "--no-prompt", "deploy", "--all")
    for name in ("hourly-ingest", "nightly-retag", "weekly-compaction"):
        assert name in deployed

    triggered = _prefect(
        server,
        "deployment",
        "run",
        "newsdesk/hourly-ingest",
        "--params",
        json.dumps({"paths": [str(drop)], "warehouse": str(warehouse)}),
    )
    flow_run_id = next(line.split()[-1] for line in triggered.splitlines() if "UUID" in line)

    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "prefect",
            "worker",
            "start",
            "--pool",
            "newsdesk-process",
            "--run-once",
        ],
        env=server,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    api = server["PREFECT_API_URL"]
    try:
        run = _poll(
            lambda: httpx.get(f"{api}/flow_runs/{flow_run_id}", timeout=5).json(),
            lambda r: r["state"]["type"] in {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"},
            TIMEOUT_S,
            worker,
        )
    finally:
        _stop(worker)
    worker_log = worker.stdout.read().decode(errors="replace") if worker.stdout else ""
    assert run is not None, f"the flow run could not be read:\n{worker_log[-3000:]}"
    state = run["state"]["type"]
    assert state == "COMPLETED", f"flow run ended {state}:\n{worker_log[-3000:]}"
    assert run["name"].startswith("newsdesk-")  # the flow run is named after the run id

    with duckdb.connect(str(warehouse / "newsdesk.duckdb"), read_only=True) as con:
        title, source = con.sql("select title, original_source from articles").fetchall()[0]
        (linked,) = con.sql("select prefect_flow_run_id from runs").fetchall()[0]
    assert title == "Macron Says 26 Countries Ready to Send Troops For Ukraine Ceasefire"
    assert source == "BBC"
    assert linked == flow_run_id  # the runs table links to the Prefect flow run
    assert run["name"] == f"newsdesk-{con_run_id(warehouse)}"
    assert time.monotonic() - started < 180


def con_run_id(warehouse: Path) -> str:
    with duckdb.connect(str(warehouse / "newsdesk.duckdb"), read_only=True) as con:
        return str(con.sql("select run_id from runs").fetchall()[0][0])


def test_serve_registers_a_scheduled_deployment(server: dict[str, str], tmp_path: Path) -> None:
    """`newsdesk serve` serves the flow on its schedule from one process (no worker)."""
    drop = tmp_path / "drop"
    drop.mkdir()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "newsdesk.cli",
            "serve",
            str(drop),
            "--warehouse",
            str(tmp_path / "wh"),
            "--interval",
            "3600",
            "--name",
            "serve-test",
        ],
        env=server,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    api = server["PREFECT_API_URL"]
    query = {"deployments": {"name": {"any_": ["serve-test"]}}}
    try:
        found: dict[str, Any] | None = _poll(
            lambda: next(iter(httpx.post(f"{api}/deployments/filter", json=query).json()), {}),
            bool,
            90,
            proc,
        )
    finally:
        _stop(proc)
    output = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
    assert found, f"serve registered no deployment:\n{output[-2000:]}"
    assert found["parameters"] == {"paths": [str(drop)], "warehouse": str(tmp_path / "wh")}
    schedules = found.get("schedules") or []
    assert schedules and schedules[0]["schedule"]["interval"] == 3600
