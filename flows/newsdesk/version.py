"""The code's version for lineage: package version plus the git commit when in a checkout."""

from __future__ import annotations

import subprocess
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version

from newsdesk.settings import PROJECT_ROOT


@lru_cache(maxsize=1)
def code_version() -> str:
    """``0.1.0+g1a2b3c4`` (``.dirty`` when the checkout has uncommitted changes)."""
    try:
        base = version("newsdesk")
    except PackageNotFoundError:
        base = "0.0.0"
    try:
        sha = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "rev-parse", "--short=10", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return base
    return f"{base}+g{sha}{'.dirty' if dirty else ''}" if sha else base
